/**
 * Compiling the federation's objects into intents: what one target object should look like in
 * the members and where it goes. Both API styles end here:
 * - a plain object at the federation (Federation v1): the object itself is the template;
 * - a Federated<Kind> (KubeFed v2): spec.template, spec.placement, spec.overrides.
 */
import { deepClone, type KObject } from '../../apis/object.js';
import type { Intent } from '../context.js';
import { KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import type { OverrideEntry } from '../placement/overrides.js';
import { placedClusters, v1Clusters, withinNamespace, type ClusterInfo } from '../placement/placement.js';
import { CLUSTER_SELECTOR_ANNOTATION } from '../placement/cluster-selector.js';
import { DEPLOYMENT_PREFERENCES_ANNOTATION, RS_PREFERENCES_ANNOTATION } from '../placement/preferences.js';
import { claimForEdge } from '../../traffic/ingress-class.js';
import type { FederatedTypeInfo } from '../types.js';

export const MANAGED_LABEL = 'kubefed.io/managed';
export const SYNC_FINALIZER = 'kubefed.io/sync-controller';
export const ORPHAN_ANNOTATION = 'kubefed.io/orphan';
export const ADOPTED_ANNOTATION = 'kubefed.io/adopted';
/** Per-object switch for adopting pre-existing member objects ("false" refuses). */
export const ADOPT_ANNOTATION = 'kubefed.io/adopt';

/** Namespaces whose objects are never propagated: each cluster has its own. */
export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', KUBEFED_NAMESPACE]);

/** Annotations that steer the federation and are not copied to members. */
/** Per-cluster backends of a global Ingress, written by the global ingress controller. */
export const GLOBAL_BACKENDS_ANNOTATION = 'kubefed.io/global-backends';
/** A federated Service's DNS names and healthy shards, written by the DNS controller. */
export const DNS_ANNOTATION = 'kubefed.io/dns';

const FEDERATION_ANNOTATIONS = [GLOBAL_BACKENDS_ANNOTATION, DNS_ANNOTATION, CLUSTER_SELECTOR_ANNOTATION, RS_PREFERENCES_ANNOTATION, DEPLOYMENT_PREFERENCES_ANNOTATION, ORPHAN_ANNOTATION, ADOPT_ANNOTATION, 'kubectl.kubernetes.io/last-applied-configuration'];

const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'finalizers', 'ownerReferences', 'selfLink', 'generateName'] as const;

/** Objects each cluster makes for itself, which the federation leaves alone. */
export function isClusterLocal(type: FederatedTypeInfo, obj: KObject): boolean {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  if (ns && SYSTEM_NAMESPACES.has(ns)) return true;
  // A controller at the federation made it; the same controller makes its own in each member.
  if (obj.metadata?.ownerReferences?.some((o) => o.controller)) return true;
  switch (`${type.target.group}/${type.target.kind}`) {
    case '/Namespace':
      return name === 'default' || SYSTEM_NAMESPACES.has(name);
    case '/ServiceAccount':
      return name === 'default';
    case '/ConfigMap':
      return name === 'kube-root-ca.crt';
    case '/Secret':
      return obj.type === 'kubernetes.io/service-account-token';
    case '/Service':
      return ns === 'default' && name === 'kubernetes';
    default:
      return false;
  }
}

/** The template of a plain object: the object without status, server-set and federation-only fields. */
export function plainTemplate(type: FederatedTypeInfo, obj: KObject): KObject {
  const t = deepClone(obj);
  delete t.status;
  const meta = t.metadata ?? {};
  for (const f of SERVER_METADATA) delete (meta as Record<string, unknown>)[f];
  if (meta.annotations) {
    for (const a of FEDERATION_ANNOTATIONS) delete meta.annotations[a];
    if (!Object.keys(meta.annotations).length) delete meta.annotations;
  }
  t.metadata = meta;
  adaptForMembers(type, t);
  return t;
}

/**
 * What a member copy needs that differs from the federation object: values the federation API
 * server allocated for itself are left for each member to allocate; a global Ingress names its class.
 */
function adaptForMembers(type: FederatedTypeInfo, t: KObject): void {
  const key = `${type.target.group}/${type.target.kind}`;
  if (key === 'networking.k8s.io/Ingress') claimForEdge(t);
  if (key === '/Service' && t.spec) {
    if (t.spec.clusterIP !== 'None') {
      delete t.spec.clusterIP;
      delete t.spec.clusterIPs;
    }
    delete t.spec.healthCheckNodePort;
    for (const p of t.spec.ports ?? []) delete p.nodePort;
  }
  if (key === 'batch/Job' && t.spec && !t.spec.manualSelector) {
    delete t.spec.selector;
    const labels = t.spec.template?.metadata?.labels;
    if (labels) {
      delete labels['controller-uid'];
      delete labels['batch.kubernetes.io/controller-uid'];
    }
  }
}

/** The template of a Federated<Kind>: spec.template named after the federated object. */
export function federatedTemplate(type: FederatedTypeInfo, fed: KObject): KObject {
  const t = deepClone(fed.spec?.template ?? {}) as KObject;
  const meta = { ...(t.metadata ?? {}) };
  for (const f of SERVER_METADATA) delete (meta as Record<string, unknown>)[f];
  const target = targetOfFederated(type, fed);
  meta.name = target.name;
  if (target.namespace) meta.namespace = target.namespace;
  else delete meta.namespace;
  const out = { ...t, apiVersion: type.target.apiVersion, kind: type.target.kind, metadata: meta };
  if (type.target.group === 'networking.k8s.io' && type.target.kind === 'Ingress') claimForEdge(out);
  return out;
}

/** The target a Federated<Kind> stands for: same name and namespace, or for FederatedNamespace, its namespace. */
export function targetOfFederated(type: FederatedTypeInfo, fed: KObject): { namespace: string; name: string } {
  if (type.target.kind === 'Namespace' && type.target.group === '') return { namespace: '', name: fed.metadata?.namespace ?? fed.metadata?.name ?? '' };
  return { namespace: type.target.namespaced ? (fed.metadata?.namespace ?? '') : '', name: fed.metadata?.name ?? '' };
}

/** Deleting the object leaves its member copies in place. */
export const isOrphaning = (obj: KObject) => obj.metadata?.annotations?.[ORPHAN_ANNOTATION] === 'true';

/** The clusters a plain object selects: all, or the cluster-selector annotation's, within its namespace's. Throws on a bad annotation. */
export function plainClusters(obj: KObject, clusters: ClusterInfo[], namespaceClusters: string[] | undefined): string[] {
  return withinNamespace(v1Clusters(obj, clusters), namespaceClusters);
}

/** The clusters a Federated<Kind>'s spec.placement selects, within its namespace's (a FederatedNamespace's own placement is its namespace's). */
export function federatedClusters(type: FederatedTypeInfo, fed: KObject, clusters: ClusterInfo[], namespaceClusters: string[] | undefined): string[] {
  const placed = placedClusters(fed.spec?.placement, clusters);
  return type.target.kind === 'Namespace' && type.target.group === '' ? placed : withinNamespace(placed, namespaceClusters);
}

export function plainIntent(type: FederatedTypeInfo, obj: KObject, clusters: ClusterInfo[], namespaceClusters: string[] | undefined): Intent {
  return {
    type,
    source: obj,
    sourceStyle: 'plain',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    template: plainTemplate(type, obj),
    clusters: plainClusters(obj, clusters, namespaceClusters),
    overrides: {},
    deleting: !!obj.metadata?.deletionTimestamp,
    orphan: isOrphaning(obj),
  };
}

export function federatedIntent(type: FederatedTypeInfo, fed: KObject, clusters: ClusterInfo[], namespaceClusters: string[] | undefined): Intent {
  const target = targetOfFederated(type, fed);
  const overrides: Intent['overrides'] = {};
  for (const e of (fed.spec?.overrides ?? []) as OverrideEntry[]) if (e.clusterName) overrides[e.clusterName] = e.clusterOverrides ?? [];
  return {
    type,
    source: fed,
    sourceStyle: 'federated',
    namespace: target.namespace,
    name: target.name,
    template: federatedTemplate(type, fed),
    clusters: federatedClusters(type, fed, clusters, namespaceClusters),
    overrides,
    deleting: !!fed.metadata?.deletionTimestamp,
    orphan: isOrphaning(fed),
  };
}

/** The queue key of a target object: `<type name>/<namespace>/<name>`. */
export const intentKey = (type: FederatedTypeInfo, namespace: string, name: string) => `${type.name}/${namespace}/${name}`;

export function parseIntentKey(key: string): { typeName: string; namespace: string; name: string } {
  const [typeName = '', namespace = '', ...rest] = key.split('/');
  return { typeName, namespace, name: rest.join('/') };
}
