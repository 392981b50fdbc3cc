import { newId, type Clock, type Logger } from '../base/index.js';
import { backsConsent, consentPatientOf } from '../access/index.js';
import { businessRule, conflict, type Resource } from '../model/index.js';
import type { GrantRecord, Store, StoreTransaction } from '../storage/index.js';
import type { ApprovalChannel } from './consent-codes.js';
import { consentOfGrant, consentProvenance, recipientDevice, recipientDeviceId, type Person } from './consent-resources.js';

export interface ConsentServiceDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  fhirBase: string;
  /** Writes resources through the FHIR write path (validation, search index, change log) in one transaction. */
  writeResources(resources: Resource[]): Promise<void>;
  /** After this service revoked grants (portal, API, decline): their subscriptions stop at once (wired by http). */
  onGrantsRevoked?(grantIds: string[]): Promise<void>;
}

/** The Consent's elements an update may not change while grants hang off it (only `status` may, to end it). */
const FIXED = ['scope', 'category', 'patient', 'dateTime', 'performer', 'organization', 'policy', 'policyRule', 'provision'];

/**
 * Consent as data (issue 5, ADR 0009): every standing authorization is backed by a FHIR Consent,
 * written with the Provenance of its approval when the grant is created, and the two are kept in
 * step whichever side ends first — the grant revoked (RFC 7009, connected-apps page, a replayed
 * code) makes the Consent inactive; the Consent made inactive (portal, FHIR API) revokes every
 * grant it backs, and with them their tokens, derived tokens and subscriptions (ADR 0003).
 */
export class ConsentService {
  constructor(private readonly deps: ConsentServiceDeps) {}

  /** A person approved `grant` (created with its `consentId` assigned): writes the Consent, its Provenance and the recipient Device. */
  async backGrant(grant: GrantRecord, approver: Person, channel: ApprovalChannel): Promise<void> {
    const patientId = consentPatientOf(grant);
    if (!patientId || !grant.consentId) return;
    const { store } = this.deps;
    const client = await store.auth.getClient(grant.clientId);
    const clientName = client?.clientName ?? grant.clientId;
    const writes: Resource[] = [];
    if (!(await store.readCurrent('Device', recipientDeviceId(grant.clientId)))?.json) writes.push(recipientDevice(grant.clientId, clientName));
    writes.push(consentOfGrant({ id: grant.consentId, grant, patientId, clientName, approver, channel }));
    writes.push(consentProvenance({ id: newId(), consentId: grant.consentId, version: 1, at: grant.createdAt, by: approver, channel, operation: 'CREATE' }));
    await this.deps.writeResources(writes);
    this.deps.log.info({ grantId: grant.id, consentId: grant.consentId, channel }, 'grant backed by a Consent');
  }

  /** After any revocation of a grant: if it is the one a Consent was made for, the Consent ends too. */
  async grantRevoked(grantId: string): Promise<void> {
    const grant = await this.deps.store.auth.getGrant(grantId);
    if (!grant || !backsConsent(grant)) return;
    await this.endConsent(grant.consentId!, undefined, 'authorization-server', grant.revokedReason ?? undefined);
  }

  /**
   * Ends a Consent (portal): status `inactive` with the Provenance of who ended it, then every
   * grant it backs is revoked. True when it was active.
   */
  async revokeConsent(consentId: string, by: Person, channel: ApprovalChannel): Promise<boolean> {
    const ended = await this.endConsent(consentId, by, channel);
    await this.revokeGrantsOf(consentId, `Consent revoked ${channel === 'portal' ? 'in the patient portal' : 'by the patient'}`);
    return ended;
  }

  /** The portal's "Stop sharing": only a Consent of this patient; another's is answered like an unknown one. */
  async revokeConsentOf(patientId: string, consentId: string, by: Person): Promise<'revoked' | 'already-ended' | 'not-found'> {
    const stored = await this.deps.store.readCurrent('Consent', consentId);
    const consent = stored?.json ? JSON.parse(stored.json) as { patient?: { reference?: string } } : undefined;
    if (consent?.patient?.reference !== `Patient/${patientId}`) return 'not-found';
    return (await this.revokeConsent(consentId, by, 'portal')) ? 'revoked' : 'already-ended';
  }

  /** After a Consent was written or deleted through the FHIR API: not active (or gone) → its grants are revoked. */
  async consentChanged(consentId: string): Promise<void> {
    const stored = await this.deps.store.readCurrent('Consent', consentId);
    const status = stored?.json ? (JSON.parse(stored.json) as { status?: string }).status : 'deleted';
    if (status === 'active') return;
    await this.revokeGrantsOf(consentId, `Consent ${status} through the FHIR API`);
  }

  /**
   * After a restart: the grant and its Consent are two writes, so a crash between them can leave a
   * Consent ended with its grant alive (revoked now) or a grant revoked with its Consent active
   * (ended now). Looks at live grants and those revoked in the last `lookBackMs`.
   */
  async reconcile(lookBackMs = 7 * 86_400_000): Promise<number> {
    const { store } = this.deps;
    let fixed = 0;
    for (const row of await store.consent.grantsToReconcile(this.deps.clock.now().getTime() - lookBackMs)) {
      const stored = await store.readCurrent('Consent', row.consentId);
      // Not written yet: an approval in flight (here or in another process). Its code is only handed out after.
      if (!stored) continue;
      const active = stored.json ? (JSON.parse(stored.json) as { status?: string }).status === 'active' : false;
      if (!row.revoked && !active) {
        await this.revokeGrantsOf(row.consentId, 'its Consent had ended (found at start)');
        fixed++;
      } else if (row.revoked && active) {
        await this.endConsent(row.consentId, undefined, 'authorization-server', 'its grant had been revoked (found at start)');
        fixed++;
      }
    }
    return fixed;
  }

  /**
   * The rule for a new version of a Consent that backs grants (any writer): it may end it (status
   * no longer active) and nothing else; an ended one stays ended (authorize again instead).
   */
  async checkConsentVersion(next: Resource, current: Resource | undefined, tx: Pick<StoreTransaction, 'grantIdsOfConsent'>): Promise<void> {
    if (!current?.id || (await tx.grantIdsOfConsent(current.id)).length === 0) return;
    if (current.status !== 'active' && next.status === 'active') {
      throw conflict(`Consent/${current.id} was ${String(current.status)}: the sharing it recorded ended and cannot be resumed; the app must be authorized again`);
    }
    for (const element of FIXED) {
      if (canonical(next[element]) !== canonical(current[element])) {
        throw businessRule(`Consent/${current.id} backs an app's authorization: only its status may change (to end it), not ${element}`, `Consent.${element}`);
      }
    }
  }

  private async endConsent(consentId: string, by: Person | undefined, channel: ApprovalChannel, reason?: string): Promise<boolean> {
    const stored = await this.deps.store.readCurrent('Consent', consentId);
    if (!stored?.json) return false;
    const consent = JSON.parse(stored.json) as Resource;
    if (consent.status !== 'active') return false;
    const { meta: _meta, ...rest } = consent;
    await this.deps.writeResources([
      { ...rest, status: 'inactive' },
      consentProvenance({ id: newId(), consentId, version: stored.versionId + 1, at: this.deps.clock.now().getTime(), by, channel, operation: 'UPDATE', ...(reason ? { reason } : {}) }),
    ]);
    this.deps.log.info({ consentId, channel }, 'Consent ended');
    return true;
  }

  private async revokeGrantsOf(consentId: string, reason: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const revoked: string[] = [];
    for (const grantId of await this.deps.store.consent.grantIdsOfConsent(consentId)) {
      // Through AuthRecords.revokeGrant: the one revocation path every cache and check follows.
      if (await this.deps.store.auth.revokeGrant(grantId, now, reason)) {
        this.deps.log.info({ grantId, consentId }, 'grant revoked with its Consent');
        revoked.push(grantId);
      }
    }
    if (revoked.length > 0) await this.deps.onGrantsRevoked?.(revoked);
  }
}

/** JSON with sorted keys: a resubmitted element compares equal whatever its key order. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}
