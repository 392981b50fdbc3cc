import type { Resource } from '../fhir-types.js';
import type { Concept } from './catalogs.js';
import { concept, thoConcept, type CodeableConcept, type Reference } from './build-datatypes.js';
import { SYSTEM } from './code-systems.js';

export interface EncounterInput {
  id: string;
  status: 'finished' | 'in-progress';
  type: Concept;
  patient: Reference;
  practitioner: Reference;
  organization: Reference;
  start: string;
  end?: string;
  reason?: CodeableConcept;
}

/** An ambulatory visit (class v3-ActCode AMB) with its primary performer (v3-ParticipationType PPRF). */
export function buildEncounter(e: EncounterInput): Resource {
  const period = e.end === undefined ? { start: e.start } : { start: e.start, end: e.end };
  return {
    resourceType: 'Encounter',
    id: e.id,
    status: e.status,
    class: { system: SYSTEM.actCode, code: 'AMB', display: 'ambulatory' },
    type: [concept(SYSTEM.snomed, e.type, e.type.display)],
    subject: e.patient,
    participant: [{ type: [thoConcept(SYSTEM.participationType, 'PPRF', 'primary performer')], period, individual: e.practitioner }],
    period,
    ...(e.reason ? { reasonCode: [e.reason] } : {}),
    serviceProvider: e.organization,
  };
}
