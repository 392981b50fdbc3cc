import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

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
  /** A response header (lower-case name), its values joined as HTTP allows. */
  header(name: string): string | undefined;
  text: string;
}

/**
 * A request over node:http(s) with keep-alive agents whose DNS lookup refuses a forbidden address
 * at connect time: the address checked is the address connected to, so a host that resolves to a
 * public address when checked and a private one when connected (DNS rebinding) is refused too.
 * Not `fetch`: undici's fetch cost a notification ~3× the CPU of node:http (web streams, abort
 * signals), and it has no hook at connect time. Not request-filtering-agent: its notion of
 * "private" is ipaddr.js's, and ours must be the one `checkDestination` reports at subscription time.
 */
export class OutboundClient {
  /** Keep-alive agents, one per protocol and policy (the lookup that guards them is the policy's). */
  private readonly agents = new Map<string, HttpAgent>();

  async fetch(url: string, policy: OutboundPolicy, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<OutboundResponse> {
    const target = checkUrl(url, policy);
    const host = bareHost(target);
    // An address literal is never looked up: judge it here. A name is judged as it resolves, at connect.
    if (isIP(host)) {
      checkAddresses(host, [host], policy);
      if (policy.httpsOnly && target.protocol === 'http:' && addressKind(host) !== 'loopback') throw new OutboundRefused('only https URLs are fetched');
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        reject(error instanceof OutboundRefused ? error : new OutboundRefused(`could not reach ${target.host}: ${error.message}`));
      };
      const request = send(target, { method: init.method ?? 'GET', headers: init.headers, agent: this.agentFor(target.protocol, policy) }, (response) => {
        const tooLarge = () => fail(new OutboundRefused(`the response is larger than ${policy.maxBytes} bytes`));
        if (Number(response.headers['content-length'] ?? '0') > policy.maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > policy.maxBytes) tooLarge();
          else chunks.push(chunk);
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const headers = response.headers;
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'),
            header: (name) => { const value = headers[name.toLowerCase()]; return Array.isArray(value) ? value.join(', ') : value; } });
        });
        response.on('error', fail);
        response.on('close', () => fail(new Error('the connection closed before the response ended')));
      });
      const timer = setTimeout(() => fail(new OutboundRefused(`no answer from ${target.host} within ${policy.timeoutMs} ms`)), policy.timeoutMs);
      request.on('error', fail);
      request.end(init.body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(protocol: string, policy: OutboundPolicy): HttpAgent {
    const key = `${protocol}|${policy.allowLoopback}|${policy.httpsOnly}`;
    let agent = this.agents.get(key);
    if (!agent) {
      // Plain http under an https-only policy is allowed to loopback alone (sandbox JWKS, endpoints).
      const options = { keepAlive: true, maxSockets: 64, lookup: guardedLookup(policy, protocol === 'http:' && policy.httpsOnly) };
      agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }
}

/** Checks the URL and every address its host resolves to (subscription time: a clear refusal up front). */
export async function checkDestination(url: string, policy: OutboundPolicy): Promise<URL> {
  const target = checkUrl(url, policy);
  const host = bareHost(target);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  checkAddresses(host, addresses, policy);
  const allLoopback = addresses.every((a) => addressKind(a) === 'loopback');
  if (policy.httpsOnly && target.protocol !== 'https:' && !(allLoopback && policy.allowLoopback)) throw new OutboundRefused('only https URLs are fetched');
  return target;
}

function checkUrl(url: string, policy: OutboundPolicy): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new OutboundRefused(`"${url}" is not a URL`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new OutboundRefused(`${target.protocol} URLs are not fetched`);
  if (target.username || target.password) throw new OutboundRefused('URLs with credentials are not fetched');
  // http only where every address is loopback (sandbox), which the lookup at connect then enforces.
  if (policy.httpsOnly && target.protocol !== 'https:' && !policy.allowLoopback) throw new OutboundRefused('only https URLs are fetched');
  return target;
}

const bareHost = (target: URL) => target.hostname.replace(/^\[|\]$/g, '');

function checkAddresses(host: string, addresses: string[], policy: OutboundPolicy): void {
  if (addresses.length === 0) throw new OutboundRefused(`${host} does not resolve`);
  for (const address of addresses) {
    const kind = addressKind(address);
    if (kind === 'loopback' && policy.allowLoopback) continue;
    if (kind !== 'public') throw new OutboundRefused(`${host} is a ${kind} address; the server does not connect there`);
  }
}

/** dns.lookup, refusing (as an error) a name with any address the policy forbids. */
function guardedLookup(policy: OutboundPolicy, loopbackOnly: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        checkAddresses(hostname, addresses.map((a) => a.address), policy);
        if (loopbackOnly && !addresses.every((a) => addressKind(a.address) === 'loopback')) {
          throw new OutboundRefused('only https URLs are fetched');
        }
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
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
