import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in the package.json named `name`, found by walking up from the directory `from`:
 * this module runs as src/base under tsx and as dist/src/base when built, so no one relative path
 * fits both (and an installed copy lives under node_modules/handover).
 */
export function packageVersion(from: string, name = 'handover'): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} at or above ${from}`);
  }
}

/** This build's version, as the CapabilityStatement (`software.version`) and `handover --version` report it. */
export const SOFTWARE_VERSION = packageVersion(dirname(fileURLToPath(import.meta.url)));
