import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseScopes, type ResourceScope } from '../../model/index.js';
import type { AccessContext, Caller } from '../caller.js';
import { decideAccess } from '../decisions/decide-access.js';
import { resourceVisible } from '../decisions/resource-visible.js';
import { withOwnerTags } from './subscription-ownership.js';

const BASE = 'http://127.0.0.1:9/fhir';
const scopes = (text: string) => parseScopes(text).scopes.filter((s): s is ResourceScope => s.kind === 'resource');
const person = (grantId: string, clientId = 'app', patientId = 'p1'): Caller =>
  ({ grantId, kind: 'user', clientId, tokenId: 't', scopes: scopes('patient/Subscription.cruds'), patientId, fhirUser: `Patient/${patientId}` });
const service = (clientId: string): Caller => ({ grantId: `g-${clientId}`, kind: 'backend', clientId, tokenId: 't', scopes: scopes('system/Subscription.cruds') });
const ctx = (caller: Caller): AccessContext => ({ open: false, caller });
const sees = (viewer: Caller, owner: Caller) => resourceVisible(decideAccess(ctx(viewer), 'Subscription', 'r', { now: 0, localBase: BASE }),
  withOwnerTags({ resourceType: 'Subscription', id: 's1' }, owner), 0, BASE);

it('a Subscription is visible to its own grant, the same app + user + patient, and nobody else', () => {
  assert.equal(sees(person('g1'), person('g1')), true);
  assert.equal(sees(person('g2'), person('g1')), true, 'a later grant of the same party');
  assert.equal(sees(person('g3', 'other-app'), person('g1')), false);
  assert.equal(sees(person('g4', 'app', 'p2'), person('g1')), false);
  assert.equal(sees(service('svc'), person('g1')), false);
});

it('a backend service sees its client\'s subscriptions, across its short-lived grants', () => {
  assert.equal(sees(service('svc'), { ...service('svc'), grantId: 'another' }), true);
  assert.equal(sees(service('svc2'), service('svc')), false);
});

it('owner tags sent by a writer are replaced, and reveal no ids', () => {
  const forged = withOwnerTags({ resourceType: 'Subscription', meta: { tag: [{ system: 'http://handover.example/fhir/CodeSystem/subscription-owner', code: 'x' }, { system: 'urn:keep', code: 'k' }] } }, person('g1'));
  const tags = (forged.meta!.tag as { code: string }[]).map((t) => t.code);
  assert.ok(tags.includes('k') && !tags.includes('x'));
  assert.ok(!JSON.stringify(forged).includes('g1') && !JSON.stringify(forged).includes('app'));
});
