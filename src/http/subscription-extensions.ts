import type { FhirExtensions } from '../fhir/index.js';
import { invalid, type PayloadContent } from '../model/index.js';
import type { SubscriptionEngine } from '../subscriptions/index.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport';
const CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];

/**
 * The subscriptions engine as the FHIR API sees it (fhir/fhir-extensions.ts): Subscription writes
 * pass the Backport IG validation and (re)start delivery once committed; reads show the live
 * status; `$status` and `$events`; the topics in the CapabilityStatement; every commit wakes the
 * matcher.
 */
export function subscriptionExtensions(engine: SubscriptionEngine): FhirExtensions {
  return {
    types: {
      Subscription: {
        beforeWrite: async (resource, access) => {
          const validated = await engine.validateSubscription(resource, access);
          return { resource: validated.resource, warnings: validated.warnings, afterCommit: (id) => engine.onSubscriptionWritten(id, validated) };
        },
        afterDelete: (id) => engine.onSubscriptionDeleted(id),
        present: (resource) => engine.decorate(resource),
      },
    },
    operations: [
      { resourceType: 'Subscription', level: 'type', name: 'status', interaction: 's', definition: `${BACKPORT}/OperationDefinition/backport-subscription-status`,
        handle: async ({ params, visibleIds }) => {
          // Backport IG: `id` narrows the type-level $status to some subscriptions (of those the caller may see).
          const wanted = params.filter(([name]) => name === 'id').flatMap(([, value]) => value.split(','));
          return engine.statusOf(wanted.length > 0 ? visibleIds.filter((id) => wanted.includes(id)) : visibleIds);
        } },
      { resourceType: 'Subscription', level: 'instance', name: 'status', interaction: 'r', definition: `${BACKPORT}/OperationDefinition/backport-subscription-status`,
        handle: async ({ id }) => engine.statusOf([id!]) },
      { resourceType: 'Subscription', level: 'instance', name: 'events', interaction: 'r', definition: `${BACKPORT}/OperationDefinition/backport-subscription-events`,
        handle: async ({ id, params, access }) => {
          const number = (name: string) => {
            const value = params.find(([n]) => n === name)?.[1];
            if (value === undefined) return undefined;
            if (!/^[1-9]\d{0,15}$/.test(value)) throw invalid(`${name} must be a positive integer`, name);
            return Number(value);
          };
          const content = params.find(([n]) => n === 'content')?.[1];
          if (content !== undefined && !CONTENTS.includes(content as PayloadContent)) throw invalid(`content must be one of ${CONTENTS.join(', ')}`, 'content');
          return engine.eventsOf(id!, access, number('eventsSinceNumber'), number('eventsUntilNumber'), content as PayloadContent | undefined);
        } },
    ],
    afterCommit: () => engine.notifyCommitted(),
    capability: (type) => type === 'Subscription'
      ? { extension: engine.topics.all().map((topic) => ({ url: `${BACKPORT}/StructureDefinition/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: topic.url })) }
      : undefined,
  };
}

