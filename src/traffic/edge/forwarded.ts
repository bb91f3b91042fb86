/**
 * Who the client is. A request's client is its connection's peer, unless that peer is a trusted
 * proxy (EdgeConfig.trustedProxies): then X-Forwarded-For is read from the right, skipping
 * trusted proxies, and the first address that is not one is the client (what nginx's
 * real_ip_recursive does). Entries left of it were written by the client itself and prove
 * nothing. A malformed entry stops the walk: the proxy right of it is the client then.
 */
import { BlockList, isIP } from 'node:net';

/** "::ffff:10.0.0.1" (an IPv4 peer of a dual-stack socket) is 10.0.0.1. */
export function normalizeAddress(a: string | undefined): string {
  if (a === undefined) return '';
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** An X-Forwarded-For entry: "1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1". */
function entryAddress(e: string): string {
  let s = e.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    s = end > 0 ? s.slice(1, end) : s;
  } else if (s.indexOf(':') > 0 && s.indexOf(':') === s.lastIndexOf(':')) s = s.slice(0, s.indexOf(':'));
  return normalizeAddress(s);
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;
  /** CIDRs that could not be read. */
  readonly invalid: string[] = [];

  constructor(cidrs: readonly string[]) {
    let n = 0;
    for (const c of cidrs) {
      const [addr, bits] = c.trim().split('/');
      const family = isIP(addr ?? '');
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128) || (bits !== undefined && !/^\d+$/.test(bits))) {
        this.invalid.push(c);
        continue;
      }
      this.list.addSubnet(addr!, prefix, family === 4 ? 'ipv4' : 'ipv6');
      n++;
    }
    this.size = n;
  }

  has(ip: string): boolean {
    if (this.size === 0) return false;
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client of a request from `peer` (normalized) that carried X-Forwarded-For `xff`. */
  client(peer: string, peerTrusted: boolean, xff: string): string {
    if (!peerTrusted || xff === '') return peer;
    const entries = xff.split(',');
    let client = peer;
    for (let i = entries.length - 1; i >= 0; i--) {
      const a = entryAddress(entries[i]!);
      if (isIP(a) === 0) return client;
      client = a;
      if (!this.has(a)) return a;
    }
    return client;
  }
}
