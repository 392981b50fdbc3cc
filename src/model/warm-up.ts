import { resourceTypes } from './definitions/r4-definitions.js';
import { releaseR4ReleaseFiles } from './definitions/r4-release-files.js';
import { compileAllTypeNodes } from './validation/compile-type-node.js';

/**
 * Loads the R4 definitions and compiles the validator in one pass over the release files, then
 * drops the parsed files (~200 MB of heap). The server calls it before it listens, so `/readyz`
 * answers ready only when the first request will be as fast as the thousandth.
 */
export function warmR4Definitions(): void {
  resourceTypes();
  compileAllTypeNodes();
  releaseR4ReleaseFiles();
}
