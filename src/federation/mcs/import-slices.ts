/**
 * The objects the federation writes in each importing cluster for one clusterset service:
 * the ServiceImport and, per exporting (source) cluster, EndpointSlices that hold that
 * cluster's endpoints of the exported Service, as KEP-1645 specifies imported slices:
 * - labels `multicluster.kubernetes.io/service-name` (the import), `multicluster.kubernetes.io/source-cluster`
 *   and `endpointslice.kubernetes.io/managed-by: mcs.kubefed.io` (never the Kubernetes endpoint
 *   controller's, and never `kubernetes.io/service-name`, so that no cluster's own Service,
 *   kube-proxy or the federation's shards take them for local endpoints);
 * - an ownerReference to the ServiceImport of that cluster (garbage collected with it);
 * - the source's endpoints as its own EndpointSlices hold them (addresses, ready/serving/
 *   terminating, zone, hostname, nodeName) and their ports (the endpoint ports, named as the
 *   Service's ports), grouped by address type and port set, at most 1000 endpoints per slice
 *   (the grouping of the federation's shards: src/federation/traffic/shards.ts).
 * A source without endpoints contributes no slice.
 */
import { createHash } from 'node:crypto';
import type { KObject } from '../../apis/object.js';
import { MCS_API_VERSION } from '../crds/mcs-crds.js';
import { MANAGED_BY_LABEL, MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, shardSlices } from '../traffic/shards.js';
import type { DerivedService } from './resolve.js';

/** `endpointslice.kubernetes.io/managed-by` of imported slices, and the manager label of ServiceImports. */
export const MCS_MANAGER = 'mcs.kubefed.io';
/** On ServiceImports the federation manages (one it finds without it belongs to someone else). */
export const IMPORT_MANAGED_BY_LABEL = 'multicluster.kubefed.io/managed-by';
/** On a ServiceImport: the keys of the labels and annotations it carries for the exports. */
export const EXPORTED_LABELS_ANNOTATION = 'multicluster.kubefed.io/exported-labels';
export const EXPORTED_ANNOTATIONS_ANNOTATION = 'multicluster.kubefed.io/exported-annotations';
/** The labels of imported slices the federation sets; others (a data plane's) are kept. */
const SLICE_LABELS = [MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, MANAGED_BY_LABEL];

/** `<service>-<cluster>-<hash>[-n]`: the hash keeps (web-a, b) and (web, a-b) apart; at most 253 characters. */
export function importSliceName(service: string, cluster: string, n: number): string {
  const hash = createHash('sha256').update(`${service}/${cluster}`).digest('hex').slice(0, 6);
  const tail = `-${hash}${n ? `-${n}` : ''}`;
  return `${service}-${cluster}`.slice(0, 253 - tail.length) + tail;
}

/** The slices of one source cluster, without owner (the same in every importing cluster). */
export function sourceSlices(source: string, service: KObject, memberSlices: KObject[]): KObject[] {
  const name = service.metadata!.name!;
  const namespace = service.metadata!.namespace!;
  return shardSlices({ cluster: source, phase: 'Ready', service, slices: memberSlices, reach: 'pod' })
    .filter((s) => (s.endpoints ?? []).length > 0)
    .map((s, i) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: importSliceName(name, source, i), namespace, labels: { [MCS_SERVICE_NAME_LABEL]: name, [MCS_SOURCE_CLUSTER_LABEL]: source, [MANAGED_BY_LABEL]: MCS_MANAGER } },
      addressType: s.addressType,
      endpoints: s.endpoints,
      ports: s.ports,
    }));
}

export const ownedBy = (slice: KObject, owner: KObject): KObject => ({
  ...slice,
  metadata: { ...slice.metadata, ownerReferences: [{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: false }] },
});

const keysOf = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : []);

/**
 * The import's labels and annotations: the exported ones (their keys recorded in two
 * annotations, so that those an export no longer asks for are removed) and the manager label;
 * what others set (a data plane annotating imports, as mcs-api's derived-Service controller
 * does) is kept.
 */
export function importMetadata(current: KObject | undefined, d: DerivedService): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = { ...(current?.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
  for (const k of keysOf(annotations[EXPORTED_LABELS_ANNOTATION])) delete labels[k];
  for (const k of keysOf(annotations[EXPORTED_ANNOTATIONS_ANNOTATION])) delete annotations[k];
  delete annotations[EXPORTED_LABELS_ANNOTATION];
  delete annotations[EXPORTED_ANNOTATIONS_ANNOTATION];
  Object.assign(labels, d.labels, { [IMPORT_MANAGED_BY_LABEL]: MCS_MANAGER });
  Object.assign(annotations, d.annotations);
  if (Object.keys(d.labels).length) annotations[EXPORTED_LABELS_ANNOTATION] = Object.keys(d.labels).sort().join(',');
  if (Object.keys(d.annotations).length) annotations[EXPORTED_ANNOTATIONS_ANNOTATION] = Object.keys(d.annotations).sort().join(',');
  return { labels, annotations };
}

/** The ServiceImport of one importing cluster (without status); `ips` for ClusterSetIP; `current` its stored version. */
export function serviceImport(namespace: string, name: string, d: DerivedService, ips: string[], current?: KObject): KObject {
  const spec: Record<string, unknown> = {
    type: d.type,
    ports: d.ports,
    ...(d.type === 'ClusterSetIP' ? { ips, ipFamilies: ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')) } : { ipFamilies: d.ipFamilies }),
    sessionAffinity: d.sessionAffinity,
    ...(d.sessionAffinityConfig ? { sessionAffinityConfig: d.sessionAffinityConfig } : {}),
    ...(d.internalTrafficPolicy ? { internalTrafficPolicy: d.internalTrafficPolicy } : {}),
    ...(d.trafficDistribution ? { trafficDistribution: d.trafficDistribution } : {}),
  };
  return {
    apiVersion: MCS_API_VERSION,
    kind: 'ServiceImport',
    metadata: { name, namespace, ...importMetadata(current, d) },
    spec,
  };
}

/** What the controller sets on an EndpointSlice, to compare a stored one with the desired one. */
export function sliceView(s: KObject): unknown {
  return JSON.parse(
    JSON.stringify({
      labels: SLICE_LABELS.map((k) => s.metadata?.labels?.[k]),
      owners: (s.metadata?.ownerReferences ?? []).map((o: KObject) => o.uid),
      addressType: s.addressType,
      ports: (s.ports ?? []).map((p: KObject) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol })),
      endpoints: (s.endpoints ?? []).map((e: KObject) => ({ addresses: e.addresses, ready: !!e.conditions?.ready, serving: !!e.conditions?.serving, terminating: !!e.conditions?.terminating, zone: e.zone, hostname: e.hostname, nodeName: e.nodeName })),
    }),
  );
}
