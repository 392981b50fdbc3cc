export { validateResource } from './validate-resource.js';
