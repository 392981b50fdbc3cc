/**
 * A subscription topic as plain data: the R5 SubscriptionTopic elements this server evaluates
 * (R5 subscriptiontopic.html; carried to R4 as `Basic` by the Backport IG 1.2 ballot, see
 * topic-to-basic.ts). Built-in topics are constants (built-in-topics.ts); operators add their own
 * from a file (topic-from-basic.ts).
 */

export type Interaction = 'create' | 'update' | 'delete';
export type CriteriaResult = 'test-passes' | 'test-fails';

/** R5 SubscriptionTopic.resourceTrigger.queryCriteria: search queries on the two states. */
export interface QueryCriteria {
  /** Query on the state before the change (`status:not=finished`, no type prefix). */
  previous?: string;
  /** Result of the `previous` test when there is no previous state (create). */
  resultForCreate?: CriteriaResult;
  current?: string;
  /** Result of the `current` test when there is no current state (delete). */
  resultForDelete?: CriteriaResult;
  /** true: both tests must pass; false (default): either one. */
  requireBoth?: boolean;
}

export interface ResourceTrigger {
  description?: string;
  /** A resource type name (`Condition`). */
  resource: string;
  supportedInteraction: Interaction[];
  queryCriteria?: QueryCriteria;
  /** FHIRPath over `%previous` and `%current`; must evaluate to true. */
  fhirPathCriteria?: string;
}

export interface CanFilterBy {
  description?: string;
  /** Omitted: the parameter applies to every resource type of the topic. */
  resource?: string;
  filterParameter: string;
  /** Search prefixes (`gt`, `lt` …) a filter value may use; omitted: any. */
  comparator?: string[];
  /** Search modifiers (`not`, `text` …) a filter may use; omitted: any this server matches. */
  modifier?: string[];
}

export interface NotificationShape {
  resource: string;
  /** `_include` values (`Condition:patient`) added to full-resource notifications. */
  include?: string[];
  revInclude?: string[];
}

export interface TopicDefinition {
  url: string;
  version: string;
  name: string;
  title: string;
  status: 'draft' | 'active' | 'retired';
  date: string;
  description: string;
  resourceTrigger: ResourceTrigger[];
  canFilterBy: CanFilterBy[];
  notificationShape: NotificationShape[];
}
