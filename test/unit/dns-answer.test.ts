/**
 * The authoritative answer logic, table-driven from a ZoneSet: which records go in which section,
 * with which RCODE and AA bit (RFC 1034 4.3.2, RFC 2308, RFC 6604).
 */
import { describe, expect, it } from 'vitest';
import { ZoneIndex } from '../../src/dns/lookup.js';
import { RCODE, TYPE } from '../../src/dns/wire.js';
import { buildZone } from '../../src/dns/zone.js';
import { BIG_COUNT, exampleZones, fmt } from './dns-fixtures.js';

const index = new ZoneIndex(exampleZones());
const labels = (n: string) => (n === '' ? [] : n.toLowerCase().split('.'));

const SOA_NEG = 'example.com 30 SOA ns1.example.com hostmaster.example.com 1 30';

interface Case {
  q: string;
  type: number;
  rcode?: number;
  aa?: boolean;
  answer?: string[];
  authority?: string[];
  additional?: string[];
}

const cases: Case[] = [
  { q: 'www.example.com', type: TYPE.A, answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] },
  { q: 'WWW.Example.COM', type: TYPE.A, answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] },
  { q: 'www.example.com', type: TYPE.AAAA, answer: ['www.example.com 5 AAAA 2001:db8::1'] },
  // NODATA: the name exists, not the type; SOA with TTL min(300, 30).
  { q: 'www.example.com', type: TYPE.TXT, authority: [SOA_NEG] },
  { q: 'www.example.com', type: 65, authority: [SOA_NEG] },
  // NXDOMAIN.
  { q: 'nope.example.com', type: TYPE.A, rcode: RCODE.NXDOMAIN, authority: [SOA_NEG] },
  { q: 'x.www.example.com', type: TYPE.A, rcode: RCODE.NXDOMAIN, authority: [SOA_NEG] },
  { q: 'nope.example.com', type: 65, rcode: RCODE.NXDOMAIN, authority: [SOA_NEG] },
  // Empty non-terminals: NODATA, not NXDOMAIN.
  { q: 'a.b.c.example.com', type: TYPE.A, authority: [SOA_NEG] },
  { q: 'c.example.com', type: TYPE.ANY, authority: [SOA_NEG] },
  { q: '_tcp.web.example.com', type: TYPE.SRV, authority: [SOA_NEG] },
  { q: 'deep.a.b.c.example.com', type: TYPE.A, answer: ['deep.a.b.c.example.com 5 A 192.0.2.9'] },
  // CNAME chains.
  { q: 'alias.example.com', type: TYPE.A, answer: ['alias.example.com 5 CNAME www.example.com', 'www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] },
  {
    q: 'chain.example.com',
    type: TYPE.AAAA,
    answer: ['chain.example.com 5 CNAME alias.example.com', 'alias.example.com 5 CNAME www.example.com', 'www.example.com 5 AAAA 2001:db8::1'],
  },
  { q: 'alias.example.com', type: TYPE.CNAME, answer: ['alias.example.com 5 CNAME www.example.com'] },
  { q: 'alias.example.com', type: TYPE.ANY, answer: ['alias.example.com 5 CNAME www.example.com'] },
  // The chain ends in NODATA: SOA of the last name's zone.
  { q: 'alias.example.com', type: TYPE.TXT, answer: ['alias.example.com 5 CNAME www.example.com'], authority: [SOA_NEG] },
  // The chain ends in a name that does not exist: NXDOMAIN (RFC 6604), still authoritative.
  { q: 'dangling.example.com', type: TYPE.A, rcode: RCODE.NXDOMAIN, answer: ['dangling.example.com 5 CNAME nothere.example.com'], authority: [SOA_NEG] },
  // Loops stop after one turn.
  { q: 'loop1.example.com', type: TYPE.A, answer: ['loop1.example.com 5 CNAME loop2.example.com', 'loop2.example.com 5 CNAME loop1.example.com'] },
  // A chain leaving our zones stops there.
  { q: 'out.example.com', type: TYPE.A, answer: ['out.example.com 5 CNAME www.elsewhere.org'] },
  // Into another zone we serve, and into a child zone (longest suffix).
  { q: 'cross.example.com', type: TYPE.A, answer: ['cross.example.com 5 CNAME svc.other.test', 'svc.other.test 5 A 198.51.100.7'] },
  { q: 'tochild.example.com', type: TYPE.A, answer: ['tochild.example.com 5 CNAME nginx.default.fed.example.com', 'nginx.default.fed.example.com 5 A 127.10.0.5'] },
  {
    q: 'tochild.example.com',
    type: TYPE.TXT,
    answer: ['tochild.example.com 5 CNAME nginx.default.fed.example.com'],
    authority: ['fed.example.com 120 SOA ns1.fed.example.com hostmaster.fed.example.com 1 600'],
  },
  // SRV with the targets' addresses we know in additional.
  {
    q: '_http._tcp.web.example.com',
    type: TYPE.SRV,
    answer: ['_http._tcp.web.example.com 5 SRV 0 10 80 web-0.web.example.com', '_http._tcp.web.example.com 5 SRV 0 10 80 web-1.web.example.com', '_http._tcp.web.example.com 5 SRV 1 0 80 ext.elsewhere.org'],
    additional: ['web-0.web.example.com 5 A 10.1.0.1', 'web-1.web.example.com 5 A 10.1.0.2', 'web-1.web.example.com 5 AAAA fd00::2'],
  },
  { q: 'txt.example.com', type: TYPE.TXT, answer: ['txt.example.com 5 TXT "hello" "world"'] },
  { q: 'long.example.com', type: TYPE.TXT, answer: [`long.example.com 5 TXT ${JSON.stringify('x'.repeat(255))} ${JSON.stringify('x'.repeat(45))}`] },
  { q: '1.2.0.192.in-addr.example.com', type: TYPE.PTR, answer: ['1.2.0.192.in-addr.example.com 5 PTR www.example.com'] },
  // The apex: SOA and NS (glue for the name servers in our zones).
  { q: 'example.com', type: TYPE.SOA, answer: ['example.com 300 SOA ns1.example.com hostmaster.example.com 1 30'] },
  {
    q: 'example.com',
    type: TYPE.NS,
    answer: ['example.com 300 NS ns1.example.com', 'example.com 300 NS ns2.example.com', 'example.com 300 NS ns.elsewhere.org'],
    additional: ['ns1.example.com 300 A 127.0.53.1', 'ns2.example.com 300 A 127.0.53.2', 'ns2.example.com 300 AAAA ::2'],
  },
  { q: 'example.com', type: TYPE.A, authority: [SOA_NEG] },
  {
    q: 'example.com',
    type: TYPE.ANY,
    answer: ['example.com 300 SOA ns1.example.com hostmaster.example.com 1 30', 'example.com 300 NS ns1.example.com', 'example.com 300 NS ns2.example.com', 'example.com 300 NS ns.elsewhere.org'],
    additional: ['ns1.example.com 300 A 127.0.53.1', 'ns2.example.com 300 A 127.0.53.2', 'ns2.example.com 300 AAAA ::2'],
  },
  { q: 'www.example.com', type: TYPE.ANY, answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2', 'www.example.com 5 AAAA 2001:db8::1'] },
  // A child zone is chosen over its parent; its apex NS glue comes from the parent zone.
  { q: 'fed.example.com', type: TYPE.NS, answer: ['fed.example.com 120 NS ns1.example.com'], additional: ['ns1.example.com 300 A 127.0.53.1'] },
  { q: 'nope.fed.example.com', type: TYPE.A, rcode: RCODE.NXDOMAIN, authority: ['fed.example.com 120 SOA ns1.fed.example.com hostmaster.fed.example.com 1 600'] },
  // A delegation: referral, not authoritative, glue in additional.
  { q: 'www.sub.example.com', type: TYPE.A, aa: false, authority: ['sub.example.com 300 NS ns.sub.example.com'], additional: ['ns.sub.example.com 300 A 192.0.2.53'] },
  { q: 'sub.example.com', type: TYPE.NS, aa: false, authority: ['sub.example.com 300 NS ns.sub.example.com'], additional: ['ns.sub.example.com 300 A 192.0.2.53'] },
  // DS belongs to the parent side of the cut: NODATA here.
  { q: 'sub.example.com', type: TYPE.DS, authority: [SOA_NEG] },
  // Outside every zone.
  { q: 'www.example.net', type: TYPE.A, rcode: RCODE.REFUSED, aa: false },
  { q: 'com', type: TYPE.NS, rcode: RCODE.REFUSED, aa: false },
  { q: '', type: TYPE.NS, rcode: RCODE.REFUSED, aa: false },
  // A label holding a dot never matches "a" + "b" (names are compared label by label).
  { q: 'deep.a\\.b.c.example.com', type: TYPE.A, rcode: RCODE.NXDOMAIN, authority: [SOA_NEG] },
];

describe('ZoneIndex.resolve', () => {
  it.each(cases)('$q type $type', (c) => {
    const qLabels = c.q.includes('\\.') ? ['deep', 'a\\.b', 'c', 'example', 'com'] : labels(c.q);
    const r = index.resolve(qLabels, c.type);
    expect({ rcode: r.rcode, aa: r.aa, answer: r.answer.map(fmt), authority: r.authority.map(fmt), additional: r.additional.map(fmt) }).toEqual({
      rcode: c.rcode ?? RCODE.NOERROR,
      aa: c.aa ?? true,
      answer: c.answer ?? [],
      authority: c.authority ?? [],
      additional: c.additional ?? [],
    });
  });

  it('answers every record of a large RRset', () => {
    expect(index.resolve(labels('big.example.com'), TYPE.A).answer).toHaveLength(BIG_COUNT);
  });

  it('bounds CNAME chains', () => {
    const recs = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}.z.test`, type: 'CNAME' as const, ttl: 5, data: `c${i + 1}.z.test` }));
    const z = buildZone({ origin: 'z.test', soa: { mname: 'ns.z.test', rname: 'h.z.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 }, ttl: 5, nameServers: [] }, recs);
    const r = new ZoneIndex({ zones: [z] }).resolve(['c0', 'z', 'test'], TYPE.A);
    expect(r.rcode).toBe(RCODE.NOERROR);
    expect(r.answer).toHaveLength(16);
  });

  it('serves a root zone and chooses the longest suffix', () => {
    const soa = { mname: 'ns', rname: 'h', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 };
    const root = buildZone({ origin: '', soa, ttl: 5, nameServers: ['ns'] }, [{ name: 'tld', type: 'A', ttl: 5, data: '192.0.2.1' }]);
    const ix = new ZoneIndex({ zones: [root, ...exampleZones().zones] });
    expect(ix.resolve(['tld'], TYPE.A).answer.map(fmt)).toEqual(['tld 5 A 192.0.2.1']);
    expect(ix.resolve(['www', 'example', 'net'], TYPE.A).rcode).toBe(RCODE.NXDOMAIN);
    expect(ix.zoneOf('www.example.com')).toBe('example.com');
    expect(ix.zoneOf('nope.fed.example.com.')).toBe('fed.example.com');
    expect(ix.zoneOf('www.example.net')).toBe('');
  });

  it('does not serve bad records and says why', () => {
    const soa = { mname: 'ns.z.test', rname: 'h.z.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 };
    const z = buildZone({ origin: 'Z.test.', soa, ttl: 5, nameServers: ['ns.z.test'] }, [
      { name: 'bad.z.test', type: 'A', ttl: 5, data: '::1' },
      { name: 'bad.z.test', type: 'AAAA', ttl: 5, data: '1.2.3.4' },
      { name: 'ttl.z.test', type: 'A', ttl: -1, data: '1.2.3.4' },
      { name: 'z.test', type: 'CNAME', ttl: 5, data: 'x.z.test' },
      { name: 'both.z.test', type: 'CNAME', ttl: 5, data: 'x.z.test' },
      { name: 'both.z.test', type: 'A', ttl: 5, data: '1.2.3.4' },
      { name: 'dup.z.test', type: 'A', ttl: 5, data: '1.2.3.4' },
      { name: 'dup.z.test', type: 'A', ttl: 9, data: '1.2.3.4' },
      { name: 'ttls.z.test', type: 'A', ttl: 5, data: '1.2.3.4' },
      { name: 'ttls.z.test', type: 'A', ttl: 9, data: '1.2.3.5' },
      { name: 'x'.repeat(64) + '.z.test', type: 'A', ttl: 5, data: '1.2.3.4' },
      { name: 'other.test', type: 'A', ttl: 5, data: '1.2.3.4' },
    ]);
    const ix = new ZoneIndex({ zones: [z, z] });
    expect(ix.problems.length).toBeGreaterThanOrEqual(8);
    expect(ix.problems.join('\n')).toMatch(/defined twice/);
    const q = (n: string, t: number) => ix.resolve(n.split('.'), t).answer.map(fmt);
    expect(q('bad.z.test', TYPE.A)).toEqual([]);
    expect(q('both.z.test', TYPE.A)).toEqual(['both.z.test 5 CNAME x.z.test']);
    expect(q('dup.z.test', TYPE.A)).toEqual(['dup.z.test 5 A 1.2.3.4']);
    expect(q('ttls.z.test', TYPE.A)).toEqual(['ttls.z.test 5 A 1.2.3.4', 'ttls.z.test 5 A 1.2.3.5']);
    expect(ix.resolve(['z', 'test'], TYPE.CNAME).answer).toEqual([]);
  });
});
