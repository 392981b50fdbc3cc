export { buildApp } from './app.js';
export { startServer, type RunningServer } from './server.js';
export type { Services } from './services.js';
