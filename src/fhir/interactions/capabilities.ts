import { resourceTypes, searchParamsOf } from '../../model/index.js';
import type { FhirContext } from '../fhir-context.js';
import { FHIR_ROUTES } from '../routes.js';

let cached: { key: string; json: string } | undefined;

/**
 * R4 §3.1.0.13 capabilities: generated from the route table and the search-parameter definitions
 * the search engine really compiles, so it cannot claim what the server does not do.
 */
export function capabilityStatement(ctx: FhirContext): string {
  const key = ctx.fhirBase;
  if (cached?.key === key) return cached.json;
  const typeInteractions = [...new Set(FHIR_ROUTES.filter((r) => r.level !== 'system').map((r) => r.interaction))];
  const systemInteractions = [...new Set(FHIR_ROUTES.filter((r) => r.level === 'system').map((r) => r.interaction)), 'transaction', 'batch'];
  const supportedTypes = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);
  const statement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-28',
    kind: 'instance',
    software: { name: 'Handover', version: '0.1.0' },
    implementation: { description: 'Handover FHIR R4 server', url: ctx.fhirBase },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [{
      mode: 'server',
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
        searchInclude: [...searchParamsOf(type).values()].filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`),
        searchParam: [...searchParamsOf(type).values()]
          .filter((p) => supportedTypes.has(p.type) && p.expression !== undefined)
          .map((p) => ({ name: p.code, type: p.type })),
      })),
      interaction: systemInteractions.map((code) => ({ code })),
      searchParam: [
        { name: '_count', type: 'number' }, { name: '_sort', type: 'string' }, { name: '_summary', type: 'token' },
        { name: '_elements', type: 'string' }, { name: '_include', type: 'special' }, { name: '_revinclude', type: 'special' },
        { name: '_total', type: 'token' },
      ],
    }],
  };
  cached = { key, json: JSON.stringify(statement) };
  return cached.json;
}
