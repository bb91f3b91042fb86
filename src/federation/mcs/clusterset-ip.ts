/**
 * ClusterSetIPs: a ClusterSetIP ServiceImport gets one IPv4 address per importing cluster,
 * allocated from that cluster's range and kept for the life of the import (KEP-1645 allows an
 * address per cluster; it must stay the same while the import exists).
 *
 * A cluster's range, in order:
 * 1. the annotation `multicluster.kubefed.io/clusterset-ip-cidr` on its Cluster object at the
 *    federation (`kubectl annotate cluster NAME multicluster.kubefed.io/clusterset-ip-cidr=10.255.0.0/16`):
 *    a range the cluster's MCS data plane routes;
 * 2. for a playground cluster (its API server at 127.O.0.1, the playground's address plan):
 *    `127.O.202.0/24`, so a ClusterSetIP is a real loopback address of that cluster;
 * 3. the controller's default, `243.0.0.0/16` (reserved class E space, never routed on the
 *    Internet, the same in every cluster since each cluster's addresses are its own).
 *
 * Within a range, a service starts at an offset given by a hash of its namespace and name and
 * takes the first free address from there (the network and broadcast addresses excluded), so
 * the same service tends to get the same host part in every cluster and again when re-exported.
 */
import { createHash } from 'node:crypto';

export const CLUSTERSET_IP_CIDR_ANNOTATION = 'multicluster.kubefed.io/clusterset-ip-cidr';
export const DEFAULT_CLUSTERSET_IP_RANGE = '243.0.0.0/16';
/** The third octet of a playground cluster's ClusterSetIPs: 127.O.202.x. */
export const PLAYGROUND_CLUSTERSET_OCTET = 202;

export interface Ipv4Range {
  cidr: string;
  /** First and last address as numbers. */
  first: number;
  last: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export const numberToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** An IPv4 CIDR (prefix 8 to 30), or undefined when it is not one. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const [ip, bitsText] = cidr.trim().split('/');
  const bits = Number(bitsText);
  const base = ipv4ToNumber(ip ?? '');
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) return undefined;
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  return { cidr: `${numberToIpv4(first)}/${bits}`, first, last: first + size - 1 };
}

/** The playground's range for a cluster whose API server listens on 127.O.0.1. */
export function playgroundRange(apiServer: string): string | undefined {
  let host: string;
  try {
    host = new URL(apiServer).hostname;
  } catch {
    return undefined;
  }
  const m = /^127\.(\d{1,3})\.0\.1$/.exec(host);
  return m && Number(m[1]) >= 1 && Number(m[1]) <= 254 ? `127.${m[1]}.${PLAYGROUND_CLUSTERSET_OCTET}.0/24` : undefined;
}

/** The range of one cluster (see the module comment); `annotation` wins when it is a valid IPv4 CIDR. */
export function clusterSetIPRange(o: { annotation?: string; apiServer: string; fallback?: string }): Ipv4Range {
  return (o.annotation ? parseIpv4Cidr(o.annotation) : undefined) ?? parseIpv4Cidr(playgroundRange(o.apiServer) ?? '') ?? parseIpv4Cidr(o.fallback ?? '') ?? parseIpv4Cidr(DEFAULT_CLUSTERSET_IP_RANGE)!;
}

export const inRange = (range: Ipv4Range, ip: string) => {
  const n = ipv4ToNumber(ip);
  return n !== undefined && n > range.first && n < range.last;
};

/** The first free address from the service's offset on, or undefined when the range is full. */
export function allocateIP(range: Ipv4Range, used: ReadonlySet<string>, service: string): string | undefined {
  const size = range.last - range.first - 1; // usable hosts
  const start = createHash('sha256').update(service).digest().readUInt32BE(0) % size;
  for (let i = 0; i < size; i++) {
    const ip = numberToIpv4(range.first + 1 + ((start + i) % size));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
