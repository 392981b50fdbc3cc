import type { SearchClause, SearchRestriction } from '../../model/index.js';
import { patientCompartmentParams } from '../../model/index.js';
import { chooseDriver } from './choose-driver.js';
import { compileClause } from './compile-clause.js';
import { all, any, list, raw, sql, type Sql } from './sql-fragment.js';

/**
 * The WHERE condition selecting the live resources of `resourceType`, aliased `alias`, that match
 * every clause (R4 search §3.1.1: parameters are ANDed). One clause (or the compartment) drives
 * the search from its index (choose-driver.ts); every driving subquery is already scoped to the
 * resource type, so `alias.resource_type = ?` is then left out — SQLite, planning without
 * statistics, would otherwise read the whole type through the (resource_type, last_updated)
 * index and test each row. Without a driver that test is the entry point.
 */
export function compileFilter(clauses: SearchClause[], resourceType: string, alias: string, compartment?: { id: string }, restriction?: SearchRestriction): Sql {
  const conditions: Sql[] = [raw(`${alias}.deleted = 0`)];
  let driven = false;
  if (compartment) {
    const inCompartment = compartmentCondition(resourceType, compartment.id, alias);
    conditions.push(inCompartment.condition);
    driven = inCompartment.drives;
  }
  if (restriction) {
    // `_id` is better served by the (resource_type, id) key than by the compartment (choose-driver.ts).
    const byId = clauses.some((c) => c.param.code === '_id' && c.modifier !== 'not');
    const allowed = compileRestriction(restriction, resourceType, alias, !driven && !byId);
    conditions.push(allowed.condition);
    driven ||= allowed.drives;
  }
  const driver = driven ? undefined : chooseDriver(clauses);
  if (!driven && driver === undefined) conditions.unshift(sql`${raw(alias)}.resource_type = ${resourceType}`);
  clauses.forEach((clause, i) => conditions.push(compileAny(clause, resourceType, alias, i === driver)));
  return all(conditions);
}

function compileAny(clause: SearchClause, resourceType: string, alias: string, drive: boolean): Sql {
  if (clause.chain) return compileChain(clause, resourceType, alias);
  if (clause.has) return compileHas(clause, resourceType, alias);
  return compileClause(clause, resourceType, alias, drive);
}

/** search.html#chaining: resources whose reference points at a target matching the inner clause. */
function compileChain(clause: SearchClause, resourceType: string, alias: string): Sql {
  const chain = clause.chain!;
  const targets = compileFilter([chain.clause], chain.targetType, 't');
  return sql`${raw(alias)}.rid IN (SELECT ref.rid FROM sp_reference ref WHERE ref.resource_type = ${resourceType}
    AND ref.param = ${clause.param.code} AND ref.target_type = ${chain.targetType}
    AND ref.target_id IN (SELECT t.id FROM resources t WHERE ${targets}))`;
}

/**
 * R4 §3.1.1.5.10 `_has:Type:param:filter=value`: resources that matching `Type` resources point
 * to — of the searched type only, since another type may use the same id. Written as a rid list
 * (matching sources → their references → our rows by (resource_type, id)), so it can drive.
 */
function compileHas(clause: SearchClause, resourceType: string, alias: string): Sql {
  const has = clause.has!;
  const sources = compileFilter([has.clause], has.sourceType, 's');
  // The sources' rids fix ref.resource_type; leaving it out steers SQLite to the (rid, param) index.
  return sql`${raw(alias)}.rid IN (SELECT t.rid FROM resources t WHERE t.resource_type = ${resourceType} AND t.id IN
    (SELECT ref.target_id FROM sp_reference ref WHERE ref.rid IN (SELECT s.rid FROM resources s WHERE ${sources})
      AND ref.param = ${has.referenceParam.code} AND ref.target_type = ${resourceType}))`;
}

/**
 * An access restriction (what the caller may see, from `access`): any alternative, each a
 * compartment bound AND a granular scope's clauses. When every alternative has the same
 * compartment, that compartment is taken out of the OR so it can drive the search from
 * sp_reference: a patient-scoped search over a large store reads only that patient's rows.
 */
export function compileRestriction(restriction: SearchRestriction, resourceType: string, alias: string, mayDrive = false): { condition: Sql; drives: boolean } {
  const { anyOf } = restriction;
  if (anyOf.length === 0) return { condition: raw('1=0'), drives: false };
  const clausesOf = (clauses: SearchClause[]) => all(clauses.map((clause) => compileAny(clause, resourceType, alias, false)));
  const shared = anyOf[0]!.compartment;
  if (shared !== undefined && anyOf.every((alternative) => alternative.compartment === shared)) {
    const inCompartment = compartmentCondition(resourceType, shared, alias);
    const rest = anyOf.some((alternative) => alternative.clauses.length === 0) ? [] : [any(anyOf.map((alternative) => clausesOf(alternative.clauses)))];
    return { condition: all([inCompartment.condition, ...rest]), drives: mayDrive && inCompartment.drives };
  }
  return {
    condition: any(anyOf.map((alternative) => all([
      ...(alternative.compartment !== undefined ? [compartmentCondition(resourceType, alternative.compartment, alias).condition] : []),
      ...alternative.clauses.map((clause) => compileAny(clause, resourceType, alias, false)),
    ]))),
    drives: false,
  };
}

/**
 * R4 §3.1.1.2 compartment search (`/Patient/123/Condition`): the resources that reference the
 * patient through a parameter of the R4 Patient CompartmentDefinition; the patient itself for
 * `Patient`. A type with no such parameter is not in the compartment.
 */
function compartmentCondition(resourceType: string, patientId: string, alias: string): { condition: Sql; drives: boolean } {
  if (resourceType === 'Patient') return { condition: sql`${raw(alias)}.id = ${patientId}`, drives: false };
  const params = patientCompartmentParams(resourceType);
  if (params.length === 0) return { condition: raw('1=0'), drives: false };
  return {
    condition: sql`${raw(alias)}.rid IN (SELECT rid FROM sp_reference WHERE resource_type = ${resourceType}
      AND param IN (${list(params)}) AND target_type = 'Patient' AND target_id = ${patientId})`,
    drives: true,
  };
}
