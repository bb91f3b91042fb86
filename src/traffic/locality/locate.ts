/**
 * Client location: source address -> `Location`, by longest-prefix match over the CIDR table of
 * `EdgeConfig.locations` (IPv4 and IPv6; an IPv4-mapped IPv6 address `::ffff:a.b.c.d`, as Node
 * reports IPv4 peers on a dual-stack socket, is looked up as the IPv4 address, and a mapped CIDR
 * `::ffff:a.b.c.d/n` with n >= 96 is taken as the IPv4 CIDR `a.b.c.d/(n-96)`).
 *
 * Lookups walk a binary trie, one per family: at most 32 (IPv4) or 128 (IPv6) steps, whatever
 * the table's size; building costs one node per prefix bit. Invalid entries are reported by
 * `validateLocationRanges` (and `Locator.errors`) and skipped; so is a CIDR repeated (after
 * masking) in a later entry: the first one wins. Host bits set under the mask are accepted and
 * cleared (`10.1.2.3/8` is `10.0.0.0/8`), as Go's net.ParseCIDR does.
 *
 * Addresses are parsed strictly: dotted-quad IPv4 without leading zeros (`010.0.0.1` is
 * ambiguous - octal to some parsers - and rejected), RFC 4291 IPv6 text with at most one `::`
 * and an optional dotted-quad tail. A client address may carry an IPv6 zone (`fe80::1%eth0`),
 * which is ignored; a CIDR may not.
 */
import type { Location, LocationRange } from '../model.js';

/** An address as 32-bit words, most significant first: one for IPv4, four for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  words: number[];
}

export interface Cidr extends IpAddress {
  /** Prefix length, with the address's bits below it cleared. */
  prefix: number;
}

export interface LocationRangeError {
  /** Index of the entry in the table. */
  index: number;
  cidr: string;
  message: string;
}

/** Another source of client locations, asked when no CIDR range matches (e.g. a MaxMind database). */
export type LocationSource = (address: string) => Location | undefined;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Strict dotted-quad IPv4 of `s[start, end)` as an unsigned 32-bit number. */
export function parseIPv4(s: string, start = 0, end = s.length): number | undefined {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const first = i;
    let octet = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      octet = octet * 10 + s.charCodeAt(i) - 48;
      i++;
      if (i - first > 3) return undefined;
    }
    const len = i - first;
    if (len === 0 || octet > 255 || (len > 1 && s.charCodeAt(first) === 48)) return undefined;
    value = value * 256 + octet;
    parts++;
    if (parts < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return undefined;
      i++;
    }
  }
  return i === end ? value : undefined;
}

const hexValue = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/** Hex groups of one side of `::`, pushed to `out`; false when malformed. The last may be a dotted quad if `allowV4`. */
function hexGroups(text: string, out: number[], allowV4: boolean): boolean {
  if (text === '') return true;
  const groups = text.split(':');
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (allowV4 && g === groups.length - 1 && group.includes('.')) {
      const v4 = parseIPv4(group);
      if (v4 === undefined) return false;
      out.push(v4 >>> 16, v4 & 0xffff);
      continue;
    }
    if (group.length === 0 || group.length > 4) return false;
    let v = 0;
    for (let i = 0; i < group.length; i++) {
      const h = hexValue(group.charCodeAt(i));
      if (h < 0) return false;
      v = v * 16 + h;
    }
    out.push(v);
  }
  return true;
}

/** RFC 4291 IPv6 text (no zone) as four unsigned 32-bit words. */
export function parseIPv6(s: string): number[] | undefined {
  const gap = s.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!hexGroups(s, head, true) || head.length !== 8) return undefined;
  } else {
    if (s.indexOf('::', gap + 1) >= 0) return undefined;
    const after = s.slice(gap + 2);
    if (!hexGroups(s.slice(0, gap), head, false) || !hexGroups(after, tail, true)) return undefined;
    if (head.length + tail.length > 7) return undefined;
    while (head.length + tail.length < 8) head.push(0);
  }
  const g = head.concat(tail);
  return [((g[0]! << 16) | g[1]!) >>> 0, ((g[2]! << 16) | g[3]!) >>> 0, ((g[4]! << 16) | g[5]!) >>> 0, ((g[6]! << 16) | g[7]!) >>> 0];
}

const isMapped = (w: number[]) => w[0] === 0 && w[1] === 0 && w[2] === 0xffff;

/**
 * A client address (IPv4, or IPv6 with an optional zone), IPv4-mapped IPv6 turned into IPv4.
 * Undefined when it is not an address.
 */
export function parseAddress(address: string): IpAddress | undefined {
  if (!address.includes(':')) {
    const v4 = parseIPv4(address);
    return v4 === undefined ? undefined : { family: 4, words: [v4] };
  }
  // The common case on a dual-stack socket: ::ffff:a.b.c.d.
  if (address.length > 7 && address.charCodeAt(6) === 58 && /^::ffff:/i.test(address)) {
    const v4 = parseIPv4(address, 7);
    if (v4 !== undefined) return { family: 4, words: [v4] };
  }
  const zone = address.indexOf('%');
  const words = parseIPv6(zone < 0 ? address : address.slice(0, zone));
  if (!words || (zone >= 0 && zone === address.length - 1)) return undefined;
  return isMapped(words) ? { family: 4, words: [words[3]!] } : { family: 6, words };
}

function mask(words: number[], prefix: number): number[] {
  return words.map((w, i) => {
    const keep = Math.max(0, Math.min(32, prefix - i * 32));
    return keep === 0 ? 0 : keep === 32 ? w : (w & (0xffffffff << (32 - keep))) >>> 0;
  });
}

/** A CIDR (`address/prefix`), masked; or the reason it is not one. */
export function parseCidr(cidr: string): Cidr | string {
  if (typeof cidr !== 'string') return 'CIDR must be a string';
  const slash = cidr.indexOf('/');
  if (slash < 0) return `invalid CIDR "${cidr}": want address/prefix-length`;
  const addr = cidr.slice(0, slash);
  const len = cidr.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(len)) return `invalid CIDR "${cidr}": prefix length "${len}" is not a decimal number`;
  const prefix = Number(len);
  if (addr.includes(':')) {
    if (addr.includes('%')) return `invalid CIDR "${cidr}": a zone is not allowed`;
    const words = parseIPv6(addr);
    if (!words) return `invalid CIDR "${cidr}": "${addr}" is not an IPv6 address`;
    if (prefix > 128) return `invalid CIDR "${cidr}": IPv6 prefix length must be 0 to 128`;
    if (isMapped(words) && prefix >= 96) return { family: 4, words: mask([words[3]!], prefix - 96), prefix: prefix - 96 };
    return { family: 6, words: mask(words, prefix), prefix };
  }
  const v4 = parseIPv4(addr);
  if (v4 === undefined) return `invalid CIDR "${cidr}": "${addr}" is not an IPv4 address`;
  if (prefix > 32) return `invalid CIDR "${cidr}": IPv4 prefix length must be 0 to 32`;
  return { family: 4, words: mask([v4], prefix), prefix };
}

function locationProblem(location: unknown): string | undefined {
  if (!location || typeof location !== 'object') return 'location must be an object';
  const { region, zone } = location as Location;
  if (region !== undefined && (typeof region !== 'string' || !region)) return 'location.region must be a non-empty string';
  if (zone !== undefined && (typeof zone !== 'string' || !zone)) return 'location.zone must be a non-empty string';
  return undefined;
}

/** A binary trie over address bits; values are indices, -1 for none. */
class BitTrie {
  private children = new Int32Array(2 * 64);
  private values = new Int32Array(64).fill(-1);
  private nodes = 1;

  /** False when the prefix already holds a value (which is kept). */
  insert(words: number[], prefix: number, value: number): boolean {
    let node = 0;
    for (let i = 0; i < prefix; i++) {
      const bit = (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
      let next = this.children[2 * node + bit]!;
      if (next === 0) {
        next = this.grow();
        this.children[2 * node + bit] = next;
      }
      node = next;
    }
    if (this.values[node] !== -1) return false;
    this.values[node] = value;
    return true;
  }

  /** The value of the longest prefix of `words` (of `bits` bits) present, or -1. */
  lookup(words: number[], bits: number): number {
    let node = 0;
    let found = this.values[0]!;
    for (let i = 0; i < bits; i++) {
      node = this.children[2 * node + ((words[i >>> 5]! >>> (31 - (i & 31))) & 1)]!;
      if (node === 0) break;
      const v = this.values[node]!;
      if (v !== -1) found = v;
    }
    return found;
  }

  private grow(): number {
    if (this.nodes === this.values.length) {
      const children = new Int32Array(this.children.length * 2);
      children.set(this.children);
      this.children = children;
      const values = new Int32Array(this.values.length * 2).fill(-1);
      values.set(this.values);
      this.values = values;
    }
    return this.nodes++;
  }
}

/**
 * Problems of a location table, one per bad entry (for the config source's events). Entries
 * reported here are skipped by `Locator`.
 */
export function validateLocationRanges(ranges: readonly LocationRange[]): LocationRangeError[] {
  return build(ranges).errors;
}

function build(ranges: readonly LocationRange[]) {
  const tries = { 4: new BitTrie(), 6: new BitTrie() };
  const errors: LocationRangeError[] = [];
  const locations: Location[] = [];
  ranges.forEach((range, index) => {
    const cidr = range?.cidr;
    const parsed = parseCidr(cidr);
    const problem = typeof parsed === 'string' ? parsed : locationProblem(range.location);
    if (problem !== undefined) {
      errors.push({ index, cidr: String(cidr), message: problem });
      return;
    }
    if (typeof parsed === 'string') return;
    if (!tries[parsed.family].insert(parsed.words, parsed.prefix, locations.length)) {
      errors.push({ index, cidr, message: `duplicate CIDR "${cidr}": an earlier entry covers the same prefix` });
      return;
    }
    locations.push(range.location);
  });
  return { tries, errors, locations };
}

export class Locator {
  /** Entries skipped, with the reason. */
  readonly errors: readonly LocationRangeError[];
  /** Ranges in use. */
  readonly size: number;
  private readonly tries: Record<4 | 6, BitTrie>;
  private readonly locations: Location[];

  constructor(
    ranges: readonly LocationRange[],
    private readonly fallback?: LocationSource,
  ) {
    const built = build(ranges);
    this.tries = built.tries;
    this.errors = built.errors;
    this.locations = built.locations;
    this.size = built.locations.length;
  }

  /**
   * The location of the most specific range containing `address`; else what the fallback says;
   * else undefined (also for something that is not an address).
   */
  locate(address: string): Location | undefined {
    const ip = parseAddress(address);
    if (!ip) return undefined;
    const i = this.tries[ip.family].lookup(ip.words, ip.family === 4 ? 32 : 128);
    if (i >= 0) return this.locations[i];
    return this.fallback?.(address);
  }
}
