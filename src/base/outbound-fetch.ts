import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Every request the server makes to an address someone else chose (a client's JWKS URL, a
 * subscription endpoint) goes through here: a time-out, a size limit, no redirects, and no
 * private, loopback or link-local destination unless the operator allows loopback (sandbox) —
 * otherwise an outsider could make the server probe its own network (SSRF).
 */
export interface OutboundPolicy {
  allowLoopback: boolean;
  /** Require https (production). */
  httpsOnly: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

export interface OutboundResponse {
  status: number;
  headers: Headers;
  text: string;
}

export async function outboundFetch(url: string, policy: OutboundPolicy, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<OutboundResponse> {
  const target = await checkDestination(url, policy);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    const response = await fetch(target, { ...init, redirect: 'manual', signal: controller.signal });
    const text = await readLimited(response, policy.maxBytes);
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (error instanceof OutboundRefused) throw error;
    throw new OutboundRefused(controller.signal.aborted ? `no answer from ${target.host} within ${policy.timeoutMs} ms` : `could not reach ${target.host}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the URL and every address its host resolves to. */
export async function checkDestination(url: string, policy: OutboundPolicy): Promise<URL> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new OutboundRefused(`"${url}" is not a URL`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new OutboundRefused(`${target.protocol} URLs are not fetched`);
  if (target.username || target.password) throw new OutboundRefused('URLs with credentials are not fetched');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new OutboundRefused(`${host} does not resolve`);
  for (const address of addresses) {
    const kind = addressKind(address);
    if (kind === 'loopback' && policy.allowLoopback) continue;
    if (kind !== 'public') throw new OutboundRefused(`${host} is a ${kind} address; the server does not connect there`);
  }
  const allLoopback = addresses.every((a) => addressKind(a) === 'loopback');
  if (policy.httpsOnly && target.protocol !== 'https:' && !(allLoopback && policy.allowLoopback)) throw new OutboundRefused('only https URLs are fetched');
  return target;
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new OutboundRefused(`the response is larger than ${maxBytes} bytes`);
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new OutboundRefused(`the response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

/** RFC 6890 special-purpose ranges, the ones that matter for SSRF. */
export function addressKind(address: string): AddressKind {
  if (isIP(address) === 4) return ipv4Kind(address);
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return ipv4Kind(mapped[1]!);
  if (a === '::1') return 'loopback';
  if (a === '::') return 'unspecified';
  if (/^f[cd]/.test(a)) return 'private';
  if (/^fe[89ab]/.test(a)) return 'link-local';
  if (a.startsWith('ff')) return 'multicast';
  return 'public';
}

function ipv4Kind(address: string): AddressKind {
  const [a = 0, b = 0] = address.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  return 'public';
}
