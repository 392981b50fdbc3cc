import { InsufficientScope, seeable, subscriptionAuthority, withOwnerTags, type AccessContext, type Caller } from '../access/index.js';
import { issue, OperationOutcomeError, type OperationOutcomeIssue, type Resource, type SubscriptionSettings, type TopicDefinition } from '../model/index.js';
import type { AuthRecords } from '../storage/index.js';

export interface AuthorizeInput {
  resource: Resource;
  settings: SubscriptionSettings;
  topic: TopicDefinition;
  access: AccessContext;
  records: AuthRecords;
  now: number;
  fhirBase: string;
  /** The longest a backend service's subscription may run (engine options). */
  backendMaxLifetimeMs: number;
}

export interface Authorized {
  resource: Resource;
  settings: SubscriptionSettings;
  warnings: OperationOutcomeIssue[];
}

const FILTER = 'Subscription.criteria.extension';

/**
 * Issue 4 (b), at creation and update: a subscription may only ask for what its grant may read.
 * The `Subscription.c`/`u` scope itself was checked by the FHIR layer before this runs.
 * - Every resource type the topic fires on (narrowed by a `_type` filter) must be readable or
 *   searchable (`r` or `s`) for the filter's patient; scopes confined to one patient's compartment
 *   (`patient/`, a Patient user's `user/`) need a `patient` filter naming that patient.
 * - `end` is capped by the grant's lifetime (its absolute or idle expiry; a backend service: the
 *   engine's `backendMaxLifetimeMs`) and the stored resource shows the capped value.
 * - The stored resource carries its owner tags (access: subscription-ownership.ts).
 * Under `--open` nothing is checked and the subscription belongs to no grant.
 */
export async function authorizeSubscription(input: AuthorizeInput): Promise<Authorized> {
  const { access } = input;
  if (access.open) return { resource: withOwnerTags(input.resource, undefined), settings: input.settings, warnings: [] };
  for (const type of triggerTypes(input.topic, input.settings)) checkReadable(access, type, input.settings.patientKey, input);
  const capped = await capEnd(access.caller, input);
  return { ...capped, resource: withOwnerTags(capped.resource, access.caller) };
}

function triggerTypes(topic: TopicDefinition, settings: SubscriptionSettings): string[] {
  const types = [...new Set(topic.resourceTrigger.map((trigger) => trigger.resource))];
  const only = settings.filters.filter((f) => f.name === '_type').flatMap((f) => f.value.split(','));
  return only.length > 0 ? types.filter((type) => only.includes(type)) : types;
}

function checkReadable(access: AccessContext & { open: false }, type: string, patientKey: string | null, input: AuthorizeInput): void {
  const visibility = seeable(access, type, { now: input.now, localBase: input.fhirBase });
  const level = access.caller.fhirUser === undefined ? 'system' : access.caller.patientId !== undefined ? 'patient' : 'user';
  if (visibility === undefined) {
    throw new InsufficientScope(`The granted scopes do not allow reading ${type}, which the topic ${input.topic.url} notifies about` +
      (input.topic.resourceTrigger.length > 1 ? ' (a _type filter can narrow the topic)' : ''), `${level}/${type}.rs`);
  }
  if (visibility === 'everything' || visibility.anyOf.some((a) => a.compartment === undefined || a.compartment === patientKey)) return;
  // Every alternative is confined to one patient's compartment: the filter must name that patient.
  const reachable = [...new Set(visibility.anyOf.map((a) => a.compartment))].join(', ');
  throw new OperationOutcomeError(403, [issue('forbidden', patientKey === null
    ? `The granted scopes reach ${type} of one patient only: add the filter patient=Patient/${reachable}`
    : `The granted scopes do not reach ${type} of Patient/${patientKey}: the patient filter must name Patient/${reachable}`, FILTER)]);
}

async function capEnd(caller: Caller, input: AuthorizeInput): Promise<Authorized> {
  const authority = await subscriptionAuthority(input.records, caller.grantId, input.now);
  // The caller's token was checked a moment ago; a grant dying in between is refused like a dead token would be.
  if (!authority.alive) throw new InsufficientScope(`The grant is no longer valid: ${authority.reason}`);
  const cap = authority.backend ? input.now + input.backendMaxLifetimeMs : authority.lifetimeEnd;
  const { settings, resource } = input;
  if (cap === null || (settings.end !== null && settings.end <= cap)) return { resource, settings, warnings: [] };
  const end = new Date(cap).toISOString();
  const why = authority.backend ? 'the longest a backend service\'s subscription may run' : 'the end of the authorization it was created under';
  return {
    resource: { ...resource, end } as Resource,
    settings: { ...settings, end: cap },
    warnings: [issue('value', `end set to ${end}: ${why} (a subscription never outlives its grant)`, 'Subscription.end', 'warning')],
  };
}
