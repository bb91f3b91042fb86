/**
 * The federation's own types, as CustomResourceDefinitions: installed into the federation API
 * at start, and installable as they are into any Kubernetes cluster.
 */
import type { KObject } from '../../apis/object.js';
import { anyObject, arrayOf, bool, condition, crd, int, labelSelector, object, str } from './builder.js';

export const CORE_GROUP = 'core.kubefed.io';
export const TYPES_GROUP = 'types.kubefed.io';
export const SCHEDULING_GROUP = 'scheduling.kubefed.io';
export const KUBEFED_NAMESPACE = 'kube-federation-system';
/** apiVersion of KubeFedCluster, Cluster, FederatedTypeConfig and PropagationRecord. */
export const CORE_API_VERSION = `${CORE_GROUP}/v1beta1`;
export const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Cluster / KubeFedCluster spec.taints: Kubernetes node taints, applied to clusters. */
const clusterTaints = arrayOf(
  object(
    {
      key: str('Taint key (a qualified name). The federation sets cluster.kubefed.io/not-ready and cluster.kubefed.io/unreachable itself; kubefed cordon sets cluster.kubefed.io/unschedulable.'),
      value: str('Taint value (a label value).'),
      effect: str('NoSchedule: no new replicas; PreferNoSchedule: used only when other clusters cannot hold a workload; NoExecute: replicas leave after the workload\'s tolerationSeconds.', { enum: TAINT_EFFECTS }),
      timeAdded: str('When the taint was added (NoExecute tolerationSeconds count from here).', { format: 'date-time' }),
    },
    undefined,
    { required: ['key', 'effect'] },
  ),
  'Taints on the cluster; workloads tolerate them with tolerations.',
);

/** The scheduling policy fields shared by ReplicaSchedulingPreference spec and spec.placement. */
const tolerations = arrayOf(
  object({
    key: str('Taint key to tolerate; empty with operator Exists tolerates every taint.'),
    operator: str('Exists or Equal (default).', { enum: ['Exists', 'Equal', ''] }),
    value: str('Taint value, for Equal.'),
    effect: str('Effect to tolerate; empty: every effect.', { enum: [...TAINT_EFFECTS, ''] }),
    tolerationSeconds: int('NoExecute only: how long the workload stays on the tainted cluster after the taint was added; absent: for ever.'),
  }),
  'Cluster taints the workload tolerates.',
);
const spreadConstraints = arrayOf(
  object(
    {
      spreadByField: str('region, zone or cluster.', { enum: ['region', 'zone', 'cluster'] }),
      minGroups: int('Use at least this many groups.', { minimum: 1 }),
      maxGroups: int('Use at most this many groups.', { minimum: 1 }),
    },
    undefined,
    { required: ['spreadByField'] },
  ),
  'Spread the replicas over distinct regions, zones or clusters.',
);
const clusterAffinities = arrayOf(
  object(
    {
      affinityName: str('Name of the group (unique).'),
      clusterNames: arrayOf(str(), 'Clusters in the group.'),
      labelSelector,
    },
    undefined,
    { required: ['affinityName'] },
  ),
  'Ordered groups of clusters: the first group that can hold the workload is used; replicas return to an earlier group when it recovers.',
);

const clusterStatus = object(
  {
    conditions: arrayOf(condition, 'Ready and Offline conditions from health probes.'),
    region: str('Region of the cluster, from its nodes\' topology.kubernetes.io/region label.'),
    zones: arrayOf(str(), 'Zones of the cluster, from its nodes\' topology.kubernetes.io/zone labels.'),
    kubernetesVersion: str('The member API server\'s version.'),
    phase: str('Ready, NotReady or Offline.'),
  },
  'Health of the member cluster as the federation sees it.',
);

export const kubeFedClusterCrd: KObject = crd({
  group: CORE_GROUP,
  version: 'v1beta1',
  kind: 'KubeFedCluster',
  plural: 'kubefedclusters',
  namespaced: true,
  description: 'A member cluster of the federation (KubeFed v2): how to reach its API and with which credentials.',
  spec: object(
    {
      apiEndpoint: str('URL of the member cluster\'s API server.'),
      caBundle: str('PEM CA bundle (base64) that signs the API server\'s certificate.', { format: 'byte' }),
      secretRef: object({ name: str('Name of the Secret (in the same namespace) holding the token.') }, 'Secret with the federation\'s credentials for the member.', { required: ['name'] }),
      disabledTLSValidations: arrayOf(str(undefined, { enum: ['*', 'SubjectName', 'ValidityPeriod'] }), 'TLS checks to skip (not recommended).'),
      proxyURL: str('Proxy to reach the API server through.'),
      taints: clusterTaints,
    },
    'Where the member cluster is and how to authenticate to it.',
    { required: ['apiEndpoint', 'secretRef'] },
  ),
  status: clusterStatus,
  columns: [
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Region', type: 'string', jsonPath: '.status.region' },
    { name: 'Kubernetes-Version', type: 'string', jsonPath: '.status.kubernetesVersion', priority: 1 },
  ],
});

export const clusterCrd: KObject = crd({
  group: CORE_GROUP,
  version: 'v1beta1',
  kind: 'Cluster',
  plural: 'clusters',
  namespaced: false,
  description: 'A member cluster as Federation v1 listed it (`kubectl get clusters`); kept in step with its KubeFedCluster.',
  spec: object(
    {
      apiEndpoint: str('URL of the member cluster\'s API server.'),
      kubeFedCluster: object({ namespace: str(), name: str() }, 'The KubeFedCluster this cluster comes from.'),
      taints: clusterTaints,
    },
    'The member cluster.',
  ),
  status: clusterStatus,
  columns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Region', type: 'string', jsonPath: '.status.region' },
    { name: 'Zones', type: 'string', jsonPath: '.status.zones' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

const apiResource = object(
  {
    group: str('API group (empty for the core group).'),
    version: str('API version.'),
    kind: str('Kind.'),
    pluralName: str('Plural resource name.'),
    scope: str('Namespaced or Cluster.', { enum: ['Namespaced', 'Cluster'] }),
  },
  undefined,
  { required: ['kind', 'pluralName', 'scope', 'version'] },
);

export const federatedTypeConfigCrd: KObject = crd({
  group: CORE_GROUP,
  version: 'v1beta1',
  kind: 'FederatedTypeConfig',
  plural: 'federatedtypeconfigs',
  shortNames: ['ftc'],
  namespaced: true,
  description: 'Makes a type federated: which Kubernetes type, which Federated<Kind> describes it, and whether it propagates.',
  spec: object(
    {
      targetType: apiResource,
      federatedType: apiResource,
      propagation: str('Enabled or Disabled.', { enum: ['Enabled', 'Disabled'] }),
      statusCollection: str('Enabled or Disabled: collect member status into the Federated object.', { enum: ['Enabled', 'Disabled'] }),
    },
    'The federated type.',
    { required: ['targetType', 'federatedType', 'propagation'] },
  ),
  status: object({ observedGeneration: int(), propagationController: str(), statusController: str(), conditions: arrayOf(condition, 'MembersAuthorized: whether every joined cluster\'s role grants (or, disabled, no longer grants) the federation access to the type.') }),
  columns: [
    { name: 'Propagation', type: 'string', jsonPath: '.spec.propagation' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

const clusterPreference = object(
  {
    minReplicas: int('Minimum replicas in the cluster.', { minimum: 0 }),
    maxReplicas: int('Maximum replicas in the cluster (unbounded when absent).', { minimum: 0 }),
    weight: int('Relative share of replicas above the minimums.', { minimum: 0 }),
  },
  'Replica preferences for one cluster.',
);

export const replicaSchedulingPreferenceCrd: KObject = crd({
  group: SCHEDULING_GROUP,
  version: 'v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  plural: 'replicaschedulingpreferences',
  shortNames: ['rsp'],
  namespaced: true,
  description: 'How the replicas of a Deployment or ReplicaSet of the same name are divided between clusters.',
  spec: object(
    {
      targetKind: str('FederatedDeployment or FederatedReplicaSet (or the plain kind).'),
      totalReplicas: int('Replicas to divide.', { minimum: 0 }),
      rebalance: bool('Move running replicas to follow the preferences.'),
      intersectWithClusterSelector: bool('Only divide between clusters the placement selects.'),
      clusters: { type: 'object', additionalProperties: clusterPreference, description: 'Preferences per cluster name, or "*" for all others.' },
      tolerations,
      spreadConstraints,
      clusterAffinities,
      dynamicWeight: str('AvailableReplicas: weigh each cluster by the replicas it has room for (allocatable minus requested on its nodes).', { enum: ['AvailableReplicas'] }),
    },
    'The division.',
    { required: ['targetKind', 'totalReplicas'] },
  ),
  status: anyObject(),
});

export const propagationRecordCrd: KObject = crd({
  group: CORE_GROUP,
  version: 'v1beta1',
  kind: 'PropagationRecord',
  plural: 'propagationrecords',
  namespaced: true,
  description: 'What the federation last wrote for one object to each cluster, and how propagation went there (version tracking).',
  extraProperties: {
    target: object({ apiVersion: str(), kind: str(), namespace: str(), name: str(), uid: str() }, 'The propagated object.'),
    clusters: arrayOf(
      object({
        name: str('Cluster name.'),
        version: str('"gen:<generation>" or "rv:<resourceVersion>" of the member copy after the last write.'),
        hash: str('Hash of template, overrides and replicas last written.'),
        status: str('Propagation status reason for this cluster (Ok, ClusterNotReady, CreationFailed, ...).'),
        message: str('Details for a failure.'),
        lastTransitionTime: str(undefined, { format: 'date-time' }),
        replicas: int('A divided workload: the replicas the plan gives this cluster.'),
        readyReplicas: int('Its ready replicas there when the record was written.'),
        reason: str('Why (Planned, ClusterUnreachable, ReplicasNotReady, Recovering, AwaitingReplacements, ...).'),
      }),
      'Per-cluster propagation state.',
    ),
  },
  columns: [
    { name: 'Kind', type: 'string', jsonPath: '.target.kind' },
    { name: 'Object', type: 'string', jsonPath: '.target.name' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export interface TargetType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** The Federated<Kind> CRD for a target type (types.kubefed.io/v1beta1). */
export function federatedTypeCrd(t: TargetType): KObject {
  const kind = `Federated${t.kind}`;
  return crd({
    group: TYPES_GROUP,
    version: 'v1beta1',
    kind,
    plural: `federated${t.plural}`,
    singular: kind.toLowerCase(),
    namespaced: t.namespaced || t.kind === 'Namespace',
    description: `A ${t.kind} propagated to member clusters: a template, where it goes, and per-cluster overrides.`,
    spec: object(
      {
        template: anyObject(`The ${t.kind} to create in each selected cluster (without apiVersion and kind).`),
        placement: object(
          {
            clusters: arrayOf(object({ name: str('Cluster name.') }, undefined, { required: ['name'] }), 'Clusters to place into; wins over clusterSelector, even when empty.'),
            clusterSelector: labelSelector,
            tolerations,
            spreadConstraints,
            clusterAffinities,
          },
          'Which clusters get the object.',
        ),
        overrides: arrayOf(
          object(
            {
              clusterName: str('Cluster the overrides apply to.'),
              clusterOverrides: arrayOf(
                object(
                  {
                    op: str('add, remove or replace (default replace).', { enum: ['add', 'remove', 'replace'] }),
                    path: str('JSON pointer into the object, e.g. /spec/replicas.'),
                    value: { 'x-kubernetes-preserve-unknown-fields': true, description: 'The value for add and replace.' },
                  },
                  undefined,
                  { required: ['path'] },
                ),
              ),
            },
            undefined,
            { required: ['clusterName'] },
          ),
          'Per-cluster changes applied to the template.',
        ),
      },
      'The federated object.',
    ),
    status: object(
      {
        conditions: arrayOf(condition),
        clusters: arrayOf(
          object({
            name: str(),
            status: str(),
            message: str(),
            remoteStatus: anyObject(),
            replicas: int('A divided workload: the replicas the plan gives this cluster.'),
            readyReplicas: int('Its ready replicas there, as last seen.'),
            placementReason: str('Why the cluster gets what it gets (Planned, ClusterUnreachable, ReplicasNotReady, Recovering, AwaitingReplacements, ...).'),
            placementMessage: str(),
          }),
          'Propagation status in each cluster.',
        ),
        aggregatedStatus: anyObject('The target kind\'s status summed over the member copies (workloads, Services, Ingresses).'),
        observedGeneration: int(),
      },
      'Propagation status.',
    ),
    columns: [
      { name: 'Propagation', type: 'string', jsonPath: '.status.conditions[?(@.type=="Propagation")].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export const FEDERATION_CRDS: KObject[] = [kubeFedClusterCrd, clusterCrd, federatedTypeConfigCrd, replicaSchedulingPreferenceCrd, propagationRecordCrd];
