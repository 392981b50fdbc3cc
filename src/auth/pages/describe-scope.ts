import type { ParsedScope } from '../../model/index.js';

const VERBS: Record<string, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
const WHOSE: Record<string, string> = { patient: "the patient's", user: 'your', system: 'all' };

/** A scope in plain words for the consent page. */
export function describeScope(scope: ParsedScope): string {
  switch (scope.kind) {
    case 'resource': {
      const verbs = scope.interactions.map((i) => VERBS[i]).join(', ');
      const what = scope.resourceType === '*' ? 'records of every kind' : `${scope.resourceType} records`;
      const filter = scope.query ? ` matching ${scope.query.map(([k, v]) => `${k}=${v}`).join(' and ')}` : '';
      return `${verbs[0]!.toUpperCase()}${verbs.slice(1)} ${WHOSE[scope.level]} ${what}${filter}`;
    }
    case 'launch':
      return scope.context ? `Know which ${scope.context} is open` : 'Know the context it was launched in';
    case 'openid':
      return 'Confirm who you are';
    case 'fhirUser':
      return 'Know your FHIR identity (your Practitioner or Patient record)';
    case 'profile':
      return 'See your name';
    case 'offline_access':
      return 'Keep access after you sign out, until you revoke it';
    case 'online_access':
      return 'Keep access while you are signed in';
    default:
      return `Use the "${scope.text}" permission`;
  }
}
