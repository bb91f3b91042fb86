/**
 * What the views derive from the federation's objects. The federation's own names and rules come
 * from its modules (types, annotations, labels); nothing here decides placement or health: it reads
 * what the controllers wrote (Cluster status, PropagationRecords, annotations, status).
 */
import { CORE_API_VERSION, KUBEFED_NAMESPACE, TYPES_GROUP } from '../../federation/crds/federation-crds.js';
import type { ClusterRecord } from '../../federation/propagation/records.js';
import { DNS_ANNOTATION } from '../../federation/propagation/intent.js';
import { REPLICA_KINDS, typeInfoFromConfig, type FederatedTypeInfo } from '../../federation/types.js';
import type { Taint } from '../../federation/planning/scheduling-types.js';

export type { ClusterRecord, FederatedTypeInfo, Taint };

/** The MCS API's well-known labels of the shards' EndpointSlices (KEP-1645; shards.ts writes them, but imports node:crypto). */
const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
export { DNS_ANNOTATION, KUBEFED_NAMESPACE, REPLICA_KINDS, TYPES_GROUP };

const core = `/apis/${CORE_API_VERSION}`;
export const PATHS = {
  clusters: `${core}/clusters`,
  typeConfigs: `${core}/namespaces/${KUBEFED_NAMESPACE}/federatedtypeconfigs`,
  records: `${core}/namespaces/${KUBEFED_NAMESPACE}/propagationrecords`,
  leases: `/apis/coordination.k8s.io/v1/namespaces/${KUBEFED_NAMESPACE}/leases`,
  events: '/api/v1/events',
  services: '/api/v1/services',
  ingresses: '/apis/networking.k8s.io/v1/ingresses',
  httpRoutes: '/apis/gateway.networking.k8s.io/v1/httproutes',
  slices: `/apis/discovery.k8s.io/v1/endpointslices?labelSelector=${encodeURIComponent(MCS_SOURCE_CLUSTER_LABEL)}`,
  edge: 'dashboard:edge',
  playground: 'dashboard:playground',
  readyz: 'dashboard:readyz',
};

/** The collection path of a type (cluster-wide, or in one namespace). */
export function typePath(t: { group: string; version: string; plural: string }, namespace?: string): string {
  return `${t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${t.plural}`;
}

export function objectPath(t: { group: string; version: string; plural: string; namespaced: boolean }, namespace: string, name: string): string {
  return `${typePath(t, t.namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
}

export function federatedTypes(ftcs: any[]): FederatedTypeInfo[] {
  return ftcs.flatMap((f) => typeInfoFromConfig(f) ?? []).sort((a, b) => a.target.kind.localeCompare(b.target.kind));
}

export const targetPath = (t: FederatedTypeInfo) => typePath(t.target);
export const federatedPath = (t: FederatedTypeInfo) => typePath(t.federated);
export const dividesReplicas = (t: FederatedTypeInfo) => REPLICA_KINDS.has(`${t.target.group}/${t.target.kind}`);

// --- clusters ----------------------------------------------------------------------------------

export interface ClusterView {
  name: string;
  phase: string;
  ready: boolean;
  region: string;
  zones: string[];
  taints: Taint[];
  conditions: any[];
  lastProbe?: string;
  version?: string;
  obj: any;
}

export function clusterView(c: any): ClusterView {
  const conditions: any[] = c.status?.conditions ?? [];
  const ready = conditions.find((x) => x.type === 'Ready');
  return {
    name: c.metadata?.name ?? '',
    phase: c.status?.phase ?? (ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'),
    ready: ready?.status === 'True',
    region: c.status?.region ?? '',
    zones: c.status?.zones ?? [],
    taints: c.spec?.taints ?? [],
    conditions,
    lastProbe: ready?.lastProbeTime,
    version: c.status?.kubernetesVersion,
    obj: c,
  };
}

/** Regions, their zones, and the clusters in each zone (a cluster of several zones is listed under its first). */
export function topology(clusters: ClusterView[]): { region: string; zones: { zone: string; clusters: ClusterView[] }[] }[] {
  const regions = new Map<string, Map<string, ClusterView[]>>();
  for (const c of clusters) {
    const r = c.region || 'unknown region';
    const z = c.zones[0] ?? 'unknown zone';
    const zones = regions.get(r) ?? new Map<string, ClusterView[]>();
    regions.set(r, zones);
    zones.set(z, [...(zones.get(z) ?? []), c]);
  }
  return [...regions]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([region, zones]) => ({ region, zones: [...zones].sort((a, b) => a[0].localeCompare(b[0])).map(([zone, cs]) => ({ zone, clusters: cs.sort((a, b) => a.name.localeCompare(b.name)) })) }));
}

export const taintText = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

// --- federated objects ------------------------------------------------------------------------

export interface Row {
  type: FederatedTypeInfo;
  namespace: string;
  name: string;
  /** The object at the federation: a plain object (v1 style) or a Federated<Kind>. */
  source?: any;
  style: 'plain' | 'federated';
  record?: any;
  clusters: ClusterRecord[];
}

export const recordKey = (apiVersion: string, kind: string, namespace: string, name: string) => `${apiVersion}|${kind}|${namespace}|${name}`;

/** Objects the federation propagates: one row per PropagationRecord, joined with its source object. */
export function federatedRows(types: FederatedTypeInfo[], records: any[], objects: (t: FederatedTypeInfo, federated: boolean) => Map<string, any>): Row[] {
  const byTarget = new Map(types.map((t) => [`${t.target.apiVersion}|${t.target.kind}`, t]));
  const rows: Row[] = [];
  for (const rec of records) {
    const tg = rec.target ?? {};
    const type = byTarget.get(`${tg.apiVersion}|${tg.kind}`);
    if (!type) continue;
    const ns = tg.namespace ?? '';
    const key = `${ns}/${tg.name}`;
    const fed = objects(type, true).get(key);
    const plain = objects(type, false).get(key);
    rows.push({ type, namespace: ns, name: tg.name, source: fed ?? plain, style: fed ? 'federated' : 'plain', record: rec, clusters: ((rec.clusters ?? []) as ClusterRecord[]).slice().sort((a, b) => a.name.localeCompare(b.name)) });
  }
  return rows.sort((a, b) => a.type.target.kind.localeCompare(b.type.target.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** Desired replicas of a row's object (plain spec.replicas, or the Federated<Kind>'s template's). */
export function desiredReplicas(r: Row): number | undefined {
  const s = r.style === 'federated' ? r.source?.spec?.template?.spec : r.source?.spec;
  return typeof s?.replicas === 'number' ? s.replicas : undefined;
}

export const placedIn = (r: Row) => r.clusters.filter((c) => c.status !== 'NotSelected');
/** Clusters where the member's copy is not what the federation wants (KubeFed's reasons). */
export const drifted = (r: Row) => placedIn(r).filter((c) => c.status !== 'Ok');

export function rowHref(r: { type: FederatedTypeInfo; namespace: string; name: string }): string {
  return `#/objects/${encodeURIComponent(r.type.name)}/${encodeURIComponent(r.namespace || '_')}/${encodeURIComponent(r.name)}`;
}

/** The JSON pointer's value in an object (RFC 6901). */
export function pointer(obj: unknown, path: string): unknown {
  let cur: any = obj;
  for (const raw of path.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

// --- traffic -------------------------------------------------------------------------------------

/** The kubefed.io/dns annotation: each name and what it answers, and the healthy shards. */
export function dnsAnswers(text: string | undefined): { names: { name: string; answer: string; cname: boolean }[]; healthy: string[] } {
  const names: { name: string; answer: string; cname: boolean }[] = [];
  let healthy: string[] = [];
  for (const line of (text ?? '').split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^healthy shards: (.*)$/.exec(line))) healthy = m[1] === 'none' ? [] : m[1]!.split(', ');
    else if ((m = /^(\S+) -> (\S+)$/.exec(line))) names.push({ name: m[1]!, answer: m[2]!, cname: true });
    else if ((m = /^(\S+) = (.*)$/.exec(line))) names.push({ name: m[1]!, answer: m[2]!, cname: false });
  }
  return { names, healthy };
}

/** Backend Services of an Ingress (default backend and rules). */
export function ingressBackends(ing: any): string[] {
  const out = new Set<string>();
  const add = (b: any) => b?.service?.name && out.add(b.service.name);
  add(ing.spec?.defaultBackend);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
  return [...out];
}

export function routeBackends(route: any): string[] {
  const out = new Set<string>();
  for (const r of route.spec?.rules ?? []) for (const b of r.backendRefs ?? []) if (!b.kind || b.kind === 'Service') out.add(b.name);
  return [...out];
}

/** Ready and total endpoints of a Service's shards per cluster (the federation's EndpointSlices). */
export function shardsOf(slices: any[], namespace: string, service: string): Map<string, { ready: number; total: number }> {
  const out = new Map<string, { ready: number; total: number }>();
  for (const s of slices) {
    const l = s.metadata?.labels ?? {};
    if (s.metadata?.namespace !== namespace || l[MCS_SERVICE_NAME_LABEL] !== service) continue;
    const c = l[MCS_SOURCE_CLUSTER_LABEL];
    const e = out.get(c) ?? { ready: 0, total: 0 };
    for (const ep of s.endpoints ?? []) {
      e.total++;
      if (ep.conditions?.ready !== false) e.ready++;
    }
    out.set(c, e);
  }
  return out;
}

// --- time ----------------------------------------------------------------------------------------

export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
