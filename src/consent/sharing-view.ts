import { parseSearchRequest, type Resource } from '../model/index.js';
import type { Store } from '../storage/index.js';
import { DISCLOSURE_COUNT_EXTENSION } from './consent-codes.js';

/** One Consent as the portal shows it (ADR 0009); the page puts it in plain words. */
export interface SharedConsent {
  consentId: string;
  active: boolean;
  /** The scopes of the grant it backs (for the plain-words description), or null when no grant is known. */
  scope: string | null;
  /** The resource classes of its provision (empty: every kind). */
  classes: string[];
  since: number;
  /** The fixed end of the period, or when the grant ends if unused; null: until revoked. */
  until: number | null;
  /** True when the grant keeps access while unused only until `until`, and each use extends it. */
  slidesWithUse: boolean;
  approvedBy: string;
  purpose: string;
  lastUpdated: number;
}

/** One disclosure (an AuditEvent) as the portal lists it. */
export interface SharedDisclosure {
  at: number;
  kind: string;
  /** `Type/id` of each resource sent. */
  resources: string[];
  /** How many requests or notifications the AuditEvent stands for (ADR 0009: one per patient per batch). */
  times: number;
}

export interface Recipient {
  name: string;
  /** `Device/…`: the recipient app (ADR 0009). */
  reference: string;
  consents: SharedConsent[];
  disclosures: SharedDisclosure[];
}

const MAX_CONSENTS = 200;
const MAX_DISCLOSURES = 500;

/**
 * Everything shared on a patient's behalf, by recipient: the Consents naming it (active and
 * ended) and the AuditEvents of what it received — also recipients without a Consent of this
 * patient (a backend service, an online session), since every disclosure is the patient's to see.
 */
export async function recipientsOf(store: Store, fhirBase: string, patientId: string): Promise<Recipient[]> {
  const patient = `Patient/${patientId}`;
  const consents = await store.search(parseSearchRequest('Consent', [['patient', patient], ['_count', String(MAX_CONSENTS)]], { localBase: fhirBase }));
  const events = await store.search(parseSearchRequest('AuditEvent', [['patient', patient], ['_sort', '-date'], ['_count', String(MAX_DISCLOSURES)]], { localBase: fhirBase }));
  const recipients = new Map<string, Recipient>();
  const recipient = (reference: string, name: string) => {
    let found = recipients.get(reference);
    if (!found) recipients.set(reference, found = { name, reference, consents: [], disclosures: [] });
    return found;
  };
  for (const version of consents.matches) {
    const consent = JSON.parse(version.json!) as ConsentShape;
    const actor = consent.provision?.actor?.find((a) => a.role?.coding?.some((c) => c.code === 'IRCP'))?.reference;
    if (!actor?.reference) continue;
    recipient(actor.reference, actor.display ?? actor.reference).consents.push(await sharedConsent(store, consent, version.lastUpdated));
  }
  for (const version of events.matches) {
    const event = JSON.parse(version.json!) as AuditShape;
    const destination = event.agent?.find((a) => a.requestor && a.who?.reference?.startsWith('Device/'))?.who;
    if (!destination?.reference) continue;
    recipient(destination.reference, destination.display ?? destination.reference).disclosures.push({
      at: Date.parse(event.recorded), kind: event.subtype?.[1]?.code ?? 'disclosure',
      resources: (event.entity ?? []).filter((e) => e.role?.code === '4' && e.what?.reference && !e.what.reference.startsWith('Subscription/'))
        .map((e) => e.what!.reference!.replace(/\/_history\/.*$/, '')).filter((ref, i, all) => all.indexOf(ref) === i),
      times: event.extension?.find((x) => x.url === DISCLOSURE_COUNT_EXTENSION)?.valueInteger ?? 1,
    });
  }
  for (const r of recipients.values()) r.consents.sort((a, b) => Number(b.active) - Number(a.active) || b.since - a.since);
  return [...recipients.values()].sort((a, b) => Number(b.consents.some((c) => c.active)) - Number(a.consents.some((c) => c.active)) || a.name.localeCompare(b.name));
}

async function sharedConsent(store: Store, consent: ConsentShape, lastUpdated: number): Promise<SharedConsent> {
  const grants = [];
  for (const id of await store.consent.grantIdsOfConsent(consent.id)) {
    const grant = await store.auth.getGrant(id);
    if (grant && grant.parentGrantId === null) grants.push(grant);
  }
  const grant = grants[0];
  const fixedEnd = consent.provision?.period?.end ? Date.parse(consent.provision.period.end) : null;
  const ends = [fixedEnd, grant?.expiresAt ?? null, grant?.idleExpiresAt ?? null].filter((t): t is number => t !== null);
  return {
    consentId: consent.id, active: consent.status === 'active', scope: grant?.scope ?? null,
    classes: (consent.provision?.class ?? []).map((c) => c.code),
    since: Date.parse(consent.provision?.period?.start ?? consent.dateTime ?? new Date(lastUpdated).toISOString()),
    until: ends.length > 0 ? Math.min(...ends) : null,
    slidesWithUse: grant?.offline === true && grant.idleExpiresAt !== null && (grant.expiresAt === null || grant.idleExpiresAt < grant.expiresAt),
    approvedBy: consent.performer?.[0]?.display ?? consent.performer?.[0]?.reference ?? 'unknown',
    purpose: consent.provision?.purpose?.[0]?.display ?? '',
    lastUpdated,
  };
}

type Ref = { reference?: string; display?: string };
interface ConsentShape extends Resource {
  id: string;
  status?: string;
  dateTime?: string;
  performer?: Ref[];
  provision?: { period?: { start?: string; end?: string }; actor?: { role?: { coding?: { code?: string }[] }; reference?: Ref }[];
    purpose?: { display?: string }[]; class?: { code: string }[] };
}
interface AuditShape extends Resource {
  recorded: string;
  extension?: { url: string; valueInteger?: number }[];
  subtype?: { code?: string }[];
  agent?: { requestor?: boolean; who?: Ref }[];
  entity?: { what?: Ref; role?: { code?: string } }[];
}
