import { patientCompartmentParams, resourceTypes } from '../definitions/index.js';
import type { TopicDefinition } from './topic-definition.js';

/**
 * The topics every Handover server offers. Their canonical URLs are stable — subscribers put them
 * in `Subscription.criteria` (Backport IG, "Subscription topics") — and never change meaning; a
 * change of behaviour gets a new `version`, an incompatible one a new URL.
 */
export const TOPIC_BASE = 'http://handover.example/fhir/SubscriptionTopic/';
export const TOPIC_VERSION = '1.0.0';

const DATE = '2025-01-01';
const PROBLEM_LIST = 'category=problem-list-item';

export const PROBLEM_LIST_TOPIC: TopicDefinition = {
  url: `${TOPIC_BASE}problem-list-changed`, version: TOPIC_VERSION, name: 'ProblemListChanged', title: 'problem-list-changed',
  status: 'active', date: DATE,
  description: 'A Condition on the problem list (category problem-list-item) was created, updated or deleted, or entered or left the list.',
  resourceTrigger: [{
    description: 'A Condition that is on the problem list before or after the change',
    resource: 'Condition',
    supportedInteraction: ['create', 'update', 'delete'],
    // Either state on the list: a Condition that leaves the list passes `previous`, one that
    // enters it passes `current`; a create has no previous, a delete no current.
    queryCriteria: { previous: PROBLEM_LIST, resultForCreate: 'test-fails', current: PROBLEM_LIST, resultForDelete: 'test-fails', requireBoth: false },
  }],
  canFilterBy: [
    { resource: 'Condition', filterParameter: 'patient', description: 'The patient whose problem list changed' },
    { resource: 'Condition', filterParameter: 'code', description: 'The problem (code)' },
    { resource: 'Condition', filterParameter: 'clinical-status', description: 'active | recurrence | relapse | inactive | remission | resolved' },
    { resource: 'Condition', filterParameter: 'verification-status', description: 'unconfirmed | provisional | differential | confirmed | refuted | entered-in-error' },
  ],
  notificationShape: [{ resource: 'Condition', include: ['Condition:patient'] }],
};

export const MEDICATION_LIST_TOPIC: TopicDefinition = {
  url: `${TOPIC_BASE}medication-list-changed`, version: TOPIC_VERSION, name: 'MedicationListChanged', title: 'medication-list-changed',
  status: 'active', date: DATE,
  description: 'A MedicationRequest or MedicationStatement was created, updated or deleted.',
  resourceTrigger: ['MedicationRequest', 'MedicationStatement'].map((resource) => ({
    description: `Any change to a ${resource}`, resource, supportedInteraction: ['create', 'update', 'delete'],
  })),
  canFilterBy: ['MedicationRequest', 'MedicationStatement'].flatMap((resource) => [
    { resource, filterParameter: 'patient', description: 'The patient whose medication list changed' },
    { resource, filterParameter: 'code', description: 'The medication (code)' },
    { resource, filterParameter: 'status', description: 'The request or statement status' },
  ]),
  notificationShape: [
    { resource: 'MedicationRequest', include: ['MedicationRequest:patient', 'MedicationRequest:medication'] },
    { resource: 'MedicationStatement', include: ['MedicationStatement:subject', 'MedicationStatement:medication'] },
  ],
};

export const ENCOUNTER_FINISHED_TOPIC: TopicDefinition = {
  url: `${TOPIC_BASE}encounter-finished`, version: TOPIC_VERSION, name: 'EncounterFinished', title: 'encounter-finished',
  status: 'active', date: DATE,
  description: 'An Encounter was created finished, or its status became finished.',
  resourceTrigger: [{
    description: 'An Encounter whose status becomes finished',
    resource: 'Encounter',
    supportedInteraction: ['create', 'update'],
    queryCriteria: { previous: 'status:not=finished', resultForCreate: 'test-passes', current: 'status=finished', resultForDelete: 'test-fails', requireBoth: true },
    fhirPathCriteria: "(%previous.id.empty() or (%previous.status != 'finished')) and (%current.status = 'finished')",
  }],
  canFilterBy: [
    { resource: 'Encounter', filterParameter: 'patient', description: 'The patient of the encounter' },
    { resource: 'Encounter', filterParameter: 'class', description: 'Inpatient, ambulatory, emergency …' },
    { resource: 'Encounter', filterParameter: 'type', description: 'The specific type of encounter' },
  ],
  notificationShape: [{ resource: 'Encounter', include: ['Encounter:patient'] }],
};

/**
 * What the system writes about itself (audit trail, delivery provenance, subscription records):
 * never part of the feed, so a delivery — which writes these — can never trigger another.
 */
export const SELF_RECORD_TYPES: ReadonlySet<string> = new Set(['AuditEvent', 'Provenance', 'Subscription', 'SubscriptionStatus', 'Basic']);

/** The resource types of the R4 Patient compartment, Patient itself included. */
export function patientCompartmentTypes(): string[] {
  return resourceTypes().filter((type) => type === 'Patient' || patientCompartmentParams(type).length > 0);
}

export function patientDataFeedTopic(): TopicDefinition {
  const types = patientCompartmentTypes().filter((type) => !SELF_RECORD_TYPES.has(type));
  return {
    url: `${TOPIC_BASE}patient-data-feed`, version: TOPIC_VERSION, name: 'PatientDataFeed', title: 'patient-data-feed',
    status: 'active', date: DATE,
    description: 'Any change to a resource in a patient\'s compartment; filter by patient and by _type. Audit events, provenance and subscription records are never included.',
    resourceTrigger: types.map((resource) => ({ resource, supportedInteraction: ['create', 'update', 'delete'] })),
    canFilterBy: [
      { filterParameter: 'patient', description: 'The patient whose compartment the resource is in (R4 CompartmentDefinition patient)' },
      { filterParameter: '_type', description: 'Resource types to include, comma-separated' },
    ],
    notificationShape: [],
  };
}

export const PATIENT_DATA_FEED_URL = `${TOPIC_BASE}patient-data-feed`;

export function builtInTopics(): TopicDefinition[] {
  return [PROBLEM_LIST_TOPIC, MEDICATION_LIST_TOPIC, ENCOUNTER_FINISHED_TOPIC, patientDataFeedTopic()];
}
