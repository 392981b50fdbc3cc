import type { Resource } from '../fhir-types.js';
import type { TopicDefinition } from './topic-definition.js';

/**
 * A topic as an R4 `Basic` resource: the representation of the Backport IG 1.2 ballot (R4 has no
 * SubscriptionTopic), each R5 element an `extension-SubscriptionTopic.<element>` cross-version
 * extension, `status` a modifier extension, `code` = fhir-types#SubscriptionTopic.
 */
export const TOPIC_EXTENSION = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.';
export const FHIR_TYPES = 'http://hl7.org/fhir/fhir-types';

type Extension = { url: string; [value: string]: unknown };

const text = (url: string, value: string | undefined, kind = 'valueString'): Extension[] => (value === undefined ? [] : [{ url, [kind]: value }]);

export function topicToBasic(topic: TopicDefinition): Resource {
  const x = (element: string) => `${TOPIC_EXTENSION}${element}`;
  const extension: Extension[] = [
    { url: x('url'), valueUri: topic.url },
    { url: x('version'), valueString: topic.version },
    { url: x('name'), valueString: topic.name },
    { url: x('title'), valueString: topic.title },
    { url: x('date'), valueDateTime: topic.date },
    { url: x('description'), valueMarkdown: topic.description },
    ...topic.resourceTrigger.map((t) => ({
      url: x('resourceTrigger'),
      extension: [
        ...text('description', t.description, 'valueMarkdown'),
        { url: 'resource', valueUri: t.resource },
        ...t.supportedInteraction.map((i) => ({ url: 'supportedInteraction', valueCode: i })),
        ...(t.queryCriteria ? [{
          url: 'queryCriteria',
          extension: [
            ...text('previous', t.queryCriteria.previous),
            ...text('resultForCreate', t.queryCriteria.resultForCreate, 'valueCode'),
            ...text('current', t.queryCriteria.current),
            ...text('resultForDelete', t.queryCriteria.resultForDelete, 'valueCode'),
            ...(t.queryCriteria.requireBoth === undefined ? [] : [{ url: 'requireBoth', valueBoolean: t.queryCriteria.requireBoth }]),
          ],
        }] : []),
        ...text('fhirPathCriteria', t.fhirPathCriteria),
      ],
    })),
    ...topic.canFilterBy.map((f) => ({
      url: x('canFilterBy'),
      extension: [
        ...text('description', f.description, 'valueMarkdown'),
        ...text('resource', f.resource, 'valueUri'),
        { url: 'filterParameter', valueString: f.filterParameter },
        ...(f.comparator ?? []).map((c) => ({ url: 'comparator', valueCode: c })),
        ...(f.modifier ?? []).map((m) => ({ url: 'modifier', valueCode: m })),
      ],
    })),
    ...topic.notificationShape.map((s) => ({
      url: x('notificationShape'),
      extension: [
        { url: 'resource', valueUri: s.resource },
        ...(s.include ?? []).map((i) => ({ url: 'include', valueString: i })),
        ...(s.revInclude ?? []).map((i) => ({ url: 'revInclude', valueString: i })),
      ],
    })),
  ];
  return {
    resourceType: 'Basic',
    id: topic.title,
    modifierExtension: [{ url: x('status'), valueCode: topic.status }],
    extension,
    code: { coding: [{ system: FHIR_TYPES, code: 'SubscriptionTopic' }] },
  };
}
