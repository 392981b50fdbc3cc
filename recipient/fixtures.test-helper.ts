import { readFileSync } from 'node:fs';

/** The Backport IG's published example notifications (STU 1.1), copied so the library stands alone. */
export type FixtureName = 'handshake' | 'heartbeat' | 'empty_notification' | 'id_only_notification' | 'full_resource_notification';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON, edited freely by the tests
export function fixture(name: FixtureName): any {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}_bundle_example.json`, import.meta.url), 'utf8'));
}
