/**
 * Federated types: which Kubernetes kinds the federation propagates. Each is described by a
 * FederatedTypeConfig (KubeFed's object) naming the target type and its Federated<Kind>.
 */
import { apiVersionOf, type KObject } from '../apis/object.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE, TYPES_GROUP, type TargetType } from './crds/federation-crds.js';

export interface FederatedTypeInfo {
  /** FederatedTypeConfig name: `<plural>` for the core group, `<plural>.<group>` otherwise. */
  name: string;
  target: TargetType & { apiVersion: string };
  federated: { group: string; version: string; kind: string; plural: string; apiVersion: string; namespaced: boolean };
  propagation: 'Enabled' | 'Disabled';
  /** statusCollection Enabled: each cluster's copy's status is shown in the Federated<Kind>'s status (remoteStatus). */
  statusCollection?: boolean;
}

/** Kinds propagated by default (Federation v1's set). */
export const DEFAULT_TARGET_TYPES: TargetType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
];

/** Workload kinds whose replicas the federation divides between clusters. */
export const REPLICA_KINDS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet']);

export const typeConfigName = (t: { group: string; plural: string }) => (t.group ? `${t.plural}.${t.group}` : t.plural);

export function typeInfo(t: TargetType, propagation: 'Enabled' | 'Disabled' = 'Enabled'): FederatedTypeInfo {
  const fedKind = `Federated${t.kind}`;
  return {
    name: typeConfigName(t),
    target: { ...t, apiVersion: apiVersionOf(t.group, t.version) },
    federated: { group: TYPES_GROUP, version: 'v1beta1', kind: fedKind, plural: `federated${t.plural}`, apiVersion: `${TYPES_GROUP}/v1beta1`, namespaced: t.namespaced || t.kind === 'Namespace' },
    propagation,
  };
}

/** The FederatedTypeConfig object for a target type. */
export function typeConfigFor(t: TargetType, propagation: 'Enabled' | 'Disabled' = 'Enabled'): KObject {
  const info = typeInfo(t, propagation);
  const scope = (n: boolean) => (n ? 'Namespaced' : 'Cluster');
  return {
    apiVersion: CORE_API_VERSION,
    kind: 'FederatedTypeConfig',
    metadata: { name: info.name, namespace: KUBEFED_NAMESPACE },
    spec: {
      targetType: { group: t.group, version: t.version, kind: t.kind, pluralName: t.plural, scope: scope(t.namespaced) },
      federatedType: { group: TYPES_GROUP, version: 'v1beta1', kind: info.federated.kind, pluralName: info.federated.plural, scope: scope(info.federated.namespaced) },
      propagation,
    },
  };
}

/** Reads a FederatedTypeConfig back into the engine's form; undefined if it is malformed. */
export function typeInfoFromConfig(ftc: KObject): FederatedTypeInfo | undefined {
  const s = ftc.spec;
  if (!s?.targetType?.kind || !s.targetType.pluralName || !s.targetType.version) return undefined;
  const t: TargetType = { group: s.targetType.group ?? '', version: s.targetType.version, kind: s.targetType.kind, plural: s.targetType.pluralName, namespaced: s.targetType.scope === 'Namespaced' };
  const info = typeInfo(t, s.propagation === 'Disabled' ? 'Disabled' : 'Enabled');
  if (s.statusCollection === 'Enabled') info.statusCollection = true;
  return info;
}
