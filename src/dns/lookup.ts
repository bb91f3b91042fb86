/**
 * The authoritative answer logic (RFC 1034 4.3.2, RFC 2308, RFC 6604) over one ZoneSet snapshot,
 * independent of the wire: `ZoneIndex.resolve(labels, qtype)` says which records go in which
 * section and with which RCODE. The snapshot is checked and indexed once when it is installed.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RECORD_TYPE } from './rdata.js';
import { MAX_LABEL_OCTETS, MAX_NAME_OCTETS, RCODE, TYPE, nameLabels, nameWireLength } from './wire.js';
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

interface Node {
  /** RRsets by type number, in the order of the zone's records (apex: SOA, NS first). */
  sets: Map<number, DnsRecord[]>;
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

/** Whether a plain dotted name can be written on the wire (labels 1-63 octets, 255 in all). */
export function validName(name: string): boolean {
  if (name === '') return true;
  if (nameWireLength(name) > MAX_NAME_OCTETS) return false;
  for (const l of name.split('.')) if (l.length === 0 || l.length > MAX_LABEL_OCTETS || /[^\x21-\x7e]/.test(l)) return false;
  return true;
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
    const origin = dnsName(z.origin);
    if (!validName(origin)) return void this.problems.push(`zone "${z.origin}": invalid origin`);
    if (this.zones.has(origin)) return void this.problems.push(`zone "${origin}": defined twice, the first kept`);
    if (!validTtl(z.ttl)) return void this.problems.push(`zone "${origin}": invalid TTL ${z.ttl}`);
    const soa = { ...z.soa, mname: dnsName(z.soa.mname), rname: dnsName(z.soa.rname) };
    if (!validName(soa.mname) || !validName(soa.rname) || ![soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum].every(u32ok)) {
      return void this.problems.push(`zone "${origin}": invalid SOA`);
    }
    const nodes = new Map<DnsName, Node>();
    const apex: Node = { sets: new Map() };
    apex.sets.set(TYPE.SOA, [{ name: origin, type: 'SOA', ttl: z.ttl, data: soa }]);
    const ns = [...new Set(z.nameServers.map(dnsName))].filter((n) => validName(n) || void this.problems.push(`zone "${origin}": invalid name server "${n}"`));
    if (ns.length > 0) apex.sets.set(TYPE.NS, ns.map((n) => ({ name: origin, type: 'NS', ttl: z.ttl, data: n })));
    nodes.set(origin, apex);
    const cuts = new Set<DnsName>();
    for (const [rawOwner, records] of z.records) {
      const owner = dnsName(rawOwner);
      if (!validName(owner) || !inZone(owner, origin)) {
        this.problems.push(`zone "${origin}": owner "${rawOwner}" is not a valid name in the zone`);
        continue;
      }
      let node = nodes.get(owner);
      if (!node) nodes.set(owner, (node = { sets: new Map() }));
      for (const r of records) {
        const rec = this.check(origin, owner, r);
        if (!rec) continue;
        const t = RECORD_TYPE[rec.type];
        let set = node.sets.get(t);
        if (!set) node.sets.set(t, (set = []));
        // Duplicate records are one record (RFC 2181 5).
        if (!set.some((x) => sameData(x, rec))) set.push(rec);
        if (rec.type === 'NS') cuts.add(owner);
      }
      // A CNAME has no other data beside it (RFC 1034 3.6.2); keep the CNAME alone.
      const cname = node.sets.get(TYPE.CNAME);
      if (cname && (node.sets.size > 1 || cname.length > 1)) {
        this.problems.push(`zone "${origin}": "${owner}" has a CNAME and other data; only the first CNAME is served`);
        node.sets = new Map([[TYPE.CNAME, [cname[0]!]]]);
        cuts.delete(owner);
      }
      // One TTL per RRset (RFC 2181 5.2): the lowest.
      for (const set of node.sets.values()) {
        const ttl = Math.min(...set.map((x) => x.ttl));
        for (let i = 0; i < set.length; i++) if (set[i]!.ttl !== ttl) set[i] = { ...set[i]!, ttl } as DnsRecord;
      }
      // Every ancestor below the apex exists (an empty non-terminal at least).
      for (let p = owner; p !== origin; ) {
        const dot = p.indexOf('.');
        p = dot < 0 ? '' : p.slice(dot + 1);
        if (!nodes.has(p)) nodes.set(p, { sets: new Map() });
      }
    }
    const negTtl = Math.min(z.ttl, soa.minimum);
    this.zones.set(origin, {
      origin,
      labelCount: nameLabels(origin).length,
      nodes,
      cuts,
      negativeSoa: { name: origin, type: 'SOA', ttl: negTtl, data: soa },
    });
  }

  /** A record as served (names normalised, TXT strings split at 255 octets), or undefined with a problem noted. */
  private check(origin: DnsName, owner: DnsName, r: DnsRecord): DnsRecord | undefined {
    const bad = (why: string) => void this.problems.push(`zone "${origin}": ${r.type} record of "${owner}" ${why}; not served`);
    if (!(r.type in RECORD_TYPE)) return bad('has an unknown type');
    if (!validTtl(r.ttl)) return bad(`has an invalid TTL ${r.ttl}`);
    switch (r.type) {
      case 'A':
        return isIPv4(r.data) ? { ...r, name: owner } : bad(`has an invalid address "${r.data}"`);
      case 'AAAA':
        return isIPv6(r.data) ? { ...r, name: owner } : bad(`has an invalid address "${r.data}"`);
      case 'CNAME':
      case 'NS':
      case 'PTR': {
        if (r.type === 'CNAME' && owner === origin) return bad('is at the apex');
        if (r.type === 'NS' && owner === origin) return bad('is at the apex (the zone\'s nameServers are)');
        const data = dnsName(r.data);
        return validName(data) ? ({ ...r, name: owner, data } as DnsRecord) : bad(`names an invalid target "${r.data}"`);
      }
      case 'SRV': {
        const d = r.data;
        const target = dnsName(d.target);
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
        const ns = zone.nodes.get(cut)!.sets.get(TYPE.NS)!;
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
      const cname = node.sets.get(TYPE.CNAME);
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
      if (qtype === TYPE.ANY) for (const set of node.sets.values()) res.answer.push(...set);
      else {
        const set = node.sets.get(qtype);
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
        const set = node.sets.get(t);
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
