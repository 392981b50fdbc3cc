import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backendTokenSource, type TokenSource } from './backend-token.js';

/** Runs the real `handover` CLI (from source, through tsx) as a child process. */
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HANDOVER_')));

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...BASE_ENV, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Servers still running when the test file's tests are done are killed (a failed test may not stop its own). */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /**
   * fetch with a backend-services bearer token from this server (registered on first use; in
   * production mode with the `--operator-token` the server was started with).
   */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `handover serve …` and waits until /readyz answers 200. */
export async function spawnServer(args: string[], env: Record<string, string> = {}, readyUrl?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { env: { ...BASE_ENV, HANDOVER_LOG_LEVEL: 'warn', ...env } });
  // A test that fails before it stops its server must not leave the test file hanging on it.
  running.add(child);
  child.on('exit', () => running.delete(child));

  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const portArg = args[args.indexOf('--port') + 1] ?? env.HANDOVER_PORT;
  const operatorToken = args.includes('--operator-token') ? args[args.indexOf('--operator-token') + 1] : env.HANDOVER_OPERATOR_TOKEN;
  const url = readyUrl ?? `http://127.0.0.1:${portArg}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return { child, url, output: () => output, exited, fetch: authorizedFetch(url, operatorToken) };
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready: ${output}`);
}

function authorizedFetch(serverUrl: string, operatorToken: string | undefined): (url: string, init?: RequestInit) => Promise<Response> {
  let source: Promise<TokenSource> | undefined;
  return async (url, init = {}) => {
    source ??= backendTokenSource(serverUrl, 'system/*.cruds', operatorToken);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await (await source).get()}`);
    return fetch(url, { ...init, headers });
  };
}
