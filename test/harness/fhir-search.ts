import assert from 'node:assert/strict';
import type { Resource } from '../../src/model/index.js';
import { http } from './fhir-http.js';

/** Helpers for black-box search tests: load resources, run a search, follow its pages. */

export interface SearchPage {
  bundle: any;
  /** `id` of every `search.mode = match` entry, in order. */
  ids: string[];
  /** `Type/id` of every `search.mode = include` entry, in order. */
  included: string[];
  /** Resources of `search.mode = outcome` entries. */
  outcomes: any[];
  next: string | undefined;
}

/** GET `base/path` (path like `Patient?name=x`); asserts a 200 searchset Bundle. */
export async function search(base: string, path: string, headers: Record<string, string> = {}): Promise<SearchPage> {
  return pageOf(await getBundle(path.startsWith('http') ? path : `${base}/${path}`, headers));
}

/** The ids of the matches of the first page. */
export async function searchIds(base: string, path: string): Promise<string[]> {
  return (await search(base, path)).ids;
}

/** The ids of every match, following `next` links to the end. */
export async function searchAllIds(base: string, path: string): Promise<{ ids: string[]; pages: number }> {
  let page = await search(base, path);
  const ids = [...page.ids];
  let pages = 1;
  while (page.next) {
    page = await search(base, page.next);
    ids.push(...page.ids);
    pages++;
    assert.ok(pages < 1000, 'paging does not end');
  }
  return { ids, pages };
}

async function getBundle(url: string, headers: Record<string, string>): Promise<any> {
  const response = await http('GET', url, undefined, headers);
  assert.equal(response.status, 200, `${url}: ${response.text.slice(0, 500)}`);
  assert.equal(response.body.resourceType, 'Bundle');
  assert.equal(response.body.type, 'searchset');
  return response.body;
}

export function pageOf(bundle: any): SearchPage {
  const entries: any[] = bundle.entry ?? [];
  return {
    bundle,
    ids: entries.filter((e) => e.search?.mode === 'match').map((e) => e.resource.id),
    included: entries.filter((e) => e.search?.mode === 'include').map((e) => `${e.resource.resourceType}/${e.resource.id}`),
    outcomes: entries.filter((e) => e.search?.mode === 'outcome').map((e) => e.resource),
    next: bundle.link?.find((l: any) => l.relation === 'next')?.url,
  };
}

/** Stores resources under their own ids in one transaction (PUT entries). */
export async function putAll(base: string, resources: Resource[]): Promise<void> {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
  };
  const response = await http('POST', base, bundle);
  assert.equal(response.status, 200, response.text.slice(0, 1000));
}

/** Asserts a 4xx OperationOutcome whose issue names `parameter` (in expression or diagnostics). */
export async function expectRefused(base: string, path: string, parameter: string, status = 400, headers: Record<string, string> = {}): Promise<any> {
  const response = await http('GET', `${base}/${path}`, undefined, headers);
  assert.equal(response.status, status, `${path}: ${response.text.slice(0, 300)}`);
  assert.equal(response.body.resourceType, 'OperationOutcome', path);
  const issue = response.body.issue[0];
  const named = (issue.expression ?? []).includes(parameter) || String(issue.diagnostics).includes(parameter);
  assert.ok(named, `${path}: the outcome should name ${parameter}: ${JSON.stringify(issue)}`);
  return response.body;
}

/** Same members, any order. */
export function assertSameIds(actual: string[], expected: string[], message?: string): void {
  assert.deepEqual([...actual].sort(), [...expected].sort(), message);
}
