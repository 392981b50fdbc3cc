#!/usr/bin/env node
import { startRegistry } from './registry-app.js';
import { parseRegistryOptions, REGISTRY_USAGE, UsageRequested } from './registry-options.js';

/**
 * The reference registry as a process of its own (`handover registry` spawns it): it talks to
 * Handover only through the standards, over HTTP.
 */
try {
  const options = parseRegistryOptions(process.argv.slice(2), process.env);
  const registry = await startRegistry(options);
  console.log(`registry listening on ${registry.url} (public URL ${options.publicUrl}, FHIR base ${options.fhirBase}, client ${registry.clientId})`);
  const stop = () => {
    registry.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof UsageRequested) {
    console.log(REGISTRY_USAGE);
    process.exit(0);
  }
  console.error(`registry: ${(error as Error).message}`);
  process.exit(1);
}
