import type { ScopeInteraction } from './scope-types.js';

/** R4 RESTful interaction codes (CapabilityStatement.rest.resource.interaction.code and rest.interaction.code). */
export type RestInteraction =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'create' | 'search-type'
  | 'search-system' | 'history-system' | 'batch' | 'transaction';

/**
 * §"Scopes for requesting FHIR Resources" lists what each letter covers: c = type create; r =
 * read, vread, instance history; u = update ("some servers allow for an update operation to
 * create a new instance, and this is allowed by the update scope") and patch; d = delete; s = type
 * search, type history, system search, system history (checked per resource type involved).
 * Batch and transaction have no letter: "batch and transaction requests should be validated based
 * on the actual requests within them" (§"Batches and Transactions") — `undefined`.
 */
const LETTERS: Readonly<Record<RestInteraction, ScopeInteraction | undefined>> = {
  create: 'c',
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  update: 'u',
  patch: 'u',
  delete: 'd',
  'search-type': 's',
  'history-type': 's',
  'search-system': 's',
  'history-system': 's',
  batch: undefined,
  transaction: undefined,
};

export function smartInteraction(interaction: RestInteraction): ScopeInteraction | undefined {
  return LETTERS[interaction];
}
