import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkLayers, type SourceFile, type Violation } from './check-layers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every .ts file under the given top folders of the repository (paths from the root, with `/`). */
function readSources(...folders: string[]): SourceFile[] {
  const files: SourceFile[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(ROOT + dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(path);
      else if (entry.isFile() && entry.name.endsWith('.ts')) files.push({ path, text: readFileSync(ROOT + path, 'utf8') });
    }
  };
  for (const folder of folders) if (existsSync(ROOT + folder)) visit(folder);
  return files;
}

const describeViolation = (v: Violation) => `${v.file}: import '${v.import}' — ${v.message}`;

describe('layer rules (STYLE.md)', () => {
  it('hold for src/, registry/, recipient/ and demo/', () => {
    const violations = checkLayers(readSources('src', 'registry', 'recipient', 'demo'));
    for (const v of violations) console.log(`layer violation [${v.rule}] ${describeViolation(v)}`);
    assert.deepEqual(violations.map(describeViolation), []);
  });
});

describe('checkLayers on small trees', () => {
  const tree = (files: Record<string, string>): SourceFile[] => Object.entries(files).map(([path, text]) => ({ path, text }));
  const rules = (files: Record<string, string>) => checkLayers(tree(files)).map((v) => `${v.rule} ${v.file} ${v.import}`);

  it('accepts a clean tree: own folder at any depth, lower layers through index.ts', () => {
    assert.deepEqual(
      rules({
        'src/base/index.ts': "export * from './clock.js';",
        'src/base/clock.ts': 'export const now = () => 0;',
        'src/model/outcome/index.ts': "import { now } from '../../base/index.js'; export const x = now;",
        'src/model/search/parse.ts': "import { x } from '../outcome/index.js'; import type { Y } from '../fhir-types.js'; export const p = x;",
        'src/model/fhir-types.ts': 'export type Y = 1;',
        'src/storage/index.ts': "export * from './sqlite/engine.js'; import { x } from '../model/outcome/index.js';",
        'src/storage/sqlite/engine.ts': "import { p } from '../../model/search/index.js';",
        'src/fhir/index.ts': "import '../storage/index.js'; import fs from 'node:fs'; import { validateResource } from '@medplum/core';",
        'src/cli/main.ts': "import '../fhir/index.js'; import '../http/index.js';",
        'registry/main.ts': "import '../node_modules/x/index.js';",
      }),
      [],
    );
  });

  it('detects an upward import', () => {
    assert.deepEqual(rules({ 'src/model/a.ts': "import { open } from '../storage/index.js';", 'src/storage/index.ts': '' }), ['layer src/model/a.ts ../storage/index.js']);
  });

  it('detects an import that bypasses index.ts', () => {
    assert.deepEqual(rules({ 'src/fhir/a.ts': "import { issue } from '../model/outcome/issue-helpers.js';", 'src/model/outcome/issue-helpers.ts': '' }), [
      'index src/fhir/a.ts ../model/outcome/issue-helpers.js',
    ]);
  });

  it('detects a capability importing another', () => {
    assert.deepEqual(rules({ 'src/auth/a.ts': "export { x } from '../consent/index.js';", 'src/consent/index.ts': '' }), ['capability src/auth/a.ts ../consent/index.js']);
  });

  it('detects a storage engine imported from outside storage/', () => {
    assert.deepEqual(rules({ 'src/http/a.ts': "import '../storage/postgres/index.js';", 'src/storage/postgres/index.ts': '' }), ['private-engine src/http/a.ts ../storage/postgres/index.js']);
  });

  it('detects registry/ or recipient/ importing src/, and src/ importing outside it', () => {
    assert.deepEqual(rules({ 'registry/a.ts': "import '../src/model/index.js';", 'src/model/index.ts': '' }), ['separate-process registry/a.ts ../src/model/index.js']);
    assert.deepEqual(rules({ 'recipient/x/a.ts': "const m = await import('../../src/base/index.js');", 'src/base/index.ts': '' }), ['separate-process recipient/x/a.ts ../../src/base/index.js']);
    assert.deepEqual(rules({ 'demo/a.ts': "import '../src/cli/main.js';", 'src/cli/main.ts': '' }), ['separate-process demo/a.ts ../src/cli/main.js']);
    assert.deepEqual(rules({ 'src/base/a.ts': "import '../../test/harness/x.js';" }), ['outside-src src/base/a.ts ../../test/harness/x.js']);
  });

  it('detects a cycle and names it, within one folder too', () => {
    const violations = checkLayers(
      tree({
        'src/model/a.ts': "import { b } from './b.js';",
        'src/model/b.ts': "import { c } from './sub/c.js';",
        'src/model/sub/c.ts': "import type { A } from '../a.js';",
        'src/model/d.ts': "import { a } from './a.js';",
      }),
    );
    assert.deepEqual(violations.map((v) => [v.rule, v.message]), [['cycle', 'import cycle: src/model/a.ts → src/model/b.ts → src/model/sub/c.ts → src/model/a.ts']]);
  });
});
