import type { AuthContext } from '../auth-context.js';
import { nowMs } from '../auth-context.js';
import { digest, randomToken } from '../secrets.js';

/** SMART: the launch value is opaque, short-lived and single use. */
export const LAUNCH_SECONDS = 300;

export interface LaunchRequest {
  clientId: string;
  userId: string;
  patientId: string | null;
  encounterId: string | null;
}

export class LaunchRefused extends Error {}

export interface MintedLaunch {
  launch: string;
  /** The app's launch URL with `iss` and `launch` (SMART §"EHR Launch"). */
  launchUrl: string;
  expiresIn: number;
}

/**
 * Mints an EHR launch bound to one app, user, patient and encounter: what the operator API gives
 * a real EHR and what the sandbox chart's Launch button uses. The value is kept only as a digest.
 */
export async function mintLaunch(ctx: AuthContext, request: LaunchRequest): Promise<MintedLaunch> {
  const client = await ctx.records.getClient(request.clientId);
  if (!client) throw new LaunchRefused('unknown client_id');
  if (!client.launchUrl) throw new LaunchRefused('this app registered no launch URL (initiate_login_uri)');
  if (!client.grantTypes.includes('authorization_code')) throw new LaunchRefused('this app does not sign users in');
  const user = await ctx.records.getUser(request.userId);
  if (!user) throw new LaunchRefused('unknown user');
  if (request.patientId !== null && !(await ctx.store.readCurrent('Patient', request.patientId))?.json) throw new LaunchRefused('unknown patient');
  if (request.encounterId !== null) {
    const encounter = await ctx.store.readCurrent('Encounter', request.encounterId);
    if (!encounter?.json) throw new LaunchRefused('unknown encounter');
    const subject = (JSON.parse(encounter.json) as { subject?: { reference?: string } }).subject?.reference;
    if (request.patientId !== null && subject !== `Patient/${request.patientId}`) throw new LaunchRefused('the encounter is not the patient\'s');
  }
  const launch = randomToken();
  await ctx.records.insertLaunch({
    launchHash: digest(launch), clientId: client.clientId, userId: user.userId, patientId: request.patientId,
    encounterId: request.encounterId, expiresAt: nowMs(ctx) + LAUNCH_SECONDS * 1000, usedAt: null,
  });
  const url = new URL(client.launchUrl);
  url.searchParams.set('iss', ctx.fhirBase);
  url.searchParams.set('launch', launch);
  return { launch, launchUrl: url.toString(), expiresIn: LAUNCH_SECONDS };
}
