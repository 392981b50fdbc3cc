import { patientCompartmentParams, type ScopeInteraction, type ScopeLevel } from '../../model/index.js';
import type { Caller } from '../caller.js';

/**
 * Resources outside any compartment that a patient's records point to (a MedicationRequest's
 * Medication, a Condition's asserter …): patient/ scopes may read and search them when they
 * name the type. Writing them would change what every other patient's records say, so only
 * `r` and `s` reach them.
 */
export const SHARED_REFERENCE_TYPES: ReadonlySet<string> = new Set(['Medication', 'Practitioner', 'PractitionerRole', 'Organization', 'Location']);

/**
 * The bound a scope level puts on what its scopes cover (App Launch 2.2 §"Scopes for requesting
 * FHIR Resources"): `{}` nothing beyond the scopes, `{ compartment }` that patient's compartment,
 * `undefined` nothing at all for this type.
 *
 * - `patient/`: the launch patient's compartment; without a patient in context, nothing.
 * - `user/`: "what that user may see". A Practitioner sees the whole record (this server has no
 *   finer policy for clinicians); a Patient user sees their own compartment; any other or no
 *   fhirUser is not known to see anything.
 * - `system/`: whatever the scopes say; the client's policy was applied when they were granted.
 */
export function levelBound(level: ScopeLevel, caller: Caller, resourceType: string, interaction: ScopeInteraction): { compartment?: string } | undefined {
  switch (level) {
    case 'system': return {};
    case 'patient': return caller.patientId !== undefined ? compartmentBound(caller.patientId, resourceType, interaction) : undefined;
    case 'user': {
      const user = fhirUserOf(caller);
      if (user?.type === 'Practitioner') return {};
      if (user?.type === 'Patient') return compartmentBound(user.id, resourceType, interaction);
      return undefined;
    }
  }
}

function compartmentBound(patientId: string, resourceType: string, interaction: ScopeInteraction): { compartment?: string } | undefined {
  if (resourceType === 'Patient' || patientCompartmentParams(resourceType).length > 0) return { compartment: patientId };
  if (SHARED_REFERENCE_TYPES.has(resourceType) && (interaction === 'r' || interaction === 's')) return {};
  return undefined;
}

/** `fhirUser` is a relative (`Patient/123`) or absolute (`https://…/fhir/Patient/123`) reference. */
export function fhirUserOf(caller: Caller): { type: string; id: string } | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(caller.fhirUser ?? '');
  return match ? { type: match[1]!, id: match[2]! } : undefined;
}

/**
 * The levels a token may use (`permits` needs them): `patient` with a patient in context, `user`
 * for a person's grant, `system` for a backend service (or a grant derived from one, which has
 * no user). A level outside these is never honoured even if its scopes were somehow granted.
 */
export function usableLevels(caller: Caller): ScopeLevel[] {
  const levels: ScopeLevel[] = [];
  if (caller.patientId !== undefined) levels.push('patient');
  if (caller.kind !== 'backend' && caller.fhirUser !== undefined) levels.push('user');
  if (caller.kind === 'backend' || (caller.kind === 'derived' && caller.fhirUser === undefined)) levels.push('system');
  return levels;
}
