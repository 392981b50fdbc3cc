/**
 * Seeded damage to a resource, for the differential test: each mutation breaks one thing the
 * structure check is about (a required element, a JSON type, an element name, a format, the
 * array-ness of an element, a choice, a reference, a primitive's `_` partner, an extension), or
 * nothing at all when it hits an optional element. Test support only.
 */

type Json = Record<string, unknown>;

interface Slot {
  parent: Json | unknown[];
  key: string | number;
  value: unknown;
}

export type Random = (n: number) => number;

/** A deterministic random integer below n (the LCG of validate-resource.test.ts). */
export function seededRandom(seed: number): Random {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n);
  };
}

const CHOICE = /^(value|effective|onset|abatement|deceased|multipleBirth|occurrence|medication|timing)[A-Z]/;

/** Mutation name → applies it in place; false when the resource has nothing it could hit. */
export const MUTATIONS: Readonly<Record<string, (resource: Json, random: Random) => boolean>> = {
  deleteElement: (r, random) => hit(slots(r).filter((s) => !Array.isArray(s.parent)), random, (s) => delete (s.parent as Json)[s.key]),
  changeJsonType: (r, random) => hit(slots(r), random, (s) => set(s, retyped(s.value, random))),
  addUnknownElement: (r, random) => hit(objects(r), random, (o) => (o[pick(['colour', 'valueFoo', '_colour', 'Name', 'resourceType', 'extensions'], random)] = 'x')),
  breakDate: (r, random) => hit(slots(r).filter((s) => typeof s.value === 'string' && /^\d{4}(-\d\d)?/.test(s.value)), random, (s) =>
    set(s, pick(['2020-13-45', 'yesterday', '2020-02-30T25:00:00Z', '2020-01-01T10:00', '20200101', '2020-01-01T10:00:00'], random))),
  wrapInArray: (r, random) => hit(slots(r).filter((s) => !Array.isArray(s.parent) && !Array.isArray(s.value)), random, (s) => set(s, [s.value])),
  unwrapArray: (r, random) => hit(slots(r).filter((s) => Array.isArray(s.value) && !Array.isArray(s.parent)), random, (s) => set(s, (s.value as unknown[])[0])),
  setNull: (r, random) => hit(slots(r), random, (s) => set(s, null)),
  blankString: (r, random) => hit(slots(r).filter((s) => typeof s.value === 'string'), random, (s) => set(s, pick(['', ' ', 'a  b', 'x\u0001'], random))),
  secondChoiceType: (r, random) => hit(objects(r).filter((o) => Object.keys(o).some((k) => CHOICE.test(k))), random, (o) => {
    const base = (Object.keys(o).find((k) => CHOICE.test(k)) as string).replace(/[A-Z].*$/, '');
    o[base + pick(['String', 'Boolean', 'Integer', 'Foo', 'DateTime'], random)] = pick(['s', true, 1, 'f', '2020'], random);
  }),
  retargetReference: (r, random) => hit(slots(r).filter((s) => s.key === 'reference' && typeof s.value === 'string'), random, (s) =>
    set(s, pick(['Observation/1', 'Practitioner/2', 'Patient/3', 'Device?identifier=x', 'urn:uuid:0b0e7c9a-3c1b-4c8e-9a53-1d1c2b3a4f5e', '#c1'], random))),
  changeNumber: (r, random) => hit(slots(r).filter((s) => typeof s.value === 'number'), random, (s) => set(s, pick([-1, 0, 1.5, 3e9, 1e-3], random))),
  addPartner: (r, random) => hit(objects(r), random, (o) => {
    const key = Object.keys(o).find((k) => k !== 'resourceType' && !k.startsWith('_'));
    if (key) o[`_${key}`] = structuredClone(pick([{ id: 'x' }, { extension: [{ url: 'http://x', valueString: 'y' }] }, [null], { colour: 1 }], random));
  }),
  breakExtension: (r, random) => hit(objects(r), random, (o) => {
    o.extension = structuredClone(pick([
      [{ valueString: 'x' }],
      [{ url: 'http://x' }],
      [{ url: 'http://x', valueString: 'a', extension: [{ url: 'y', valueBoolean: true }] }],
      [{ url: 'http://x', valueString: 'a' }],
      [{ url: 'http://x', extension: [{ url: 'y', valueFoo: 1 }] }],
    ], random));
  }),
  idOnly: (r, random) => hit(slots(r).filter((s) => isObject(s.value)), random, (s) => set(s, { id: 'x' })),
};

function hit<T>(candidates: T[], random: Random, apply: (target: T) => unknown): boolean {
  const target = candidates[random(candidates.length)];
  if (target === undefined) return false;
  apply(target);
  return true;
}

function set(slot: Slot, value: unknown): void {
  (slot.parent as Record<string | number, unknown>)[slot.key] = value;
}

function pick<T>(options: readonly T[], random: Random): T {
  return options[random(options.length)] as T;
}

function retyped(value: unknown, random: Random): unknown {
  if (typeof value === 'string') return random(2) ? 42 : true;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return 'true';
  if (Array.isArray(value)) return { items: value };
  return random(2) ? 'text' : 7;
}

/** Every property and array item below the resource (its resourceType aside). */
function slots(value: unknown, into: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, key) => {
      into.push({ parent: value, key, value: item });
      slots(item, into);
    });
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'resourceType') continue;
      into.push({ parent: value, key, value: item });
      slots(item, into);
    }
  }
  return into;
}

function objects(resource: Json): Json[] {
  return [resource, ...slots(resource).map((s) => s.value).filter(isObject)];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
