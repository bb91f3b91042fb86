/**
 * Schemas of the non-Pod kinds of core/v1 (Kubernetes 1.33): Namespace, Service, Endpoints,
 * ConfigMap, Secret, ServiceAccount, Event, Node and Binding, with their Lists and member types.
 *
 * The Pod family, ObjectReference, LocalObjectReference, TypedLocalObjectReference and
 * PodTemplateSpec are defined in ./v1-pod.ts and only referenced here.
 *
 * Only unconditional SetDefaults_* constants appear as schema `default`s; the conditional and
 * server-assigned defaults are listed in the comment block at the end of this file.
 */
import {
  arr,
  atomicList,
  bool,
  bytes,
  def,
  int32,
  int64,
  intOrString,
  kindObj,
  listObj,
  mapList,
  mapOf,
  microTime,
  obj,
  quantity,
  ref,
  str,
  strMap,
  time,
} from '../schema/builders.js';
import type { JSONSchema } from '../schema/types.js';

const C = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const gvk = (kind: string) => ({ group: '', version: 'v1', kind });

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** Registers `<Kind>List` for a core/v1 kind; `itemsDescription` fixes the generated wording where needed. */
function list(kind: string, description: string, itemsDescription?: string): void {
  const s = listObj(gvk(`${kind}List`), `${C}.${kind}`, description);
  if (itemsDescription && s.properties?.items) s.properties.items = { ...s.properties.items, description: itemsDescription };
  def(`${C}.${kind}List`, s);
}

const conditionStatus = (): JSONSchema => str('Status of the condition: True, False or Unknown.');

// ---------------------------------------------------------------------------------------------
// Namespace
// ---------------------------------------------------------------------------------------------

def(
  `${C}.NamespaceSpec`,
  obj(
    {
      finalizers: atomicList(
        str(),
        'Values that must all be removed before the namespace is deleted from storage. The server adds "kubernetes" on create and clears it once the namespace content is gone.',
      ),
    },
    'NamespaceSpec holds the desired attributes of a namespace.',
  ),
);

def(
  `${C}.NamespaceCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('Human-readable detail about the last transition.'),
      reason: str('Short CamelCase reason for the last transition.'),
      status: conditionStatus(),
      type: str('Kind of condition, for example NamespaceContentRemaining or NamespaceDeletionDiscoveryFailure.'),
    },
    { description: 'NamespaceCondition records one observed aspect of a namespace, mostly about its deletion.', required: ['type', 'status'] },
  ),
);

def(
  `${C}.NamespaceStatus`,
  obj(
    {
      conditions: mapList(ref(`${C}.NamespaceCondition`), 'type', 'Latest observations of the namespace state, one per condition type.'),
      phase: str('Lifecycle phase: Active while usable, Terminating once deletion has begun.', { enum: ['Active', 'Terminating'] }),
    },
    'NamespaceStatus is the observed state of a namespace.',
  ),
);

def(
  `${C}.Namespace`,
  kindObj(gvk('Namespace'), 'Namespace is a scope for names of namespaced objects. Deleting it deletes everything inside it.', {
    spec: ref(`${C}.NamespaceSpec`, 'Desired attributes of the namespace.'),
    status: ref(`${C}.NamespaceStatus`, 'Observed state of the namespace, maintained by the server.'),
  }),
);
list('Namespace', 'NamespaceList is a list of Namespace objects.', 'The namespaces in this list.');

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

def(
  `${C}.ServicePort`,
  obj(
    {
      appProtocol: str(
        'Application protocol hint for implementations, in label syntax: an IANA service name, a kubernetes.io/ name such as kubernetes.io/h2c, or a domain-prefixed custom name.',
      ),
      name: str('Name of the port, a DNS label unique within the service. Required when the service has more than one port; matches the name of the endpoint port.'),
      nodePort: int32('Port opened on every node for NodePort and LoadBalancer services. Allocated by the server when not given.'),
      port: int32('Port number the service exposes.'),
      protocol: str('IP protocol of the port: TCP, UDP or SCTP. Defaults to TCP.', { enum: PROTOCOLS, default: 'TCP' }),
      targetPort: intOrString(
        'Port number or named container port on the selected pods that traffic is sent to. Defaults to the value of port.',
      ),
    },
    { description: 'ServicePort describes one port exposed by a service.', required: ['port'] },
  ),
);

def(
  `${C}.ClientIPConfig`,
  obj(
    {
      timeoutSeconds: int32('How long, in seconds, a client stays pinned to the same endpoint: more than 0 and at most 86400. Defaults to 10800 (3 hours).'),
    },
    'ClientIPConfig configures session affinity based on the client IP address.',
  ),
);

def(
  `${C}.SessionAffinityConfig`,
  obj(
    {
      clientIP: ref(`${C}.ClientIPConfig`, 'Settings for ClientIP session affinity.'),
    },
    'SessionAffinityConfig holds the settings of session affinity.',
  ),
);

def(
  `${C}.ServiceSpec`,
  obj(
    {
      allocateLoadBalancerNodePorts: bool(
        'Whether node ports are allocated automatically for a LoadBalancer service. Defaults to true for that type; may only be set for LoadBalancer services.',
      ),
      clusterIP: str(
        'Virtual IP address of the service, usually allocated by the server. "None" makes a headless service. Not allowed for ExternalName services and immutable once set.',
      ),
      clusterIPs: atomicList(
        str(),
        'Virtual IP addresses of the service, at most one per IP family; the first entry always equals clusterIP. Initialized from clusterIP when omitted.',
      ),
      externalIPs: atomicList(str(), 'Additional IP addresses, not managed by Kubernetes, on which nodes also accept traffic for this service.'),
      externalName: str('DNS name that this service aliases (returned as a CNAME record). Must be a lowercase RFC 1123 hostname and requires type ExternalName.'),
      externalTrafficPolicy: str(
        'How traffic arriving on node ports, external IPs and load balancer IPs is routed: Cluster spreads it over all endpoints, Local only uses endpoints on the receiving node and keeps the client source IP.',
        { enum: ['Cluster', 'Local'] },
      ),
      healthCheckNodePort: int32(
        'Node port serving health checks for load balancers; only used for LoadBalancer services with externalTrafficPolicy Local. Allocated by the server when not given.',
      ),
      internalTrafficPolicy: str(
        'How traffic sent to the cluster IP is routed: Cluster spreads it over all endpoints, Local only uses endpoints on the client node.',
        { enum: ['Cluster', 'Local'] },
      ),
      ipFamilies: atomicList(
        str(undefined, { enum: ['IPv4', 'IPv6'] }),
        'IP families (IPv4, IPv6) of the service, at most two and matching clusterIPs. Usually assigned by the server from ipFamilyPolicy and the cluster configuration.',
      ),
      ipFamilyPolicy: str(
        'How many IP families the service wants: SingleStack, PreferDualStack (two families when the cluster supports them) or RequireDualStack (two families or fail).',
        { enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'] },
      ),
      loadBalancerClass: str(
        'Load balancer implementation responsible for this service, as a label-style name such as example.com/internal-vip. Only for LoadBalancer services; immutable once set.',
      ),
      loadBalancerIP: str('Deprecated: requested IP of the load balancer; the meaning varies between implementations.'),
      loadBalancerSourceRanges: atomicList(str(), 'Client CIDR ranges allowed through the load balancer, when the platform supports restricting them.'),
      ports: mapList(ref(`${C}.ServicePort`), ['port', 'protocol'], 'Ports exposed by the service, identified by port number and protocol.'),
      publishNotReadyAddresses: bool('Whether endpoints of pods that are not ready are published as if they were ready, for example for peer discovery of a StatefulSet.'),
      selector: strMap('Label selector of the pods that receive the traffic. When empty, endpoints are managed by something outside Kubernetes. Ignored for ExternalName.', {
        'x-kubernetes-map-type': 'atomic',
      }),
      sessionAffinity: str('Session affinity: ClientIP keeps each client on the same endpoint, None disables it. Defaults to None.', {
        enum: ['ClientIP', 'None'],
        default: 'None',
      }),
      sessionAffinityConfig: ref(`${C}.SessionAffinityConfig`, 'Settings of the chosen session affinity.'),
      trafficDistribution: str(
        'Preference for how traffic is spread over endpoints, as a hint to implementations; for example PreferClose favours topologically close endpoints.',
      ),
      type: str(
        'How the service is exposed: ClusterIP (internal virtual IP), NodePort (plus a port on every node), LoadBalancer (plus an external load balancer) or ExternalName (a DNS alias). Defaults to ClusterIP.',
        { enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], default: 'ClusterIP' },
      ),
    },
    'ServiceSpec holds the attributes a user sets on a service.',
  ),
);

def(
  `${C}.PortStatus`,
  obj(
    {
      error: str('Problem with this port, as a CamelCase reason (optionally domain-prefixed); empty when the port is working.'),
      port: int32('Port number of the service port this record describes.'),
      protocol: str('Protocol of the service port: TCP, UDP or SCTP.', { enum: PROTOCOLS }),
    },
    { description: 'PortStatus reports the state of one service port on a load balancer.', required: ['port', 'protocol'] },
  ),
);

def(
  `${C}.LoadBalancerIngress`,
  obj(
    {
      hostname: str('Host name of a DNS-based load balancer ingress point.'),
      ip: str('IP address of an IP-based load balancer ingress point.'),
      ipMode: str(
        'How the load balancer IP behaves; only allowed together with ip. VIP delivers traffic with the load balancer IP as destination, Proxy delivers it to the node or pod address.',
        { enum: ['Proxy', 'VIP'] },
      ),
      ports: atomicList(ref(`${C}.PortStatus`), 'State of the service ports on this ingress point; when used, every service port has an entry.'),
    },
    'LoadBalancerIngress is one ingress point of a load balancer, to which traffic for the service should be sent.',
  ),
);

def(
  `${C}.LoadBalancerStatus`,
  obj(
    {
      ingress: atomicList(ref(`${C}.LoadBalancerIngress`), 'Ingress points of the load balancer.'),
    },
    'LoadBalancerStatus is the observed state of a load balancer.',
  ),
);

def(
  `${C}.ServiceStatus`,
  obj(
    {
      conditions: mapList(ref(`${META}.Condition`), 'type', 'Current conditions of the service, one per type.'),
      loadBalancer: ref(`${C}.LoadBalancerStatus`, 'State of the load balancer, if the service has one.'),
    },
    'ServiceStatus is the observed state of a service.',
  ),
);

def(
  `${C}.Service`,
  kindObj(
    gvk('Service'),
    'Service gives a set of pods, chosen by a label selector, a stable name, virtual IP address and ports, and optionally exposes them outside the cluster.',
    {
      spec: ref(`${C}.ServiceSpec`, 'Desired behaviour of the service.'),
      status: ref(`${C}.ServiceStatus`, 'Observed state of the service, maintained by the system. Read-only.'),
    },
  ),
);
list('Service', 'ServiceList is a list of Service objects.', 'The services in this list.');

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

def(
  `${C}.EndpointAddress`,
  obj(
    {
      hostname: str('Host name of this endpoint.'),
      ip: str('IP address of this endpoint; loopback, link-local and link-local multicast addresses are not allowed.'),
      nodeName: str('Name of the node hosting this endpoint.'),
      targetRef: ref(`${C}.ObjectReference`, 'The object, usually a pod, that provides this endpoint.'),
    },
    {
      description: 'EndpointAddress is one IP address of an endpoint.',
      required: ['ip'],
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${C}.EndpointPort`,
  obj(
    {
      appProtocol: str('Application protocol hint for implementations, in the same form as the appProtocol of a service port.'),
      name: str('Name of the port, matching the name of the service port. Optional only when there is a single port.'),
      port: int32('Port number of the endpoint.'),
      protocol: str('IP protocol of the port: TCP, UDP or SCTP. Defaults to TCP.', { enum: PROTOCOLS, default: 'TCP' }),
    },
    {
      description: 'EndpointPort is one port of an endpoint.',
      required: ['port'],
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${C}.EndpointSubset`,
  obj(
    {
      addresses: atomicList(ref(`${C}.EndpointAddress`), 'Addresses serving the ports that are ready to receive traffic.'),
      notReadyAddresses: atomicList(
        ref(`${C}.EndpointAddress`),
        'Addresses serving the ports that are not ready yet, for example still starting or failing their readiness check.',
      ),
      ports: atomicList(ref(`${C}.EndpointPort`), 'Ports available on every address of this subset.'),
    },
    'EndpointSubset groups addresses that share the same ports; its endpoints are every address combined with every port.',
  ),
);

def(
  `${C}.Endpoints`,
  kindObj(
    gvk('Endpoints'),
    'Endpoints lists the network endpoints that implement a service, named like the service. Deprecated since 1.33 in favour of discovery.k8s.io/v1 EndpointSlice.',
    {
      subsets: atomicList(
        ref(`${C}.EndpointSubset`),
        'Groups of addresses and ports; the endpoints of the service are the union of all subsets.',
      ),
    },
  ),
);
list('Endpoints', 'EndpointsList is a list of Endpoints objects.', 'The Endpoints objects in this list.');

// ---------------------------------------------------------------------------------------------
// ConfigMap and Secret
// ---------------------------------------------------------------------------------------------

def(
  `${C}.ConfigMap`,
  kindObj(gvk('ConfigMap'), 'ConfigMap holds non-confidential configuration data as key-value pairs for pods and other consumers.', {
    binaryData: mapOf(
      bytes(),
      'Binary values, base64-encoded in JSON. Keys must consist of alphanumerics, "-", "_" or "." and may not also appear in data.',
    ),
    data: strMap('UTF-8 string values. Keys must consist of alphanumerics, "-", "_" or "." and may not also appear in binaryData.'),
    immutable: bool('When true, data and binaryData can no longer be changed; the object can only be deleted and recreated.'),
  }),
);
list('ConfigMap', 'ConfigMapList is a list of ConfigMap objects.', 'The config maps in this list.');

def(
  `${C}.Secret`,
  kindObj(gvk('Secret'), 'Secret holds a small amount of sensitive data, such as a password, token or key.', {
    data: mapOf(
      bytes(),
      'Secret values, base64-encoded in JSON. Keys must consist of alphanumerics, "-", "_" or ".".',
    ),
    immutable: bool('When true, data can no longer be changed; the object can only be deleted and recreated.'),
    stringData: strMap(
      'Write-only convenience for giving values as plain strings; they are merged into data on write, overriding equal keys, and never returned on read.',
    ),
    type: str(
      'Type of the secret, which decides the keys it must contain, such as kubernetes.io/tls or kubernetes.io/dockerconfigjson. Defaults to Opaque.',
      { default: 'Opaque' },
    ),
  }),
);
list('Secret', 'SecretList is a list of Secret objects.', 'The secrets in this list.');

// ---------------------------------------------------------------------------------------------
// ServiceAccount
// ---------------------------------------------------------------------------------------------

def(
  `${C}.ServiceAccount`,
  kindObj(
    gvk('ServiceAccount'),
    'ServiceAccount is an identity for processes running in pods, together with the secrets they may use.',
    {
      automountServiceAccountToken: bool('Whether pods using this service account get an API token mounted automatically; a pod can override it.'),
      imagePullSecrets: atomicList(
        ref(`${C}.LocalObjectReference`),
        'Secrets in the same namespace used to pull images for pods running as this service account.',
      ),
      secrets: mapList(
        ref(`${C}.ObjectReference`),
        'name',
        'Secrets in the same namespace that pods running as this service account may use; only enforced when the kubernetes.io/enforce-mountable-secrets annotation is "true".',
      ),
    },
  ),
);
list('ServiceAccount', 'ServiceAccountList is a list of ServiceAccount objects.', 'The service accounts in this list.');

// ---------------------------------------------------------------------------------------------
// Event (core/v1)
// ---------------------------------------------------------------------------------------------

def(
  `${C}.EventSource`,
  obj(
    {
      component: str('Component that reported the event.'),
      host: str('Node on which the event was generated.'),
    },
    'EventSource names the component and host that reported an event.',
  ),
);

def(
  `${C}.EventSeries`,
  obj(
    {
      count: int32('Number of occurrences in the series up to the last heartbeat.'),
      lastObservedTime: microTime('Time of the last occurrence observed.'),
    },
    'EventSeries describes an event that keeps happening, summarized as a count and a last time.',
  ),
);

def(
  `${C}.Event`,
  kindObj(
    gvk('Event'),
    'Event reports something that happened to an object, such as a state change or an error. Events are kept for a limited time.',
    {
      action: str('What was done, or failed, with the regarding object, for example Binding or Pulling.'),
      count: int32('Number of times this event has occurred.'),
      eventTime: microTime('When the event was first observed, with microsecond precision.'),
      firstTimestamp: time('When the event was first recorded.'),
      involvedObject: ref(`${C}.ObjectReference`, 'The object this event is about.'),
      lastTimestamp: time('When the most recent occurrence of this event was recorded.'),
      message: str('Human-readable description of what happened.'),
      reason: str('Short, machine-understandable CamelCase reason for the transition, for example FailedScheduling.'),
      related: ref(`${C}.ObjectReference`, 'A secondary object involved in the event, if any.'),
      reportingComponent: str('Name of the controller that emitted the event, for example kubernetes.io/kubelet.'),
      reportingInstance: str('Identifier of the controller instance that emitted the event, for example kubelet-node-1.'),
      series: ref(`${C}.EventSeries`, 'Data about the series this event belongs to, when it keeps recurring.'),
      source: ref(`${C}.EventSource`, 'Component reporting the event; use reportingComponent in new code.'),
      type: str('Type of the event; by convention Normal or Warning.'),
    },
    { required: ['metadata', 'involvedObject'] },
  ),
);
list('Event', 'EventList is a list of Event objects.', 'The events in this list.');

// ---------------------------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------------------------

def(
  `${C}.Taint`,
  obj(
    {
      effect: str(
        'What happens to pods that do not tolerate the taint: NoSchedule, PreferNoSchedule or NoExecute.',
        { enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] },
      ),
      key: str('Key of the taint.'),
      timeAdded: time('When the taint was added; only set for NoExecute taints.'),
      value: str('Value of the taint.'),
    },
    { description: 'Taint marks a node so that pods which do not tolerate it are kept off or evicted.', required: ['key', 'effect'] },
  ),
);

def(
  `${C}.ConfigMapNodeConfigSource`,
  obj(
    {
      kubeletConfigKey: str('Key of the config map that holds the KubeletConfiguration.'),
      name: str('Name of the referenced config map.'),
      namespace: str('Namespace of the referenced config map.'),
      resourceVersion: str('Resource version of the referenced config map; forbidden in the spec, required in the status.'),
      uid: str('UID of the referenced config map; forbidden in the spec, required in the status.'),
    },
    {
      description: 'ConfigMapNodeConfigSource points at a config map holding node configuration. Deprecated since 1.22.',
      required: ['namespace', 'name', 'kubeletConfigKey'],
    },
  ),
);

def(
  `${C}.NodeConfigSource`,
  obj(
    {
      configMap: ref(`${C}.ConfigMapNodeConfigSource`, 'Config map holding the node configuration.'),
    },
    'NodeConfigSource is a source of node configuration. Deprecated since 1.22, when dynamic kubelet configuration was removed.',
  ),
);

def(
  `${C}.NodeSpec`,
  obj(
    {
      configSource: ref(`${C}.NodeConfigSource`, 'Deprecated: source of the node configuration for the removed dynamic kubelet configuration feature.'),
      externalID: str('Deprecated: no longer set by all kubelets.'),
      podCIDR: str('Pod IP range assigned to the node.'),
      podCIDRs: arr(str(), {
        description: 'Pod IP ranges assigned to the node, at most one per IP family; the first entry must equal podCIDR.',
        listType: 'set',
        patchStrategy: 'merge',
      }),
      providerID: str('ID of the node given by the cloud provider, as <ProviderName>://<ProviderSpecificNodeID>.'),
      taints: atomicList(ref(`${C}.Taint`), 'Taints of the node.'),
      unschedulable: bool('When true, no new pods are scheduled onto the node (cordoned). Defaults to false.'),
    },
    'NodeSpec holds the attributes a node is created with.',
  ),
);

def(
  `${C}.NodeCondition`,
  obj(
    {
      lastHeartbeatTime: time('When the condition was last reported.'),
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('Human-readable detail about the last transition.'),
      reason: str('Short CamelCase reason for the last transition.'),
      status: conditionStatus(),
      type: str('Kind of condition, for example Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable.'),
    },
    { description: 'NodeCondition records one observed aspect of a node.', required: ['type', 'status'] },
  ),
);

def(
  `${C}.NodeAddress`,
  obj(
    {
      address: str('The address itself.'),
      type: str('Kind of address, for example Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.'),
    },
    { description: 'NodeAddress is one address of a node.', required: ['type', 'address'] },
  ),
);

def(
  `${C}.DaemonEndpoint`,
  obj(
    {
      Port: int32('Port number of the endpoint.'),
    },
    { description: 'DaemonEndpoint is a port opened by a daemon on the node.', required: ['Port'] },
  ),
);

def(
  `${C}.NodeDaemonEndpoints`,
  obj(
    {
      kubeletEndpoint: ref(`${C}.DaemonEndpoint`, 'Endpoint the kubelet listens on.'),
    },
    'NodeDaemonEndpoints lists the ports opened by daemons running on the node.',
  ),
);

def(
  `${C}.NodeSwapStatus`,
  obj(
    {
      capacity: int64('Total swap memory of the node, in bytes.'),
    },
    'NodeSwapStatus describes the swap memory of a node.',
  ),
);

def(
  `${C}.NodeSystemInfo`,
  obj(
    {
      architecture: str('CPU architecture reported by the node, for example amd64.'),
      bootID: str('Boot ID reported by the node; it changes on every reboot.'),
      containerRuntimeVersion: str('Container runtime and version reported by the node, for example containerd://1.7.24.'),
      kernelVersion: str('Kernel version reported by the node, as from uname -r.'),
      kubeProxyVersion: str('Deprecated: kube-proxy version reported by the node.'),
      kubeletVersion: str('Kubelet version reported by the node.'),
      machineID: str('Machine ID reported by the node (see machine-id(5)); the preferred unique machine identifier.'),
      operatingSystem: str('Operating system reported by the node, for example linux.'),
      osImage: str('OS image reported by the node, from /etc/os-release.'),
      swap: ref(`${C}.NodeSwapStatus`, 'Swap memory reported by the node.'),
      systemUUID: str('System UUID reported by the node from the hardware.'),
    },
    {
      description: 'NodeSystemInfo holds identifiers and versions reported by a node.',
      required: [
        'machineID',
        'systemUUID',
        'bootID',
        'kernelVersion',
        'osImage',
        'containerRuntimeVersion',
        'kubeletVersion',
        'kubeProxyVersion',
        'operatingSystem',
        'architecture',
      ],
    },
  ),
);

def(
  `${C}.ContainerImage`,
  obj(
    {
      names: atomicList(str(), 'Names under which the image is known, such as registry.example/app:v1 and its digest form.'),
      sizeBytes: int64('Size of the image in bytes.'),
    },
    'ContainerImage describes a container image present on a node.',
  ),
);

def(
  `${C}.AttachedVolume`,
  obj(
    {
      devicePath: str('Device path at which the volume should be available.'),
      name: str('Unique name of the attached volume.'),
    },
    { description: 'AttachedVolume describes a volume attached to a node.', required: ['name', 'devicePath'] },
  ),
);

def(
  `${C}.NodeConfigStatus`,
  obj(
    {
      active: ref(`${C}.NodeConfigSource`, 'Configuration the node is actually using.'),
      assigned: ref(`${C}.NodeConfigSource`, 'Configuration the node will try to use.'),
      error: str('Human-readable problem met while applying the assigned configuration, if any.'),
      lastKnownGood: ref(`${C}.NodeConfigSource`, 'Configuration the node falls back to when the assigned one fails.'),
    },
    'NodeConfigStatus reports the configuration assigned through spec.configSource. Deprecated with the dynamic kubelet configuration feature.',
  ),
);

def(
  `${C}.NodeRuntimeHandlerFeatures`,
  obj(
    {
      recursiveReadOnlyMounts: bool('Whether the runtime handler supports recursive read-only mounts.'),
      userNamespaces: bool('Whether the runtime handler supports user namespaces, including for volumes.'),
    },
    'NodeRuntimeHandlerFeatures lists the features a runtime handler implements.',
  ),
);

def(
  `${C}.NodeRuntimeHandler`,
  obj(
    {
      features: ref(`${C}.NodeRuntimeHandlerFeatures`, 'Features supported by the handler.'),
      name: str('Name of the runtime handler; empty for the default handler.'),
    },
    'NodeRuntimeHandler describes one container runtime handler available on the node.',
  ),
);

def(
  `${C}.NodeFeatures`,
  obj(
    {
      supplementalGroupsPolicy: bool('Whether the container runtime supports supplementalGroupsPolicy and reports the container user.'),
    },
    'NodeFeatures lists the features the container runtime (CRI implementation) of the node supports, independent of runtime handlers.',
  ),
);

def(
  `${C}.NodeStatus`,
  obj(
    {
      addresses: mapList(
        ref(`${C}.NodeAddress`),
        'type',
        'Addresses at which the node can be reached. Merging by type is unsafe since a type may repeat; prefer replacing the whole list.',
      ),
      allocatable: mapOf(quantity(), 'Resources of the node available to pods. Defaults to capacity.'),
      capacity: mapOf(quantity(), 'Total resources of the node.'),
      conditions: mapList(ref(`${C}.NodeCondition`), 'type', 'Current conditions of the node, one per type.'),
      config: ref(`${C}.NodeConfigStatus`, 'Deprecated: state of the configuration assigned through the removed dynamic kubelet configuration feature.'),
      daemonEndpoints: ref(`${C}.NodeDaemonEndpoints`, 'Endpoints of daemons running on the node.'),
      features: ref(`${C}.NodeFeatures`, 'Features implemented by the container runtime of the node.'),
      images: atomicList(ref(`${C}.ContainerImage`), 'Container images present on the node.'),
      nodeInfo: ref(`${C}.NodeSystemInfo`, 'Identifiers and versions reported by the node.'),
      phase: str('Deprecated and never set: lifecycle phase of the node (Pending, Running or Terminated).'),
      runtimeHandlers: atomicList(ref(`${C}.NodeRuntimeHandler`), 'Container runtime handlers available on the node.'),
      volumesAttached: atomicList(ref(`${C}.AttachedVolume`), 'Volumes attached to the node.'),
      volumesInUse: atomicList(str(), 'Attachable volumes in use (mounted) on the node.'),
    },
    'NodeStatus is the observed state of a node, reported by its kubelet and controllers.',
  ),
);

def(
  `${C}.Node`,
  kindObj(gvk('Node'), 'Node is a machine, physical or virtual, that runs pods. Each node is registered under a unique name.', {
    spec: ref(`${C}.NodeSpec`, 'Desired attributes of the node.'),
    status: ref(`${C}.NodeStatus`, 'Observed state of the node, maintained by the system. Read-only.'),
  }),
);
list('Node', 'NodeList is a list of Node objects.', 'The nodes in this list.');

// ---------------------------------------------------------------------------------------------
// Binding
// ---------------------------------------------------------------------------------------------

def(
  `${C}.Binding`,
  kindObj(
    gvk('Binding'),
    'Binding ties one object to another, for example a pod to the node a scheduler chose. Deprecated: use the binding subresource of pods.',
    {
      target: ref(`${C}.ObjectReference`, 'The object to bind to, for example a Node.'),
    },
    { required: ['target'] },
  ),
);

/*
 * Defaults that the schema cannot express, for the author of the core/v1 defaulting and the
 * service/namespace/node registries (Kubernetes 1.33 SetDefaults_* and registry strategies).
 * The unconditional constants already carried as schema defaults are: ServicePort.protocol
 * "TCP", ServiceSpec.sessionAffinity "None", ServiceSpec.type "ClusterIP", EndpointPort.protocol
 * "TCP" and Secret.type "Opaque".
 *
 * Service (SetDefaults_Service, runs after the constants above):
 *   - spec.ports[].targetPort: when absent, 0 or "", set to the integer value of port.
 *   - spec.sessionAffinity == "None": spec.sessionAffinityConfig is cleared (set to null).
 *   - spec.sessionAffinity == "ClientIP" and sessionAffinityConfig, .clientIP or
 *     .clientIP.timeoutSeconds missing: spec.sessionAffinityConfig = {clientIP: {timeoutSeconds: 10800}}.
 *   - spec.externalTrafficPolicy "" and the service is externally accessible (type NodePort or
 *     LoadBalancer, or type ClusterIP with non-empty externalIPs): "Cluster".
 *   - spec.internalTrafficPolicy unset and type is ClusterIP, NodePort or LoadBalancer (i.e. not
 *     ExternalName): "Cluster".
 *   - spec.allocateLoadBalancerNodePorts unset and type LoadBalancer: true.
 *   - type LoadBalancer: status.loadBalancer.ingress[i].ipMode unset while ip is set: "VIP".
 * Service (registry, on create/update, not SetDefaults):
 *   - spec.clusterIPs empty and spec.clusterIP set: clusterIPs = [clusterIP]; clusterIP/clusterIPs
 *     allocated from the service CIDR(s) unless "None" or type ExternalName.
 *   - spec.ipFamilyPolicy unset: "SingleStack" (headless services without a selector:
 *     "RequireDualStack"); spec.ipFamilies filled from the allocated clusterIPs / cluster
 *     families according to the policy. Both are cleared for ExternalName.
 *   - spec.ports[].nodePort allocated for NodePort, and for LoadBalancer unless
 *     allocateLoadBalancerNodePorts is false; spec.healthCheckNodePort allocated for
 *     LoadBalancer with externalTrafficPolicy "Local".
 *   - Changing type to ExternalName wipes clusterIP(s), ipFamilies, ipFamilyPolicy and nodePorts;
 *     leaving LoadBalancer wipes allocateLoadBalancerNodePorts, loadBalancerClass, healthCheckNodePort.
 *
 * Namespace:
 *   - SetDefaults_Namespace: metadata.labels["kubernetes.io/metadata.name"] = metadata.name (always
 *     overwritten when the name is set).
 *   - SetDefaults_NamespaceStatus: status.phase "" -> "Active" (deliberately not a schema default
 *     here; the registry also sets it on create).
 *   - Registry create: spec.finalizers gets "kubernetes" if missing; status is reset to
 *     {phase: Active}. Delete with finalizers sets phase "Terminating" and deletionTimestamp.
 *
 * Node:
 *   - SetDefaults_NodeStatus: status.allocatable unset -> a copy of status.capacity.
 *   - Registry create/update: a newly set spec.configSource and status.config are dropped (dynamic
 *     kubelet config is gone); nodes may otherwise set status on create.
 *
 * Event, ConfigMap, ServiceAccount, Endpoints (apart from the port protocol) and Binding have no
 * further defaults.
 */
