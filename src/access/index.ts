export type { Caller, AccessContext } from './caller.js';
export { OPEN_ACCESS } from './caller.js';
export { Unauthenticated, InsufficientScope } from './access-errors.js';
