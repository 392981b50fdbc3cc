import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs `<folder>/main` of a sibling program (registry/, demo/) that src/ may not import (layer
 * rule): the compiled `dist/<folder>/main.js` when installed, else `<folder>/main.ts` through tsx
 * in a checkout. Signals are passed on; this process exits with the child's code.
 */
export function runSiblingProgram(folder: 'registry' | 'demo', args: string[]): void {
  const compiled = fileURLToPath(new URL(`../../${folder}/main.js`, import.meta.url));
  const source = fileURLToPath(new URL(`../../${folder}/main.ts`, import.meta.url));
  const command = existsSync(compiled) ? [compiled] : ['--import', 'tsx', source];
  const child = spawn(process.execPath, [...command, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
