import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageVersion } from '../../src/base/index.js';

test('packageVersion walks up past other packages to the one named handover', () => {
  const root = mkdtempSync(join(tmpdir(), 'handover-version-'));
  try {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'handover', version: '9.8.7' }));
    const nested = join(root, 'dist', 'src', 'base');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(root, 'dist', 'src', 'package.json'), '{ not json');
    assert.equal(packageVersion(nested), '9.8.7');
    assert.throws(() => packageVersion(nested, 'someone-else'), /no package.json of someone-else/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
