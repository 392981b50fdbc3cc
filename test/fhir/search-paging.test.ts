import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Resource } from '../../src/model/index.js';
import { http } from '../harness/fhir-http.js';
import { expectRefused, pageOf, putAll, search, searchAllIds } from '../harness/fhir-search.js';
import { describeEachEngine } from '../harness/test-server.js';

/**
 * Paging (R4 search §3.1.1.5.5 _count, §3.1.1.5.2 _sort, http.html#paging): following `next`
 * links visits every match once, in the requested order, and keeps doing so while resources are
 * created and deleted between pages — the cursor is a keyset position, not an offset.
 */
const FAMILIES = ['Nguyen', 'Ng', 'Obi', 'Zhou', 'Abara', 'Ólafsson', 'Lindqvist'];
const birthDate = (i: number) => `19${50 + (i % 13)}-0${1 + (i % 7)}-1${i % 9}`;

function listed(id: string, family: string, i: number, system = 'urn:paging'): Resource {
  return {
    resourceType: 'Patient', id, identifier: [{ system, value: id }],
    name: [{ family, given: ['Pat'] }], gender: i % 3 === 0 ? 'female' : 'male', birthDate: birthDate(i),
  };
}

const normalized = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

describeEachEngine('search: paging and sorting', (server) => {
  const base = () => server().fhirBase;
  const patients = Array.from({ length: 45 }, (_, i) => listed(`pg-${String(i).padStart(2, '0')}`, FAMILIES[i % FAMILIES.length]!, i));
  before(async () => putAll(base(), patients));

  async function readAll(path: string) {
    const { ids, pages } = await searchAllIds(base(), path);
    assert.equal(new Set(ids).size, ids.length, `${path}: no resource twice`);
    return { ids, pages };
  }

  test('following next to the end visits every match once; self, next and first links', async () => {
    const { ids, pages } = await readAll('Patient?identifier=urn:paging|&_count=7');
    assert.equal(ids.length, 45);
    assert.equal(pages, 7);
    const first = await search(base(), 'Patient?identifier=urn:paging|&_count=7');
    const relations = first.bundle.link.map((l: any) => l.relation);
    assert.deepEqual(relations, ['self', 'next']);
    const second = await search(base(), first.next!);
    assert.ok(second.bundle.link.some((l: any) => l.relation === 'first'));
    assert.equal(second.bundle.total, undefined);
  });

  test('_sort by several keys, descending, with ties: pages concatenate to the one-page order', async () => {
    const whole = await search(base(), 'Patient?identifier=urn:paging|&_sort=family,-birthdate&_count=100');
    const resources = whole.bundle.entry.map((e: any) => e.resource);
    for (let i = 1; i < resources.length; i++) {
      const [a, b] = [resources[i - 1], resources[i]];
      const [fa, fb] = [normalized(a.name[0].family), normalized(b.name[0].family)];
      assert.ok(fa < fb || (fa === fb && a.birthDate >= b.birthDate), `${a.id} before ${b.id}`);
    }
    assert.equal(resources.length, 45);
    for (const count of [1, 4, 10]) {
      const paged = await readAll(`Patient?identifier=urn:paging|&_sort=family,-birthdate&_count=${count}`);
      assert.deepEqual(paged.ids, whole.ids, `_count=${count}`);
    }
    // gender has two values: almost everything is a tie, broken the same way on every page.
    const byGender = await search(base(), 'Patient?identifier=urn:paging|&_sort=-gender&_count=100');
    assert.deepEqual((await readAll('Patient?identifier=urn:paging|&_sort=-gender&_count=4')).ids, byGender.ids);
    const genders = byGender.bundle.entry.map((e: any) => e.resource.gender);
    assert.deepEqual(genders, [...genders].sort().reverse());
  });

  test('_sort by _id, -_id and _lastUpdated', async () => {
    const ids = patients.map((p) => p.id!).sort();
    assert.deepEqual((await readAll('Patient?identifier=urn:paging|&_sort=_id&_count=8')).ids, ids);
    assert.deepEqual((await readAll('Patient?identifier=urn:paging|&_sort=-_id&_count=8')).ids, [...ids].reverse());
    const byUpdate = await readAll('Patient?identifier=urn:paging|&_sort=-_lastUpdated,_id&_count=6');
    assert.deepEqual([...byUpdate.ids].sort(), ids);
  });

  test('resources without a value for the sort key come last, in both directions, and page the same', async () => {
    const system = 'urn:paging-missing';
    const some = Array.from({ length: 9 }, (_, i) => listed(`miss-${i}`, FAMILIES[i % 3]!, i, system));
    for (const p of some.slice(0, 4)) delete (p as any).birthDate;
    await putAll(base(), some);
    for (const sort of ['birthdate', '-birthdate']) {
      const whole = await search(base(), `Patient?identifier=${system}|&_sort=${sort}&_count=100`);
      const dates = whole.bundle.entry.map((e: any) => e.resource.birthDate);
      assert.deepEqual(dates.slice(5), [undefined, undefined, undefined, undefined], sort);
      const present = dates.slice(0, 5);
      assert.deepEqual(present, [...present].sort((a: string, b: string) => (sort.startsWith('-') ? b.localeCompare(a) : a.localeCompare(b))));
      assert.deepEqual((await readAll(`Patient?identifier=${system}|&_sort=${sort}&_count=2`)).ids, whole.ids, sort);
    }
  });

  test('POST _search pages through GET next links', async () => {
    const response = await http('POST', `${base()}/Patient/_search`, 'identifier=urn:paging|&_count=20&_sort=_id', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(response.status, 200);
    const first = pageOf(response.body);
    const rest = await readAll(first.next!);
    assert.deepEqual([...first.ids, ...rest.ids], patients.map((p) => p.id!).sort());
  });

  test('paging stays correct while rows are inserted and deleted before and after the cursor', async () => {
    const system = 'urn:paging-live';
    const live = Array.from({ length: 30 }, (_, i) => listed(`live-${String(i).padStart(2, '0')}`, `Family${String(i + 10).padStart(2, '0')}`, i, system));
    await putAll(base(), live);
    for (const order of ['', '&_sort=family', '&_sort=-family']) {
      const descending = order.includes('-');
      const path = `Patient?identifier=${system}|&_count=5${order}`;
      const page1 = await search(base(), path);
      assert.equal(page1.ids.length, 5);
      const tag = order === '' ? 'rid' : descending ? 'desc' : 'asc';
      const seen = page1.ids[1]!;
      const unseen = descending ? 'live-05' : 'live-20';
      // Sorts before every row (after them, descending): behind the cursor in either direction.
      const before = listed(`new-before-${tag}`, descending ? 'Family99' : 'Family00', 1, system);
      const after = listed(`new-after-${tag}`, descending ? 'Family01' : 'Family98', 2, system);
      assert.equal((await http('DELETE', `${base()}/Patient/${seen}`)).status, 204);
      assert.equal((await http('DELETE', `${base()}/Patient/${unseen}`)).status, 204);
      await putAll(base(), [before, after]);
      const rest = await readAll(page1.next!);
      const visited = [...page1.ids, ...rest.ids];
      assert.equal(new Set(visited).size, visited.length, `${tag}: no duplicates`);
      assert.ok(!visited.includes(unseen), `${tag}: a row deleted before it was reached is not served`);
      assert.ok(visited.includes(after.id!), `${tag}: a row created ahead of the cursor is served`);
      if (order !== '') assert.ok(!visited.includes(before.id!), `${tag}: a row created behind the cursor is not`);
      // Every row that existed throughout was served exactly once.
      const throughout = live.map((p) => p.id!).filter((id) => id !== seen && id !== unseen);
      for (const id of throughout) assert.ok(visited.includes(id), `${tag}: ${id} was skipped`);
      // Put the deleted rows back for the next order.
      await putAll(base(), live.filter((p) => p.id === seen || p.id === unseen));
      for (const extra of [before, after]) await http('DELETE', `${base()}/Patient/${extra.id}`);
    }
  });

  test('an invalid or foreign _cursor is a 400 naming _cursor', async () => {
    await expectRefused(base(), 'Patient?_cursor=abc', '_cursor');
    const tampered = Buffer.from(JSON.stringify({ s: [], rid: 'x' })).toString('base64url');
    await expectRefused(base(), `Patient?_cursor=${tampered}`, '_cursor');
    const sorted = await search(base(), 'Patient?identifier=urn:paging|&_sort=family&_count=2');
    const cursor = new URL(sorted.next!).searchParams.get('_cursor')!;
    await expectRefused(base(), `Patient?identifier=urn:paging|&_count=2&_cursor=${cursor}`, '_cursor');
  });
});
