/**
 * A Zone as an RFC 1035 master file (section 5), with absolute names, for other servers (the DNS
 * benchmark loads it into Knot and BIND), zone checkers and people. SOA and NS come from the
 * zone's `soa` and `nameServers`, as the server serves them. A name listed with no records and
 * nothing below it cannot be written in a master file: the server answers it NODATA, others
 * NXDOMAIN.
 */
import { splitTxt } from './lookup.js';
import { dnsName, type DnsRecord, type Zone } from './zone.js';

/** A name in presentation form, absolute ("www.example.com."; the root is "."). */
export function presentName(name: string): string {
  if (name === '') return '.';
  return `${name
    .split('.')
    .map((l) => l.replace(/[;()"\\$@\s]/g, (c) => `\\${c}`))
    .join('.')}.`;
}

/** A character string in quotes, with `"` and `\` escaped and other non-printing octets as \DDD. */
export function presentString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s)) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** A record's data in presentation form. */
export function presentData(r: DnsRecord): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return r.data;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return presentName(dnsName(r.data));
    case 'SRV':
      return `${r.data.priority} ${r.data.weight} ${r.data.port} ${presentName(dnsName(r.data.target))}`;
    case 'TXT':
      return (r.data.length === 0 ? [''] : r.data).flatMap(splitTxt).map(presentString).join(' ');
    case 'SOA': {
      const d = r.data;
      return `${presentName(dnsName(d.mname))} ${presentName(dnsName(d.rname))} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
  }
}

/** The zone as a master file. */
export function renderZoneFile(zone: Zone): string {
  const origin = dnsName(zone.origin);
  const lines = [`$ORIGIN ${presentName(origin)}`, `$TTL ${zone.ttl}`];
  const line = (r: DnsRecord) => `${presentName(dnsName(r.name))}\t${r.ttl}\tIN\t${r.type}\t${presentData(r)}`;
  lines.push(line({ name: origin, type: 'SOA', ttl: zone.ttl, data: zone.soa }));
  for (const ns of zone.nameServers) lines.push(line({ name: origin, type: 'NS', ttl: zone.ttl, data: ns }));
  for (const [owner, records] of zone.records) {
    for (const r of records) {
      if ((r.type === 'SOA' || r.type === 'NS') && dnsName(owner) === origin) continue;
      lines.push(line({ ...r, name: owner } as DnsRecord));
    }
  }
  return `${lines.join('\n')}\n`;
}
