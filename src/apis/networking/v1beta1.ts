/**
 * Schemas of networking.k8s.io/v1beta1 Ingress (io.k8s.api.networking.v1beta1) as served by
 * Kubernetes 1.21, the last release with this version: backends are serviceName/servicePort,
 * the catch-all backend is spec.backend, and status.loadBalancer is the core LoadBalancerStatus.
 * Its lists carried no list-type markers in 1.21, which Kubernetes treats as atomic.
 */
import { arr, def, intOrString, kindObj, listObj, obj, ref, str } from '../schema/builders.js';

const N = 'io.k8s.api.networking.v1beta1';
const C = 'io.k8s.api.core.v1';
const gvk = (kind: string) => ({ group: 'networking.k8s.io', version: 'v1beta1', kind });

def(
  `${N}.IngressBackend`,
  obj(
    {
      resource: ref(
        `${C}.TypedLocalObjectReference`,
        'Another object in the namespace of the Ingress that serves the traffic; mutually exclusive with serviceName and servicePort.',
      ),
      serviceName: str('Name of the Service that serves the traffic.'),
      servicePort: intOrString('Port of the Service, by number or by name.'),
    },
    'IngressBackend names where matching traffic is sent: a Service and port, or another resource.',
  ),
);

def(
  `${N}.HTTPIngressPath`,
  obj(
    {
      backend: ref(`${N}.IngressBackend`, 'Where requests matching this path are sent.'),
      path: str('Path matched against the request path; must start with "/" for the Exact and Prefix path types.'),
      pathType: str(
        'How path is matched: Exact, Prefix (element-wise prefix of "/"-separated segments) or ImplementationSpecific (decided by the IngressClass).',
        { enum: ['Exact', 'ImplementationSpecific', 'Prefix'], default: 'ImplementationSpecific' },
      ),
    },
    { description: 'HTTPIngressPath routes requests whose path matches to a backend.', required: ['backend'] },
  ),
);

def(
  `${N}.HTTPIngressRuleValue`,
  obj(
    {
      paths: arr(ref(`${N}.HTTPIngressPath`), 'Paths and the backends their requests go to.'),
    },
    { description: 'HTTPIngressRuleValue is a list of HTTP path rules, matched against the path part of the request URL.', required: ['paths'] },
  ),
);

def(
  `${N}.IngressRule`,
  obj(
    {
      host: str(
        'Host name the rule applies to: an exact DNS name or a single-label wildcard such as "*.foo.com"; IP addresses and ports are not allowed. Empty matches every host.',
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
      hosts: arr(str(), 'Hosts covered by the certificate; must match the names in the secret.'),
      secretName: str('Name of the Secret holding the certificate and key used to terminate TLS on port 443.'),
    },
    'IngressTLS describes TLS termination for a set of hosts.',
  ),
);

def(
  `${N}.IngressSpec`,
  obj(
    {
      backend: ref(`${N}.IngressBackend`, 'Backend for requests matching no rule; required when there are no rules.'),
      ingressClassName: str('Name of the IngressClass that implements this Ingress.'),
      rules: arr(ref(`${N}.IngressRule`), 'Host rules; requests matching none of them go to the default backend.'),
      tls: arr(ref(`${N}.IngressTLS`), 'TLS settings; all entries share port 443 and are told apart by SNI host name.'),
    },
    'IngressSpec is the desired state of an Ingress.',
  ),
);

def(
  `${N}.IngressStatus`,
  obj(
    {
      loadBalancer: ref(`${C}.LoadBalancerStatus`, 'The load balancer serving this Ingress.'),
    },
    'IngressStatus is the observed state of an Ingress.',
  ),
);

def(
  `${N}.Ingress`,
  kindObj(gvk('Ingress'), 'Ingress exposes HTTP(S) routes from outside the cluster to Services. Deprecated: use networking.k8s.io/v1.', {
    spec: ref(`${N}.IngressSpec`, 'The desired state of the Ingress.'),
    status: ref(`${N}.IngressStatus`, 'The observed state of the Ingress.'),
  }),
);
def(`${N}.IngressList`, listObj(gvk('IngressList'), `${N}.Ingress`, 'IngressList is a list of Ingresses.'));

/*
 * Defaults (Kubernetes 1.21, pkg/apis/networking/v1beta1/defaults.go):
 *   - HTTPIngressPath.pathType 'ImplementationSpecific' is a schema default above (set whenever a
 *     path entry omits it).
 *   - Nothing conditional. Conversion to/from v1: spec.backend <-> spec.defaultBackend;
 *     serviceName/servicePort <-> service.name and service.port.{number|name} (an integer
 *     servicePort becomes port.number, a string one port.name); status.loadBalancer.ingress[] maps
 *     field by field (ip, hostname, ports) between core LoadBalancerIngress and
 *     IngressLoadBalancerIngress.
 */
