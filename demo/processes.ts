import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The demo's children: the Handover server and the reference registry, each its own process,
 * started the way a user would (`handover serve`, the registry's main), from the compiled files
 * when built or from the TypeScript sources through tsx in a checkout.
 */
export function nodeArgsFor(compiled: URL, source: URL): string[] {
  const js = fileURLToPath(compiled);
  return existsSync(js) ? [js] : ['--import', 'tsx', fileURLToPath(source)];
}

export const SERVER_MAIN = nodeArgsFor(new URL('../src/cli/main.js', import.meta.url), new URL('../src/cli/main.ts', import.meta.url));
export const REGISTRY_MAIN = nodeArgsFor(new URL('../registry/main.js', import.meta.url), new URL('../registry/main.ts', import.meta.url));

export interface Child {
  name: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a child and waits until `readyUrl` answers 2xx; its output is kept for a failure report. */
export async function startChild(name: string, args: string[], env: Record<string, string>, readyUrl: string, timeoutMs = 90_000): Promise<Child> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOVER_')));
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (code ${child.exitCode}) before it was ready:\n${output}`);
    if (await fetch(readyUrl).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready at ${readyUrl} after ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { name, output: () => output, stop };
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
