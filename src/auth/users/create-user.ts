import { randomUUID } from 'node:crypto';
import type { AuthRecords, UserRecord } from '../../storage/index.js';
import { hashPassword } from '../secrets.js';

export interface NewUser {
  username: string;
  password: string;
  /** `Practitioner/<id>` or `Patient/<id>`. */
  fhirUser: string;
  displayName: string;
}

export class InvalidUser extends Error {}

/** Adds a user (CLI `handover user add`, the sandbox's sample users). */
export async function createUser(records: AuthRecords, user: NewUser, now: number): Promise<UserRecord> {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(user.username)) throw new InvalidUser('user names are 1–64 letters, digits and . _ @ -');
  if (user.password.length < 10) throw new InvalidUser('passwords have at least 10 characters');
  if (!/^(Practitioner|Patient|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/.test(user.fhirUser)) {
    throw new InvalidUser('fhirUser must be Practitioner/<id>, Patient/<id>, RelatedPerson/<id> or Person/<id>');
  }
  if (await records.getUserByUsername(user.username)) throw new InvalidUser(`user "${user.username}" already exists`);
  const record: UserRecord = {
    userId: randomUUID(), username: user.username, passwordHash: await hashPassword(user.password), fhirUser: user.fhirUser,
    displayName: user.displayName, createdAt: now,
  };
  await records.insertUser(record);
  return record;
}

/**
 * The sandbox's sample users, documented in the README: a clinician and a patient linked to the
 * sample data's anchor records (docs/sample-data.md). Sandbox mode only — never in production.
 */
export const SAMPLE_USERS: readonly NewUser[] = [
  { username: 'dr.okafor', password: 'sandbox-clinician', fhirUser: 'Practitioner/example-practitioner', displayName: 'Dr. Samuel Okafor' },
  { username: 'eleanor', password: 'sandbox-patient', fhirUser: 'Patient/example-patient', displayName: 'Eleanor Whitfield' },
];

export async function addSampleUsers(records: AuthRecords, now: number): Promise<number> {
  let added = 0;
  for (const user of SAMPLE_USERS) {
    if (await records.getUserByUsername(user.username)) continue;
    await createUser(records, user, now);
    added++;
  }
  return added;
}
