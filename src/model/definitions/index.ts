export { summaryElements, resourceTypes, isResourceType, searchParamsOf, patientCompartmentParams } from './r4-definitions.js';
export { branchesFor, splitTopLevelUnion } from './split-expression.js';
