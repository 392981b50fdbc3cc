import { SOFTWARE_VERSION } from '../../base/index.js';
import { indexedParams, resourceTypes } from '../../model/index.js';
import type { FhirContext } from '../fhir-context.js';
import { FHIR_ROUTES } from '../routes.js';

/**
 * R4 CapabilityStatement.rest.security as SMART App Launch 2.2 §"Capability Statement" asks: the
 * SMART-on-FHIR service code; the endpoints themselves are in .well-known/smart-configuration.
 */
const SECURITY = {
  cors: true,
  service: [{
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
    text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
  }],
  description: 'Every interaction but this statement needs a SMART on FHIR bearer token (App Launch 2.2, scopes v1 and v2 with granular queries, '
    + 'or Backend Services). Endpoints: [base]/.well-known/smart-configuration. patient/ scopes reach the launch patient\'s compartment and '
    + 'the Medication, Practitioner, PractitionerRole, Organization and Location records it refers to.',
};

/** One statement per context: it depends only on the route table and the base URL. */
const cache = new WeakMap<FhirContext, string>();

/**
 * R4 §3.1.0.13 capabilities: generated from the route table and the search-parameter definitions
 * the search engine really compiles, so it cannot claim what the server does not do.
 */
/** What other capabilities add to a type's entry: their operations and extensions. */
function extensionCapability(ctx: FhirContext, type: string): Record<string, unknown> {
  const operations = [...new Map(ctx.extensions.operations.filter((op) => op.resourceType === type)
    .map((op) => [op.name, { name: op.name, definition: op.definition }])).values()];
  return { ...(operations.length > 0 ? { operation: operations } : {}), ...(ctx.extensions.capability?.(type) ?? {}) };
}

export function capabilityStatement(ctx: FhirContext): string {
  const cached = cache.get(ctx);
  if (cached !== undefined) return cached;
  const typeInteractions = [...new Set(FHIR_ROUTES.filter((r) => r.level !== 'system').map((r) => r.interaction))];
  const systemInteractions = [...new Set(FHIR_ROUTES.filter((r) => r.level === 'system').map((r) => r.interaction)), 'transaction', 'batch'];
  const statement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    // An instance statement describes this running server: dated when it was made (once per process).
    date: ctx.clock.now().toISOString(),
    kind: 'instance',
    software: { name: 'Handover', version: SOFTWARE_VERSION },
    implementation: { description: 'Handover FHIR R4 server', url: ctx.fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [{
      ...(ctx.extensions.restExtensions ? { extension: ctx.extensions.restExtensions() } : {}),
      mode: 'server',
      security: SECURITY,
      resource: resourceTypes().map((type) => ({
        type,
        interaction: typeInteractions.map((code) => ({ code })),
        versioning: 'versioned-update',
        readHistory: true,
        updateCreate: true,
        conditionalCreate: true,
        conditionalRead: 'not-supported',
        conditionalUpdate: true,
        conditionalDelete: 'single',
        referencePolicy: ['literal', 'logical'],
        // Exactly the parameters search parses and indexes (model/search indexed-params.ts).
        searchInclude: indexedParams(type).filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
        searchParam: indexedParams(type).map((p) => ({ name: p.code, type: p.type })),
        ...extensionCapability(ctx, type),
      })),
      interaction: systemInteractions.map((code) => ({ code })),
      searchParam: [
        { name: '_count', type: 'number' }, { name: '_sort', type: 'string' }, { name: '_summary', type: 'token' },
        { name: '_elements', type: 'string' }, { name: '_include', type: 'special' }, { name: '_revinclude', type: 'special' },
        { name: '_total', type: 'token' },
      ],
    }],
  };
  const json = JSON.stringify(statement);
  cache.set(ctx, json);
  return json;
}
