/**
 * DNS data the federation serves, as immutable snapshots: zones (an origin, its SOA and NS, and
 * records by owner name). The federation's names (`<svc>.<ns>.<federation>.svc.<zone>.<region>.<domain>`),
 * the Multi-Cluster Services names (`<svc>.<ns>.svc.clusterset.local`) and, in the playground,
 * each cluster's own `cluster.local` names are all compiled into this form; the DNS server
 * (src/dns/server.ts) answers from it and knows nothing about Kubernetes.
 */

/** A lower-case fully qualified name without the trailing dot ("www.example.com"; "" is the root). */
export type DnsName = string;

export interface SoaData {
  mname: DnsName;
  rname: DnsName;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  /** Also the TTL of negative answers (RFC 2308). */
  minimum: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: DnsName;
}

export type DnsRecord =
  | { name: DnsName; type: 'A'; ttl: number; data: string }
  | { name: DnsName; type: 'AAAA'; ttl: number; data: string }
  | { name: DnsName; type: 'CNAME'; ttl: number; data: DnsName }
  | { name: DnsName; type: 'NS'; ttl: number; data: DnsName }
  | { name: DnsName; type: 'PTR'; ttl: number; data: DnsName }
  | { name: DnsName; type: 'SRV'; ttl: number; data: SrvData }
  | { name: DnsName; type: 'TXT'; ttl: number; data: string[] }
  | { name: DnsName; type: 'SOA'; ttl: number; data: SoaData };

export type DnsRecordType = DnsRecord['type'];

/** One authoritative zone. */
export interface Zone {
  /** The zone's apex ("example.com"). */
  origin: DnsName;
  soa: SoaData;
  /** TTL of the SOA and NS records. */
  ttl: number;
  /** Name servers of the zone (NS records at the apex). */
  nameServers: DnsName[];
  /**
   * Records by owner name (lower case). A name present with no records is an empty
   * non-terminal (NODATA, not NXDOMAIN), as is every ancestor of an owner name.
   */
  records: ReadonlyMap<DnsName, readonly DnsRecord[]>;
}

/** What the server answers from; replaced as a whole when anything changes. */
export interface ZoneSet {
  zones: readonly Zone[];
}

/** Normalises a name: lower case, no trailing dot. */
export const dnsName = (s: string): DnsName => s.toLowerCase().replace(/\.$/, '');

/** Builds a zone from a flat list of records (adds the empty non-terminals' entries). */
export function buildZone(z: Omit<Zone, 'records'>, records: readonly DnsRecord[]): Zone {
  const byName = new Map<DnsName, DnsRecord[]>();
  for (const r of records) {
    const n = dnsName(r.name);
    let list = byName.get(n);
    if (!list) byName.set(n, (list = []));
    list.push({ ...r, name: n } as DnsRecord);
    // Ancestors below the apex exist as empty non-terminals.
    for (let p = n; p !== z.origin && p.includes('.'); ) {
      p = p.slice(p.indexOf('.') + 1);
      if (!byName.has(p)) byName.set(p, []);
    }
  }
  return { ...z, origin: dnsName(z.origin), records: byName };
}
