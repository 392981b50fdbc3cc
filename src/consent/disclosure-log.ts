import { newId, type Clock, type Logger } from '../base/index.js';
import { OperationOutcomeError, type Resource } from '../model/index.js';
import type { DisclosureBatchRows, DisclosureRecord, GrantRecord, Store, StoreTransaction, VersionKey } from '../storage/index.js';
import { auditEventsOf, sentReferences, type DisclosureBatch, type DisclosureRecipient } from './audit-events.js';
import { recipientDevice, recipientDeviceId } from './consent-resources.js';
import { patientOfResource } from './patient-of-resource.js';

/**
 * Disclosures per batch. A batch becomes one AuditEvent per recipient, interaction and patient, so
 * its cost follows how many patients it touched, not how many requests: 500 repeated reads of one
 * chart are one event. Each event costs ~2 ms (SQLite) to ~4 ms (PostgreSQL) through the
 * validated, indexed write path while holding the single SQLite writer.
 */
const DEFAULT_BATCH = 500;
/**
 * A batch the earlier claim-then-mark materializer claimed and had not marked after this long lost
 * its writer (a crash, a kill): it is taken again. Batches are now taken and marked in one
 * transaction, so only rows claimed before an upgrade can be in this state.
 */
const CLAIM_STALE_MS = 30_000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const KEEP_MATERIALIZED_MS = 24 * 60 * 60 * 1000;
/** Disclosure records inserted in one statement at most (requests waiting on one commit). */
const MAX_INSERT_BATCH = 200;
/**
 * Event-loop turns a flush waits for more records when the last one found company (PostgreSQL's
 * `commit_delay` with `commit_siblings`, in turns instead of microseconds). Each turn lets the
 * requests read from the sockets meanwhile reach their record: at 10 concurrent reads a commit
 * carried ~3.7 records without it and reads ran ~10 % faster with two turns (SQLite, 2 cores). A lone
 * request (the last batch had one record) is not kept waiting.
 */
const LINGER_TURNS = 2;

export interface DisclosureLogDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  fhirBase: string;
  /** Writes resources through the FHIR write path (validation, search index, change log): in `tx`, or in one transaction of their own. */
  writeResources(resources: Resource[], tx?: StoreTransaction): Promise<void>;
  /** Disclosures turned into AuditEvents per transaction. */
  batchSize?: number;
  /** How often pending disclosures are materialized (besides `materialize()` on demand). */
  everyMs?: number;
}

/** A FHIR request as the disclosure log needs it. */
export interface DisclosedRequest {
  method: string;
  path: string[];
  query: [string, string][];
}

/**
 * The disclosure log (issue 5): every response or notification that carried resources to an
 * outside party is first a durable row (written before the response leaves, or — for a
 * notification the endpoint accepted — in the same transaction that marks its events delivered, so
 * a crash resends and records again rather than losing one), then AuditEvents written in batches off the request path:
 * one per recipient, interaction and patient per batch (see `auditEventsOf`).
 */
export class DisclosureLog {
  private running: Promise<number> | undefined;
  private queued: { record: DisclosureRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private lastBatch = 0;
  private lastPrune = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DisclosureLogDeps) {}

  /** A FHIR API response to a caller with a grant; nothing is recorded when it carried no resource. */
  async recordResponse(caller: { grantId: string; clientId: string }, request: DisclosedRequest, sent: { references: string[] } | { body: Resource }): Promise<void> {
    const resources = 'references' in sent ? sent.references : sentReferences(sent.body);
    if (resources.length === 0) return;
    const query = `${request.path.join('/')}${request.query.length > 0 ? `?${new URLSearchParams(request.query).toString()}` : ''}`;
    // A batch at the base has no query of its own (its entries' resources are what it disclosed).
    await this.insert(caller.grantId, caller.clientId, kindOf(request), query === '' ? {} : { query }, resources);
  }

  /**
   * The disclosure record of a notification the subscriber accepted (2xx), not yet written: the
   * delivery round writes it in the transaction that marks its events delivered, so the two are
   * durable together (a crash before it resends the notification and records it again).
   */
  async notificationRecord(n: { grantId: string | null; clientId?: string; subscriptionId: string; eventNumbers: number[]; references: string[] }): Promise<DisclosureRecord | undefined> {
    if (n.grantId === null || n.references.length === 0) return undefined;
    const clientId = n.clientId ?? (await this.deps.store.auth.getGrant(n.grantId))?.clientId;
    if (clientId === undefined) return undefined;
    return this.record(n.grantId, clientId, 'notification', { subscription: n.subscriptionId, events: n.eventNumbers }, n.references);
  }

  /**
   * Group commit: the response waits until its record is durable, but records that arrive while
   * one insert commits go together in the next — one commit (one fsync on PostgreSQL) for every
   * request waiting, instead of one each. A batch that fails fails every request in it.
   */
  private insert(grantId: string, clientId: string, kind: string, detail: object, resources: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ record: this.record(grantId, clientId, kind, detail, resources), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private record(grantId: string, clientId: string, kind: string, detail: object, resources: string[]): DisclosureRecord {
    return { id: newId(), recordedAt: this.deps.clock.now().getTime(), grantId, clientId, consentId: null, kind,
      detail: JSON.stringify(detail), resources: JSON.stringify(resources), materializedAt: null };
  }

  private async flush(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        if (this.lastBatch > 1) {
          for (let turn = 0; turn < LINGER_TURNS; turn++) await new Promise((resolve) => setImmediate(resolve));
        }
        const batch = this.queued.splice(0, MAX_INSERT_BATCH);
        this.lastBatch = batch.length;
        try {
          await this.deps.store.consent.recordDisclosures(batch.map((item) => item.record));
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Turns every disclosure recorded before the call into AuditEvents now (one call at a time); returns how many it wrote. */
  materialize(): Promise<number> {
    const previous = this.running ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(() => this.materializeAll());
    this.running = next;
    return next;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.materialize().catch((error: unknown) => this.deps.log.warn({ err: error }, 'materializing the disclosure log failed; retrying'));
    }, this.deps.everyMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.materialize().catch((error: unknown) => this.deps.log.warn({ err: error }, 'materializing the disclosure log at close failed; it resumes at the next start'));
  }

  private async materializeAll(): Promise<number> {
    let total = 0;
    const now = this.deps.clock.now().getTime();
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      // Their AuditEvents are the log; a materialized row is kept a day for inspection, then dropped.
      await this.deps.store.consent.pruneMaterialized(now - KEEP_MATERIALIZED_MS);
    }
    const limit = this.deps.batchSize ?? DEFAULT_BATCH;
    for (;;) {
      const batchId = newId();
      let pass: { batchId: string; taken: number };
      try {
        pass = await this.materializeBatch(batchId, limit, 'whole');
      } catch (error) {
        if (!(error instanceof RefusedBatch)) throw error;
        // A record the write path refuses (a defect: an empty query once did) must not hold back
        // everyone's log — the batch would fail whole on every pass. Taken again (its transaction
        // rolled back) and written one record at a time; a record refused for what it holds is
        // logged with its row and left materialized without an event (the row stays a day for
        // inspection). Anything else — the database — fails the pass, and the rows stay pending.
        pass = await this.materializeBatch(batchId, limit, 'each');
      }
      total += pass.taken;
      // Caught up: what arrived while this batch was written waits for the next pass (a second
      // away under load), so it aggregates with what follows instead of becoming a tiny batch of
      // its own — looping on at once wrote an AuditEvent every few milliseconds under a steady load.
      // (A dead claim-then-mark writer's batch taken over says nothing about what is pending: go on.)
      if (pass.taken === 0 || (pass.batchId === batchId && pass.taken < limit)) return total;
    }
  }

  /**
   * One batch (`materializeDisclosures`): what its AuditEvents need is read first, with nothing
   * held; then its rows are locked, their AuditEvents written and the rows marked in one
   * transaction — one rewrite of each row and one commit, where a claim, the write and a mark took
   * three transactions and two rewrites (a tenth of a read's CPU under load went to claiming and
   * marking). `each`: one AuditEvent per disclosure, after the batch was refused whole.
   */
  private materializeBatch(batchId: string, limit: number, mode: 'whole' | 'each'): Promise<{ batchId: string; taken: number }> {
    const at = this.deps.clock.now().getTime();
    return this.deps.store.consent.materializeDisclosures(batchId, limit, at, at - CLAIM_STALE_MS, {
      prepare: (batch) => this.prepare(batch),
      write: async (batch, prepared, tx) => {
        // Only the rows still pending when the transaction locked them (another process may have taken some).
        const taken = new Set(batch.records.map((r) => r.id));
        const disclosures = prepared.disclosures.filter((d) => taken.has(d.record.id));
        const { writes, patientOf } = prepared;
        if (mode === 'each') return this.writeEach(tx, batch.batchId, writes, disclosures, patientOf);
        try {
          await this.deps.writeResources([...writes, ...auditEventsOf({ batchId: batch.batchId, disclosures, patientOf, fhirBase: this.deps.fhirBase })], tx);
        } catch (error) {
          throw isRecordFault(error) ? new RefusedBatch(error) : error;
        }
      },
    });
  }

  /** What a batch's AuditEvents need: its readable records with their recipients, the patients of what they sent, Devices to create. */
  private async prepare(batch: DisclosureBatchRows) {
    const { store, fhirBase } = this.deps;
    const recipients = new Map<string, DisclosureRecipient>();
    const writes: Resource[] = [];
    const disclosures: DisclosureBatch['disclosures'] = [];
    const readable: DisclosureRecord[] = [];
    const refs = new Set<string>();
    for (const record of batch.records) {
      try {
        for (const ref of JSON.parse(record.resources) as string[]) refs.add(ref);
        JSON.parse(record.detail);
        readable.push(record);
      } catch (error) {
        this.deps.log.error({ err: error, disclosure: record.id, batch: batch.batchId }, 'a disclosure row is unreadable; it is kept a day');
      }
    }
    const patientOf = await patientsOfReferences(store, [...refs], fhirBase);
    for (const record of readable) {
      let recipient = recipients.get(record.grantId);
      if (!recipient) {
        recipient = await this.recipientOf(record);
        recipients.set(record.grantId, recipient);
        for (const clientId of [recipient.clientId, ...(recipient.actor ? [recipient.actor.clientId] : [])]) {
          const id = recipientDeviceId(clientId);
          if (!writes.some((r) => r.id === id) && !(await store.readCurrent('Device', id))?.json) writes.push(recipientDevice(clientId, await clientNameOf(store, clientId)));
        }
      }
      disclosures.push({ record, recipient });
    }
    return { writes, disclosures, patientOf };
  }

  /** The batch's events record by record, after the batch was refused whole. */
  private async writeEach(tx: StoreTransaction, batchId: string, devices: Resource[], disclosures: DisclosureBatch['disclosures'],
    patientOf: Map<string, string | undefined>): Promise<void> {
    if (devices.length > 0) await this.deps.writeResources(devices, tx);
    for (const [i, disclosure] of disclosures.entries()) {
      try {
        // One resource: refused before anything of it is written, so the transaction goes on.
        await this.deps.writeResources(auditEventsOf({ batchId: `${batchId}.${i}`, disclosures: [disclosure], patientOf, fhirBase: this.deps.fhirBase }), tx);
      } catch (error) {
        if (!isRecordFault(error)) throw error;
        this.deps.log.error({ err: error, disclosure: disclosure.record.id, batch: batchId }, 'a disclosure could not be written as an AuditEvent; its row is kept a day');
      }
    }
  }

  /** Who a grant's disclosures went to: a derived token's count under the recipient that derived it (RFC 8693: the holder acts for it). */
  private async recipientOf(record: DisclosureRecord): Promise<DisclosureRecipient> {
    const { store } = this.deps;
    const grant = await store.auth.getGrant(record.grantId);
    const root = grant ? await rootOf(store, grant) : undefined;
    const clientId = root?.clientId ?? record.clientId;
    const consentId = grant?.consentId ?? null;
    return {
      clientId, clientName: await clientNameOf(store, clientId), consentId,
      ...(clientId !== record.clientId ? { actor: { clientId: record.clientId, name: await clientNameOf(store, record.clientId) } } : {}),
      purpose: consentId ? await purposeOfConsent(store, consentId) : undefined,
    };
  }
}

/** A batch the write path refused for what one of its records holds (its transaction rolls back). */
class RefusedBatch extends Error {
  constructor(cause: unknown) {
    super('the batch was refused whole', { cause });
  }
}

/** A failure caused by what a record holds (refused by validation, or unreadable), not by the database. */
function isRecordFault(error: unknown): boolean {
  return error instanceof OperationOutcomeError || error instanceof SyntaxError || error instanceof RangeError || error instanceof TypeError;
}

function kindOf(request: DisclosedRequest): string {
  const { path, method } = request;
  const last = path[path.length - 1] ?? '';
  if (path.length === 0) return 'batch';
  if (last.startsWith('$')) return 'operation';
  if (path.includes('_history') && !(path.length === 4 && method === 'GET')) return 'history';
  if (path.length === 2 && path[1] !== '_search' || path.length === 4) return 'read';
  return 'search';
}

/**
 * The patient of each disclosed reference (`Type/id/_history/n`, or `Type/id`). The versions a
 * batch names are read in one statement, not one each: a batch of notifications names hundreds,
 * and on PostgreSQL each read is a round trip.
 */
async function patientsOfReferences(store: Store, refs: string[], fhirBase: string): Promise<Map<string, string | undefined>> {
  const patientOf = new Map<string, string | undefined>();
  const versioned: { ref: string; key: VersionKey }[] = [];
  for (const ref of refs) {
    const [type, id, , version] = ref.split('/');
    if (!type || !id) patientOf.set(ref, undefined);
    else if (type === 'Patient') patientOf.set(ref, id);
    else if (version && /^\d+$/.test(version)) versioned.push({ ref, key: { resourceType: type, id, versionId: Number(version) } });
    else {
      const stored = await store.readCurrent(type, id);
      patientOf.set(ref, stored?.json ? patientOfResource(JSON.parse(stored.json) as Resource, fhirBase) : undefined);
    }
  }
  const found = new Map((await store.readVersions(versioned.map((v) => v.key))).map((v) => [`${v.resourceType}/${v.id}/_history/${v.versionId}`, v]));
  for (const { ref, key } of versioned) {
    const stored = found.get(`${key.resourceType}/${key.id}/_history/${key.versionId}`);
    patientOf.set(ref, stored?.json ? patientOfResource(JSON.parse(stored.json) as Resource, fhirBase) : undefined);
  }
  return patientOf;
}

async function clientNameOf(store: Store, clientId: string): Promise<string> {
  return (await store.auth.getClient(clientId))?.clientName ?? clientId;
}

/** The grant a derived grant was (recursively) cut from; depth-bounded like grant liveness. */
async function rootOf(store: Store, grant: GrantRecord): Promise<GrantRecord> {
  let current = grant;
  for (let depth = 0; current.parentGrantId !== null && depth < 8; depth++) {
    const parent = await store.auth.getGrant(current.parentGrantId);
    if (!parent) break;
    current = parent;
  }
  return current;
}

async function purposeOfConsent(store: Store, consentId: string) {
  const stored = await store.readCurrent('Consent', consentId);
  if (!stored?.json) return undefined;
  const consent = JSON.parse(stored.json) as { provision?: { purpose?: { system: string; code: string; display: string }[] } };
  return consent.provision?.purpose?.[0];
}
