/**
 * The authoritative answer logic (RFC 1034 4.3.2, RFC 2308, RFC 6604) over one ZoneSet snapshot,
 * independent of the wire: `ZoneIndex.resolve(labels, qtype)` says which records go in which
 * section and with which RCODE. The snapshot is checked and indexed once when it is installed.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RECORD_TYPE } from './rdata.js';
import { MAX_LABEL_OCTETS, MAX_NAME_OCTETS, RCODE, TYPE, nameLabels } from './wire.js';
import { dnsName, type DnsName, type DnsRecord, type Zone, type ZoneSet } from './zone.js';

/** CNAMEs followed for one answer at most (BIND follows 16). */
export const MAX_CNAME_CHAIN = 16;

/** Which records go where, and the RCODE. */
export interface Resolution {
  rcode: number;
  /** Authoritative answer: clear only for referrals and REFUSED. */
  aa: boolean;
  answer: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** A referral: its glue is not optional (RFC 9471), losing it to truncation sets TC. */
  referral?: boolean;
}

/** A name's RRsets: type numbers and their records, in the order of the zone's records (apex: SOA, NS first). */
interface Node {
  types: number[];
  sets: DnsRecord[][];
}

/** Every empty non-terminal (nothing is ever added to it). */
const EMPTY_NODE: Node = Object.freeze({ types: [], sets: [] }) as unknown as Node;

function rrset(node: Node, type: number): DnsRecord[] | undefined {
  const i = node.types.indexOf(type);
  return i < 0 ? undefined : node.sets[i];
}

interface IndexedZone {
  origin: DnsName;
  labelCount: number;
  nodes: Map<DnsName, Node>;
  /** Names below the apex holding NS records: delegations. */
  cuts: Set<DnsName>;
  /** The SOA in negative answers: TTL min(SOA TTL, MINIMUM) (RFC 2308 3). */
  negativeSoa: DnsRecord;
}

const maxTtl = 0x7fffffff;
const validTtl = (t: number) => Number.isInteger(t) && t >= 0 && t <= maxTtl;
const u16ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff;
const u32ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Whether a plain dotted name can be written on the wire (labels 1-63 printable ASCII octets, 255 in all). */
export function validName(name: string): boolean {
  if (name === '') return true;
  if (name.length + 2 > MAX_NAME_OCTETS) return false;
  let label = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
    } else if (c < 0x21 || c > 0x7e || ++label > MAX_LABEL_OCTETS) return false;
  }
  return label > 0;
}

/** dnsName without the regular expression (this runs for every record of every snapshot). */
function norm(s: string): DnsName {
  const l = s.toLowerCase();
  return l.endsWith('.') ? l.slice(0, -1) : l;
}

const inZone = (name: DnsName, origin: DnsName) => origin === '' || name === origin || name.endsWith(`.${origin}`);

/** A ZoneSet checked and indexed for answering. Records that cannot be served are listed in `problems`. */
export class ZoneIndex {
  readonly problems: string[] = [];
  private readonly zones = new Map<DnsName, IndexedZone>();

  constructor(readonly zoneSet: ZoneSet) {
    for (const z of zoneSet.zones) this.add(z);
  }

  get size(): number {
    return this.zones.size;
  }

  private add(z: Zone): void {
    let c = compiled.get(z);
    if (!c) compiled.set(z, (c = compileZone(z)));
    this.problems.push(...c.problems);
    if (!c.zone) return;
    if (this.zones.has(c.zone.origin)) return void this.problems.push(`zone "${c.zone.origin}": defined twice, the first kept`);
    this.zones.set(c.zone.origin, c.zone);
  }

  /** The zone with the longest origin the name is in, if any. */
  findZone(labels: readonly string[]): IndexedZone | undefined {
    if (this.zones.size === 0) return undefined;
    const suffixes = suffixNames(labels);
    for (const s of suffixes) {
      const z = this.zones.get(s);
      if (z) return z;
    }
    return undefined;
  }

  /** Whether any zone holds the name (for tests and tools). */
  zoneOf(name: string): DnsName | undefined {
    return this.findZone(nameLabels(dnsName(name)))?.origin;
  }

  /**
   * Answers a question (class IN). Labels are lower case, in presentation form (`questionLabels`).
   * REFUSED outside every zone. Otherwise authoritative: the records of the type, or a CNAME and
   * what its chain leads to within our zones (bounded, loop-safe, RCODE of the last name as RFC
   * 6604 says); NODATA or NXDOMAIN with the zone's SOA in authority; a referral below a
   * delegation; A/AAAA of NS and SRV targets we hold in additional.
   */
  resolve(labels: readonly string[], qtype: number): Resolution {
    const res: Resolution = { rcode: RCODE.NOERROR, aa: true, answer: [], authority: [], additional: [] };
    let zone = this.findZone(labels);
    if (!zone) return { ...res, rcode: RCODE.REFUSED, aa: false };
    let name = suffixNames(labels)[0]!;
    let nameLabelsNow = labels;
    const seen = new Set<DnsName>();
    for (let hop = 0; ; hop++) {
      seen.add(name);
      const cut = zone.cuts.size > 0 ? findCut(zone, nameLabelsNow, qtype) : undefined;
      if (cut) {
        const ns = rrset(zone.nodes.get(cut)!, TYPE.NS)!;
        if (hop === 0) res.aa = false;
        res.referral = true;
        res.authority.push(...ns);
        this.addAddresses(res, ns.map((r) => r.data as DnsName));
        return res;
      }
      const node = zone.nodes.get(name);
      if (!node) {
        res.rcode = RCODE.NXDOMAIN;
        res.authority.push(zone.negativeSoa);
        return res;
      }
      const cname = rrset(node, TYPE.CNAME);
      if (cname && qtype !== TYPE.CNAME && qtype !== TYPE.ANY) {
        const c = cname[0]!;
        res.answer.push(c);
        const target = c.data as DnsName;
        if (seen.has(target) || hop + 1 >= MAX_CNAME_CHAIN) return res;
        const targetLabels = nameLabels(target);
        const next = this.findZone(targetLabels);
        // A chain leaving our zones stops here; the resolver follows it.
        if (!next) return res;
        zone = next;
        name = target;
        nameLabelsNow = targetLabels;
        continue;
      }
      const before = res.answer.length;
      if (qtype === TYPE.ANY) for (const set of node.sets) res.answer.push(...set);
      else {
        const set = rrset(node, qtype);
        if (set) res.answer.push(...set);
      }
      if (res.answer.length === before) {
        res.authority.push(zone.negativeSoa);
        return res;
      }
      const targets: DnsName[] = [];
      for (let i = before; i < res.answer.length; i++) {
        const r = res.answer[i]!;
        if (r.type === 'NS') targets.push(r.data);
        else if (r.type === 'SRV') targets.push(r.data.target);
      }
      if (targets.length > 0) this.addAddresses(res, targets, qtype === TYPE.ANY ? name : undefined);
      return res;
    }
  }

  /** A and AAAA records of names we hold, into additional (no CNAMEs followed, each name once). */
  private addAddresses(res: Resolution, names: readonly DnsName[], skip?: DnsName): void {
    const done = new Set<DnsName>();
    for (const n of names) {
      if (done.has(n) || n === skip) continue;
      done.add(n);
      const node = this.findZone(nameLabels(n))?.nodes.get(n);
      if (!node) continue;
      for (const t of [TYPE.A, TYPE.AAAA]) {
        const set = rrset(node, t);
        if (set) res.additional.push(...set);
      }
    }
  }
}

/** Names of the label list and its suffixes, longest first ("a.b.c", "b.c", "c", ""). */
function suffixNames(labels: readonly string[]): string[] {
  const out = new Array<string>(labels.length + 1);
  out[labels.length] = '';
  for (let i = labels.length - 1; i >= 0; i--) out[i] = i === labels.length - 1 ? labels[i]! : `${labels[i]}.${out[i + 1]}`;
  return out;
}

/** The highest delegation at or above the name, below the apex (the name itself does not count for DS). */
function findCut(zone: IndexedZone, labels: readonly string[], qtype: number): DnsName | undefined {
  const names = suffixNames(labels);
  for (let i = labels.length - zone.labelCount - 1; i >= 0; i--) {
    const n = names[i]!;
    if (zone.cuts.has(n) && !(i === 0 && qtype === TYPE.DS)) return n;
  }
  return undefined;
}

function sameData(a: DnsRecord, b: DnsRecord): boolean {
  if (typeof a.data === 'string') return a.data === b.data;
  if (a.type === 'SRV' && b.type === 'SRV') {
    const x = a.data;
    const y = b.data;
    return x.priority === y.priority && x.weight === y.weight && x.port === y.port && x.target === y.target;
  }
  if (a.type === 'TXT' && b.type === 'TXT') return a.data.length === b.data.length && a.data.every((s, i) => s === b.data[i]);
  return JSON.stringify(a.data) === JSON.stringify(b.data);
}

/** Splits a string into character strings of at most 255 octets (RFC 1035 3.3), between characters. */
export function splitTxt(s: string): string[] {
  if (Buffer.byteLength(s) <= 255) return [s];
  const out: string[] = [];
  let cur = '';
  let octets = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (octets + n > 255) {
      out.push(cur);
      cur = '';
      octets = 0;
    }
    cur += ch;
    octets += n;
  }
  out.push(cur);
  return out;
}

/** Compiled zones, by snapshot object: a Zone passed again (unchanged, immutable) is not indexed again. */
const compiled = new WeakMap<Zone, { zone?: IndexedZone; problems: string[] }>();

/** Checks and indexes one zone. */
function compileZone(z: Zone): { zone?: IndexedZone; problems: string[] } {
  const problems: string[] = [];
  const fail = (why: string) => ({ problems: [...problems, why] });
  const origin = dnsName(z.origin);
  if (!validName(origin)) return fail(`zone "${z.origin}": invalid origin`);
  if (!validTtl(z.ttl)) return fail(`zone "${origin}": invalid TTL ${z.ttl}`);
  const soa = { ...z.soa, mname: dnsName(z.soa.mname), rname: dnsName(z.soa.rname) };
  if (!validName(soa.mname) || !validName(soa.rname) || ![soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].every(u32ok)) {
    return fail(`zone "${origin}": invalid SOA`);
  }
  const nodes = new Map<DnsName, Node>();
  const apex: Node = { types: [TYPE.SOA], sets: [[{ name: origin, type: 'SOA', ttl: z.ttl, data: soa }]] };
  const ns = [...new Set(z.nameServers.map(dnsName))].filter((n) => validName(n) || void problems.push(`zone "${origin}": invalid name server "${n}"`));
  if (ns.length > 0) {
    apex.types.push(TYPE.NS);
    apex.sets.push(ns.map((n) => ({ name: origin, type: 'NS', ttl: z.ttl, data: n })));
  }
  nodes.set(origin, apex);
  const cuts = new Set<DnsName>();
  for (const [rawOwner, records] of z.records) {
    const owner = norm(rawOwner);
    if (!validName(owner) || !inZone(owner, origin)) {
      problems.push(`zone "${origin}": owner "${rawOwner}" is not a valid name in the zone`);
      continue;
    }
    let node = nodes.get(owner);
    if (node === undefined || node === EMPTY_NODE) nodes.set(owner, (node = { types: [], sets: [] }));
    for (const r of records) {
      const rec = checkRecord(problems, origin, owner, r);
      if (!rec) continue;
      const t = RECORD_TYPE[rec.type];
      let set = rrset(node, t);
      if (!set) {
        node.types.push(t);
        node.sets.push((set = []));
      }
      // Duplicate records are one record (RFC 2181 5).
      if (set.length === 0 || !set.some((x) => sameData(x, rec))) set.push(rec);
      if (rec.type === 'NS') cuts.add(owner);
    }
    // A CNAME has no other data beside it (RFC 1034 3.6.2); keep the CNAME alone.
    const cname = rrset(node, TYPE.CNAME);
    if (cname && (node.types.length > 1 || cname.length > 1)) {
      problems.push(`zone "${origin}": "${owner}" has a CNAME and other data; only the first CNAME is served`);
      node.types = [TYPE.CNAME];
      node.sets = [[cname[0]!]];
      cuts.delete(owner);
    }
    // One TTL per RRset (RFC 2181 5.2): the lowest.
    for (const set of node.sets) {
      if (set.length < 2) continue;
      let ttl = set[0]!.ttl;
      for (const x of set) if (x.ttl < ttl) ttl = x.ttl;
      for (let i = 0; i < set.length; i++) if (set[i]!.ttl !== ttl) set[i] = { ...set[i]!, ttl } as DnsRecord;
    }
    // Every ancestor below the apex exists (an empty non-terminal at least); an ancestor
    // already there has its own ancestors.
    for (let p = owner; p !== origin; ) {
      const dot = p.indexOf('.');
      p = dot < 0 ? '' : p.slice(dot + 1);
      if (nodes.has(p)) break;
      nodes.set(p, EMPTY_NODE);
    }
  }
  const negTtl = Math.min(z.ttl, soa.minimum);
  return {
    problems,
    zone: { origin, labelCount: nameLabels(origin).length, nodes, cuts, negativeSoa: { name: origin, type: 'SOA', ttl: negTtl, data: soa } },
  };
}

/** A record as served (names normalised, TXT strings split at 255 octets), or undefined with a problem noted. */
function checkRecord(problems: string[], origin: DnsName, owner: DnsName, r: DnsRecord): DnsRecord | undefined {
  const bad = (why: string) => void problems.push(`zone "${origin}": ${r.type} record of "${owner}" ${why}; not served`);
  if (!(r.type in RECORD_TYPE)) return bad('has an unknown type');
  if (!validTtl(r.ttl)) return bad(`has an invalid TTL ${r.ttl}`);
  switch (r.type) {
    case 'A':
      return isIPv4(r.data) ? (r.name === owner ? r : { ...r, name: owner }) : bad(`has an invalid address "${r.data}"`);
    case 'AAAA':
      return isIPv6(r.data) ? (r.name === owner ? r : { ...r, name: owner }) : bad(`has an invalid address "${r.data}"`);
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      if (r.type === 'CNAME' && owner === origin) return bad('is at the apex');
      if (r.type === 'NS' && owner === origin) return bad('is at the apex (the zone\'s nameServers are)');
      const data = norm(r.data);
      if (!validName(data)) return bad(`names an invalid target "${r.data}"`);
      return r.name === owner && r.data === data ? r : ({ ...r, name: owner, data } as DnsRecord);
    }
    case 'SRV': {
      const d = r.data;
      const target = norm(d.target);
      if (![d.priority, d.weight, d.port].every(u16ok) || !validName(target)) return bad('has invalid data');
      return { ...r, name: owner, data: { priority: d.priority, weight: d.weight, port: d.port, target } };
    }
    case 'TXT': {
      if (!Array.isArray(r.data) || !r.data.every((s) => typeof s === 'string')) return bad('has invalid data');
      const strings: string[] = [];
      for (const s of r.data.length === 0 ? [''] : r.data) strings.push(...splitTxt(s));
      if (strings.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0) > 0xffff) return bad('is too long');
      return { ...r, name: owner, data: strings };
    }
    case 'SOA':
      return bad('is not at the apex of its own zone (the zone\'s soa is served)');
  }
}
