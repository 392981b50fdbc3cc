import { isResourceType } from '../definitions/index.js';
import type { Resource } from '../fhir-types.js';
import { invalid } from '../outcome/index.js';
import { parseCriteriaQuery } from './parse-criteria-query.js';
import type { CanFilterBy, CriteriaResult, Interaction, NotificationShape, QueryCriteria, ResourceTrigger, TopicDefinition } from './topic-definition.js';
import { FHIR_TYPES, TOPIC_EXTENSION } from './topic-to-basic.js';

/**
 * An operator's topic (a file, the CLI) read from its `Basic` representation (topic-to-basic.ts),
 * checked so that every trigger can be evaluated: known resource types and interactions, query
 * criteria this server can match in memory. Errors are OperationOutcomes naming the extension.
 */
type Extension = { url: string; extension?: Extension[]; [value: string]: unknown };

const INTERACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);
const RESULTS: ReadonlySet<string> = new Set(['test-passes', 'test-fails']);

export function topicFromBasic(basic: Resource): TopicDefinition {
  const coding = (basic.code as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? [];
  if (basic.resourceType !== 'Basic' || !coding.some((c) => c.system === FHIR_TYPES && c.code === 'SubscriptionTopic')) {
    throw invalid('A topic is a Basic resource with code fhir-types#SubscriptionTopic', 'Basic.code');
  }
  const top = (basic.extension ?? []) as Extension[];
  const of = (element: string) => top.filter((e) => e.url === `${TOPIC_EXTENSION}${element}`);
  const value = (element: string) => stringValue(of(element)[0]);
  const url = value('url');
  if (!url || !/^[a-z][a-z0-9+.-]*:/i.test(url)) throw invalid('The topic needs an absolute canonical URL', 'Basic.extension[url]');
  const status = stringValue(((basic.modifierExtension ?? []) as Extension[]).find((e) => e.url === `${TOPIC_EXTENSION}status`)) ?? 'active';
  const triggers = of('resourceTrigger').map((e, i) => triggerOf(e.extension ?? [], `Basic.extension[resourceTrigger][${i}]`));
  if (triggers.length === 0) throw invalid('The topic has no resourceTrigger this server can evaluate', 'Basic.extension[resourceTrigger]');
  return {
    url, version: value('version') ?? '', name: value('name') ?? '', title: value('title') ?? value('name') ?? url,
    status: status === 'draft' || status === 'retired' ? status : 'active', date: value('date') ?? '',
    description: value('description') ?? '',
    resourceTrigger: triggers,
    canFilterBy: of('canFilterBy').map((e) => canFilterByOf(e.extension ?? [])),
    notificationShape: of('notificationShape').map((e) => shapeOf(e.extension ?? [])),
  };
}

function triggerOf(parts: Extension[], where: string): ResourceTrigger {
  const resource = typeName(stringValue(parts.find((p) => p.url === 'resource')));
  if (!resource || !isResourceType(resource)) throw invalid(`Unknown resource type in resourceTrigger`, `${where}.resource`);
  const interactions = parts.filter((p) => p.url === 'supportedInteraction').map(stringValue);
  if (interactions.some((i) => !INTERACTIONS.has(i ?? ''))) throw invalid('supportedInteraction is create, update or delete', `${where}.supportedInteraction`);
  const trigger: ResourceTrigger = {
    resource,
    // R5: "If not present, all supported interactions are allowed."
    supportedInteraction: interactions.length > 0 ? (interactions as Interaction[]) : ['create', 'update', 'delete'],
  };
  const description = stringValue(parts.find((p) => p.url === 'description'));
  if (description !== undefined) trigger.description = description;
  const query = parts.find((p) => p.url === 'queryCriteria');
  if (query) trigger.queryCriteria = queryCriteriaOf(resource, query.extension ?? [], `${where}.queryCriteria`);
  const fhirPath = stringValue(parts.find((p) => p.url === 'fhirPathCriteria'));
  if (fhirPath !== undefined) trigger.fhirPathCriteria = fhirPath;
  return trigger;
}

function queryCriteriaOf(resource: string, parts: Extension[], where: string): QueryCriteria {
  const get = (name: string) => stringValue(parts.find((p) => p.url === name));
  const criteria: QueryCriteria = {};
  for (const name of ['previous', 'current'] as const) {
    const query = get(name);
    if (query === undefined) continue;
    parseCriteriaQuery(resource, query, `${where}.${name}`); // refuses what cannot be evaluated
    criteria[name] = query;
  }
  for (const name of ['resultForCreate', 'resultForDelete'] as const) {
    const result = get(name);
    if (result === undefined) continue;
    if (!RESULTS.has(result)) throw invalid(`${name} is test-passes or test-fails`, `${where}.${name}`);
    criteria[name] = result as CriteriaResult;
  }
  const both = parts.find((p) => p.url === 'requireBoth');
  if (both && typeof both.valueBoolean === 'boolean') criteria.requireBoth = both.valueBoolean;
  return criteria;
}

function canFilterByOf(parts: Extension[]): CanFilterBy {
  const filter: CanFilterBy = { filterParameter: stringValue(parts.find((p) => p.url === 'filterParameter')) ?? '' };
  const resource = typeName(stringValue(parts.find((p) => p.url === 'resource')));
  if (resource !== undefined) filter.resource = resource;
  const description = stringValue(parts.find((p) => p.url === 'description'));
  if (description !== undefined) filter.description = description;
  const comparators = parts.filter((p) => p.url === 'comparator').map(stringValue).filter((c): c is string => c !== undefined);
  if (comparators.length > 0) filter.comparator = comparators;
  const modifiers = parts.filter((p) => p.url === 'modifier').map(stringValue).filter((c): c is string => c !== undefined);
  if (modifiers.length > 0) filter.modifier = modifiers;
  return filter;
}

function shapeOf(parts: Extension[]): NotificationShape {
  const list = (url: string) => parts.filter((p) => p.url === url).map(stringValue).filter((v): v is string => v !== undefined);
  const shape: NotificationShape = { resource: typeName(stringValue(parts.find((p) => p.url === 'resource'))) ?? '' };
  if (list('include').length > 0) shape.include = list('include');
  if (list('revInclude').length > 0) shape.revInclude = list('revInclude');
  return shape;
}

/** `http://hl7.org/fhir/StructureDefinition/Encounter` or `Encounter` → `Encounter`. */
function typeName(uri: string | undefined): string | undefined {
  return uri?.replace(/^http:\/\/hl7\.org\/fhir\/StructureDefinition\//, '');
}

function stringValue(extension: Extension | undefined): string | undefined {
  if (!extension) return undefined;
  for (const key of ['valueString', 'valueUri', 'valueCanonical', 'valueCode', 'valueMarkdown', 'valueDateTime', 'valueUrl']) {
    if (typeof extension[key] === 'string') return extension[key];
  }
  return undefined;
}
