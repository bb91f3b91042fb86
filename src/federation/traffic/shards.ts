/**
 * A shard is a Service's endpoints in one member cluster. The federation publishes each shard as
 * EndpointSlices in the Service's namespace at the federation, labelled as the Multi-Cluster
 * Services API labels imported slices (`multicluster.kubernetes.io/service-name` and
 * `.../source-cluster`), so the global edge, the DNS server and MCS imports all read one thing.
 *
 * How the edge reaches a shard's endpoints is chosen per Service (annotation
 * `kubefed.io/edge-reach`) or per cluster (label of the same name on the Cluster), default `pod`:
 * - `pod`: the pods' own addresses and target ports (flat or routed pod networks; the playground);
 * - `node`: each node that runs a ready endpoint, at the Service's NodePort;
 * - `loadbalancer`: the Service's load-balancer addresses at the Service port, one endpoint each,
 *   ready while any pod behind it is.
 * A cluster that is not Ready publishes its last known endpoints, all not ready (drained at once).
 */
import { createHash } from 'node:crypto';
import type { KObject } from '../../apis/object.js';

export const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
export const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SHARD_MANAGER = 'shards.kubefed.io';
export const REACH_ANNOTATION = 'kubefed.io/edge-reach';
export const CLUSTER_PHASE_ANNOTATION = 'kubefed.io/cluster-phase';
export const REGION_ANNOTATION = 'kubefed.io/region';
/** The Service's load-balancer addresses in the member (comma-separated), for DNS. */
export const LOAD_BALANCER_ANNOTATION = 'kubefed.io/load-balancer-ingress';
/** Endpoints per published slice (Kubernetes allows 1000). */
export const MAX_ENDPOINTS_PER_SLICE = 1000;

export type Reach = 'pod' | 'node' | 'loadbalancer';
export const REACH_MODES: Reach[] = ['pod', 'node', 'loadbalancer'];

export interface ShardInput {
  cluster: string;
  region?: string;
  phase: 'Ready' | 'NotReady' | 'Offline';
  /** The Service in the member. */
  service: KObject;
  /** The member's EndpointSlices of that Service. */
  slices: KObject[];
  /** Node name -> InternalIP (only needed for `node`). */
  nodeAddresses?: Map<string, string>;
  reach: Reach;
}

interface EndpointOut {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  zone?: string;
  hostname?: string;
  nodeName?: string;
}

interface PortOut {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** The reach a Service asks for: its annotation, else the cluster's label, else `pod`. */
export function reachOf(service: KObject | undefined, clusterLabels: Record<string, string>): Reach {
  const v = service?.metadata?.annotations?.[REACH_ANNOTATION] ?? clusterLabels[REACH_ANNOTATION];
  return REACH_MODES.includes(v as Reach) ? (v as Reach) : 'pod';
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const addressType = (a: string): 'IPv4' | 'IPv6' | 'FQDN' => (IPV4.test(a) ? 'IPv4' : a.includes(':') ? 'IPv6' : 'FQDN');

/** The published slice's name: `<service>-<cluster>[-<n>]`, shortened with a hash past 253 characters. */
export function shardSliceName(service: string, cluster: string, suffix: string): string {
  const name = `${service}-${cluster}${suffix}`;
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, 242)}-${hash}`;
}

function conditionsOf(e: any, clusterReady: boolean): EndpointOut['conditions'] {
  const c = e.conditions ?? {};
  const ready = c.ready !== false; // unset means ready (EndpointSlice API)
  return { ready: clusterReady && ready, serving: clusterReady && (c.serving ?? ready) !== false, terminating: c.terminating === true };
}

/** Endpoints and ports of the member's slices, as they are (reach `pod`). */
function podEndpoints(input: ShardInput, clusterReady: boolean): { endpoints: EndpointOut[]; ports: PortOut[] }[] {
  return input.slices.map((s) => ({
    ports: (s.ports ?? []).map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
    endpoints: (s.endpoints ?? []).map((e: any) => ({
      addresses: [...(e.addresses ?? [])],
      conditions: conditionsOf(e, clusterReady),
      ...(e.zone ? { zone: e.zone } : {}),
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.nodeName ? { nodeName: e.nodeName } : {}),
    })),
  }));
}

const servicePorts = (svc: KObject): PortOut[] =>
  (svc.spec?.ports ?? []).filter((p: any) => (p.protocol ?? 'TCP') === 'TCP').map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));

/** Any endpoint of the member's slices ready (per zone, for node and load-balancer reach). */
function readyNodes(input: ShardInput): Map<string, { ready: boolean; zone?: string }> {
  const out = new Map<string, { ready: boolean; zone?: string }>();
  for (const s of input.slices) {
    for (const e of s.endpoints ?? []) {
      const node = e.nodeName as string | undefined;
      if (!node) continue;
      const cur = out.get(node);
      out.set(node, { ready: (cur?.ready ?? false) || e.conditions?.ready !== false, ...(e.zone ? { zone: e.zone } : cur?.zone ? { zone: cur.zone } : {}) });
    }
  }
  return out;
}

function nodeEndpoints(input: ShardInput, clusterReady: boolean): { endpoints: EndpointOut[]; ports: PortOut[] }[] {
  const ports = (input.service.spec?.ports ?? [])
    .filter((p: any) => p.nodePort && (p.protocol ?? 'TCP') === 'TCP')
    .map((p: any) => ({ name: p.name ?? '', port: p.nodePort, protocol: 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
  if (!ports.length) return [];
  const endpoints: EndpointOut[] = [];
  for (const [node, st] of [...readyNodes(input)].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ip = input.nodeAddresses?.get(node);
    if (!ip) continue;
    endpoints.push({ addresses: [ip], conditions: { ready: clusterReady && st.ready, serving: clusterReady && st.ready, terminating: false }, ...(st.zone ? { zone: st.zone } : {}), nodeName: node });
  }
  return [{ endpoints, ports }];
}

function loadBalancerEndpoints(input: ShardInput, clusterReady: boolean): { endpoints: EndpointOut[]; ports: PortOut[] }[] {
  const anyReady = input.slices.some((s) => (s.endpoints ?? []).some((e: any) => e.conditions?.ready !== false));
  const zones = [...new Set(input.slices.flatMap((s) => (s.endpoints ?? []).map((e: any) => e.zone).filter(Boolean)))] as string[];
  const endpoints: EndpointOut[] = (input.service.status?.loadBalancer?.ingress ?? [])
    .map((i: any) => i.ip ?? i.hostname)
    .filter(Boolean)
    .map((a: string) => ({ addresses: [a], conditions: { ready: clusterReady && anyReady, serving: clusterReady && anyReady, terminating: false }, ...(zones.length === 1 ? { zone: zones[0] } : {}) }));
  return [{ endpoints, ports: servicePorts(input.service) }];
}

/**
 * The EndpointSlices to publish at the federation for one shard: grouped by address type and
 * port set, at most MAX_ENDPOINTS_PER_SLICE endpoints each, in a stable order.
 */
export function shardSlices(input: ShardInput): KObject[] {
  const svcName = input.service.metadata!.name!;
  const namespace = input.service.metadata!.namespace!;
  const clusterReady = input.phase === 'Ready';
  const groups = input.reach === 'node' ? nodeEndpoints(input, clusterReady) : input.reach === 'loadbalancer' ? loadBalancerEndpoints(input, clusterReady) : podEndpoints(input, clusterReady);
  // Regroup by (address type, ports): one member slice may hold several, several may share one.
  const byKey = new Map<string, { type: string; ports: PortOut[]; endpoints: EndpointOut[] }>();
  for (const g of groups) {
    const ports = [...g.ports].sort((a, b) => a.name.localeCompare(b.name) || a.port - b.port);
    for (const e of g.endpoints) {
      const addrs = e.addresses.filter(Boolean);
      if (!addrs.length) continue;
      const type = addressType(addrs[0]!);
      const key = `${type}|${JSON.stringify(ports)}`;
      let b = byKey.get(key);
      if (!b) byKey.set(key, (b = { type, ports, endpoints: [] }));
      b.endpoints.push({ ...e, addresses: addrs });
    }
  }
  const lb = (input.service.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).filter(Boolean).join(',');
  const keys = [...byKey.keys()].sort();
  const out: KObject[] = [];
  // A shard with no endpoints still says the Service exists in that cluster.
  if (!keys.length) keys.push('IPv4|' + JSON.stringify(servicePorts(input.service)));
  let n = 0;
  for (const k of keys) {
    const b = byKey.get(k) ?? { type: 'IPv4', ports: servicePorts(input.service), endpoints: [] };
    const sorted = b.endpoints.sort((x, y) => x.addresses[0]!.localeCompare(y.addresses[0]!));
    for (let i = 0; i === 0 || i < sorted.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: shardSliceName(svcName, input.cluster, n === 0 ? '' : `-${n}`),
          namespace,
          labels: { [MCS_SERVICE_NAME_LABEL]: svcName, [MCS_SOURCE_CLUSTER_LABEL]: input.cluster, [SERVICE_NAME_LABEL]: svcName, [MANAGED_BY_LABEL]: SHARD_MANAGER },
          annotations: { [CLUSTER_PHASE_ANNOTATION]: input.phase, [REACH_ANNOTATION]: input.reach, ...(input.region ? { [REGION_ANNOTATION]: input.region } : {}), ...(lb ? { [LOAD_BALANCER_ANNOTATION]: lb } : {}) },
        },
        addressType: b.type,
        endpoints: sorted.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
        ports: b.ports,
      });
      n++;
    }
  }
  return out;
}
