export type * from './topic-definition.js';
export {
  builtInTopics, PROBLEM_LIST_TOPIC, MEDICATION_LIST_TOPIC, ENCOUNTER_FINISHED_TOPIC, patientDataFeedTopic, PATIENT_DATA_FEED_URL,
  SELF_RECORD_TYPES, TOPIC_BASE, patientCompartmentTypes,
} from './built-in-topics.js';
export { topicToBasic } from './topic-to-basic.js';
export { topicFromBasic } from './topic-from-basic.js';
export { TopicRegistry } from './topic-registry.js';
export { topicFires, triggerFires, interactionOf, type ResourceChange } from './evaluate-trigger.js';
export { matchClause, type IndexedVersion } from './match-clause.js';
export { parseFilter, type SubscriptionFilter } from './parse-filter.js';
export { compileFilters, filtersMatch, compartmentPatients, patientKeyOf, type CompiledFilters } from './match-filters.js';
export { validateSubscription, type SubscriptionPolicy, type SubscriptionCheck } from './validate-subscription.js';
export * from './subscription-settings.js';
export { notificationBundle, subscriptionStatus, type NotificationEvent, type NotificationInput, type NotificationType, type StatusInput } from './notification-bundle.js';
