import r4 from 'fhirpath/fhir-context/r4';
import { fhirTypeName } from './typed-value.js';

/**
 * What a member name means on an element of a given type, from the fhirpath R4 model (generated
 * from the R4 StructureDefinitions): the JSON key(s) it is stored under and their FHIR types.
 * A choice element `value[x]` has one key per allowed type (`valueQuantity`, `valueString`, …),
 * per R4 JSON §2.6.2.3 ("the name of the element … has the type name appended").
 */
export interface ElementChoice {
  /** JSON property holding the element. */
  key: string;
  /** FHIR type name (`HumanName`, `dateTime`, `BackboneElement`, `Resource`). */
  type: string;
  /** Where to look up this element's own children: a type name or a backbone path. */
  path: string;
}

interface Model {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
  path2Type: Record<string, string | { code: string }>;
}

const model = r4 as unknown as Model;

/** Immutable derived data, memoized per `path.name` (like the definitions loader). */
const memo = new Map<string, ElementChoice[] | undefined>();

/** The element `name` under `path`, or undefined when the model does not know it. */
export function elementTypes(path: string, name: string): ElementChoice[] | undefined {
  const memoKey = `${path}.${name}`;
  if (memo.has(memoKey)) return memo.get(memoKey);
  const result = lookup(path, name);
  memo.set(memoKey, result);
  return result;
}

function lookup(path: string, name: string): ElementChoice[] | undefined {
  // A datatype inherits its parent's elements (Age → Quantity, Patient → DomainResource → Resource).
  for (let owner: string | undefined = path; owner; owner = model.type2Parent[owner]) {
    const found = lookupOwn(`${owner}.${name}`, name);
    if (found) return found;
    if (owner.includes('.')) break;
  }
  return undefined;
}

function lookupOwn(elementPath: string, name: string): ElementChoice[] | undefined {
  const definedAt = model.pathsDefinedElsewhere[elementPath] ?? elementPath;
  const choices = model.choiceTypePaths[definedAt];
  if (choices) return choices.map((t) => ({ key: name + t, type: fhirTypeName(t), path: fhirTypeName(t) }));
  const raw = model.path2Type[definedAt];
  if (raw === undefined) return undefined;
  const type = fhirTypeName(typeof raw === 'string' ? raw : raw.code);
  const nested = type === 'BackboneElement' || type === 'Element';
  return [{ key: name, type, path: nested ? definedAt : type }];
}

/** Whether `type` is `ancestor` or derives from it (Age is a Quantity; Patient is a Resource). */
export function isTypeOf(type: string, ancestor: string): boolean {
  for (let t: string | undefined = type; t; t = model.type2Parent[t]) if (t === ancestor) return true;
  return false;
}
