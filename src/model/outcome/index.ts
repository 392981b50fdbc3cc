export { OperationOutcomeError, outcomeOf, issue } from './operation-outcome-error.js';
export * from './issue-helpers.js';
