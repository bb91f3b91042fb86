/**
 * Schemas of apps/v1 (io.k8s.api.apps.v1): Deployment, ReplicaSet, DaemonSet, StatefulSet and
 * ControllerRevision. Also defines the core/v1 PersistentVolumeClaim family, which StatefulSet
 * volumeClaimTemplates embed (no other module defines it).
 *
 * List semantics, required fields and enums follow Kubernetes 1.33; `default` holds only the
 * constant defaults of SetDefaults_*; conditional defaults are listed at the end of the file.
 */
import {
  atomicList,
  bool,
  def,
  int32,
  int64,
  intOrString,
  kindObj,
  labelSelector,
  listObj,
  mapList,
  mapOf,
  obj,
  quantity,
  ref,
  str,
  strMap,
  time,
} from '../schema/builders.js';

const A = 'io.k8s.api.apps.v1';
const C = 'io.k8s.api.core.v1';
const POD_TEMPLATE = `${C}.PodTemplateSpec`;
const gvk = (kind: string) => ({ group: 'apps', version: 'v1', kind });

/** Shape shared by the ReplicaSet, DaemonSet and StatefulSet condition types. */
const workloadCondition = (what: string) =>
  obj(
    {
      lastTransitionTime: time('When the condition last moved from one status to another.'),
      message: str('Human-readable details about the last transition.'),
      reason: str('A CamelCase, machine-readable cause of the last transition.'),
      status: str('Status of the condition: True, False or Unknown.'),
      type: str(`Kind of ${what} condition.`),
    },
    { description: `${what}Condition describes one aspect of the state of a ${what} at a point in time.`, required: ['type', 'status'] },
  );

// ---------------------------------------------------------------------------------------------
// core/v1 PersistentVolumeClaim (used by StatefulSetSpec.volumeClaimTemplates)
// ---------------------------------------------------------------------------------------------

def(
  `${C}.TypedObjectReference`,
  obj(
    {
      apiGroup: str('API group of the referenced object; empty means the core group.'),
      kind: str('Kind of the referenced object.'),
      name: str('Name of the referenced object.'),
      namespace: str(
        'Namespace of the referenced object. Pointing into another namespace requires a ReferenceGrant there that allows it.',
      ),
    },
    { description: 'TypedObjectReference points to an object of a given kind, optionally in another namespace.', required: ['kind', 'name'] },
  ),
);

def(
  `${C}.VolumeResourceRequirements`,
  obj(
    {
      limits: mapOf(quantity(), 'Maximum amount of each resource the volume may use.'),
      requests: mapOf(
        quantity(),
        'Minimum amount of each resource the volume needs; defaults to limits when omitted and limits are set.',
      ),
    },
    'VolumeResourceRequirements holds the storage resources requested for, and allowed to, a volume.',
  ),
);

def(
  `${C}.PersistentVolumeClaimSpec`,
  obj(
    {
      accessModes: atomicList(
        str(),
        'Access modes the volume must support: ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.',
      ),
      dataSource: ref(
        `${C}.TypedLocalObjectReference`,
        'An existing VolumeSnapshot or PersistentVolumeClaim (or other supported object) in the same namespace to populate the new volume from.',
      ),
      dataSourceRef: ref(
        `${C}.TypedObjectReference`,
        'The object to populate the new volume from; a superset of dataSource that also allows custom populators and, with a ReferenceGrant, other namespaces.',
      ),
      resources: ref(`${C}.VolumeResourceRequirements`, 'The minimum (and optionally maximum) resources the volume should have.'),
      selector: labelSelector('A label query over existing volumes to consider for binding.'),
      storageClassName: str('Name of the StorageClass the claim asks for; empty string requests a volume without a class.'),
      volumeAttributesClassName: str('Name of the VolumeAttributesClass whose mutable attributes the volume should have.'),
      volumeMode: str('Whether the volume is consumed as a formatted filesystem (Filesystem) or as a raw block device (Block).', {
        default: 'Filesystem',
      }),
      volumeName: str('Name of the PersistentVolume that backs this claim, when binding to a specific volume.'),
    },
    'PersistentVolumeClaimSpec holds the storage attributes a user asks for, plus provider-specific options.',
  ),
);

def(
  `${C}.PersistentVolumeClaimCondition`,
  obj(
    {
      lastProbeTime: time('When the condition was last checked.'),
      lastTransitionTime: time('When the condition last moved from one status to another.'),
      message: str('Human-readable details about the last transition.'),
      reason: str('A short CamelCase cause of the last transition, such as "Resizing".'),
      status: str('Status of the condition: True, False or Unknown.'),
      type: str('Kind of claim condition, for example Resizing or FileSystemResizePending.'),
    },
    { description: 'PersistentVolumeClaimCondition describes one aspect of the state of a claim.', required: ['type', 'status'] },
  ),
);

def(
  `${C}.ModifyVolumeStatus`,
  obj(
    {
      status: str('Progress of the modification: Pending, InProgress or Infeasible.'),
      targetVolumeAttributesClassName: str('The VolumeAttributesClass the claim is currently being changed to.'),
    },
    { description: 'ModifyVolumeStatus reports an ongoing change of a volume to another VolumeAttributesClass.', required: ['status'] },
  ),
);

def(
  `${C}.PersistentVolumeClaimStatus`,
  obj(
    {
      accessModes: atomicList(str(), 'Access modes the bound volume actually provides.'),
      allocatedResourceStatuses: strMap(
        'Progress of resize operations per resource, for example ControllerResizeInProgress or NodeResizeFailed.',
        { 'x-kubernetes-map-type': 'granular' },
      ),
      allocatedResources: mapOf(quantity(), 'Resources allocated to the claim, which may exceed the request while an expansion is in progress.'),
      capacity: mapOf(quantity(), 'Actual resources of the bound volume.'),
      conditions: mapList(
        ref(`${C}.PersistentVolumeClaimCondition`),
        'type',
        'Current conditions of the claim, such as Resizing while the volume is being expanded.',
      ),
      currentVolumeAttributesClassName: str('The VolumeAttributesClass currently applied to the bound volume.'),
      modifyVolumeStatus: ref(`${C}.ModifyVolumeStatus`, 'State of an in-flight change of VolumeAttributesClass, if any.'),
      phase: str('Lifecycle phase of the claim: Pending, Bound or Lost.', { default: 'Pending' }),
    },
    'PersistentVolumeClaimStatus is the observed state of a persistent volume claim.',
  ),
);

def(
  `${C}.PersistentVolumeClaim`,
  kindObj({ group: '', version: 'v1', kind: 'PersistentVolumeClaim' }, "PersistentVolumeClaim is a user's request for, and claim to, a persistent volume.", {
    spec: ref(`${C}.PersistentVolumeClaimSpec`, 'The storage the claim asks for.'),
    status: ref(`${C}.PersistentVolumeClaimStatus`, 'The observed state of the claim, maintained by the system.', { default: {} }),
  }),
);

// ---------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------

def(
  `${A}.RollingUpdateDeployment`,
  obj(
    {
      maxSurge: intOrString(
        'How many pods may exist above the desired count during an update: an absolute number or a percentage of desired pods (rounded up). Cannot be 0 when maxUnavailable is 0.',
      ),
      maxUnavailable: intOrString(
        'How many desired pods may be unavailable during an update: an absolute number or a percentage of desired pods (rounded down). Cannot be 0 when maxSurge is 0.',
      ),
    },
    'RollingUpdateDeployment tunes the pace of a rolling update.',
  ),
);

def(
  `${A}.DeploymentStrategy`,
  obj(
    {
      rollingUpdate: ref(`${A}.RollingUpdateDeployment`, 'Rolling update parameters; only allowed when type is RollingUpdate.'),
      type: str('How old pods are replaced: Recreate kills them all before creating new ones, RollingUpdate replaces them gradually.', {
        enum: ['Recreate', 'RollingUpdate'],
        default: 'RollingUpdate',
      }),
    },
    'DeploymentStrategy describes how pods of a Deployment are replaced by new ones.',
  ),
);

def(
  `${A}.DeploymentSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, before it counts as available. Defaults to 0.'),
      paused: bool('When true, changes to the pod template do not start a new rollout.'),
      progressDeadlineSeconds: int32(
        'Seconds a rollout may go without progress before the Deployment reports it as failed (ProgressDeadlineExceeded).',
        { default: 600 },
      ),
      replicas: int32('Desired number of pods.', { default: 1 }),
      revisionHistoryLimit: int32('How many old ReplicaSets are kept to allow rollback.', { default: 10 }),
      selector: labelSelector('Selects the pods this Deployment manages; must match the template labels and is immutable.'),
      strategy: ref(`${A}.DeploymentStrategy`, 'How existing pods are replaced by new ones.', {
        default: {},
        'x-kubernetes-patch-strategy': 'retainKeys',
      }),
      template: ref(POD_TEMPLATE, 'The pod each replica is created from. Its restartPolicy may only be Always.'),
    },
    { description: 'DeploymentSpec is the desired state of a Deployment.', required: ['selector', 'template'] },
  ),
);

def(
  `${A}.DeploymentCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last moved from one status to another.'),
      lastUpdateTime: time('When the condition was last updated.'),
      message: str('Human-readable details about the last transition.'),
      reason: str('A CamelCase, machine-readable cause of the last transition.'),
      status: str('Status of the condition: True, False or Unknown.'),
      type: str('Kind of deployment condition: Available, Progressing or ReplicaFailure.'),
    },
    { description: 'DeploymentCondition describes one aspect of the state of a Deployment at a point in time.', required: ['type', 'status'] },
  ),
);

def(
  `${A}.DeploymentStatus`,
  obj(
    {
      availableReplicas: int32('Pods targeted by this Deployment that have been ready for at least minReadySeconds.'),
      collisionCount: int32('Counts hash collisions of the pod template; used to make new ReplicaSet names unique.'),
      conditions: mapList(ref(`${A}.DeploymentCondition`), 'type', 'Latest observations of the state of the Deployment.'),
      observedGeneration: int64('The metadata.generation last acted on by the deployment controller.'),
      readyReplicas: int32('Pods targeted by this Deployment with a Ready condition.'),
      replicas: int32('Non-terminating pods targeted by this Deployment (their labels match the selector).'),
      terminatingReplicas: int32(
        'Pods targeted by this Deployment that are terminating (have a deletionTimestamp). Alpha: only set with the DeploymentReplicaSetTerminatingReplicas feature.',
      ),
      unavailableReplicas: int32('Pods still needed for the Deployment to reach 100% availability.'),
      updatedReplicas: int32('Non-terminating pods that already run the current template.'),
    },
    'DeploymentStatus is the most recently observed state of a Deployment.',
  ),
);

def(
  `${A}.Deployment`,
  kindObj(gvk('Deployment'), 'Deployment manages a replicated, declaratively updated set of pods through ReplicaSets.', {
    spec: ref(`${A}.DeploymentSpec`, 'The desired state of the Deployment.'),
    status: ref(`${A}.DeploymentStatus`, 'The most recently observed state of the Deployment.'),
  }),
);
def(`${A}.DeploymentList`, listObj(gvk('DeploymentList'), `${A}.Deployment`, 'DeploymentList is a list of Deployments.'));

// ---------------------------------------------------------------------------------------------
// ReplicaSet
// ---------------------------------------------------------------------------------------------

def(
  `${A}.ReplicaSetSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, before it counts as available. Defaults to 0.'),
      replicas: int32('Desired number of pods.', { default: 1 }),
      selector: labelSelector('Selects the pods counted against the desired replicas; must match the template labels.'),
      template: ref(POD_TEMPLATE, 'The pod created when too few replicas exist.'),
    },
    { description: 'ReplicaSetSpec is the desired state of a ReplicaSet.', required: ['selector'] },
  ),
);

def(`${A}.ReplicaSetCondition`, workloadCondition('ReplicaSet'));

def(
  `${A}.ReplicaSetStatus`,
  obj(
    {
      availableReplicas: int32('Pods of this ReplicaSet that have been ready for at least minReadySeconds.'),
      conditions: mapList(ref(`${A}.ReplicaSetCondition`), 'type', 'Latest observations of the state of the ReplicaSet.'),
      fullyLabeledReplicas: int32('Non-terminating pods whose labels match the pod template labels.'),
      observedGeneration: int64('The metadata.generation last acted on by the replicaset controller.'),
      readyReplicas: int32('Pods of this ReplicaSet with a Ready condition.'),
      replicas: int32('Most recently observed number of non-terminating pods.'),
      terminatingReplicas: int32(
        'Pods of this ReplicaSet that are terminating (have a deletionTimestamp). Alpha: only set with the DeploymentReplicaSetTerminatingReplicas feature.',
      ),
    },
    { description: 'ReplicaSetStatus is the most recently observed state of a ReplicaSet.', required: ['replicas'] },
  ),
);

def(
  `${A}.ReplicaSet`,
  kindObj(gvk('ReplicaSet'), 'ReplicaSet keeps a given number of pod replicas running at all times.', {
    spec: ref(`${A}.ReplicaSetSpec`, 'The desired state of the ReplicaSet.'),
    status: ref(`${A}.ReplicaSetStatus`, 'The most recently observed state of the ReplicaSet.'),
  }),
);
def(`${A}.ReplicaSetList`, listObj(gvk('ReplicaSetList'), `${A}.ReplicaSet`, 'ReplicaSetList is a list of ReplicaSets.'));

// ---------------------------------------------------------------------------------------------
// DaemonSet
// ---------------------------------------------------------------------------------------------

def(
  `${A}.RollingUpdateDaemonSet`,
  obj(
    {
      maxSurge: intOrString(
        'How many nodes may temporarily run an extra, updated pod while the old one keeps running: an absolute number or a percentage of desired pods (rounded up). Cannot be 0 when maxUnavailable is 0.',
      ),
      maxUnavailable: intOrString(
        'How many DaemonSet pods may be unavailable during the update: an absolute number or a percentage of desired pods (rounded up). Cannot be 0 when maxSurge is 0.',
      ),
    },
    'RollingUpdateDaemonSet tunes the pace of a DaemonSet rolling update.',
  ),
);

def(
  `${A}.DaemonSetUpdateStrategy`,
  obj(
    {
      rollingUpdate: ref(`${A}.RollingUpdateDaemonSet`, 'Rolling update parameters; only used when type is RollingUpdate.'),
      type: str('How pods are replaced after a template change: RollingUpdate, or OnDelete (only when an old pod is deleted).', {
        enum: ['OnDelete', 'RollingUpdate'],
        default: 'RollingUpdate',
      }),
    },
    'DaemonSetUpdateStrategy describes how the pods of a DaemonSet are replaced after a change.',
  ),
);

def(
  `${A}.DaemonSetSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, before it counts as available. Defaults to 0.'),
      revisionHistoryLimit: int32('How many old revisions are kept to allow rollback.', { default: 10 }),
      selector: labelSelector('Selects the pods this DaemonSet manages; must match the template labels and is immutable.'),
      template: ref(POD_TEMPLATE, 'The pod run on every eligible node. Its restartPolicy may only be Always.'),
      updateStrategy: ref(`${A}.DaemonSetUpdateStrategy`, 'How existing pods are replaced by new ones.', { default: {} }),
    },
    { description: 'DaemonSetSpec is the desired state of a DaemonSet.', required: ['selector', 'template'] },
  ),
);

def(`${A}.DaemonSetCondition`, workloadCondition('DaemonSet'));

def(
  `${A}.DaemonSetStatus`,
  obj(
    {
      collisionCount: int32('Counts hash collisions of the pod template; used to make new ControllerRevision names unique.'),
      conditions: mapList(ref(`${A}.DaemonSetCondition`), 'type', 'Latest observations of the state of the DaemonSet.'),
      currentNumberScheduled: int32('Nodes that run at least one daemon pod and are supposed to.'),
      desiredNumberScheduled: int32('Nodes that should run the daemon pod.'),
      numberAvailable: int32('Nodes that should run the daemon pod and have at least one available (ready for minReadySeconds) daemon pod.'),
      numberMisscheduled: int32('Nodes that run the daemon pod but are not supposed to.'),
      numberReady: int32('Nodes that should run the daemon pod and have at least one ready daemon pod.'),
      numberUnavailable: int32('Nodes that should run the daemon pod but have no available daemon pod.'),
      observedGeneration: int64('The metadata.generation last acted on by the daemonset controller.'),
      updatedNumberScheduled: int32('Nodes running a daemon pod from the current template.'),
    },
    {
      description: 'DaemonSetStatus is the most recently observed state of a DaemonSet.',
      required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
    },
  ),
);

def(
  `${A}.DaemonSet`,
  kindObj(gvk('DaemonSet'), 'DaemonSet runs a copy of a pod on each eligible node.', {
    spec: ref(`${A}.DaemonSetSpec`, 'The desired state of the DaemonSet.'),
    status: ref(`${A}.DaemonSetStatus`, 'The most recently observed state of the DaemonSet.'),
  }),
);
def(`${A}.DaemonSetList`, listObj(gvk('DaemonSetList'), `${A}.DaemonSet`, 'DaemonSetList is a list of DaemonSets.'));

// ---------------------------------------------------------------------------------------------
// StatefulSet
// ---------------------------------------------------------------------------------------------

def(
  `${A}.RollingUpdateStatefulSetStrategy`,
  obj(
    {
      maxUnavailable: intOrString(
        'How many pods may be unavailable during the update: an absolute number or a percentage of desired pods (rounded up); not 0. Alpha: honoured only with the MaxUnavailableStatefulSet feature.',
      ),
      partition: int32('Ordinal at which the update stops: pods with an ordinal at or above it are updated, lower ones keep the old revision.'),
    },
    'RollingUpdateStatefulSetStrategy holds the parameters of a StatefulSet rolling update.',
  ),
);

def(
  `${A}.StatefulSetUpdateStrategy`,
  obj(
    {
      rollingUpdate: ref(`${A}.RollingUpdateStatefulSetStrategy`, 'Rolling update parameters; only used when type is RollingUpdate.'),
      type: str('How pods are replaced after a template change: RollingUpdate (in ordinal order), or OnDelete (only when a pod is deleted).', {
        enum: ['OnDelete', 'RollingUpdate'],
        default: 'RollingUpdate',
      }),
    },
    'StatefulSetUpdateStrategy describes how the pods of a StatefulSet are replaced after a change.',
  ),
);

def(
  `${A}.StatefulSetPersistentVolumeClaimRetentionPolicy`,
  obj(
    {
      whenDeleted: str('What happens to claims created from volumeClaimTemplates when the StatefulSet is deleted: Retain or Delete.', {
        enum: ['Delete', 'Retain'],
        default: 'Retain',
      }),
      whenScaled: str(
        'What happens to the claims of pods removed by a scale-down: Retain, or Delete the claims of ordinals above the new replica count.',
        { enum: ['Delete', 'Retain'], default: 'Retain' },
      ),
    },
    'StatefulSetPersistentVolumeClaimRetentionPolicy decides when claims created from volumeClaimTemplates are deleted.',
  ),
);

def(
  `${A}.StatefulSetOrdinals`,
  obj(
    {
      start: int32('Index of the first replica; replicas are numbered from start to start+replicas-1. Defaults to 0.'),
    },
    'StatefulSetOrdinals controls how replica indices of a StatefulSet are numbered.',
  ),
);

def(
  `${A}.StatefulSetSpec`,
  obj(
    {
      minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, before it counts as available. Defaults to 0.'),
      ordinals: ref(`${A}.StatefulSetOrdinals`, 'How replica indices are numbered; by default they start at 0.'),
      persistentVolumeClaimRetentionPolicy: ref(
        `${A}.StatefulSetPersistentVolumeClaimRetentionPolicy`,
        'When the claims created from volumeClaimTemplates are deleted; by default they are kept until removed by hand.',
        { default: {} },
      ),
      podManagementPolicy: str(
        'How pods are created and deleted: OrderedReady (one at a time, in ordinal order, waiting for readiness) or Parallel (all at once).',
        { enum: ['OrderedReady', 'Parallel'], default: 'OrderedReady' },
      ),
      replicas: int32('Desired number of pods, each with a stable identity.', { default: 1 }),
      revisionHistoryLimit: int32('How many old revisions are kept to allow rollback.', { default: 10 }),
      selector: labelSelector('Selects the pods this StatefulSet manages; must match the template labels and is immutable.'),
      serviceName: str(
        'Name of the governing (usually headless) Service; pods get hostnames of the form <pod>.<serviceName>.<namespace>.svc.',
      ),
      template: ref(POD_TEMPLATE, 'The pod each replica is created from; every pod gets the name <statefulset>-<ordinal>. Its restartPolicy may only be Always.'),
      updateStrategy: ref(`${A}.StatefulSetUpdateStrategy`, 'How existing pods are replaced after a template change.', { default: {} }),
      volumeClaimTemplates: atomicList(
        ref(`${C}.PersistentVolumeClaim`),
        'Claims created for each pod and mounted by name; a claim here takes precedence over a template volume with the same name.',
      ),
    },
    { description: 'StatefulSetSpec is the desired state of a StatefulSet.', required: ['selector', 'template'] },
  ),
);

def(`${A}.StatefulSetCondition`, workloadCondition('StatefulSet'));

def(
  `${A}.StatefulSetStatus`,
  obj(
    {
      availableReplicas: int32('Pods of this StatefulSet that have been ready for at least minReadySeconds.'),
      collisionCount: int32('Counts hash collisions of the pod template; used to make new ControllerRevision names unique.'),
      conditions: mapList(ref(`${A}.StatefulSetCondition`), 'type', 'Latest observations of the state of the StatefulSet.'),
      currentReplicas: int32('Pods created from the revision named by currentRevision.'),
      currentRevision: str('Revision used for the pods with ordinals below currentReplicas.'),
      observedGeneration: int64('The metadata.generation last acted on by the statefulset controller.'),
      readyReplicas: int32('Pods of this StatefulSet with a Ready condition.'),
      replicas: int32('Pods created by the statefulset controller.'),
      updateRevision: str('Revision used for pods with ordinals from replicas-updatedReplicas up to replicas-1.'),
      updatedReplicas: int32('Pods created from the revision named by updateRevision.'),
    },
    { description: 'StatefulSetStatus is the most recently observed state of a StatefulSet.', required: ['replicas'] },
  ),
);

def(
  `${A}.StatefulSet`,
  kindObj(
    gvk('StatefulSet'),
    'StatefulSet manages pods with stable identities: each keeps its name, network identity and storage across rescheduling.',
    {
      spec: ref(`${A}.StatefulSetSpec`, 'The desired state of the StatefulSet.'),
      status: ref(`${A}.StatefulSetStatus`, 'The most recently observed state of the StatefulSet.'),
    },
  ),
);
def(`${A}.StatefulSetList`, listObj(gvk('StatefulSetList'), `${A}.StatefulSet`, 'StatefulSetList is a list of StatefulSets.'));

// ---------------------------------------------------------------------------------------------
// ControllerRevision
// ---------------------------------------------------------------------------------------------

def(
  `${A}.ControllerRevision`,
  kindObj(
    gvk('ControllerRevision'),
    'ControllerRevision is an immutable snapshot of state that DaemonSet and StatefulSet controllers use to track and roll back updates.',
    {
      data: ref('io.k8s.apimachinery.pkg.runtime.RawExtension', 'The serialized state this revision records.'),
      revision: int64('Sequence number of this revision; increases with every new revision.'),
    },
    { required: ['revision'] },
  ),
);
def(
  `${A}.ControllerRevisionList`,
  listObj(gvk('ControllerRevisionList'), `${A}.ControllerRevision`, 'ControllerRevisionList is a list of ControllerRevisions.'),
);

/*
 * Conditional defaults (not expressible as a schema `default`; for the defaulting code).
 * Kubernetes 1.33, pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go.
 *
 * Deployment (SetDefaults_Deployment), evaluated after spec.strategy.type got its default:
 *   - if spec.strategy.type == 'RollingUpdate':
 *       spec.strategy.rollingUpdate ??= {}
 *       spec.strategy.rollingUpdate.maxUnavailable ??= '25%'
 *       spec.strategy.rollingUpdate.maxSurge ??= '25%'
 *
 * DaemonSet (SetDefaults_DaemonSet), evaluated after spec.updateStrategy.type got its default:
 *   - if spec.updateStrategy.type == 'RollingUpdate':
 *       spec.updateStrategy.rollingUpdate ??= {}
 *       spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1   (integer 1)
 *       spec.updateStrategy.rollingUpdate.maxSurge ??= 0         (integer 0)
 *
 * StatefulSet (SetDefaults_StatefulSet) — ORDER MATTERS, look at the type as the user sent it:
 *   - if spec.updateStrategy.type was empty/absent: type = 'RollingUpdate' (schema default) AND
 *       spec.updateStrategy.rollingUpdate ??= {}   (only in this case; an explicit
 *       type 'RollingUpdate' without rollingUpdate stays without it)
 *   - then, if type == 'RollingUpdate' and rollingUpdate is present:
 *       rollingUpdate.partition ??= 0
 *       rollingUpdate.maxUnavailable ??= 1   only with the MaxUnavailableStatefulSet gate (alpha, off)
 *   - persistentVolumeClaimRetentionPolicy {whenDeleted: Retain, whenScaled: Retain} is modelled as
 *     constant schema defaults (StatefulSetAutoDeletePVC is GA since 1.32).
 *   - each spec.volumeClaimTemplates[i] gets the PersistentVolumeClaim defaults below, and the
 *     server also fills apiVersion 'v1' and kind 'PersistentVolumeClaim' on every template (seen in
 *     real responses; done by conversion, not by a schema default here, because the PVC definition
 *     is shared with the core PersistentVolumeClaim kind).
 *
 * PersistentVolumeClaim (SetDefaults_PersistentVolumeClaim / SetDefaults_PersistentVolumeClaimSpec):
 *   - spec.volumeMode ??= 'Filesystem' and status.phase ??= 'Pending' are constant schema defaults
 *     (status itself defaults to {} so the phase default applies).
 *   - spec.resources.{limits,requests} quantities are canonicalised (SetDefaults_ResourceList).
 *
 * Not defaulted by apps/v1 (left unset): minReadySeconds, paused, ordinals, serviceName,
 * DeploymentSpec.selector (no label-derived selector in apps/v1).
 */
