import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractSearchIndex } from '../search/index.js';
import type { Resource } from '../fhir-types.js';
import { builtInTopics, ENCOUNTER_FINISHED_TOPIC, PROBLEM_LIST_TOPIC } from './built-in-topics.js';
import { topicFires, type ResourceChange } from './evaluate-trigger.js';
import { topicFromBasic } from './topic-from-basic.js';
import { topicToBasic } from './topic-to-basic.js';

const FIXTURES = new URL('../../../../shared/fixtures/subscriptions/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Resource;

const version = (resource: Resource) => ({ id: resource.id!, lastUpdated: 0, index: extractSearchIndex(resource), resource });
const change = (previous: Resource | undefined, current: Resource | undefined): ResourceChange => ({
  resourceType: (current ?? previous)!.resourceType,
  previous: previous && version(previous),
  current: current && version(current),
});

const condition = (category: string | undefined, extra: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' },
  ...(category ? { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: category }] }] } : {}),
  ...extra,
});

describe('built-in topics', () => {
  it('have distinct stable URLs and round-trip through their Basic representation', () => {
    const topics = builtInTopics();
    assert.equal(new Set(topics.map((t) => t.url)).size, 4);
    for (const topic of topics) assert.deepEqual(topicFromBasic(topicToBasic(topic)), topic);
  });

  it('the patient data feed never covers what the system writes about itself', () => {
    const feed = builtInTopics()[3]!;
    const types = feed.resourceTrigger.map((t) => t.resource);
    assert.ok(types.includes('Condition') && types.includes('Patient') && types.includes('Observation'));
    for (const self of ['AuditEvent', 'Provenance', 'Subscription', 'Basic']) assert.ok(!types.includes(self), self);
  });
});

describe('problem list trigger (queryCriteria previous/current, requireBoth false)', () => {
  const fires = (previous: Resource | undefined, current: Resource | undefined) => topicFires(PROBLEM_LIST_TOPIC, change(previous, current));
  it('fires on create, update and delete of a problem-list Condition', () => {
    assert.equal(fires(undefined, condition('problem-list-item')), true);
    assert.equal(fires(condition('problem-list-item'), condition('problem-list-item', { note: [{ text: 'x' }] })), true);
    assert.equal(fires(condition('problem-list-item'), undefined), true);
  });
  it('fires when a Condition enters or leaves the list', () => {
    assert.equal(fires(condition('encounter-diagnosis'), condition('problem-list-item')), true);
    assert.equal(fires(condition('problem-list-item'), condition('encounter-diagnosis')), true);
  });
  it('does not fire for a Condition never on the list', () => {
    assert.equal(fires(undefined, condition('encounter-diagnosis')), false);
    assert.equal(fires(condition(undefined), condition('encounter-diagnosis')), false);
    assert.equal(fires(condition('encounter-diagnosis'), undefined), false);
  });
});

describe('encounter finished (requireBoth, resultForCreate, fhirPathCriteria)', () => {
  const encounter = (status: string): Resource => ({ resourceType: 'Encounter', id: 'e1', status, class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } });
  it('fires when the status becomes finished, or an encounter is created finished', () => {
    assert.equal(topicFires(ENCOUNTER_FINISHED_TOPIC, change(encounter('in-progress'), encounter('finished'))), true);
    assert.equal(topicFires(ENCOUNTER_FINISHED_TOPIC, change(undefined, encounter('finished'))), true);
  });
  it('does not fire on other changes or on delete', () => {
    assert.equal(topicFires(ENCOUNTER_FINISHED_TOPIC, change(encounter('finished'), encounter('finished'))), false);
    assert.equal(topicFires(ENCOUNTER_FINISHED_TOPIC, change(encounter('planned'), encounter('in-progress'))), false);
    assert.equal(topicFires(ENCOUNTER_FINISHED_TOPIC, change(encounter('finished'), undefined)), false);
  });
  it('the fixture topic (Basic, 1.2 ballot) reads and behaves the same', () => {
    const topic = topicFromBasic(fixture('basic-subscriptiontopic-encounter-complete.json'));
    assert.equal(topic.url, 'http://example.org/FHIR/SubscriptionTopic/encounter-complete');
    assert.deepEqual(topic.resourceTrigger[0]!.queryCriteria, { previous: 'status:not=finished', resultForCreate: 'test-passes', current: 'status=finished', resultForDelete: 'test-fails', requireBoth: true });
    assert.deepEqual(topic.canFilterBy.map((c) => c.filterParameter), ['subject', '_in', 'length']);
    assert.equal(topicFires(topic, change(encounter('in-progress'), encounter('finished'))), true);
    assert.equal(topicFires(topic, change(encounter('finished'), encounter('finished'))), false);
  });
  it('fhirPathCriteria alone decides when there is no queryCriteria', () => {
    const topic = { ...ENCOUNTER_FINISHED_TOPIC, resourceTrigger: [{ ...ENCOUNTER_FINISHED_TOPIC.resourceTrigger[0]!, queryCriteria: undefined }] };
    delete topic.resourceTrigger[0]!.queryCriteria;
    assert.equal(topicFires(topic, change(undefined, encounter('finished'))), true);
    assert.equal(topicFires(topic, change(encounter('finished'), encounter('finished'))), false);
  });
});

describe('topicFromBasic', () => {
  it('reads the US Core patient topic fixture', () => {
    const topic = topicFromBasic(fixture('basic-subscriptiontopic-us-core-patient.json'));
    assert.ok(topic.resourceTrigger.length > 0);
  });
  it('refuses a query it cannot evaluate, naming the element', () => {
    const basic = topicToBasic({ ...ENCOUNTER_FINISHED_TOPIC, resourceTrigger: [{ resource: 'Encounter', supportedInteraction: ['update'], queryCriteria: { current: 'no-such-param=1' } }] });
    assert.throws(() => topicFromBasic(basic), (error: { issues: { expression: string[] }[] }) => error.issues[0]!.expression[0]!.includes('queryCriteria.current'));
  });
});
