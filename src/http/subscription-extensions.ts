import type { FhirExtensions } from '../fhir/index.js';
import { invalid, notFound, type PayloadContent } from '../model/index.js';
import type { SubscriptionEngine, WebsocketChannel } from '../subscriptions/index.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport';
const CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];

/**
 * The subscriptions engine as the FHIR API sees it (fhir/fhir-extensions.ts): Subscription writes
 * pass the Backport IG validation and (re)start delivery once committed; reads show the live
 * status; `$status`, `$events` and `$get-ws-binding-token`; the topics in the CapabilityStatement;
 * every commit wakes the matcher.
 */
export function subscriptionExtensions(engine: SubscriptionEngine, websockets: WebsocketChannel): FhirExtensions {
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
      // Backport IG OperationDefinition backport-subscription-get-ws-binding-token: the instance, or at type level the
      // `id`s given (each one the caller may see, else 404) or, without any, all the caller's websocket subscriptions.
      { resourceType: 'Subscription', level: 'instance', name: 'get-ws-binding-token', interaction: 'r', definition: `${BACKPORT}/OperationDefinition/backport-subscription-get-ws-binding-token`,
        handle: async ({ id, access }) => websockets.issueToken([id!], access) },
      { resourceType: 'Subscription', level: 'type', name: 'get-ws-binding-token', interaction: 's', definition: `${BACKPORT}/OperationDefinition/backport-subscription-get-ws-binding-token`,
        handle: async ({ params, access, visibleIds }) => {
          const wanted = [...new Set(params.filter(([name]) => name === 'id').flatMap(([, value]) => value.split(',')).map((v) => v.trim()).filter(Boolean))];
          const hidden = wanted.find((id) => !visibleIds.includes(id));
          if (hidden !== undefined) throw notFound(`Subscription/${hidden} is not known`);
          return websockets.issueToken(wanted.length > 0 ? wanted : await websockets.websocketIds(visibleIds), access);
        } },
    ],
    // The matcher is woken by the store itself after every commit that wrote resources (services.ts).
    afterCommit: () => undefined,
    // R4 extension capabilitystatement-websocket: where websocket subscribers connect (Backport IG "Websockets", step 3).
    restExtensions: () => [{ url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket', valueUri: websockets.websocketUrl }],
    capability: (type) => type === 'Subscription'
      ? { extension: engine.topics.all().map((topic) => ({ url: `${BACKPORT}/StructureDefinition/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: topic.url })) }
      : undefined,
  };
}

