/** Zones the DNS tests answer from (shared by the unit and integration tests). */
import dnsPacket from 'dns-packet';
import { buildZone, type DnsRecord, type Zone, type ZoneSet } from '../../src/dns/zone.js';

const soa = (origin: string, serial = 1) => ({
  mname: `ns1.${origin}`,
  rname: `hostmaster.${origin}`,
  serial,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: 30,
});

const a = (name: string, data: string, ttl = 5): DnsRecord => ({ name, type: 'A', ttl, data });
const aaaa = (name: string, data: string, ttl = 5): DnsRecord => ({ name, type: 'AAAA', ttl, data });
const cname = (name: string, data: string, ttl = 5): DnsRecord => ({ name, type: 'CNAME', ttl, data });

/** Addresses of the "big" name: 60 A records, 1,000+ octets uncompressed, ~1,000 compressed. */
export const BIG_COUNT = 60;
export const bigAddress = (i: number) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;

export function exampleZone(serial = 1, wwwAddress = '192.0.2.1'): Zone {
  const o = 'example.com';
  return buildZone({ origin: o, soa: soa(o, serial), ttl: 300, nameServers: ['ns1.example.com', 'ns2.example.com', 'ns.elsewhere.org'] }, [
    a('ns1.example.com', '127.0.53.1', 300),
    a('ns2.example.com', '127.0.53.2', 300),
    aaaa('ns2.example.com', '::2', 300),
    a('www.example.com', wwwAddress),
    a('www.example.com', '192.0.2.2'),
    aaaa('www.example.com', '2001:db8::1'),
    cname('alias.example.com', 'www.example.com'),
    cname('chain.example.com', 'alias.example.com'),
    cname('loop1.example.com', 'loop2.example.com'),
    cname('loop2.example.com', 'loop1.example.com'),
    cname('out.example.com', 'www.elsewhere.org'),
    cname('cross.example.com', 'svc.other.test'),
    cname('dangling.example.com', 'nothere.example.com'),
    cname('tochild.example.com', 'nginx.default.fed.example.com'),
    { name: '_http._tcp.web.example.com', type: 'SRV', ttl: 5, data: { priority: 0, weight: 10, port: 80, target: 'web-0.web.example.com' } },
    { name: '_http._tcp.web.example.com', type: 'SRV', ttl: 5, data: { priority: 0, weight: 10, port: 80, target: 'web-1.web.example.com' } },
    { name: '_http._tcp.web.example.com', type: 'SRV', ttl: 5, data: { priority: 1, weight: 0, port: 80, target: 'ext.elsewhere.org' } },
    a('web-0.web.example.com', '10.1.0.1'),
    a('web-1.web.example.com', '10.1.0.2'),
    aaaa('web-1.web.example.com', 'fd00::2'),
    { name: 'txt.example.com', type: 'TXT', ttl: 5, data: ['hello', 'world'] },
    { name: 'long.example.com', type: 'TXT', ttl: 5, data: ['x'.repeat(300)] },
    { name: '1.2.0.192.in-addr.example.com', type: 'PTR', ttl: 5, data: 'www.example.com' },
    ...Array.from({ length: BIG_COUNT }, (_, i) => a('big.example.com', bigAddress(i))),
    a('deep.a.b.c.example.com', '192.0.2.9'),
    { name: 'sub.example.com', type: 'NS', ttl: 300, data: 'ns.sub.example.com' },
    a('ns.sub.example.com', '192.0.2.53', 300),
  ]);
}

export function otherZone(): Zone {
  const o = 'other.test';
  return buildZone({ origin: o, soa: soa(o), ttl: 60, nameServers: ['ns1.other.test'] }, [a('svc.other.test', '198.51.100.7'), a('ns1.other.test', '198.51.100.53')]);
}

/** A zone below example.com: the longest suffix chooses it. */
export function childZone(): Zone {
  const o = 'fed.example.com';
  return buildZone({ origin: o, soa: { ...soa(o), minimum: 600 }, ttl: 120, nameServers: ['ns1.example.com'] }, [a('nginx.default.fed.example.com', '127.10.0.5')]);
}

export function exampleZones(serial = 1, wwwAddress = '192.0.2.1'): ZoneSet {
  return { zones: [exampleZone(serial, wwwAddress), otherZone(), childZone()] };
}

/** A record in one line: "www.example.com 5 A 192.0.2.1". */
export function fmt(r: DnsRecord): string {
  const d = r.data;
  let data: string;
  switch (r.type) {
    case 'SRV':
      data = `${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}`;
      break;
    case 'SOA':
      data = `${r.data.mname} ${r.data.rname} ${r.data.serial} ${r.data.minimum}`;
      break;
    case 'TXT':
      data = r.data.map((s) => JSON.stringify(s)).join(' ');
      break;
    default:
      data = String(d);
  }
  return `${r.name} ${r.ttl} ${r.type} ${data}`;
}

export interface QueryOptions {
  id?: number;
  rd?: boolean;
  cd?: boolean;
  /** EDNS: the UDP payload size we advertise (omit: no OPT). */
  edns?: number;
  ednsVersion?: number;
  dnssecOk?: boolean;
  qclass?: string;
}

/** A query message, encoded by dns-packet (type: a name or a number). */
export function query(name: string, type: string | number, o: QueryOptions = {}): Buffer {
  const flags = (o.rd ? dnsPacket.RECURSION_DESIRED : 0) | (o.cd ? dnsPacket.CHECKING_DISABLED : 0);
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? 4242,
    flags,
    questions: [{ name, type: (typeof type === 'number' ? `UNKNOWN_${type}` : type) as dnsPacket.RecordType, class: (o.qclass ?? 'IN') as dnsPacket.RecordClass }],
    additionals:
      o.edns === undefined
        ? []
        : [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, ednsVersion: o.ednsVersion ?? 0, flags: o.dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as unknown as dnsPacket.Answer],
  });
}

/** A response decoded by dns-packet, with the few things tests look at. */
export function decode(buf: Buffer) {
  const p = dnsPacket.decode(buf);
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as unknown as
    | { udpPayloadSize: number; extendedRcode: number; ednsVersion: number; flags: number }
    | undefined;
  const rec = (a: dnsPacket.Answer) => {
    const d = (a as { data?: unknown }).data;
    const data =
      a.type === 'SRV' ? `${(d as dnsPacket.SrvAnswer['data']).priority} ${(d as dnsPacket.SrvAnswer['data']).weight} ${(d as dnsPacket.SrvAnswer['data']).port} ${(d as dnsPacket.SrvAnswer['data']).target}`
      : a.type === 'TXT' ? (d as Buffer[]).map((b) => JSON.stringify(b.toString())).join(' ')
      : a.type === 'SOA' ? `${(d as dnsPacket.SoaData).mname} ${(d as dnsPacket.SoaData).minimum}`
      : String(d);
    return `${a.name} ${(a as { ttl?: number }).ttl} ${a.type} ${data}`;
  };
  const flags = p.flags ?? 0;
  return {
    raw: p,
    id: p.id,
    rcode: (flags & 0xf) | ((opt?.extendedRcode ?? 0) << 4),
    qr: p.type === 'response',
    opcode: (flags >> 11) & 0xf,
    aa: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
    tc: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0,
    rd: (flags & dnsPacket.RECURSION_DESIRED) !== 0,
    ra: (flags & dnsPacket.RECURSION_AVAILABLE) !== 0,
    cd: (flags & dnsPacket.CHECKING_DISABLED) !== 0,
    question: (p.questions ?? []).map((q) => `${q.name} ${q.type} ${q.class}`),
    answer: (p.answers ?? []).map(rec),
    authority: (p.authorities ?? []).map(rec),
    additional: (p.additionals ?? []).filter((a) => a.type !== 'OPT').map(rec),
    opt,
  };
}
