import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadResources } from '../fhir/index.js';
import { generatePatientRecord, generateSharedResources, warmR4Definitions, type Resource } from '../model/index.js';
import { createServices, fhirContextOf } from '../http/index.js';
import { addConfigOptions, configFromFlags } from './config-options.js';

/**
 * `handover seed --patients N [--seed S]`: deterministic synthetic patients, written through the
 * same write path as the API (validation, index, change log), in batched transactions.
 */
export function addSeedCommand(program: Command): void {
  const seed = program.command('seed').description('load N deterministic synthetic patients into the database')
    .addOption(new Option('--patients <n>', 'number of patients to generate').default('100'))
    .addOption(new Option('--seed <s>', 'random seed: the same seed gives the same patients').default('1'));
  addConfigOptions(seed, ['db', 'sqliteSynchronous', 'baseUrl', 'logLevel']).action(async (flags: Record<string, unknown>) => {
    const patients = Number(flags.patients);
    const seedValue = Number(flags.seed);
    if (!Number.isInteger(patients) || patients < 1 || !Number.isInteger(seedValue)) {
      process.stderr.write('handover seed: --patients must be a positive integer and --seed an integer\n');
      process.exit(2);
    }
    const config = configFromFlags({ ...flags, logLevel: flags.logLevel ?? 'warn' });
    // Definitions and validator are loaded before the clock starts: the rate is the load's own.
    warmR4Definitions();
    const services = createServices(config);
    const { store } = services;
    await store.migrate();
    const ctx = fhirContextOf(services);
    const started = Date.now();
    const bar = new cliProgress.SingleBar({ format: 'seeding |{bar}| {value}/{total} patients  {resources} resources  {rate}/s', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 }, cliProgress.Presets.shades_classic);
    let written = 0;
    bar.start(patients, 0, { resources: 0, rate: 0 });
    const shared = generateSharedResources(seedValue);
    await loadResources(ctx, shared);
    written += shared.length;
    const perBatch = 50;
    for (let first = 0; first < patients; first += perBatch) {
      const batch: Resource[] = [];
      for (let i = first; i < Math.min(first + perBatch, patients); i++) batch.push(...generatePatientRecord(i, seedValue));
      await loadResources(ctx, batch, batch.length);
      written += batch.length;
      const rate = Math.round(written / ((Date.now() - started) / 1000));
      bar.update(Math.min(first + perBatch, patients), { resources: written, rate });
    }
    bar.stop();
    await store.close();
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`seeded ${patients} patients (${written} resources) in ${seconds.toFixed(1)} s — ${Math.round(written / seconds)} resources/s\n`);
  });
}
