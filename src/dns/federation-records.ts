/**
 * The federation's service DNS names (Federation v1's scheme, with its failover rule), compiled
 * from the shards the control plane publishes:
 *
 *   <svc>.<ns>.<federation>.svc.<zone>.<region>.<domain>  A/AAAA of the zone's healthy shards,
 *                                                         else CNAME to the region name
 *   <svc>.<ns>.<federation>.svc.<region>.<domain>         A/AAAA of the region's healthy shards,
 *                                                         else CNAME to the global name
 *   <svc>.<ns>.<federation>.svc.<domain>                  A/AAAA of every healthy shard; none: no record
 *
 * A shard (a Service's endpoints in one cluster) is healthy when its cluster is Ready, the Service
 * has a load-balancer address there, and at least one endpoint is ready. Only Services of type
 * LoadBalancer get names (as in Federation v1). One function serves the DNS server, the
 * ExternalDNS publication and `kubefed dns records`.
 */
import { isIP } from 'node:net';
import type { KObject } from '../apis/object.js';
import { buildZone, dnsName, type DnsRecord, type Zone } from './zone.js';

const MCS_SERVICE = 'multicluster.kubernetes.io/service-name';
const MCS_CLUSTER = 'multicluster.kubernetes.io/source-cluster';
const PHASE = 'kubefed.io/cluster-phase';
const REGION = 'kubefed.io/region';
const LOAD_BALANCER = 'kubefed.io/load-balancer-ingress';

export interface FederationDnsSettings {
  /** The federation's name (`kubefed init NAME`). */
  federation: string;
  /** The DNS zone (`--dns-zone-name`), e.g. "example.com". */
  domain: string;
  /** TTL of the service records (default 5 s). */
  ttl: number;
  /** Name servers of the zone (default ns1.<domain>), and their addresses for glue. */
  nameServers?: { name: string; addresses: string[] }[];
  /** SOA serial (changes when the records do). */
  serial?: number;
}

export interface ShardHealth {
  cluster: string;
  region?: string;
  /** The zones of the cluster and of its endpoints. */
  zones: string[];
  /** Zones with ready endpoints. */
  readyZones: string[];
  addresses: string[];
  healthy: boolean;
  readyEndpoints: number;
}

/** One Service's shards as DNS sees them. */
export function shardHealth(slices: readonly KObject[], clusters: readonly KObject[]): ShardHealth[] {
  const byCluster = new Map<string, KObject[]>();
  for (const s of slices) {
    const c = s.metadata?.labels?.[MCS_CLUSTER];
    if (c) byCluster.set(c, [...(byCluster.get(c) ?? []), s]);
  }
  const out: ShardHealth[] = [];
  for (const [cluster, list] of [...byCluster].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ann = list[0]!.metadata?.annotations ?? {};
    const obj = clusters.find((c) => c.metadata?.name === cluster);
    const region: string | undefined = ann[REGION] ?? obj?.status?.region;
    const all = list.flatMap((s) => (s.endpoints ?? []) as any[]);
    const ready = all.filter((e) => e.conditions?.ready !== false);
    // Every zone the cluster or its endpoints are in has a name (a CNAME while it serves nothing).
    const zones = [...new Set([...all.map((e) => e.zone), ...((obj?.status?.zones as string[] | undefined) ?? [])].filter(Boolean))] as string[];
    const addresses = String(ann[LOAD_BALANCER] ?? '').split(',').filter(Boolean);
    out.push({
      cluster,
      ...(region ? { region } : {}),
      zones: zones.sort(),
      readyZones: [...new Set(ready.map((e) => e.zone).filter(Boolean))].sort() as string[],
      addresses,
      healthy: (ann[PHASE] ?? 'Ready') === 'Ready' && addresses.length > 0 && ready.length > 0,
      readyEndpoints: ready.length,
    });
  }
  return out;
}

/** The three names of a Service: global, and per region and per zone. */
export const serviceNames = (s: FederationDnsSettings, ns: string, svc: string) => {
  const base = `${svc}.${ns}.${s.federation}.svc`;
  return {
    global: dnsName(`${base}.${s.domain}`),
    region: (region: string) => dnsName(`${base}.${region}.${s.domain}`),
    zone: (zone: string, region: string) => dnsName(`${base}.${zone}.${region}.${s.domain}`),
  };
};

function addressRecords(name: string, addresses: readonly string[], ttl: number): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const a of [...new Set(addresses)].sort()) {
    const v = isIP(a);
    if (v === 4) out.push({ name, type: 'A', ttl, data: a });
    else if (v === 6) out.push({ name, type: 'AAAA', ttl, data: a });
  }
  return out;
}

/** The records of one Service (and the shards they were made from, for status). */
export function serviceRecords(s: FederationDnsSettings, namespace: string, service: string, shards: readonly ShardHealth[]): DnsRecord[] {
  const names = serviceNames(s, namespace, service);
  const healthy = shards.filter((x) => x.healthy);
  // Hostnames (cloud LBs without an IP) cannot be A records: the first one becomes a CNAME target only when nothing else is there.
  const ips = (list: readonly ShardHealth[]) => list.flatMap((x) => x.addresses.filter((a) => isIP(a)));
  const out: DnsRecord[] = [...addressRecords(names.global, ips(healthy), s.ttl)];
  const regions = new Map<string, Set<string>>();
  for (const sh of shards) {
    if (!sh.region) continue;
    const zones = regions.get(sh.region) ?? new Set<string>();
    for (const z of sh.zones) zones.add(z);
    regions.set(sh.region, zones);
  }
  for (const [region, zones] of [...regions].sort((a, b) => a[0].localeCompare(b[0]))) {
    const inRegion = healthy.filter((x) => x.region === region);
    const regionName = names.region(region);
    const regionRecords = addressRecords(regionName, ips(inRegion), s.ttl);
    out.push(...(regionRecords.length ? regionRecords : [{ name: regionName, type: 'CNAME' as const, ttl: s.ttl, data: names.global }]));
    for (const zone of [...zones].sort()) {
      const zoneName = names.zone(zone, region);
      // A cluster spanning zones answers for a zone only where it has ready endpoints.
      const zoneRecords = addressRecords(zoneName, ips(inRegion.filter((x) => x.readyZones.includes(zone) || (x.readyZones.length === 0 && x.zones.includes(zone)))), s.ttl);
      out.push(...(zoneRecords.length ? zoneRecords : [{ name: zoneName, type: 'CNAME' as const, ttl: s.ttl, data: regionName }]));
    }
  }
  return out;
}

export interface FederationDnsInput {
  settings: FederationDnsSettings;
  /** Services at the federation (only LoadBalancer ones get names). */
  services: readonly KObject[];
  /** The shard EndpointSlices at the federation. */
  slices: readonly KObject[];
  clusters: readonly KObject[];
}

/** Whether a federation Service gets DNS names. */
export const hasFederationDns = (svc: KObject) => svc.spec?.type === 'LoadBalancer' && !svc.metadata?.deletionTimestamp;

/** Every Service's records, and each Service's shards (for status). */
export function federationRecords(input: FederationDnsInput): { records: DnsRecord[]; shards: Map<string, ShardHealth[]> } {
  const slicesBy = new Map<string, KObject[]>();
  for (const sl of input.slices) {
    const svc = sl.metadata?.labels?.[MCS_SERVICE];
    if (!svc) continue;
    const k = `${sl.metadata?.namespace ?? ''}/${svc}`;
    slicesBy.set(k, [...(slicesBy.get(k) ?? []), sl]);
  }
  const records: DnsRecord[] = [];
  const shards = new Map<string, ShardHealth[]>();
  for (const svc of [...input.services].filter(hasFederationDns).sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`))) {
    const ns = svc.metadata!.namespace!;
    const name = svc.metadata!.name!;
    const sh = shardHealth(slicesBy.get(`${ns}/${name}`) ?? [], input.clusters);
    shards.set(`${ns}/${name}`, sh);
    records.push(...serviceRecords(input.settings, ns, name, sh));
  }
  return { records, shards };
}

/** The authoritative zone of the federation's domain. */
export function federationZone(input: FederationDnsInput): Zone {
  const s = input.settings;
  const domain = dnsName(s.domain);
  const nameServers = s.nameServers?.length ? s.nameServers : [{ name: `ns1.${domain}`, addresses: [] }];
  const { records } = federationRecords(input);
  const glue = nameServers.flatMap((n) => (dnsName(n.name).endsWith(`.${domain}`) ? addressRecords(dnsName(n.name), n.addresses, 3600) : []));
  return buildZone(
    {
      origin: domain,
      ttl: 3600,
      nameServers: nameServers.map((n) => dnsName(n.name)),
      soa: { mname: dnsName(nameServers[0]!.name), rname: `hostmaster.${domain}`, serial: s.serial ?? 1, refresh: 3600, retry: 600, expire: 86400, minimum: s.ttl },
    },
    [...records, ...glue],
  );
}
