/**
 * A cluster's own DNS data, as its cluster DNS (CoreDNS with the kubernetes and multicluster
 * plugins, or kube-dns with Federation v1's federation rule) serves it, compiled from the
 * cluster's API objects into ZoneSet snapshots for the DnsServer. Pure functions: the playground's
 * cluster DNS (src/playground/cluster/network/cluster-dns.ts) feeds them what its cluster holds.
 *
 * `cluster.local` (kubernetes/dns docs/specification.md, schema 1.1.0):
 *   <svc>.<ns>.svc.cluster.local                A/AAAA the ClusterIPs; headless: every ready endpoint;
 *                                               ExternalName: CNAME to the external name
 *   _<port>._<proto>.<svc>.<ns>.svc.cluster.local  SRV per named port: the Service name and port;
 *                                               headless: each ready endpoint's name and port
 *   <hostname>.<svc>.<ns>.svc.cluster.local     headless: A/AAAA of each ready endpoint (its
 *                                               `hostname`, else its address with dashes)
 *   dns-version.cluster.local                   TXT "1.1.0"
 *   PTR records of ClusterIPs and headless endpoints (in-addr.arpa, ip6.arpa)
 *
 * `clusterset.local` (KEP-1645 specification.md, schema 1.0.0), from ServiceImports and the
 * EndpointSlices labelled `multicluster.kubernetes.io/service-name`:
 *   <svc>.<ns>.svc.clusterset.local             ClusterSetIP: A/AAAA spec.ips; Headless: every ready
 *                                               endpoint of every source cluster (none: NXDOMAIN)
 *   _<port>._<proto>.<svc>.<ns>.svc.clusterset.local  SRV per named port (Headless: per ready
 *                                               endpoint, to its per-endpoint name)
 *   <hostname>.<clusterid>.<svc>.<ns>.svc.clusterset.local  Headless: each ready endpoint
 *                                               (clusterid: the slice's source-cluster label)
 *   dns-version.clusterset.local                TXT "1.0.0"
 *   PTR records of ClusterSetIPs and headless endpoints that have none from cluster.local
 *   No name singles out one cluster's backends (`<clusterid>.<svc>...` has no records).
 *
 * Federation v1's in-cluster rule (kube-dns `--federations=<name>=<domain>`), for every Service
 * of the cluster, at `<svc>.<ns>.<federation>.svc.cluster.local` (what a pod's search path makes
 * of `<svc>.<ns>.<federation>`) and at the short form `<svc>.<ns>.<federation>` itself:
 *   the local shard is healthy (the Service has a ready endpoint here): A/AAAA of its
 *   load-balancer addresses, else its ClusterIPs (headless: the ready endpoints);
 *   otherwise: CNAME to `<svc>.<ns>.<federation>.svc.<zone>.<region>.<domain>`, the name the
 *   federation's authoritative server answers (the client's resolver follows it there).
 * A Service the cluster does not have gets no name (the server has no wildcards).
 */
import { isIP } from 'node:net';
import type { KObject } from '../apis/object.js';
import { serviceNames } from './federation-records.js';
import { buildZone, dnsName, type DnsName, type DnsRecord, type Zone, type ZoneSet } from './zone.js';

export const CLUSTER_DOMAIN = 'cluster.local';
export const CLUSTERSET_DOMAIN = 'clusterset.local';
/** Versions of the two DNS schemas served (the `dns-version` TXT records). */
export const CLUSTER_DNS_SCHEMA = '1.1.0';
export const CLUSTERSET_DNS_SCHEMA = '1.0.0';
/** CoreDNS's default TTL for service records. */
export const CLUSTER_DNS_TTL = 5;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';

export interface ClusterDnsInput {
  /** This cluster's name (its cluster ID in the clusterset). */
  cluster: string;
  /** The cluster's zone and region (the federation CNAME target names them). */
  zone?: string;
  region?: string;
  services: readonly KObject[];
  /** The cluster's EndpointSlices: its own (`kubernetes.io/service-name`) and imported ones (MCS labels). */
  endpointSlices: readonly KObject[];
  serviceImports: readonly KObject[];
  /** The federation whose names are answered in-cluster (none: no federation names). */
  federation?: { name: string; domain: string };
  /** The DNS server's own addresses (glue of the NS records). */
  serverAddresses?: readonly string[];
  ttl?: number;
}

interface Ep {
  address: string;
  /** The per-endpoint label: its hostname, else its address with dashes (CoreDNS's endpoint name). */
  host: string;
  cluster?: string;
  ports: readonly KObject[];
}

const key = (o: KObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const byKey = (a: KObject, b: KObject) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
const live = (o: KObject) => !o.metadata?.deletionTimestamp;

/** An address record (A or AAAA by the address family; nothing for what is not an address). */
function addressRecord(name: DnsName, address: string, ttl: number): DnsRecord[] {
  const v = isIP(address);
  return v === 4 ? [{ name, type: 'A', ttl, data: address }] : v === 6 ? [{ name, type: 'AAAA', ttl, data: address }] : [];
}

/** The label CoreDNS gives an endpoint without a hostname: its address with dashes. */
export const endpointLabel = (address: string, hostname?: string): string => hostname || address.replace(/[.:]/g, '-');

/** The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`, nibbles under `ip6.arpa`); undefined for a non-address. */
export function reverseName(address: string): DnsName | undefined {
  const v = isIP(address);
  if (v === 4) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  if (v !== 6) return undefined;
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (s: string) => (s ? s.split(':') : []);
  let h = groups(head);
  let t = groups(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = (g: string[]) => {
    const last = g[g.length - 1];
    if (!last || isIP(last) !== 4) return g;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    return [...g.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  if (address.includes('::')) t = v4(t);
  else h = v4(h);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const hex = all.map((g) => g.padStart(4, '0')).join('');
  return `${[...hex.toLowerCase()].reverse().join('.')}.ip6.arpa`;
}

/** The ready endpoints of a set of slices, each address once (with the slice's ports and source cluster). */
function readyEndpoints(slices: readonly KObject[]): Ep[] {
  const out: Ep[] = [];
  const seen = new Set<string>();
  for (const s of [...slices].sort((a, b) => (String(a.metadata?.name) < String(b.metadata?.name) ? -1 : 1))) {
    const cluster: string | undefined = s.metadata?.labels?.[MCS_SOURCE_CLUSTER_LABEL];
    for (const e of (s.endpoints ?? []) as KObject[]) {
      // EndpointSlice API: a nil ready condition means ready.
      if (e?.conditions?.ready === false) continue;
      for (const address of (e.addresses ?? []) as string[]) {
        const id = `${cluster ?? ''}/${address}`;
        if (seen.has(id) || !isIP(address)) continue;
        seen.add(id);
        out.push({ address, host: endpointLabel(address, e.hostname), ...(cluster ? { cluster } : {}), ports: (s.ports ?? []) as KObject[] });
      }
    }
  }
  return out;
}

/** SRV records of one named port over its targets ([target, port]): priority 0, weights sharing 100 (as CoreDNS). */
function srv(name: DnsName, targets: [DnsName, number | undefined][], ttl: number): DnsRecord[] {
  const usable = targets.filter((t): t is [DnsName, number] => Number.isInteger(t[1]) && t[1]! > 0 && t[1]! <= 0xffff);
  const weight = Math.max(1, Math.floor(100 / Math.max(1, usable.length)));
  return usable.map(([target, port]) => ({ name, type: 'SRV' as const, ttl, data: { priority: 0, weight, port, target } }));
}

const srvName = (port: KObject, base: DnsName) => `_${String(port.name).toLowerCase()}._${String(port.protocol ?? 'TCP').toLowerCase()}.${base}`;

/** The port of a slice that serves a Service (or import) port: same name and protocol. */
const slicePort = (ports: readonly KObject[], p: KObject): number | undefined =>
  ports.find((sp) => (sp?.name ?? '') === (p.name ?? '') && (sp?.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.port;

/** Slices by `<namespace>/<service>` for one label. */
function slicesBy(slices: readonly KObject[], label: string): Map<string, KObject[]> {
  const m = new Map<string, KObject[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[label];
    if (!svc || !live(s)) continue;
    const k = `${s.metadata?.namespace ?? ''}/${svc}`;
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(s);
  }
  return m;
}

const isHeadless = (svc: KObject) => svc.spec?.clusterIP === 'None';
const clusterIPs = (svc: KObject): string[] => (svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []).filter((ip: string) => isIP(ip));
const lbAddresses = (svc: KObject): string[] => ((svc.status?.loadBalancer?.ingress ?? []) as KObject[]).map((i) => i?.ip).filter((ip): ip is string => typeof ip === 'string' && isIP(ip) !== 0);

/** Records of one zone plus the PTRs it wants (address -> target), before other zones claim them. */
interface Part {
  records: DnsRecord[];
  ptrs: [string, DnsName][];
}

/**
 * The records of one service name into `part`: A/AAAA of its addresses and SRV per named port to
 * it; or, for headless ones, A/AAAA of every ready endpoint, each endpoint's own name, and SRV per
 * named port to those names with the endpoint's port.
 */
function nameRecords(part: Part, base: DnsName, ports: readonly KObject[], ttl: number, target: { ips: readonly string[] } | { endpoints: readonly Ep[]; nameOf: (e: Ep) => DnsName }): void {
  const named = ports.filter((p) => p?.name);
  if ('ips' in target) {
    for (const ip of target.ips) {
      part.records.push(...addressRecord(base, ip, ttl));
      part.ptrs.push([ip, base]);
    }
    if (target.ips.length) for (const p of named) part.records.push(...srv(srvName(p, base), [[base, p.port]], ttl));
    return;
  }
  for (const e of target.endpoints) {
    const name = target.nameOf(e);
    part.records.push(...addressRecord(base, e.address, ttl), ...addressRecord(name, e.address, ttl));
    part.ptrs.push([e.address, name]);
  }
  for (const p of named) part.records.push(...srv(srvName(p, base), target.endpoints.map((e): [DnsName, number | undefined] => [target.nameOf(e), slicePort(e.ports, p)]), ttl));
}

/** `cluster.local`: every Service of the cluster. */
export function clusterLocalRecords(services: readonly KObject[], endpointSlices: readonly KObject[], ttl = CLUSTER_DNS_TTL): Part {
  const part: Part = { records: [{ name: `dns-version.${CLUSTER_DOMAIN}`, type: 'TXT', ttl, data: [CLUSTER_DNS_SCHEMA] }], ptrs: [] };
  const own = slicesBy(endpointSlices, SERVICE_NAME_LABEL);
  for (const svc of [...services].filter(live).sort(byKey)) {
    const base = `${svc.metadata!.name}.${svc.metadata!.namespace}.svc.${CLUSTER_DOMAIN}`;
    const ports = (svc.spec?.ports ?? []) as KObject[];
    if (svc.spec?.type === 'ExternalName') {
      if (svc.spec.externalName) part.records.push({ name: base, type: 'CNAME', ttl, data: dnsName(String(svc.spec.externalName)) });
    } else if (isHeadless(svc)) {
      nameRecords(part, base, ports, ttl, { endpoints: readyEndpoints(own.get(key(svc)) ?? []), nameOf: (e) => `${e.host}.${base}` });
    } else {
      nameRecords(part, base, ports, ttl, { ips: clusterIPs(svc) });
    }
  }
  return part;
}

/** `clusterset.local`: every ServiceImport of the cluster. */
export function clustersetRecords(serviceImports: readonly KObject[], endpointSlices: readonly KObject[], ttl = CLUSTER_DNS_TTL): Part {
  const part: Part = { records: [{ name: `dns-version.${CLUSTERSET_DOMAIN}`, type: 'TXT', ttl, data: [CLUSTERSET_DNS_SCHEMA] }], ptrs: [] };
  const imported = slicesBy(endpointSlices, MCS_SERVICE_NAME_LABEL);
  for (const si of [...serviceImports].filter(live).sort(byKey)) {
    const base = `${si.metadata!.name}.${si.metadata!.namespace}.svc.${CLUSTERSET_DOMAIN}`;
    const ports = (si.spec?.ports ?? []) as KObject[];
    if (si.spec?.type === 'Headless') {
      // Only endpoints of a known source cluster have a per-endpoint name.
      const endpoints = readyEndpoints(imported.get(key(si)) ?? []).filter((e) => e.cluster);
      nameRecords(part, base, ports, ttl, { endpoints, nameOf: (e) => `${e.host}.${e.cluster}.${base}` });
    } else {
      nameRecords(part, base, ports, ttl, { ips: ((si.spec?.ips ?? []) as string[]).filter((ip) => isIP(ip)) });
    }
  }
  return part;
}

/** The federation's names with v1's in-cluster rule, for every Service of the cluster. */
export function federationInClusterRecords(input: Pick<ClusterDnsInput, 'services' | 'endpointSlices' | 'federation' | 'zone' | 'region' | 'ttl'>): DnsRecord[] {
  const f = input.federation;
  if (!f) return [];
  const ttl = input.ttl ?? CLUSTER_DNS_TTL;
  const fed = dnsName(f.name);
  const own = slicesBy(input.endpointSlices, SERVICE_NAME_LABEL);
  const out: DnsRecord[] = [];
  for (const svc of [...input.services].filter(live).sort(byKey)) {
    const ns = svc.metadata!.namespace!;
    const name = svc.metadata!.name!;
    const ready = svc.spec?.type === 'ExternalName' ? [] : readyEndpoints(own.get(key(svc)) ?? []);
    const local = ready.length === 0 ? [] : isHeadless(svc) ? ready.map((e) => e.address) : lbAddresses(svc).length ? lbAddresses(svc) : clusterIPs(svc);
    const names = serviceNames({ federation: fed, domain: f.domain, ttl }, ns, name);
    const target = input.zone && input.region ? names.zone(input.zone, input.region) : input.region ? names.region(input.region) : names.global;
    for (const owner of [`${name}.${ns}.${fed}.svc.${CLUSTER_DOMAIN}`, `${name}.${ns}.${fed}`]) {
      if (local.length) for (const a of [...new Set(local)].sort()) out.push(...addressRecord(owner, a, ttl));
      else out.push({ name: owner, type: 'CNAME', ttl, data: target });
    }
  }
  return out;
}

function zone(origin: DnsName, records: DnsRecord[], ttl: number, serverAddresses: readonly string[]): Zone {
  const ns = `ns.dns.${CLUSTER_DOMAIN}`;
  const glue = origin === CLUSTER_DOMAIN ? serverAddresses.flatMap((a) => addressRecord(ns, a, ttl)) : [];
  return buildZone(
    { origin, ttl, nameServers: [ns], soa: { mname: ns, rname: `hostmaster.${CLUSTER_DOMAIN}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl } },
    [...records, ...glue],
  );
}

/**
 * Every zone of a cluster's DNS: cluster.local, clusterset.local, the federation's short names
 * (origin: the federation's name) and the reverse zones. A federation name that would shadow a
 * cluster.local name (a headless Service named like a namespace in a namespace named like the
 * federation) is left out: the cluster's own name wins.
 */
export function clusterDnsZones(input: ClusterDnsInput): ZoneSet {
  const ttl = input.ttl ?? CLUSTER_DNS_TTL;
  const local = clusterLocalRecords(input.services, input.endpointSlices, ttl);
  const set = clustersetRecords(input.serviceImports, input.endpointSlices, ttl);
  const taken = new Set(local.records.map((r) => r.name));
  const fed = federationInClusterRecords(input).filter((r) => !taken.has(r.name));
  const fedName = input.federation ? dnsName(input.federation.name) : undefined;
  const inLocal = (r: DnsRecord) => r.name.endsWith(`.${CLUSTER_DOMAIN}`);
  // One PTR per address: cluster.local's first (KEP-1645 specification 2.3.3, 2.4.3).
  const ptr = new Map<DnsName, DnsName>();
  for (const [address, target] of [...local.ptrs, ...set.ptrs]) {
    const name = reverseName(address);
    if (name && !ptr.has(name)) ptr.set(name, target);
  }
  const reverse = [...ptr].map(([name, target]): DnsRecord => ({ name, type: 'PTR', ttl, data: target }));
  const servers = input.serverAddresses ?? [];
  return {
    zones: [
      zone(CLUSTER_DOMAIN, [...local.records, ...fed.filter(inLocal)], ttl, servers),
      zone(CLUSTERSET_DOMAIN, set.records, ttl, servers),
      ...(fedName ? [zone(fedName, fed.filter((r) => !inLocal(r)), ttl, servers)] : []),
      zone('in-addr.arpa', reverse.filter((r) => r.name.endsWith('.in-addr.arpa')), ttl, servers),
      zone('ip6.arpa', reverse.filter((r) => r.name.endsWith('.ip6.arpa')), ttl, servers),
    ],
  };
}
