export { fhirPlugin } from './rest/fhir-plugin.js';
export { dispatch } from './dispatch.js';
export type { FhirContext } from './fhir-context.js';
export type { FhirRequest, FhirResponse } from './fhir-request.js';
export { loadResources, writeResourcesIn } from './load-resources.js';
export { NO_EXTENSIONS, type FhirExtensions, type FhirOperation, type ResourceTypeExtension, type PreparedWrite, type DisclosedContent } from './fhir-extensions.js';
