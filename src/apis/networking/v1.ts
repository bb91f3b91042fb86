/**
 * Schemas of networking.k8s.io/v1 (io.k8s.api.networking.v1): Ingress, IngressClass and
 * NetworkPolicy. List semantics, required fields and enums follow Kubernetes 1.33.
 */
import {
  atomicList,
  def,
  int32,
  intOrString,
  kindObj,
  labelSelector,
  listObj,
  obj,
  ref,
  str,
} from '../schema/builders.js';

const N = 'io.k8s.api.networking.v1';
const C = 'io.k8s.api.core.v1';
const gvk = (kind: string) => ({ group: 'networking.k8s.io', version: 'v1', kind });
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

// ---------------------------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------------------------

def(
  `${N}.ServiceBackendPort`,
  obj(
    {
      name: str('Name of the port on the Service. Mutually exclusive with number.'),
      number: int32('Numeric port on the Service, for example 80. Mutually exclusive with name.'),
    },
    { description: 'ServiceBackendPort identifies a port of a Service, by name or by number.', extra: { 'x-kubernetes-map-type': 'atomic' } },
  ),
);

def(
  `${N}.IngressServiceBackend`,
  obj(
    {
      name: str('Name of the Service; it must be in the namespace of the Ingress.'),
      port: ref(`${N}.ServiceBackendPort`, 'Port of the Service to send traffic to; a name or a number is required.'),
    },
    { description: 'IngressServiceBackend sends traffic to a port of a Service.', required: ['name'] },
  ),
);

def(
  `${N}.IngressBackend`,
  obj(
    {
      resource: ref(
        `${C}.TypedLocalObjectReference`,
        'Another object in the namespace of the Ingress that serves the traffic, such as a storage bucket. Mutually exclusive with service.',
      ),
      service: ref(`${N}.IngressServiceBackend`, 'A Service that serves the traffic. Mutually exclusive with resource.'),
    },
    'IngressBackend names where matching traffic is sent: a Service port or another resource.',
  ),
);

def(
  `${N}.HTTPIngressPath`,
  obj(
    {
      backend: ref(`${N}.IngressBackend`, 'Where requests matching this path are sent.'),
      path: str('Path matched against the request path; must start with "/" and is required for the Exact and Prefix path types.'),
      pathType: str(
        'How path is matched: Exact (the whole path, case-sensitive), Prefix (element-wise prefix of "/"-separated segments) or ImplementationSpecific (decided by the IngressClass).',
        { enum: ['Exact', 'ImplementationSpecific', 'Prefix'] },
      ),
    },
    { description: 'HTTPIngressPath routes requests whose path matches to a backend.', required: ['pathType', 'backend'] },
  ),
);

def(
  `${N}.HTTPIngressRuleValue`,
  obj(
    {
      paths: atomicList(ref(`${N}.HTTPIngressPath`), 'Paths and the backends their requests go to.'),
    },
    { description: 'HTTPIngressRuleValue is a list of HTTP path rules, matched against the path part of the request URL.', required: ['paths'] },
  ),
);

def(
  `${N}.IngressRule`,
  obj(
    {
      host: str(
        'Host name the rule applies to: an exact DNS name ("foo.bar.com") or a single-label wildcard ("*.foo.com"); IP addresses and ports are not allowed. Empty matches every host.',
      ),
      http: ref(`${N}.HTTPIngressRuleValue`, 'HTTP path rules for this host.'),
    },
    'IngressRule maps requests for a host to backends, by path.',
  ),
);

def(
  `${N}.IngressTLS`,
  obj(
    {
      hosts: atomicList(str(), 'Hosts covered by the certificate; must match the names in the secret. Defaults to the wildcard host of the controller.'),
      secretName: str('Name of the Secret holding the certificate and key used to terminate TLS on port 443; may be empty when only SNI routing is wanted.'),
    },
    'IngressTLS describes TLS termination for a set of hosts.',
  ),
);

def(
  `${N}.IngressSpec`,
  obj(
    {
      defaultBackend: ref(
        `${N}.IngressBackend`,
        'Backend for requests matching no rule; required when there are no rules. When unset, the controller decides what to do with such requests.',
      ),
      ingressClassName: str(
        'Name of the IngressClass that implements this Ingress; replaces the deprecated kubernetes.io/ingress.class annotation.',
      ),
      rules: atomicList(ref(`${N}.IngressRule`), 'Host rules; requests matching none of them go to defaultBackend.'),
      tls: atomicList(
        ref(`${N}.IngressTLS`),
        'TLS settings. All entries share port 443 and are told apart by SNI host name when the controller supports it.',
      ),
    },
    'IngressSpec is the desired state of an Ingress.',
  ),
);

def(
  `${N}.IngressPortStatus`,
  obj(
    {
      error: str('Problem with this port, as a CamelCase reason or a domain-prefixed one such as example.com/CamelCase.'),
      port: int32('Port number of the ingress point.'),
      protocol: str('Protocol of the port: TCP, UDP or SCTP.', { enum: PROTOCOLS }),
    },
    { description: 'IngressPortStatus reports the state of one port of a load-balancer ingress point.', required: ['port', 'protocol'] },
  ),
);

def(
  `${N}.IngressLoadBalancerIngress`,
  obj(
    {
      hostname: str('Host name of a DNS-based ingress point.'),
      ip: str('IP address of an IP-based ingress point.'),
      ports: atomicList(ref(`${N}.IngressPortStatus`), 'Ports exposed by this ingress point.'),
    },
    'IngressLoadBalancerIngress is one address where traffic for the Ingress arrives.',
  ),
);

def(
  `${N}.IngressLoadBalancerStatus`,
  obj(
    {
      ingress: atomicList(ref(`${N}.IngressLoadBalancerIngress`), 'Ingress points of the load balancer.'),
    },
    'IngressLoadBalancerStatus is the state of the load balancer fronting an Ingress.',
  ),
);

def(
  `${N}.IngressStatus`,
  obj(
    {
      loadBalancer: ref(`${N}.IngressLoadBalancerStatus`, 'The load balancer serving this Ingress.'),
    },
    'IngressStatus is the observed state of an Ingress.',
  ),
);

def(
  `${N}.Ingress`,
  kindObj(
    gvk('Ingress'),
    'Ingress exposes HTTP(S) routes from outside the cluster to Services, with host- and path-based routing and TLS termination.',
    {
      spec: ref(`${N}.IngressSpec`, 'The desired state of the Ingress.'),
      status: ref(`${N}.IngressStatus`, 'The observed state of the Ingress.'),
    },
  ),
);
def(`${N}.IngressList`, listObj(gvk('IngressList'), `${N}.Ingress`, 'IngressList is a list of Ingresses.'));

// ---------------------------------------------------------------------------------------------
// IngressClass
// ---------------------------------------------------------------------------------------------

def(
  `${N}.IngressClassParametersReference`,
  obj(
    {
      apiGroup: str('API group of the referenced object; empty means the core group.'),
      kind: str('Kind of the referenced object.'),
      name: str('Name of the referenced object.'),
      namespace: str('Namespace of the referenced object; required when scope is Namespace and forbidden when it is Cluster.'),
      scope: str('Whether the referenced object is cluster-scoped (Cluster) or namespaced (Namespace).', {
        enum: ['Cluster', 'Namespace'],
        default: 'Cluster',
      }),
    },
    {
      description: 'IngressClassParametersReference points to an object holding controller-specific settings for an IngressClass.',
      required: ['kind', 'name'],
    },
  ),
);

def(
  `${N}.IngressClassSpec`,
  obj(
    {
      controller: str(
        'Domain-prefixed name of the controller implementing this class, for example "example.com/ingress-controller"; at most 250 characters and immutable.',
      ),
      parameters: ref(`${N}.IngressClassParametersReference`, 'Optional object with extra configuration for the controller.'),
    },
    'IngressClassSpec describes an Ingress class.',
  ),
);

def(
  `${N}.IngressClass`,
  kindObj(
    gvk('IngressClass'),
    'IngressClass names an Ingress implementation. An IngressClass annotated ingressclass.kubernetes.io/is-default-class=true is assigned to new Ingresses that name no class.',
    {
      spec: ref(`${N}.IngressClassSpec`, 'The desired state of the IngressClass.'),
    },
  ),
);
def(`${N}.IngressClassList`, listObj(gvk('IngressClassList'), `${N}.IngressClass`, 'IngressClassList is a list of IngressClasses.'));

// ---------------------------------------------------------------------------------------------
// NetworkPolicy
// ---------------------------------------------------------------------------------------------

def(
  `${N}.IPBlock`,
  obj(
    {
      cidr: str('The allowed address range in CIDR notation, such as "192.168.1.0/24" or "2001:db8::/64".'),
      except: atomicList(str(), 'Sub-ranges of cidr, in CIDR notation, that are not allowed.'),
    },
    { description: 'IPBlock selects a CIDR range, minus some exceptions, as a NetworkPolicy peer.', required: ['cidr'] },
  ),
);

def(
  `${N}.NetworkPolicyPeer`,
  obj(
    {
      ipBlock: ref(`${N}.IPBlock`, 'An IP range; when set, neither selector may be.'),
      namespaceSelector: labelSelector(
        'Selects namespaces by label; an empty selector selects all. Combined with podSelector it selects those pods in those namespaces, otherwise every pod in them.',
      ),
      podSelector: labelSelector(
        "Selects pods by label; an empty selector selects all. Without namespaceSelector it applies to the policy's own namespace.",
      ),
    },
    'NetworkPolicyPeer is a source or destination of traffic: pods, namespaces or an IP block.',
  ),
);

def(
  `${N}.NetworkPolicyPort`,
  obj(
    {
      endPort: int32('Last port of an inclusive range starting at port; port must then be numeric and not greater than endPort.'),
      port: intOrString('Port number or named pod port; when unset, every port matches.'),
      protocol: str('Protocol the traffic must use: TCP, UDP or SCTP.', { enum: PROTOCOLS, default: 'TCP' }),
    },
    'NetworkPolicyPort selects traffic by protocol and port (or port range).',
  ),
);

def(
  `${N}.NetworkPolicyIngressRule`,
  obj(
    {
      from: atomicList(
        ref(`${N}.NetworkPolicyPeer`),
        'Allowed sources, ORed together; when empty or absent, traffic from any source matches.',
      ),
      ports: atomicList(ref(`${N}.NetworkPolicyPort`), 'Allowed destination ports, ORed together; when empty or absent, every port matches.'),
    },
    'NetworkPolicyIngressRule allows incoming traffic that matches both its ports and its sources.',
  ),
);

def(
  `${N}.NetworkPolicyEgressRule`,
  obj(
    {
      ports: atomicList(ref(`${N}.NetworkPolicyPort`), 'Allowed destination ports, ORed together; when empty or absent, every port matches.'),
      to: atomicList(
        ref(`${N}.NetworkPolicyPeer`),
        'Allowed destinations, ORed together; when empty or absent, traffic to any destination matches.',
      ),
    },
    'NetworkPolicyEgressRule allows outgoing traffic that matches both its ports and its destinations.',
  ),
);

def(
  `${N}.NetworkPolicySpec`,
  obj(
    {
      egress: atomicList(
        ref(`${N}.NetworkPolicyEgressRule`),
        'Outgoing traffic allowed from the selected pods; with Egress in policyTypes and no rules, all outgoing traffic is denied.',
      ),
      ingress: atomicList(
        ref(`${N}.NetworkPolicyIngressRule`),
        'Incoming traffic allowed to the selected pods (besides traffic from their own node); with no rules, all incoming traffic is denied.',
      ),
      // Required in the 1.33 OpenAPI, yet Kubernetes accepts a policy without it and stores an empty
      // selector (non-pointer Go struct); the default {} makes both hold.
      podSelector: ref(
        'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
        "Selects the pods the policy applies to; an empty selector selects every pod in the policy's namespace.",
        { default: {} },
      ),
      policyTypes: atomicList(
        str(undefined, { enum: ['Egress', 'Ingress'] }),
        'Directions the policy isolates: Ingress, Egress or both. When unset: Ingress, plus Egress if egress rules are present.',
      ),
    },
    { description: 'NetworkPolicySpec describes which traffic a NetworkPolicy allows for the pods it selects.', required: ['podSelector'] },
  ),
);
def(
  `${N}.NetworkPolicy`,
  kindObj(gvk('NetworkPolicy'), 'NetworkPolicy describes which network traffic is allowed to and from a set of pods.', {
    spec: ref(`${N}.NetworkPolicySpec`, 'The traffic the policy allows.'),
  }),
);
def(`${N}.NetworkPolicyList`, listObj(gvk('NetworkPolicyList'), `${N}.NetworkPolicy`, 'NetworkPolicyList is a list of NetworkPolicies.'));

/*
 * Conditional defaults (Kubernetes 1.33, pkg/apis/networking/v1/defaults.go):
 *   - NetworkPolicy: if spec.policyTypes is empty/absent, set it to ['Ingress'], plus 'Egress' when
 *     spec.egress has at least one rule (['Ingress', 'Egress']).
 *   - NetworkPolicyPort.protocol 'TCP' and IngressClassParametersReference.scope 'Cluster' are schema
 *     defaults above (Kubernetes sets them whenever the enclosing object exists, which is exactly how
 *     schema defaults behave).
 *   - NetworkPolicySpec.podSelector defaults to {} (schema default), matching what the API stores.
 *   - Ingress: nothing is defaulted in networking/v1 (pathType is required, no default).
 */
