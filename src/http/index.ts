export { buildApp } from './app.js';
export { startServer, type RunningServer } from './server.js';
export { createServices, fhirContextOf, type Services } from './services.js';
