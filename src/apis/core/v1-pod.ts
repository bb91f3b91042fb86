/**
 * Schemas of the core/v1 Pod family (Kubernetes 1.33): Pod, PodList, PodTemplate, PodTemplateList,
 * PodTemplateSpec, PodSpec, PodStatus and every type a PodSpec reaches (containers, probes,
 * security contexts, volumes and all volume sources, affinity, tolerations, ...).
 *
 * List semantics (x-kubernetes-list-type / list-map-keys / patch-strategy / patch-merge-key),
 * required fields and formats mirror the Go struct tags of k8s.io/api/core/v1. `default` is set only
 * where Kubernetes defaulting applies an unconditional constant when the field is absent; the
 * conditional defaults are listed at the end of this file.
 *
 * Also defined here because a PodSpec reaches them: LocalObjectReference, ObjectReference,
 * TypedLocalObjectReference and PersistentVolumeClaimTemplate (ephemeral volumes). The
 * PersistentVolumeClaimSpec it embeds, with VolumeResourceRequirements and TypedObjectReference,
 * belongs to the PersistentVolumeClaim family defined in apps/v1.ts.
 */
import {
  arr,
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
  objectMeta,
  quantity,
  ref,
  str,
  strMap,
  time,
} from '../schema/builders.js';
import type { JSONSchema } from '../schema/types.js';

const C = 'io.k8s.api.core.v1';
const core = (name: string): string => `${C}.${name}`;

/** map[ResourceName]resource.Quantity */
const resourceList = (description: string): JSONSchema => mapOf(quantity(), description);

/** A struct Kubernetes marks +structType=atomic: replaced as a whole by apply and patches. */
const atomicStruct = { 'x-kubernetes-map-type': 'atomic' } as const;

/** A +union struct whose `type` discriminates which of the other fields may be set. */
const typeUnion = (fields: Record<string, string>): Partial<JSONSchema> => ({
  'x-kubernetes-unions': [{ discriminator: 'type', 'fields-to-discriminateBy': fields }],
});

// Closed value sets enforced by validation.
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const PROFILE_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const RECURSIVE_READ_ONLY = ['Disabled', 'Enabled', 'IfPossible'];
/** Signals accepted for lifecycle.stopSignal (Linux; Windows pods only accept SIGKILL and SIGTERM). */
const STOP_SIGNALS = [
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT',
  'SIGIO', 'SIGIOT', 'SIGKILL', 'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR', 'SIGQUIT',
  'SIGRTMAX', ...Array.from({ length: 14 }, (_, i) => `SIGRTMAX-${i + 1}`),
  'SIGRTMIN', ...Array.from({ length: 15 }, (_, i) => `SIGRTMIN+${i + 1}`),
  'SIGSEGV', 'SIGSTKFLT', 'SIGSTOP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGUSR1', 'SIGUSR2', 'SIGVTALRM', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ',
];

/* =====================================================================================
 * Object references
 * ===================================================================================== */

def(
  core('LocalObjectReference'),
  obj(
    {
      name: str('Name of the referenced object in the same namespace. Effectively required; an empty value is almost certainly a mistake.'),
    },
    {
      description: 'LocalObjectReference names an object in the same namespace as the referring object.',
      extra: atomicStruct,
    },
  ),
);

def(
  core('ObjectReference'),
  obj(
    {
      apiVersion: str('API version of the referenced object.'),
      fieldPath: str(
        'When the reference points at part of an object rather than the whole, a field path inside it, such as "spec.containers{app}" or "spec.containers[1]".',
      ),
      kind: str('Kind of the referenced object.'),
      name: str('Name of the referenced object.'),
      namespace: str('Namespace of the referenced object.'),
      resourceVersion: str('The resourceVersion of the referenced object this reference was made against, if any.'),
      uid: str('UID of the referenced object.'),
    },
    {
      description: 'ObjectReference carries enough information to find and inspect or modify another object.',
      extra: atomicStruct,
    },
  ),
);

def(
  core('TypedLocalObjectReference'),
  obj(
    {
      apiGroup: str('API group of the referenced resource. When empty, the kind must belong to the core group.'),
      kind: str('Kind of the referenced resource.'),
      name: str('Name of the referenced resource.'),
    },
    {
      description: 'TypedLocalObjectReference names an object of a given kind in the same namespace.',
      required: ['kind', 'name'],
      extra: atomicStruct,
    },
  ),
);

/* =====================================================================================
 * Pod, PodList, PodTemplate, PodTemplateList, PodTemplateSpec
 * ===================================================================================== */

def(
  core('Pod'),
  kindObj({ group: '', version: 'v1', kind: 'Pod' }, 'Pod is a group of one or more containers that are scheduled together onto a node and share storage and network.', {
    spec: ref(core('PodSpec'), 'Desired behaviour of the pod.'),
    status: ref(core('PodStatus'), 'Most recently observed state of the pod, written by the system. May lag behind reality. Read-only.'),
  }),
);

def(core('PodList'), listObj({ group: '', version: 'v1', kind: 'PodList' }, core('Pod'), 'PodList is a list of Pods.'));

def(
  core('PodTemplateSpec'),
  obj(
    {
      metadata: objectMeta(),
      spec: ref(core('PodSpec'), 'Desired behaviour of the pods created from this template.'),
    },
    'PodTemplateSpec describes the metadata and spec that pods created from a template will have.',
  ),
);

def(
  core('PodTemplate'),
  kindObj({ group: '', version: 'v1', kind: 'PodTemplate' }, 'PodTemplate holds a reusable template for creating copies of a pod.', {
    template: ref(core('PodTemplateSpec'), 'The pod template.'),
  }),
);

def(
  core('PodTemplateList'),
  listObj({ group: '', version: 'v1', kind: 'PodTemplateList' }, core('PodTemplate'), 'PodTemplateList is a list of PodTemplates.'),
);

/* =====================================================================================
 * PodSpec
 * ===================================================================================== */

def(
  core('PodSpec'),
  obj(
    {
      activeDeadlineSeconds: int64(
        'Seconds, counted from status.startTime, that the pod may stay active on its node before the system marks it failed and kills its containers. Must be positive.',
      ),
      affinity: ref(core('Affinity'), "The pod's scheduling constraints, if any."),
      automountServiceAccountToken: bool('Whether a service account token is mounted into the pod automatically.'),
      containers: mapList(
        ref(core('Container')),
        'name',
        'Containers that make up the pod. At least one is required; containers cannot be added or removed after creation.',
      ),
      dnsConfig: ref(core('PodDNSConfig'), 'Extra DNS parameters, merged into the configuration generated from dnsPolicy.'),
      dnsPolicy: str(
        'How DNS is configured for the pod: ClusterFirst (the default), ClusterFirstWithHostNet, Default or None. A host-network pod needs ClusterFirstWithHostNet to use cluster DNS.',
        { enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'], default: 'ClusterFirst' },
      ),
      enableServiceLinks: bool(
        'Whether environment variables describing the services of the namespace are injected into the containers, in the style of Docker links. Defaults to true for pods.',
      ),
      ephemeralContainers: mapList(
        ref(core('EphemeralContainer')),
        'name',
        'Ephemeral containers run in this pod, for example for debugging. They cannot be set at creation or through a pod update; use the ephemeralcontainers subresource.',
      ),
      hostAliases: mapList(ref(core('HostAlias')), 'ip', "Extra entries written into the pods' hosts file."),
      hostIPC: bool("Use the host's IPC namespace. Defaults to false."),
      hostNetwork: bool("Use the host's network namespace. The ports the pod uses must then be declared. Defaults to false."),
      hostPID: bool("Use the host's PID namespace. Defaults to false."),
      hostUsers: bool(
        "Use the host's user namespace. Defaults to true; false runs the pod in a new user namespace, which limits what a container escape can reach.",
      ),
      hostname: str("The pod's hostname. A system-defined value is used when empty."),
      imagePullSecrets: mapList(
        ref(core('LocalObjectReference')),
        'name',
        'Secrets in the same namespace that hold credentials for pulling the images used by this pod.',
      ),
      initContainers: mapList(
        ref(core('Container')),
        'name',
        'Containers run in order before the regular containers start. A failing init container fails the pod according to its restartPolicy; init containers with restartPolicy Always keep running as sidecars.',
      ),
      nodeName: str(
        'The node this pod is bound to. When empty the pod waits for the scheduler named by schedulerName; once set, that node’s kubelet runs the pod.',
      ),
      nodeSelector: strMap("Labels a node must carry for the pod to be scheduled onto it.", { 'x-kubernetes-map-type': 'atomic' }),
      os: ref(core('PodOS'), "The operating system of the pod's containers. Some pod and container fields are restricted depending on its value."),
      overhead: resourceList(
        'Resources consumed by the pod sandbox on top of its containers, set at admission from the RuntimeClass. Must not be set on create when the RuntimeClass admission controller is enabled.',
      ),
      preemptionPolicy: str('Whether this pod may preempt pods of lower priority: PreemptLowerPriority (the default) or Never.', {
        enum: ['Never', 'PreemptLowerPriority'],
      }),
      priority: int32(
        'Priority value of the pod; higher is more important. Filled in at admission from priorityClassName and normally not set by users.',
      ),
      priorityClassName: str(
        'Name of the PriorityClass giving the pod its priority. "system-node-critical" and "system-cluster-critical" are built in; other names must exist as PriorityClass objects.',
      ),
      readinessGates: atomicList(
        ref(core('PodReadinessGate')),
        'Extra pod conditions that must be True, in addition to all containers being ready, for the pod to be Ready.',
      ),
      resourceClaims: arr(ref(core('PodResourceClaim')), {
        description:
          'ResourceClaims (dynamic resource allocation) that must be allocated and reserved before the pod can start. Containers use them by name. Immutable.',
        listType: 'map',
        mapKeys: ['name'],
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
      }),
      resources: ref(
        core('ResourceRequirements'),
        'Pod-level compute resource requests and limits (cpu, memory and hugepages), shared by all containers. Requires the PodLevelResources feature.',
      ),
      restartPolicy: str('Restart policy for all containers of the pod: Always (the default), OnFailure or Never.', {
        enum: ['Always', 'Never', 'OnFailure'],
        default: 'Always',
      }),
      runtimeClassName: str(
        'Name of the node.k8s.io RuntimeClass used to run this pod. When empty, the default runtime handler is used.',
      ),
      schedulerName: str('Name of the scheduler that places this pod. Defaults to the default scheduler.', { default: 'default-scheduler' }),
      schedulingGates: mapList(
        ref(core('PodSchedulingGate')),
        'name',
        'While this list is not empty the pod is not considered for scheduling. Gates may only be set at creation and removed afterwards.',
      ),
      securityContext: ref(
        core('PodSecurityContext'),
        'Pod-level security attributes and defaults for container security settings. Defaults to an empty context.',
        { default: {} },
      ),
      serviceAccount: str('Deprecated alias of serviceAccountName.'),
      serviceAccountName: str('Name of the ServiceAccount the pod runs as.'),
      setHostnameAsFQDN: bool(
        "If true, the pod's hostname is set to its fully qualified domain name instead of the short name. Has no effect when the pod has no FQDN. Defaults to false.",
      ),
      shareProcessNamespace: bool(
        'Run all containers of the pod in one shared process namespace, so they can see and signal each other’s processes. Cannot be combined with hostPID. Defaults to false.',
      ),
      subdomain: str(
        'When set, the pod gets the fully qualified name "<hostname>.<subdomain>.<namespace>.svc.<cluster domain>". Otherwise it has no domain name.',
      ),
      terminationGracePeriodSeconds: int64(
        'Seconds the pod is given to shut down gracefully after a termination signal before it is killed. Zero means kill immediately. May be shortened by a delete request. Defaults to 30.',
        { default: 30 },
      ),
      tolerations: atomicList(ref(core('Toleration')), 'Taints that the pod tolerates.'),
      topologySpreadConstraints: mapList(
        ref(core('TopologySpreadConstraint')),
        ['topologyKey', 'whenUnsatisfiable'],
        'How matching pods should be spread across topology domains. All constraints are ANDed.',
      ),
      volumes: arr(ref(core('Volume')), {
        description: 'Volumes that containers of the pod may mount.',
        listType: 'map',
        mapKeys: ['name'],
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
      }),
    },
    { description: 'PodSpec is the desired state of a pod.', required: ['containers'] },
  ),
);

def(
  core('PodOS'),
  obj(
    {
      name: str('Name of the operating system: linux or windows.', { enum: ['linux', 'windows'] }),
    },
    { description: 'PodOS states the operating system the pod runs on.', required: ['name'] },
  ),
);

def(
  core('PodReadinessGate'),
  obj(
    {
      conditionType: str('Type of a pod condition that must be True for the pod to be ready.'),
    },
    { description: 'PodReadinessGate names a pod condition that takes part in pod readiness.', required: ['conditionType'] },
  ),
);

def(
  core('PodSchedulingGate'),
  obj(
    {
      name: str('Name of the scheduling gate; unique within the pod.'),
    },
    { description: 'PodSchedulingGate holds the pod back from scheduling until it is removed.', required: ['name'] },
  ),
);

def(
  core('PodResourceClaim'),
  obj(
    {
      name: str('Name of this claim inside the pod, a DNS label. Containers refer to the claim by this name.'),
      resourceClaimName: str('Name of an existing ResourceClaim in the pod’s namespace. Exactly one of resourceClaimName and resourceClaimTemplateName must be set.'),
      resourceClaimTemplateName: str(
        'Name of a ResourceClaimTemplate in the pod’s namespace; a ResourceClaim is generated from it for this pod and deleted with the pod. Exactly one of resourceClaimName and resourceClaimTemplateName must be set.',
      ),
    },
    {
      description: 'PodResourceClaim makes one ResourceClaim, named directly or generated from a template, available to the pod under a local name.',
      required: ['name'],
    },
  ),
);

def(
  core('HostAlias'),
  obj(
    {
      hostnames: atomicList(str(), 'Host names that resolve to the IP address.'),
      ip: str('IP address of the hosts file entry.'),
    },
    { description: "HostAlias is one entry (an IP address and its names) for the pod's hosts file.", required: ['ip'] },
  ),
);

def(
  core('PodDNSConfig'),
  obj(
    {
      nameservers: atomicList(str(), 'DNS server IP addresses, appended to those generated from dnsPolicy. Duplicates are removed.'),
      options: atomicList(
        ref(core('PodDNSConfigOption')),
        'Resolver options, merged with those generated from dnsPolicy. Options given here override options of the same name.',
      ),
      searches: atomicList(str(), 'DNS search domains, appended to those generated from dnsPolicy. Duplicates are removed.'),
    },
    'PodDNSConfig holds DNS settings applied in addition to those generated from the DNS policy.',
  ),
);

def(
  core('PodDNSConfigOption'),
  obj(
    {
      name: str('Name of the resolver option. Required.'),
      value: str('Value of the resolver option, if it takes one.'),
    },
    'PodDNSConfigOption is one resolver option of a pod.',
  ),
);

/* =====================================================================================
 * Scheduling: affinity, node selectors, tolerations, topology spread
 * ===================================================================================== */

def(
  core('Affinity'),
  obj(
    {
      nodeAffinity: ref(core('NodeAffinity'), 'Node affinity rules for the pod.'),
      podAffinity: ref(core('PodAffinity'), 'Rules for placing the pod in the same topology domain as certain other pods.'),
      podAntiAffinity: ref(core('PodAntiAffinity'), 'Rules for keeping the pod out of the topology domains of certain other pods.'),
    },
    'Affinity groups the scheduling affinity rules of a pod.',
  ),
);

def(
  core('NodeAffinity'),
  obj(
    {
      preferredDuringSchedulingIgnoredDuringExecution: atomicList(
        ref(core('PreferredSchedulingTerm')),
        'Weighted node preferences. The scheduler favours nodes with the highest sum of weights of matching terms, but may pick a node matching none.',
      ),
      requiredDuringSchedulingIgnoredDuringExecution: ref(
        core('NodeSelector'),
        'Node requirements that must hold for the pod to be scheduled. Later label changes on the node do not evict the pod.',
      ),
    },
    'NodeAffinity holds the node affinity scheduling rules of a pod.',
  ),
);

def(
  core('NodeSelector'),
  obj(
    {
      nodeSelectorTerms: atomicList(ref(core('NodeSelectorTerm')), 'Node selector terms; a node matches if it matches any of them.'),
    },
    {
      description: 'NodeSelector selects nodes matching at least one of its terms (the terms are ORed).',
      required: ['nodeSelectorTerms'],
      extra: atomicStruct,
    },
  ),
);

def(
  core('NodeSelectorTerm'),
  obj(
    {
      matchExpressions: atomicList(ref(core('NodeSelectorRequirement')), 'Requirements on node labels.'),
      matchFields: atomicList(ref(core('NodeSelectorRequirement')), 'Requirements on node fields.'),
    },
    {
      description: 'NodeSelectorTerm matches nodes satisfying all of its requirements (ANDed). A null or empty term matches no nodes.',
      extra: atomicStruct,
    },
  ),
);

def(
  core('NodeSelectorRequirement'),
  obj(
    {
      key: str('Label (or field) key the requirement applies to.'),
      operator: str('How the key relates to the values: In, NotIn, Exists, DoesNotExist, Gt or Lt.', {
        enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'],
      }),
      values: atomicList(
        str(),
        'Values to compare with. Non-empty for In and NotIn, empty for Exists and DoesNotExist, and a single integer for Gt and Lt.',
      ),
    },
    {
      description: 'NodeSelectorRequirement relates a node label or field key to a set of values through an operator.',
      required: ['key', 'operator'],
    },
  ),
);

def(
  core('PreferredSchedulingTerm'),
  obj(
    {
      preference: ref(core('NodeSelectorTerm'), 'The node selector term the weight applies to.'),
      weight: int32('Weight added to a node’s score when it matches the preference, from 1 to 100.'),
    },
    {
      description: 'PreferredSchedulingTerm is a weighted node preference. An empty term matches every node with weight 0; a null one matches none.',
      required: ['weight', 'preference'],
    },
  ),
);

def(
  core('PodAffinity'),
  obj(
    {
      preferredDuringSchedulingIgnoredDuringExecution: atomicList(
        ref(core('WeightedPodAffinityTerm')),
        'Weighted preferences for nodes near matching pods. The scheduler favours nodes with the highest sum of weights but may ignore them.',
      ),
      requiredDuringSchedulingIgnoredDuringExecution: atomicList(
        ref(core('PodAffinityTerm')),
        'Terms that must all hold for the pod to be scheduled onto a node. Later changes do not evict the pod.',
      ),
    },
    'PodAffinity holds rules for co-locating the pod with other pods.',
  ),
);

def(
  core('PodAntiAffinity'),
  obj(
    {
      preferredDuringSchedulingIgnoredDuringExecution: atomicList(
        ref(core('WeightedPodAffinityTerm')),
        'Weighted preferences for nodes away from matching pods. The scheduler favours nodes with the highest sum of weights but may ignore them.',
      ),
      requiredDuringSchedulingIgnoredDuringExecution: atomicList(
        ref(core('PodAffinityTerm')),
        'Terms that must all hold for the pod to be scheduled onto a node. Later changes do not evict the pod.',
      ),
    },
    'PodAntiAffinity holds rules for keeping the pod apart from other pods.',
  ),
);

def(
  core('PodAffinityTerm'),
  obj(
    {
      labelSelector: labelSelector('Selects the pods this term refers to. A null selector matches no pods.'),
      matchLabelKeys: atomicList(
        str(),
        'Label keys whose values are taken from the incoming pod and added to labelSelector as "key in (value)". Requires labelSelector; a key may not appear in both.',
      ),
      mismatchLabelKeys: atomicList(
        str(),
        'Label keys whose values are taken from the incoming pod and added to labelSelector as "key notin (value)". Requires labelSelector; a key may not appear in both.',
      ),
      namespaceSelector: labelSelector(
        'Selects the namespaces the term applies to, in addition to those listed in namespaces. An empty selector matches all namespaces.',
      ),
      namespaces: atomicList(
        str(),
        "Namespaces the term applies to, in addition to those selected by namespaceSelector. When both are empty, the pod's own namespace is used.",
      ),
      topologyKey: str(
        'Node label key defining the topology domain: nodes with the same value of this label are "co-located". Must not be empty.',
      ),
    },
    {
      description:
        'PodAffinityTerm selects a set of pods and a topology key; the pod is placed in (or kept out of) the topology domains where those pods run.',
      required: ['topologyKey'],
    },
  ),
);

def(
  core('WeightedPodAffinityTerm'),
  obj(
    {
      podAffinityTerm: ref(core('PodAffinityTerm'), 'The pod affinity term the weight applies to.'),
      weight: int32('Weight added to a node’s score when the term matches, from 1 to 100.'),
    },
    {
      description: 'WeightedPodAffinityTerm is a pod affinity term with a weight; weights of matching terms are summed per node.',
      required: ['weight', 'podAffinityTerm'],
    },
  ),
);

def(
  core('Toleration'),
  obj(
    {
      effect: str(
        'Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute. Empty matches all effects.',
        { enum: ['', ...TAINT_EFFECTS] },
      ),
      key: str('Taint key the toleration applies to. Empty matches all keys, and then operator must be Exists.'),
      operator: str('Relation between key and value: Equal (the default) or Exists, which matches any value.', {
        enum: ['', 'Equal', 'Exists'],
      }),
      tolerationSeconds: int64(
        'For NoExecute taints only: how long the pod stays bound after the taint appears. Unset means forever; zero or negative means evict at once.',
      ),
      value: str('Taint value to match. Must be empty when operator is Exists.'),
    },
    'Toleration lets the pod be scheduled onto, or stay on, nodes with a matching taint (key, value, effect) under the given operator.',
  ),
);

def(
  core('TopologySpreadConstraint'),
  obj(
    {
      labelSelector: labelSelector('Selects the pods counted in each topology domain.'),
      matchLabelKeys: atomicList(
        str(),
        'Label keys whose values are taken from the incoming pod and ANDed with labelSelector to pick the pods to count. Requires labelSelector; a key may not appear in both.',
      ),
      maxSkew: int32(
        'Largest allowed difference between the number of matching pods in a domain and the global minimum. Must be at least 1.',
      ),
      minDomains: int32(
        'Minimum number of eligible domains. With fewer, the global minimum is taken as 0. Only allowed with whenUnsatisfiable DoNotSchedule; must be positive.',
      ),
      nodeAffinityPolicy: str(
        "Whether the pod's nodeAffinity and nodeSelector restrict the nodes counted: Honor (the default) or Ignore.",
        { enum: ['Honor', 'Ignore'] },
      ),
      nodeTaintsPolicy: str(
        'Whether node taints restrict the nodes counted: Honor (only untainted nodes and nodes whose taints the pod tolerates) or Ignore (the default).',
        { enum: ['Honor', 'Ignore'] },
      ),
      topologyKey: str('Node label key whose values define the topology domains.'),
      whenUnsatisfiable: str(
        'What to do when the constraint cannot be met: DoNotSchedule leaves the pod pending, ScheduleAnyway schedules it while favouring lower skew.',
        { enum: ['DoNotSchedule', 'ScheduleAnyway'] },
      ),
    },
    {
      description: 'TopologySpreadConstraint states how matching pods should be spread across the domains of a topology.',
      required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
    },
  ),
);

/* =====================================================================================
 * Containers
 * ===================================================================================== */

/** Fields shared by Container and EphemeralContainer, with per-kind descriptions where they differ. */
function containerFields(ephemeral: boolean): Record<string, JSONSchema> {
  const notForEphemeral = (what: string, normal: string): string => (ephemeral ? `${what} are not allowed for ephemeral containers.` : normal);
  return {
    args: atomicList(
      str(),
      'Arguments to the entrypoint; the image’s CMD is used when absent. $(VAR) references are expanded from the container environment ($$ escapes). Cannot be updated.',
    ),
    command: atomicList(
      str(),
      'Entrypoint array, not run in a shell; the image’s ENTRYPOINT is used when absent. $(VAR) references are expanded from the container environment ($$ escapes). Cannot be updated.',
    ),
    env: mapList(ref(core('EnvVar')), 'name', 'Environment variables set in the container. Cannot be updated.'),
    envFrom: atomicList(
      ref(core('EnvFromSource')),
      'Sources whose keys become environment variables. Later sources win over earlier ones, and env wins over all of them. Cannot be updated.',
    ),
    image: str(
      'Container image reference. Optional here so that higher-level controllers can fill it in from a template.',
    ),
    imagePullPolicy: str(
      'When the image is pulled: Always, Never or IfNotPresent. Defaults to Always for a ":latest" (or untagged) image, IfNotPresent otherwise. Cannot be updated.',
      { enum: PULL_POLICIES },
    ),
    lifecycle: ref(
      core('Lifecycle'),
      ephemeral ? 'Lifecycle hooks are not allowed for ephemeral containers.' : 'Hooks run by the kubelet after the container starts and before it stops. Cannot be updated.',
    ),
    livenessProbe: ref(
      core('Probe'),
      notForEphemeral('Probes', 'Periodic check of container liveness; the container is restarted when it fails. Cannot be updated.'),
    ),
    name: str(
      ephemeral
        ? 'Name of the ephemeral container, a DNS label unique among all containers of the pod.'
        : 'Name of the container, a DNS label unique among all containers of the pod. Cannot be updated.',
    ),
    ports: mapList(
      ref(core('ContainerPort')),
      ['containerPort', 'protocol'],
      ephemeral
        ? 'Ports are not allowed for ephemeral containers.'
        : 'Ports the container exposes. Informational: a port listening on 0.0.0.0 is reachable whether or not it is listed. Cannot be updated.',
    ),
    readinessProbe: ref(
      core('Probe'),
      notForEphemeral('Probes', 'Periodic check of readiness; the pod is removed from service endpoints while it fails. Cannot be updated.'),
    ),
    resizePolicy: atomicList(ref(core('ContainerResizePolicy')), 'How the container reacts to in-place resizing of each resource.'),
    resources: ref(
      core('ResourceRequirements'),
      ephemeral
        ? 'Resources are not allowed for ephemeral containers; they use resources already allocated to the pod.'
        : 'Compute resources requested by and allowed to the container.',
      { default: {} },
    ),
    restartPolicy: str(
      ephemeral
        ? 'Restart policy of the container. Cannot be set on ephemeral containers.'
        : 'Restart policy of this container. May only be set on init containers, and only to Always, which makes the init container a sidecar that keeps running alongside the regular containers.',
      { enum: ['Always'] },
    ),
    securityContext: ref(
      core('SecurityContext'),
      'Security options of the container. Fields set here override the same fields of the pod security context.',
    ),
    startupProbe: ref(
      core('Probe'),
      notForEphemeral(
        'Probes',
        'Check that the container has started. No other probe runs until it succeeds, and the container is restarted if it fails. Cannot be updated.',
      ),
    ),
    stdin: bool('Whether the runtime keeps a stdin buffer for the container. Without it, reads from stdin return EOF. Defaults to false.'),
    stdinOnce: bool(
      'Close stdin after the first attach session ends (it stays closed until the container restarts). Without it, stdin stays open across sessions and never sends EOF. Defaults to false.',
    ),
    terminationMessagePath: str(
      'Path of the file, inside the container, whose content becomes the termination message. Truncated to 4096 bytes (12 KiB across containers). Cannot be updated.',
      { default: '/dev/termination-log' },
    ),
    terminationMessagePolicy: str(
      'Source of the termination message: File reads terminationMessagePath; FallbackToLogsOnError uses the end of the log when the file is empty and the container failed. Cannot be updated.',
      { enum: ['FallbackToLogsOnError', 'File'], default: 'File' },
    ),
    tty: bool('Whether the container gets a TTY; requires stdin. Defaults to false.'),
    volumeDevices: mapList(ref(core('VolumeDevice')), 'devicePath', 'Raw block devices mapped into the container.'),
    volumeMounts: mapList(
      ref(core('VolumeMount')),
      'mountPath',
      ephemeral
        ? 'Pod volumes mounted into the container. Subpath mounts are not allowed. Cannot be updated.'
        : "Pod volumes mounted into the container's filesystem. Cannot be updated.",
    ),
    workingDir: str("Working directory of the container; the runtime's (or image's) default when empty. Cannot be updated."),
  };
}

def(
  core('Container'),
  obj(containerFields(false), { description: 'Container is one application container run in a pod.', required: ['name'] }),
);

def(
  core('EphemeralContainer'),
  obj(
    {
      ...containerFields(true),
      targetContainerName: str(
        'Name of a container of the pod whose namespaces (IPC, PID, ...) this ephemeral container joins. The pod’s namespaces are used when empty; runtime support is required.',
      ),
    },
    {
      description:
        'EphemeralContainer is a temporary container added to a running pod, for example to debug it. It has no resource or scheduling guarantees, is never restarted, and cannot be removed.',
      required: ['name'],
    },
  ),
);

def(
  core('ContainerPort'),
  obj(
    {
      containerPort: int32("Port number exposed on the pod's IP address, 1-65535."),
      hostIP: str('Host IP address to bind the host port to.'),
      hostPort: int32(
        'Port number exposed on the host, 1-65535. Must equal containerPort when hostNetwork is set. Most containers do not need it.',
      ),
      name: str('Name of the port, an IANA service name unique within the pod, by which services can refer to it.'),
      protocol: str('Protocol of the port: TCP, UDP or SCTP. Defaults to TCP.', { enum: PROTOCOLS, default: 'TCP' }),
    },
    { description: 'ContainerPort is a network port of a container.', required: ['containerPort'] },
  ),
);

def(
  core('ContainerResizePolicy'),
  obj(
    {
      resourceName: str('Resource the policy applies to: cpu or memory.', { enum: ['cpu', 'memory'] }),
      restartPolicy: str(
        'What happens when the resource is resized in place: NotRequired (resize without restarting if possible) or RestartContainer.',
        { enum: ['NotRequired', 'RestartContainer'] },
      ),
    },
    {
      description: 'ContainerResizePolicy says whether resizing one resource of a container requires restarting it.',
      required: ['resourceName', 'restartPolicy'],
    },
  ),
);

def(
  core('ResourceRequirements'),
  obj(
    {
      claims: arr(ref(core('ResourceClaim')), {
        description:
          'Names of entries of spec.resourceClaims that this container uses (dynamic resource allocation). Only for containers; immutable.',
        listType: 'map',
        mapKeys: ['name'],
      }),
      limits: resourceList('Maximum amount of each compute resource the container may use.'),
      requests: resourceList(
        'Minimum amount of each compute resource the container needs; used for scheduling. Defaults to the limit when only a limit is given. Must not exceed the limit.',
      ),
    },
    'ResourceRequirements describes the compute resources requested and allowed.',
  ),
);

def(
  core('ResourceClaim'),
  obj(
    {
      name: str('Name of an entry of pod.spec.resourceClaims whose resources are made available to the container.'),
      request: str('Name of one request within the claim. When empty, everything allocated for the claim is made available.'),
    },
    { description: 'ResourceClaim refers to one entry of PodSpec.resourceClaims.', required: ['name'] },
  ),
);

def(
  core('VolumeMount'),
  obj(
    {
      mountPath: str("Path inside the container where the volume is mounted. Must not contain ':'."),
      mountPropagation: str(
        'How mounts propagate between host and container: None (the default), HostToContainer or Bidirectional.',
        { enum: ['Bidirectional', 'HostToContainer', 'None'] },
      ),
      name: str('Name of the pod volume to mount.'),
      readOnly: bool('Mount the volume read-only. Defaults to false.'),
      recursiveReadOnly: str(
        'Whether a read-only mount is also read-only for its submounts: Disabled (the default), IfPossible, or Enabled (fail the pod if unsupported). Only meaningful when readOnly is true; requires mountPropagation None.',
        { enum: RECURSIVE_READ_ONLY },
      ),
      subPath: str("Path within the volume to mount instead of its root. Defaults to \"\" (the volume's root)."),
      subPathExpr: str(
        'Like subPath, but $(VAR) references are expanded from the container environment. Mutually exclusive with subPath.',
      ),
    },
    { description: 'VolumeMount mounts a pod volume into a container.', required: ['name', 'mountPath'] },
  ),
);

def(
  core('VolumeDevice'),
  obj(
    {
      devicePath: str('Path inside the container where the block device is mapped.'),
      name: str('Name of a persistentVolumeClaim volume of the pod.'),
    },
    { description: 'VolumeDevice maps a raw block volume into a container.', required: ['name', 'devicePath'] },
  ),
);

/* ---------- Environment ---------- */

def(
  core('EnvVar'),
  obj(
    {
      name: str('Name of the environment variable; must be a C identifier.'),
      value: str(
        'Value of the variable. $(VAR) references to earlier variables and service variables are expanded; unresolved references stay as written and $$ escapes a $. Defaults to "".',
      ),
      valueFrom: ref(core('EnvVarSource'), 'Source of the value. Cannot be used together with a non-empty value.'),
    },
    { description: 'EnvVar is one environment variable of a container.', required: ['name'] },
  ),
);

def(
  core('EnvVarSource'),
  obj(
    {
      configMapKeyRef: ref(core('ConfigMapKeySelector'), 'A key of a ConfigMap.'),
      fieldRef: ref(
        core('ObjectFieldSelector'),
        "A field of the pod: metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP or status.podIPs.",
      ),
      resourceFieldRef: ref(
        core('ResourceFieldSelector'),
        'A resource limit or request of the container (limits/requests of cpu, memory, ephemeral-storage and hugepages).',
      ),
      secretKeyRef: ref(core('SecretKeySelector'), "A key of a Secret in the pod's namespace."),
    },
    'EnvVarSource is where the value of an environment variable comes from. Only one of its fields may be set.',
  ),
);

def(
  core('ConfigMapKeySelector'),
  obj(
    {
      key: str('The key to select.'),
      name: str('Name of the ConfigMap in the same namespace.'),
      optional: bool('Whether the ConfigMap or the key may be missing.'),
    },
    { description: 'ConfigMapKeySelector selects one key of a ConfigMap.', required: ['key'], extra: atomicStruct },
  ),
);

def(
  core('SecretKeySelector'),
  obj(
    {
      key: str('The key to select; must be a valid secret key.'),
      name: str('Name of the Secret in the same namespace.'),
      optional: bool('Whether the Secret or the key may be missing.'),
    },
    { description: 'SecretKeySelector selects one key of a Secret.', required: ['key'], extra: atomicStruct },
  ),
);

def(
  core('ObjectFieldSelector'),
  obj(
    {
      apiVersion: str('API version in which fieldPath is written. Defaults to "v1".', { default: 'v1' }),
      fieldPath: str('Path of the field to select.'),
    },
    { description: 'ObjectFieldSelector selects a field of an object in a given API version.', required: ['fieldPath'], extra: atomicStruct },
  ),
);

def(
  core('ResourceFieldSelector'),
  obj(
    {
      containerName: str('Name of the container; required in volumes, optional in environment variables.'),
      divisor: quantity('The exposed value is divided by this quantity (rounded up). Defaults to "1".'),
      resource: str('The resource to select, such as limits.cpu or requests.memory.'),
    },
    {
      description: 'ResourceFieldSelector selects a resource limit or request of a container and the unit it is shown in.',
      required: ['resource'],
      extra: atomicStruct,
    },
  ),
);

def(
  core('EnvFromSource'),
  obj(
    {
      configMapRef: ref(core('ConfigMapEnvSource'), 'The ConfigMap whose keys become variables.'),
      prefix: str('Text prepended to every variable name taken from the source; must be a C identifier.'),
      secretRef: ref(core('SecretEnvSource'), 'The Secret whose keys become variables.'),
    },
    'EnvFromSource turns all keys of a ConfigMap or Secret into environment variables.',
  ),
);

def(
  core('ConfigMapEnvSource'),
  obj(
    {
      name: str('Name of the ConfigMap in the same namespace.'),
      optional: bool('Whether the ConfigMap may be missing.'),
    },
    'ConfigMapEnvSource names a ConfigMap whose data becomes environment variables.',
  ),
);

def(
  core('SecretEnvSource'),
  obj(
    {
      name: str('Name of the Secret in the same namespace.'),
      optional: bool('Whether the Secret may be missing.'),
    },
    'SecretEnvSource names a Secret whose data becomes environment variables.',
  ),
);

/* ---------- Probes and lifecycle hooks ---------- */

def(
  core('Probe'),
  obj(
    {
      exec: ref(core('ExecAction'), 'Run a command in the container.'),
      failureThreshold: int32('Consecutive failures after which the probe counts as failed. Defaults to 3; minimum 1.', { default: 3 }),
      grpc: ref(core('GRPCAction'), 'Call the standard gRPC health check.'),
      httpGet: ref(core('HTTPGetAction'), 'Perform an HTTP GET request.'),
      initialDelaySeconds: int32('Seconds after the container starts before the first probe.'),
      periodSeconds: int32('Seconds between probes. Defaults to 10; minimum 1.', { default: 10 }),
      successThreshold: int32(
        'Consecutive successes after a failure for the probe to count as successful. Defaults to 1; must be 1 for liveness and startup probes.',
        { default: 1 },
      ),
      tcpSocket: ref(core('TCPSocketAction'), 'Open a TCP connection.'),
      terminationGracePeriodSeconds: int64(
        "Grace period used instead of the pod's terminationGracePeriodSeconds when the container is killed because this probe failed. Minimum 1.",
      ),
      timeoutSeconds: int32('Seconds after which a probe attempt times out. Defaults to 1; minimum 1.', { default: 1 }),
    },
    'Probe is a health check the kubelet runs against a container. Exactly one action (exec, httpGet, tcpSocket or grpc) must be set.',
  ),
);

def(
  core('ExecAction'),
  obj(
    {
      command: atomicList(
        str(),
        'Command line run in the container with working directory "/". It is not run in a shell. Exit status 0 counts as success.',
      ),
    },
    'ExecAction runs a command inside the container.',
  ),
);

def(
  core('HTTPGetAction'),
  obj(
    {
      host: str('Host name to connect to; defaults to the pod IP. Setting a Host header in httpHeaders is usually better.'),
      httpHeaders: atomicList(ref(core('HTTPHeader')), 'Extra request headers. Repeated headers are allowed.'),
      path: str('Path of the request. Defaults to "/".', { default: '/' }),
      port: intOrString('Number (1-65535) or IANA name of the container port to connect to.'),
      scheme: str('Scheme of the request: HTTP or HTTPS. Defaults to HTTP.', { enum: ['HTTP', 'HTTPS'], default: 'HTTP' }),
    },
    { description: 'HTTPGetAction performs an HTTP GET request against the container.', required: ['port'] },
  ),
);

def(
  core('HTTPHeader'),
  obj(
    {
      name: str('Header name; case-variant names are treated as the same header.'),
      value: str('Header value.'),
    },
    { description: 'HTTPHeader is a header sent by an HTTP probe or hook.', required: ['name', 'value'] },
  ),
);

def(
  core('TCPSocketAction'),
  obj(
    {
      host: str('Host name to connect to; defaults to the pod IP.'),
      port: intOrString('Number (1-65535) or IANA name of the container port to connect to.'),
    },
    { description: 'TCPSocketAction opens a TCP connection to the container.', required: ['port'] },
  ),
);

def(
  core('GRPCAction'),
  obj(
    {
      port: int32('Port of the gRPC service, 1-65535.'),
      service: str(
        'Service name sent in the gRPC HealthCheckRequest. When empty, the server’s overall health is checked.',
        { default: '' },
      ),
    },
    { description: 'GRPCAction calls the standard gRPC health checking service of the container.', required: ['port'] },
  ),
);

def(
  core('Lifecycle'),
  obj(
    {
      postStart: ref(
        core('LifecycleHandler'),
        'Runs right after the container is created. If it fails, the container is killed and restarted according to its restart policy.',
      ),
      preStop: ref(
        core('LifecycleHandler'),
        'Runs before the container is terminated by an API request or a management event (probe failure, preemption, ...), not when it crashes. It counts against the termination grace period.',
      ),
      stopSignal: str(
        'Signal sent to stop the container; the runtime default when unset. Requires spec.os.name to be set; Windows pods accept only SIGTERM and SIGKILL.',
        { enum: STOP_SIGNALS },
      ),
    },
    'Lifecycle holds the hooks the kubelet runs at container lifecycle events, and the signal used to stop the container.',
  ),
);

def(
  core('LifecycleHandler'),
  obj(
    {
      exec: ref(core('ExecAction'), 'Run a command in the container.'),
      httpGet: ref(core('HTTPGetAction'), 'Perform an HTTP GET request.'),
      sleep: ref(core('SleepAction'), 'Wait for a while.'),
      tcpSocket: ref(core('TCPSocketAction'), 'Deprecated and not supported as a lifecycle handler; kept for compatibility and not validated.'),
    },
    'LifecycleHandler is the action of a lifecycle hook. Exactly one of exec, httpGet and sleep must be set.',
  ),
);

def(
  core('SleepAction'),
  obj(
    {
      seconds: int64('Number of seconds to sleep.'),
    },
    { description: 'SleepAction pauses for a number of seconds.', required: ['seconds'] },
  ),
);

/* ---------- Security contexts ---------- */

def(
  core('PodSecurityContext'),
  obj(
    {
      appArmorProfile: ref(core('AppArmorProfile'), 'AppArmor profile of the containers of the pod. Not for Windows pods.'),
      fsGroup: int64(
        'Supplemental group applied to all containers. Volumes that support it are made owned by this group, with the setgid bit set and group read-write permission. Not for Windows pods.',
      ),
      fsGroupChangePolicy: str(
        'When volume ownership and permissions are changed to match fsGroup: Always (the default) or OnRootMismatch. Not for Windows pods.',
        { enum: ['Always', 'OnRootMismatch'] },
      ),
      runAsGroup: int64('GID the container processes run as; the runtime default when unset. A container setting wins. Not for Windows pods.'),
      runAsNonRoot: bool(
        'Require containers to run as a non-root user; the kubelet refuses to start a container whose user is UID 0. A container setting wins.',
      ),
      runAsUser: int64('UID the container processes run as; the image default when unset. A container setting wins. Not for Windows pods.'),
      seLinuxChangePolicy: str(
        'How the SELinux label is applied to volumes: Recursive relabels every file, MountOption uses a mount option where the volume supports it. Not for Windows pods.',
        { enum: ['MountOption', 'Recursive'] },
      ),
      seLinuxOptions: ref(
        core('SELinuxOptions'),
        'SELinux context of all containers; a random context is allocated when unset. A container setting wins. Not for Windows pods.',
      ),
      seccompProfile: ref(core('SeccompProfile'), 'Seccomp profile of the containers of the pod. Not for Windows pods.'),
      supplementalGroups: atomicList(
        int64(),
        'Groups added to the first process of each container, besides its primary GID and fsGroup. Not for Windows pods.',
      ),
      supplementalGroupsPolicy: str(
        "How the supplemental groups of the first process are computed: Merge (the default) adds the groups from the image's /etc/group, Strict uses only the groups given here. Not for Windows pods.",
        { enum: ['Merge', 'Strict'] },
      ),
      sysctls: atomicList(ref(core('Sysctl')), 'Namespaced sysctls set for the pod. Not for Windows pods.'),
      windowsOptions: ref(
        core('WindowsSecurityContextOptions'),
        'Windows settings of all containers. A container setting wins. Only for Windows pods.',
      ),
    },
    'PodSecurityContext holds pod-level security settings and defaults for the security settings of its containers.',
  ),
);

def(
  core('SecurityContext'),
  obj(
    {
      allowPrivilegeEscalation: bool(
        'Whether a process may gain more privileges than its parent (controls no_new_privs). Always true for privileged containers or with CAP_SYS_ADMIN. Not for Windows pods.',
      ),
      appArmorProfile: ref(core('AppArmorProfile'), "AppArmor profile of this container; overrides the pod's. Not for Windows pods."),
      capabilities: ref(core('Capabilities'), 'POSIX capabilities to add or drop; the runtime default set when unset. Not for Windows pods.'),
      privileged: bool('Run the container privileged, essentially as root on the host. Defaults to false. Not for Windows pods.'),
      procMount: str(
        'Kind of /proc mount: Default (the runtime masks sensitive paths) or Unmasked. Not for Windows pods.',
        { enum: ['Default', 'Unmasked'] },
      ),
      readOnlyRootFilesystem: bool('Mount the root filesystem read-only. Defaults to false. Not for Windows pods.'),
      runAsGroup: int64('GID the container process runs as; overrides the pod setting. Not for Windows pods.'),
      runAsNonRoot: bool('Require the container to run as a non-root user; overrides the pod setting.'),
      runAsUser: int64('UID the container process runs as; overrides the pod setting. Not for Windows pods.'),
      seLinuxOptions: ref(core('SELinuxOptions'), 'SELinux context of the container; overrides the pod setting. Not for Windows pods.'),
      seccompProfile: ref(core('SeccompProfile'), "Seccomp profile of this container; overrides the pod's. Not for Windows pods."),
      windowsOptions: ref(core('WindowsSecurityContextOptions'), 'Windows settings of the container; overrides the pod setting. Only for Windows pods.'),
    },
    'SecurityContext holds the security settings of one container. Fields set here take precedence over the pod security context.',
  ),
);

def(
  core('Capabilities'),
  obj(
    {
      add: atomicList(str(), 'Capabilities to add.'),
      drop: atomicList(str(), 'Capabilities to drop.'),
    },
    'Capabilities lists POSIX capabilities to add to or drop from a container.',
  ),
);

def(
  core('SELinuxOptions'),
  obj(
    {
      level: str('SELinux level label.'),
      role: str('SELinux role label.'),
      type: str('SELinux type label.'),
      user: str('SELinux user label.'),
    },
    'SELinuxOptions are the SELinux labels applied to a container.',
  ),
);

def(
  core('SeccompProfile'),
  obj(
    {
      localhostProfile: str(
        'Path of a profile file preconfigured on the node, relative to the kubelet’s seccomp profile directory. Required for type Localhost and forbidden otherwise.',
      ),
      type: str(
        'Kind of seccomp profile: Localhost (a file on the node), RuntimeDefault (the runtime’s default) or Unconfined (none).',
        { enum: PROFILE_TYPES },
      ),
    },
    {
      description: 'SeccompProfile selects the seccomp profile of a pod or container.',
      required: ['type'],
      extra: typeUnion({ localhostProfile: 'LocalhostProfile' }),
    },
  ),
);

def(
  core('AppArmorProfile'),
  obj(
    {
      localhostProfile: str('Name of a profile loaded on the node. Required for type Localhost and forbidden otherwise.'),
      type: str(
        'Kind of AppArmor profile: Localhost (preloaded on the node), RuntimeDefault (the runtime’s default) or Unconfined (no enforcement).',
        { enum: PROFILE_TYPES },
      ),
    },
    {
      description: 'AppArmorProfile selects the AppArmor profile of a pod or container.',
      required: ['type'],
      extra: typeUnion({ localhostProfile: 'LocalhostProfile' }),
    },
  ),
);

def(
  core('WindowsSecurityContextOptions'),
  obj(
    {
      gmsaCredentialSpec: str('Content of the GMSA credential spec, filled in by the GMSA admission webhook from gmsaCredentialSpecName.'),
      gmsaCredentialSpecName: str('Name of the GMSA credential spec to use.'),
      hostProcess: bool(
        "Run the container as a Windows 'Host Process' container. All containers of a pod must agree, and hostNetwork must then be true.",
      ),
      runAsUserName: str('Windows user name the container entrypoint runs as; the image default when unset.'),
    },
    'WindowsSecurityContextOptions holds Windows-specific security settings.',
  ),
);

def(
  core('Sysctl'),
  obj(
    {
      name: str('Name of the kernel parameter.'),
      value: str('Value to set.'),
    },
    { description: 'Sysctl sets one kernel parameter.', required: ['name', 'value'] },
  ),
);

/* =====================================================================================
 * Volumes
 * ===================================================================================== */

def(
  core('Volume'),
  obj(
    {
      awsElasticBlockStore: ref(core('AWSElasticBlockStoreVolumeSource'), 'Deprecated: an AWS EBS disk attached to the node. Use the ebs.csi.aws.com CSI driver instead.'),
      azureDisk: ref(core('AzureDiskVolumeSource'), 'Deprecated: an Azure data disk. Use the disk.csi.azure.com CSI driver instead.'),
      azureFile: ref(core('AzureFileVolumeSource'), 'Deprecated: an Azure File Service share. Use the file.csi.azure.com CSI driver instead.'),
      cephfs: ref(core('CephFSVolumeSource'), 'Deprecated: a CephFS mount.'),
      cinder: ref(core('CinderVolumeSource'), 'Deprecated: an OpenStack Cinder volume. Use the cinder.csi.openstack.org CSI driver instead.'),
      configMap: ref(core('ConfigMapVolumeSource'), 'A ConfigMap whose keys become files.'),
      csi: ref(core('CSIVolumeSource'), 'An ephemeral volume provided by a CSI driver.'),
      downwardAPI: ref(core('DownwardAPIVolumeSource'), 'Files holding information about the pod.'),
      emptyDir: ref(core('EmptyDirVolumeSource'), 'A temporary directory that lives as long as the pod.'),
      ephemeral: ref(
        core('EphemeralVolumeSource'),
        'A volume provisioned through a PersistentVolumeClaim created with the pod and deleted with it.',
      ),
      fc: ref(core('FCVolumeSource'), 'A Fibre Channel disk attached to the node.'),
      flexVolume: ref(core('FlexVolumeSource'), 'Deprecated: a volume handled by an exec-based FlexVolume plugin.'),
      flocker: ref(core('FlockerVolumeSource'), 'Deprecated: a Flocker dataset.'),
      gcePersistentDisk: ref(core('GCEPersistentDiskVolumeSource'), 'Deprecated: a GCE persistent disk. Use the pd.csi.storage.gke.io CSI driver instead.'),
      gitRepo: ref(core('GitRepoVolumeSource'), 'Deprecated: a git repository cloned at a revision. Clone into an emptyDir from an init container instead.'),
      glusterfs: ref(core('GlusterfsVolumeSource'), 'Deprecated: a GlusterFS mount.'),
      hostPath: ref(core('HostPathVolumeSource'), 'A file or directory of the node. Mostly for system agents; use with care.'),
      image: ref(core('ImageVolumeSource'), 'The content of an OCI image or artifact, mounted read-only. Requires the ImageVolume feature.'),
      iscsi: ref(core('ISCSIVolumeSource'), 'An iSCSI disk attached to the node.'),
      name: str('Name of the volume, a DNS label unique within the pod.'),
      nfs: ref(core('NFSVolumeSource'), 'An NFS export.'),
      persistentVolumeClaim: ref(core('PersistentVolumeClaimVolumeSource'), 'A PersistentVolumeClaim in the same namespace.'),
      photonPersistentDisk: ref(core('PhotonPersistentDiskVolumeSource'), 'Deprecated: a Photon Controller persistent disk.'),
      portworxVolume: ref(core('PortworxVolumeSource'), 'Deprecated: a Portworx volume.'),
      projected: ref(core('ProjectedVolumeSource'), 'Secrets, ConfigMaps, downward API data and tokens combined into one directory.'),
      quobyte: ref(core('QuobyteVolumeSource'), 'Deprecated: a Quobyte mount.'),
      rbd: ref(core('RBDVolumeSource'), 'Deprecated: a Ceph RADOS block device.'),
      scaleIO: ref(core('ScaleIOVolumeSource'), 'Deprecated: a ScaleIO volume.'),
      secret: ref(core('SecretVolumeSource'), 'A Secret whose keys become files.'),
      storageos: ref(core('StorageOSVolumeSource'), 'Deprecated: a StorageOS volume.'),
      vsphereVolume: ref(core('VsphereVirtualDiskVolumeSource'), 'Deprecated: a vSphere virtual disk. Use the csi.vsphere.vmware.com CSI driver instead.'),
    },
    {
      description:
        'Volume is a named volume of a pod that its containers can mount. At most one source may be set; a volume with no source is an emptyDir.',
      required: ['name'],
    },
  ),
);

/* ---------- Simple and built-in sources ---------- */

def(
  core('EmptyDirVolumeSource'),
  obj(
    {
      medium: str('Storage medium backing the directory: "" for the node default, or Memory (tmpfs).'),
      sizeLimit: quantity(
        'Maximum amount of local storage for the directory (for Memory, further capped by the pod’s memory limits). Unlimited when unset.',
      ),
    },
    'EmptyDirVolumeSource is an initially empty directory that lives as long as the pod.',
  ),
);

def(
  core('HostPathVolumeSource'),
  obj(
    {
      path: str('Path of the file or directory on the node; symlinks are followed.'),
      type: str('What must exist at the path, checked before mounting. "" (the default) performs no check.', {
        enum: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'],
        default: '',
      }),
    },
    { description: 'HostPathVolumeSource exposes a file or directory of the node to the pod.', required: ['path'] },
  ),
);

def(
  core('KeyToPath'),
  obj(
    {
      key: str('The key to project.'),
      mode: int32(
        "Permission bits of the file, 0-0777 (decimal 0-511; JSON needs decimal). The volume's defaultMode when unset.",
      ),
      path: str("Relative path of the file. Must not be absolute, contain '..' elements or start with '..'."),
    },
    { description: 'KeyToPath maps a key of a ConfigMap or Secret to a file path in a volume.', required: ['key', 'path'] },
  ),
);

def(
  core('ConfigMapVolumeSource'),
  obj(
    {
      defaultMode: int32(
        'Permission bits of created files, 0-0777 (decimal 0-511; JSON needs decimal). Defaults to 0644 (420).',
        { default: 420 },
      ),
      items: atomicList(
        ref(core('KeyToPath')),
        'Keys to project and their paths. When unset every key becomes a file named after it; when set only the listed keys appear.',
      ),
      name: str('Name of the ConfigMap in the same namespace.'),
      optional: bool('Whether the ConfigMap or the listed keys may be missing.'),
    },
    'ConfigMapVolumeSource presents the data of a ConfigMap as files.',
  ),
);

def(
  core('SecretVolumeSource'),
  obj(
    {
      defaultMode: int32(
        'Permission bits of created files, 0-0777 (decimal 0-511; JSON needs decimal). Defaults to 0644 (420).',
        { default: 420 },
      ),
      items: atomicList(
        ref(core('KeyToPath')),
        'Keys to project and their paths. When unset every key becomes a file named after it; when set only the listed keys appear.',
      ),
      optional: bool('Whether the Secret or the listed keys may be missing.'),
      secretName: str("Name of the Secret in the pod's namespace."),
    },
    'SecretVolumeSource presents the data of a Secret as files.',
  ),
);

def(
  core('PersistentVolumeClaimVolumeSource'),
  obj(
    {
      claimName: str('Name of a PersistentVolumeClaim in the pod’s namespace.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
    },
    {
      description: 'PersistentVolumeClaimVolumeSource mounts the volume bound to a PersistentVolumeClaim in the same namespace.',
      required: ['claimName'],
    },
  ),
);

def(
  core('DownwardAPIVolumeSource'),
  obj(
    {
      defaultMode: int32(
        'Permission bits of created files, 0-0777 (decimal 0-511; JSON needs decimal). Defaults to 0644 (420).',
        { default: 420 },
      ),
      items: atomicList(ref(core('DownwardAPIVolumeFile')), 'The files to create.'),
    },
    'DownwardAPIVolumeSource presents information about the pod as files.',
  ),
);

def(
  core('DownwardAPIVolumeFile'),
  obj(
    {
      fieldRef: ref(
        core('ObjectFieldSelector'),
        'A field of the pod: metadata.name, metadata.namespace, metadata.uid, metadata.labels or metadata.annotations (whole or by key).',
      ),
      mode: int32(
        "Permission bits of the file, 0-0777 (decimal 0-511; JSON needs decimal). The volume's defaultMode when unset.",
      ),
      path: str("Relative path of the file to create. Must not be absolute, contain '..' elements or start with '..'."),
      resourceFieldRef: ref(core('ResourceFieldSelector'), 'A resource limit or request of a container.'),
    },
    { description: 'DownwardAPIVolumeFile is one file holding a field or resource value of the pod.', required: ['path'] },
  ),
);

def(
  core('ImageVolumeSource'),
  obj(
    {
      pullPolicy: str(
        'When the image is pulled: Always, Never or IfNotPresent. Defaults to Always for a ":latest" (or untagged) reference, IfNotPresent otherwise.',
        { enum: PULL_POLICIES },
      ),
      reference: str(
        'Image or artifact reference, resolved like a container image (with the same pull secrets). Optional so that controllers can fill it in.',
      ),
    },
    'ImageVolumeSource mounts the content of an OCI image or artifact read-only and non-executable. Sub path mounts are not supported.',
  ),
);

/* ---------- Projected volumes ---------- */

def(
  core('ProjectedVolumeSource'),
  obj(
    {
      defaultMode: int32(
        'Permission bits of created files, 0-0777 (decimal 0-511; JSON needs decimal). Defaults to 0644 (420).',
        { default: 420 },
      ),
      sources: atomicList(ref(core('VolumeProjection')), 'The projections; each entry handles one source.'),
    },
    'ProjectedVolumeSource combines several sources into one volume directory.',
  ),
);

def(
  core('VolumeProjection'),
  obj(
    {
      clusterTrustBundle: ref(
        core('ClusterTrustBundleProjection'),
        'Certificates of ClusterTrustBundle objects, selected by name or by signer name and labels, kept up to date in a file. Requires the ClusterTrustBundleProjection feature.',
      ),
      configMap: ref(core('ConfigMapProjection'), 'Data of a ConfigMap.'),
      downwardAPI: ref(core('DownwardAPIProjection'), 'Information about the pod.'),
      secret: ref(core('SecretProjection'), 'Data of a Secret.'),
      serviceAccountToken: ref(core('ServiceAccountTokenProjection'), 'A token of the pod’s service account.'),
    },
    'VolumeProjection is one source of a projected volume. Exactly one field must be set.',
  ),
);

def(
  core('ConfigMapProjection'),
  obj(
    {
      items: atomicList(
        ref(core('KeyToPath')),
        'Keys to project and their paths. When unset every key becomes a file named after it; when set only the listed keys appear.',
      ),
      name: str('Name of the ConfigMap in the same namespace.'),
      optional: bool('Whether the ConfigMap or the listed keys may be missing.'),
    },
    'ConfigMapProjection projects the data of a ConfigMap into a projected volume.',
  ),
);

def(
  core('SecretProjection'),
  obj(
    {
      items: atomicList(
        ref(core('KeyToPath')),
        'Keys to project and their paths. When unset every key becomes a file named after it; when set only the listed keys appear.',
      ),
      name: str('Name of the Secret in the same namespace.'),
      optional: bool('Whether the Secret or the listed keys may be missing.'),
    },
    'SecretProjection projects the data of a Secret into a projected volume.',
  ),
);

def(
  core('DownwardAPIProjection'),
  obj(
    {
      items: atomicList(ref(core('DownwardAPIVolumeFile')), 'The files to create.'),
    },
    'DownwardAPIProjection projects information about the pod into a projected volume.',
  ),
);

def(
  core('ServiceAccountTokenProjection'),
  obj(
    {
      audience: str('Intended audience of the token. Defaults to the identifier of the API server.'),
      expirationSeconds: int64(
        'Requested lifetime of the token in seconds; the kubelet rotates it before it expires. At least 600. Defaults to 3600.',
        { default: 3600 },
      ),
      path: str('Path of the token file, relative to the mount point.'),
    },
    { description: 'ServiceAccountTokenProjection projects a service account token into a projected volume.', required: ['path'] },
  ),
);

def(
  core('ClusterTrustBundleProjection'),
  obj(
    {
      labelSelector: labelSelector(
        'Selects ClusterTrustBundles of signerName by label. Unset matches none; empty matches all. Mutually exclusive with name.',
      ),
      name: str('Name of a single ClusterTrustBundle. Mutually exclusive with signerName and labelSelector.'),
      optional: bool(
        'Do not block pod startup when the named bundle is missing or the signer and selector match no bundle.',
      ),
      path: str('Path of the bundle file, relative to the volume root.'),
      signerName: str(
        'Select all ClusterTrustBundles of this signer; their certificates are merged and deduplicated. Mutually exclusive with name.',
      ),
    },
    {
      description: 'ClusterTrustBundleProjection writes the certificates of selected ClusterTrustBundle objects into a file.',
      required: ['path'],
    },
  ),
);

/* ---------- Ephemeral and CSI volumes ---------- */

def(
  core('CSIVolumeSource'),
  obj(
    {
      driver: str('Name of the CSI driver handling the volume.'),
      fsType: str('Filesystem type, such as ext4 or xfs. When empty the driver chooses.'),
      nodePublishSecretRef: ref(
        core('LocalObjectReference'),
        'Secret with sensitive data passed to the driver in NodePublishVolume and NodeUnpublishVolume calls.',
      ),
      readOnly: bool('Mount the volume read-only. Defaults to false.'),
      volumeAttributes: strMap('Driver-specific properties passed to the driver.'),
    },
    { description: 'CSIVolumeSource is an ephemeral volume provided by an external CSI driver.', required: ['driver'] },
  ),
);

def(
  core('EphemeralVolumeSource'),
  obj(
    {
      volumeClaimTemplate: ref(
        core('PersistentVolumeClaimTemplate'),
        'Template of the PersistentVolumeClaim created for the pod, named "<pod name>-<volume name>" and owned by the pod. Required.',
      ),
    },
    'EphemeralVolumeSource is a volume provisioned by a storage driver through a claim that lives and dies with the pod.',
  ),
);

def(
  core('PersistentVolumeClaimTemplate'),
  obj(
    {
      metadata: ref(
        'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
        'Labels and annotations copied into the created claim. Other metadata fields are rejected.',
      ),
      spec: ref(core('PersistentVolumeClaimSpec'), 'Spec of the created claim, copied unchanged.'),
    },
    { description: 'PersistentVolumeClaimTemplate describes the PersistentVolumeClaim created for an ephemeral volume.', required: ['spec'] },
  ),
);

/* ---------- Network and block storage sources ---------- */

def(
  core('NFSVolumeSource'),
  obj(
    {
      path: str('Path exported by the NFS server.'),
      readOnly: bool('Mount the export read-only. Defaults to false.'),
      server: str('Host name or IP address of the NFS server.'),
    },
    { description: 'NFSVolumeSource mounts an NFS export for the lifetime of the pod.', required: ['server', 'path'] },
  ),
);

def(
  core('ISCSIVolumeSource'),
  obj(
    {
      chapAuthDiscovery: bool('Use CHAP authentication for iSCSI discovery.'),
      chapAuthSession: bool('Use CHAP authentication for iSCSI sessions.'),
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      initiatorName: str('Custom iSCSI initiator name. Together with iscsiInterface it creates a new interface "<target portal>:<volume name>".'),
      iqn: str('iSCSI qualified name of the target.'),
      iscsiInterface: str('iSCSI interface name using an iSCSI transport. Defaults to "default" (tcp).', { default: 'default' }),
      lun: int32('Target LUN number.'),
      portals: atomicList(str(), 'Additional target portals, each an IP or ip:port (when not the default 860 or 3260).'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding the CHAP credentials.'),
      targetPortal: str('Target portal, an IP or ip:port (when not the default 860 or 3260).'),
    },
    { description: 'ISCSIVolumeSource attaches an iSCSI disk; it can be mounted read-write by one node only.', required: ['targetPortal', 'iqn', 'lun'] },
  ),
);

def(
  core('FCVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      lun: int32('Target LUN number.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      targetWWNs: atomicList(str(), 'Target world wide names.'),
      wwids: atomicList(str(), 'World wide identifiers of the volume. Set either wwids or targetWWNs with lun, not both.'),
    },
    'FCVolumeSource attaches a Fibre Channel disk; it can be mounted read-write by one node only.',
  ),
);

def(
  core('RBDVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      image: str('Name of the RADOS image.'),
      keyring: str('Path of the keyring for the user. Defaults to /etc/ceph/keyring.', { default: '/etc/ceph/keyring' }),
      monitors: atomicList(str(), 'Ceph monitor addresses.'),
      pool: str('Name of the RADOS pool. Defaults to rbd.', { default: 'rbd' }),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding the authentication key; overrides keyring.'),
      user: str('RADOS user name. Defaults to admin.', { default: 'admin' }),
    },
    { description: 'RBDVolumeSource attaches a Ceph RADOS block device for the lifetime of the pod.', required: ['monitors', 'image'] },
  ),
);

def(
  core('CephFSVolumeSource'),
  obj(
    {
      monitors: atomicList(str(), 'Ceph monitor addresses.'),
      path: str('Path used as the root of the mount instead of the full Ceph tree. Defaults to /.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretFile: str('Path of the key ring for the user. Defaults to /etc/ceph/user.secret.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding the authentication key; overrides secretFile.'),
      user: str('RADOS user name. Defaults to admin.'),
    },
    { description: 'CephFSVolumeSource mounts a Ceph filesystem for the lifetime of the pod.', required: ['monitors'] },
  ),
);

def(
  core('GlusterfsVolumeSource'),
  obj(
    {
      endpoints: str('Name of the Endpoints object describing the GlusterFS cluster.'),
      path: str('GlusterFS volume path.'),
      readOnly: bool('Mount the volume read-only. Defaults to false.'),
    },
    { description: 'GlusterfsVolumeSource mounts a GlusterFS volume for the lifetime of the pod.', required: ['endpoints', 'path'] },
  ),
);

def(
  core('QuobyteVolumeSource'),
  obj(
    {
      group: str('Group to map volume access to. No group by default.'),
      readOnly: bool('Mount the volume read-only. Defaults to false.'),
      registry: str('Quobyte registry services, as host:port pairs separated by commas.'),
      tenant: str('Tenant owning the volume in the backend; set by the plugin for dynamically provisioned volumes.'),
      user: str('User to map volume access to. Defaults to the service account user.'),
      volume: str('Name of an existing Quobyte volume.'),
    },
    { description: 'QuobyteVolumeSource mounts a Quobyte volume for the lifetime of the pod.', required: ['registry', 'volume'] },
  ),
);

def(
  core('FlexVolumeSource'),
  obj(
    {
      driver: str('Name of the FlexVolume driver.'),
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. The default depends on the driver script.'),
      options: strMap('Extra command options passed to the driver.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret whose data is passed to the driver scripts.'),
    },
    { description: 'FlexVolumeSource is a volume provisioned and attached by an exec-based plugin.', required: ['driver'] },
  ),
);

def(
  core('FlockerVolumeSource'),
  obj(
    {
      datasetName: str('Name of the dataset, as stored in its metadata. Deprecated.'),
      datasetUUID: str('UUID of the dataset.'),
    },
    'FlockerVolumeSource mounts a Flocker dataset. Exactly one of datasetName and datasetUUID should be set.',
  ),
);

def(
  core('GitRepoVolumeSource'),
  obj(
    {
      directory: str(
        "Directory to clone into. '.' makes the volume root the repository; otherwise the repository is cloned into this subdirectory. Must not contain or start with '..'.",
      ),
      repository: str('URL of the repository.'),
      revision: str('Commit hash to check out.'),
    },
    { description: 'GitRepoVolumeSource clones a git repository into the volume. Deprecated.', required: ['repository'] },
  ),
);

/* ---------- Cloud and vendor disks ---------- */

def(
  core('AWSElasticBlockStoreVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      partition: int32('Partition of the disk to mount, e.g. 1 for /dev/sda1. The whole volume when unset or 0.'),
      readOnly: bool('Force the volume mounts read-only.'),
      volumeID: str('ID of the EBS volume.'),
    },
    { description: 'AWSElasticBlockStoreVolumeSource attaches an AWS EBS disk. Deprecated.', required: ['volumeID'] },
  ),
);

def(
  core('GCEPersistentDiskVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      partition: int32('Partition of the disk to mount, e.g. 1 for /dev/sda1. The whole volume when unset or 0.'),
      pdName: str('Name of the persistent disk in GCE.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
    },
    { description: 'GCEPersistentDiskVolumeSource attaches a GCE persistent disk. Deprecated.', required: ['pdName'] },
  ),
);

def(
  core('AzureDiskVolumeSource'),
  obj(
    {
      cachingMode: str('Host caching mode: None, ReadOnly or ReadWrite. Defaults to ReadWrite.', {
        enum: ['None', 'ReadOnly', 'ReadWrite'],
        default: 'ReadWrite',
      }),
      diskName: str('Name of the data disk in the blob storage.'),
      diskURI: str('URI of the data disk in the blob storage.'),
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Defaults to ext4.', { default: 'ext4' }),
      kind: str(
        'Kind of disk: Shared (several blob disks per storage account), Dedicated (one per account) or Managed (an Azure managed disk). Defaults to Shared.',
        { enum: ['Dedicated', 'Managed', 'Shared'], default: 'Shared' },
      ),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.', { default: false }),
    },
    { description: 'AzureDiskVolumeSource attaches an Azure data disk. Deprecated.', required: ['diskName', 'diskURI'] },
  ),
);

def(
  core('AzureFileVolumeSource'),
  obj(
    {
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretName: str('Name of the Secret holding the storage account name and key.'),
      shareName: str('Name of the Azure file share.'),
    },
    { description: 'AzureFileVolumeSource mounts an Azure File Service share. Deprecated.', required: ['secretName', 'shareName'] },
  ),
);

def(
  core('CinderVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding parameters for connecting to OpenStack.'),
      volumeID: str('ID of the Cinder volume.'),
    },
    { description: 'CinderVolumeSource attaches an OpenStack Cinder volume from the kubelet’s region. Deprecated.', required: ['volumeID'] },
  ),
);

def(
  core('PhotonPersistentDiskVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      pdID: str('ID of the Photon Controller persistent disk.'),
    },
    { description: 'PhotonPersistentDiskVolumeSource attaches a Photon Controller persistent disk. Deprecated.', required: ['pdID'] },
  ),
);

def(
  core('PortworxVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4 or xfs. Taken as ext4 when empty.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      volumeID: str('ID of the Portworx volume.'),
    },
    { description: 'PortworxVolumeSource mounts a Portworx volume. Deprecated.', required: ['volumeID'] },
  ),
);

def(
  core('ScaleIOVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Defaults to xfs.', { default: 'xfs' }),
      gateway: str('Host address of the ScaleIO API gateway.'),
      protectionDomain: str('Name of the ScaleIO protection domain of the storage.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding the ScaleIO user credentials. Login fails without it.'),
      sslEnabled: bool('Use SSL to talk to the gateway. Defaults to false.'),
      storageMode: str('ThickProvisioned or ThinProvisioned. Defaults to ThinProvisioned.', { default: 'ThinProvisioned' }),
      storagePool: str('ScaleIO storage pool of the protection domain.'),
      system: str('Name of the storage system configured in ScaleIO.'),
      volumeName: str('Name of an existing ScaleIO volume.'),
    },
    { description: 'ScaleIOVolumeSource mounts a ScaleIO volume. Deprecated.', required: ['gateway', 'system', 'secretRef'] },
  ),
);

def(
  core('StorageOSVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      readOnly: bool('Force the volume mounts read-only. Defaults to false.'),
      secretRef: ref(core('LocalObjectReference'), 'Secret holding the StorageOS API credentials.'),
      volumeName: str('Name of the StorageOS volume, unique within its StorageOS namespace.'),
      volumeNamespace: str(
        'StorageOS namespace of the volume; the pod’s namespace when empty. Use "default" if StorageOS namespaces are not used.',
      ),
    },
    'StorageOSVolumeSource mounts a StorageOS volume. Deprecated.',
  ),
);

def(
  core('VsphereVirtualDiskVolumeSource'),
  obj(
    {
      fsType: str('Filesystem type, such as ext4, xfs or ntfs. Taken as ext4 when empty.'),
      storagePolicyID: str('ID of the storage policy (SPBM) profile named by storagePolicyName.'),
      storagePolicyName: str('Name of the storage policy (SPBM) profile.'),
      volumePath: str('Path identifying the vSphere volume vmdk.'),
    },
    { description: 'VsphereVirtualDiskVolumeSource attaches a vSphere virtual disk. Deprecated.', required: ['volumePath'] },
  ),
);

/* =====================================================================================
 * PodStatus
 * ===================================================================================== */

def(
  core('PodStatus'),
  obj(
    {
      conditions: mapList(ref(core('PodCondition')), 'type', 'Current conditions of the pod.'),
      containerStatuses: atomicList(ref(core('ContainerStatus')), 'Status of each regular container, one entry per container of the spec.'),
      ephemeralContainerStatuses: atomicList(ref(core('ContainerStatus')), 'Status of each ephemeral container that has run in the pod.'),
      hostIP: str('IP address of the node the pod is assigned to. Empty until the pod has started.'),
      hostIPs: arr(ref(core('HostIP')), {
        description: 'IP addresses of the node the pod is assigned to; the first equals hostIP. Empty until the pod has started.',
        listType: 'atomic',
        patchStrategy: 'merge',
        patchMergeKey: 'ip',
      }),
      initContainerStatuses: atomicList(ref(core('ContainerStatus')), 'Status of each init container, one entry per init container of the spec.'),
      message: str('Human-readable explanation of why the pod is in its current state.'),
      nominatedNodeName: str(
        'Node on which the pod is expected to run after it preempted pods there and is waiting for them to terminate. Not a guarantee of placement.',
      ),
      observedGeneration: int64('The metadata.generation of the pod this status was computed from.'),
      phase: str(
        'High-level summary of the pod lifecycle: Pending, Running, Succeeded, Failed or Unknown.',
        { enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] },
      ),
      podIP: str('Primary IP address allocated to the pod. Empty until one is allocated.'),
      podIPs: mapList(
        ref(core('PodIP')),
        'ip',
        'IP addresses allocated to the pod, at most one per IP family; the first equals podIP. Empty until allocated.',
      ),
      qosClass: str('Quality of service class of the pod, derived from its resource requests and limits.', {
        enum: ['BestEffort', 'Burstable', 'Guaranteed'],
      }),
      reason: str("Brief CamelCase reason for the pod's current state, such as Evicted."),
      resize: str(
        'Deprecated: state of a pending in-place resize (Proposed, InProgress, Deferred or Infeasible). Replaced by the PodResizePending and PodResizeInProgress conditions.',
      ),
      resourceClaimStatuses: arr(ref(core('PodResourceClaimStatus')), {
        description: 'Names of the ResourceClaims generated for the pod’s resource claims.',
        listType: 'map',
        mapKeys: ['name'],
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
      }),
      startTime: time('When the kubelet acknowledged the pod, before pulling any images.'),
    },
    'PodStatus is the most recently observed state of a pod. It may lag behind reality, for example when the node cannot reach the control plane.',
  ),
);

def(
  core('PodCondition'),
  obj(
    {
      lastProbeTime: time('When the condition was last probed.'),
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('Human-readable details about the last transition.'),
      observedGeneration: int64('The metadata.generation of the pod the condition was set from.'),
      reason: str('Unique, one-word CamelCase reason for the last transition.'),
      status: str('Status of the condition: True, False or Unknown.'),
      type: str('Type of the condition, such as PodScheduled, Initialized, ContainersReady or Ready.'),
    },
    { description: 'PodCondition describes one aspect of the current state of a pod.', required: ['type', 'status'] },
  ),
);

def(
  core('PodIP'),
  obj(
    {
      ip: str('An IP address assigned to the pod.'),
    },
    { description: 'PodIP is one IP address allocated to a pod.', required: ['ip'] },
  ),
);

def(
  core('HostIP'),
  obj(
    {
      ip: str('An IP address of the host.'),
    },
    { description: 'HostIP is one IP address of the node a pod runs on.', required: ['ip'] },
  ),
);

def(
  core('PodResourceClaimStatus'),
  obj(
    {
      name: str('Name of the matching entry of pod.spec.resourceClaims.'),
      resourceClaimName: str(
        'Name of the ResourceClaim generated for the pod in its namespace. Unset when no claim had to be generated, in which case the entry can be ignored.',
      ),
    },
    {
      description: 'PodResourceClaimStatus records the ResourceClaim generated for a pod resource claim that uses a template.',
      required: ['name'],
    },
  ),
);

/* ---------- Container status ---------- */

def(
  core('ContainerStatus'),
  obj(
    {
      allocatedResources: resourceList('Compute resources the node has allocated to the container after admitting the pod or a resize.'),
      allocatedResourcesStatus: mapList(
        ref(core('ResourceStatus')),
        'name',
        'Health of the devices allocated to the container, per resource.',
      ),
      containerID: str("ID of the container, as '<runtime>://<container id>'."),
      image: str('Image the container runs, possibly as resolved by the runtime.'),
      imageID: str('ID of the image the container runs, possibly as resolved by the runtime.'),
      lastState: ref(
        core('ContainerState'),
        'Details of the last termination, for debugging crashes. Empty while the container is running and has never restarted.',
      ),
      name: str('Name of the container, unique across all containers of the pod.'),
      ready: bool('Whether the container currently passes its readiness probe (or, without one, has started).'),
      resources: ref(core('ResourceRequirements'), 'Resource requests and limits actually applied to the running container.'),
      restartCount: int32('Number of times the container has restarted. Never negative; may reset when kubelet state is lost.'),
      started: bool('Whether the container has passed its postStart hook and startup probe. Null means false.'),
      state: ref(core('ContainerState'), 'Current state of the container.'),
      stopSignal: str('Stop signal in effect for the container.'),
      user: ref(core('ContainerUser'), 'Identity of the first process of the container when it started.'),
      volumeMounts: mapList(ref(core('VolumeMountStatus')), 'mountPath', 'Status of the volume mounts of the container.'),
    },
    {
      description: 'ContainerStatus is the current status of one container of a pod.',
      required: ['name', 'ready', 'restartCount', 'image', 'imageID'],
    },
  ),
);

def(
  core('ContainerState'),
  obj(
    {
      running: ref(core('ContainerStateRunning'), 'Details of a running container.'),
      terminated: ref(core('ContainerStateTerminated'), 'Details of a terminated container.'),
      waiting: ref(core('ContainerStateWaiting'), 'Details of a waiting container.'),
    },
    'ContainerState is the state of a container; at most one member is set, and none means waiting.',
  ),
);

def(
  core('ContainerStateRunning'),
  obj(
    {
      startedAt: time('When the container last (re)started.'),
    },
    'ContainerStateRunning describes a running container.',
  ),
);

def(
  core('ContainerStateWaiting'),
  obj(
    {
      message: str('Why the container is not running yet.'),
      reason: str('Brief reason the container is not running yet, such as ContainerCreating or CrashLoopBackOff.'),
    },
    'ContainerStateWaiting describes a container that is not yet running.',
  ),
);

def(
  core('ContainerStateTerminated'),
  obj(
    {
      containerID: str("ID of the container, as '<runtime>://<container id>'."),
      exitCode: int32('Exit status of the container.'),
      finishedAt: time('When the container terminated.'),
      message: str('Message about the termination.'),
      reason: str('Brief reason for the termination, such as Completed, Error or OOMKilled.'),
      signal: int32('Signal that terminated the container, if any.'),
      startedAt: time('When the terminated execution started.'),
    },
    { description: 'ContainerStateTerminated describes a container that has terminated.', required: ['exitCode'] },
  ),
);

def(
  core('VolumeMountStatus'),
  obj(
    {
      mountPath: str('mountPath of the original volume mount.'),
      name: str('Name of the original volume mount.'),
      readOnly: bool('readOnly of the original volume mount.'),
      recursiveReadOnly: str(
        'Effective recursive read-only mode: Disabled or Enabled (IfPossible is resolved to one of them); unset for read-write mounts.',
      ),
    },
    { description: 'VolumeMountStatus reports how a volume mount of a container was made.', required: ['name', 'mountPath'] },
  ),
);

def(
  core('ContainerUser'),
  obj(
    {
      linux: ref(core('LinuxContainerUser'), 'Identity of the first process on Linux. The process may change it later if it is privileged enough.'),
    },
    'ContainerUser describes the identity of the first process of a container.',
  ),
);

def(
  core('LinuxContainerUser'),
  obj(
    {
      gid: int64('Primary GID of the first process of the container.'),
      supplementalGroups: atomicList(int64(), 'Supplemental groups of the first process of the container.'),
      uid: int64('UID of the first process of the container.'),
    },
    { description: 'LinuxContainerUser is the Linux identity of the first process of a container.', required: ['uid', 'gid'] },
  ),
);

def(
  core('ResourceStatus'),
  obj(
    {
      name: str('Name of the resource: a resource from the container spec, or "claim:<claim>/<request>" for dynamically allocated devices.'),
      resources: mapList(ref(core('ResourceHealth')), 'resourceID', 'Health of each device allocated for the resource.'),
    },
    { description: 'ResourceStatus reports the health of the devices allocated for one resource of a container.', required: ['name'] },
  ),
);

def(
  core('ResourceHealth'),
  obj(
    {
      health: str('Health of the device: Healthy, Unhealthy or Unknown.'),
      resourceID: str('Unique ID of the device, as reported by its device plugin or DRA driver.'),
    },
    { description: 'ResourceHealth is the health of one allocated device.', required: ['resourceID'] },
  ),
);

/* =====================================================================================
 * Conditional defaults (not expressible as schema constants)
 *
 * The defaulting code must implement these in addition to the schema `default` values above
 * (which mirror SetDefaults_PodSpec, _Container, _EphemeralContainer, _Probe, _HTTPGetAction,
 * _ObjectFieldSelector, _HostPathVolumeSource, _Secret/_ConfigMap/_DownwardAPI/_ProjectedVolumeSource,
 * _ServiceAccountTokenProjection and the +default markers on
 * ContainerPort.protocol, GRPCAction.service and the ISCSI/RBD/AzureDisk/ScaleIO sources).
 * PersistentVolumeClaimSpec.volumeMode ("Filesystem", also inside ephemeral volume templates)
 * is defaulted by its schema in apps/v1.ts.
 *
 * Everywhere a PodSpec appears (Pod, PodTemplate, workload templates):
 *  1. Container.imagePullPolicy and EphemeralContainer.imagePullPolicy, when empty: "Always" if the
 *     image's tag is "latest" (an image with neither tag nor digest counts as ":latest"),
 *     otherwise "IfNotPresent" (including digest-only references).
 *  2. Volume with no source set at all: emptyDir = {}.
 *  3. ImageVolumeSource.pullPolicy, when empty: same rule as (1) applied to `reference`.
 *  4. Every ResourceList (container/pod limits and requests, overhead, emptyDir sizeLimit is not a
 *     list) has its quantities rounded up to milli precision (SetDefaults_ResourceList).
 *
 * Only on Pod objects (SetDefaults_Pod), NOT on PodTemplateSpec:
 *  5. For each container and init container (not ephemeral ones) with resources.limits: every
 *     resource present in limits but absent from requests gets requests[r] = limits[r].
 *  6. spec.enableServiceLinks, when absent: true.
 *  7. When spec.hostNetwork is true: every containers[*].ports[*] and initContainers[*].ports[*]
 *     with hostPort 0/absent gets hostPort = containerPort.
 *  8. With the PodLevelResources feature and spec.resources.limits set: pod-level requests and
 *     limits are filled in from the aggregated container requests/limits and the pod limits
 *     (hugepage limits first, then requests for supported overcommittable resources, then limits).
 *
 * Done by the pod registry / admission rather than defaulting, but visible on every created Pod:
 *  9. On create: status = { phase: "Pending", qosClass: <computed from requests/limits> }.
 * 10. v1 conversion mirrors spec.serviceAccountName into the deprecated spec.serviceAccount (and
 *     fills serviceAccountName from serviceAccount when only that is given).
 * 11. Admission (when emulated): ServiceAccount sets serviceAccountName "default" and adds the
 *     "kube-api-access-*" projected volume and mounts; DefaultTolerationSeconds adds NoExecute
 *     tolerations for node.kubernetes.io/not-ready and unreachable with tolerationSeconds 300;
 *     Priority sets spec.priority (and preemptionPolicy) from priorityClassName.
 *
 * Go serialization artifacts (non-pointer structs are always written), which the API shows even
 * though no defaulter sets them: ContainerStatus.state and lastState as {}, ResourceFieldSelector
 * divisor as "0", PersistentVolumeClaimSpec.resources as {}, PodTemplateSpec and
 * PersistentVolumeClaimTemplate metadata with creationTimestamp: null. Container.resources is
 * modelled with `default: {}` above for the same reason.
 * ===================================================================================== */
