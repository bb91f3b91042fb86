/**
 * Schemas of discovery.k8s.io/v1 (io.k8s.api.discovery.v1): EndpointSlice.
 * List semantics, required fields and enums follow Kubernetes 1.33.
 */
import { atomicList, bool, def, int32, kindObj, listObj, obj, ref, setList, str, strMap } from '../schema/builders.js';

const D = 'io.k8s.api.discovery.v1';
const gvk = (kind: string) => ({ group: 'discovery.k8s.io', version: 'v1', kind });

def(
  `${D}.EndpointConditions`,
  obj(
    {
      ready: bool(
        'Whether the endpoint should receive traffic, as decided by whoever manages it; usually serving and not terminating. Unset means true.',
      ),
      serving: bool('Whether the endpoint can receive traffic regardless of termination; for pods, their Ready condition. Unset means true.'),
      terminating: bool('Whether the endpoint is shutting down. Unset means false.'),
    },
    'EndpointConditions is the current state of an endpoint.',
  ),
);

def(
  `${D}.ForZone`,
  obj({ name: str('Name of the zone.') }, { description: 'ForZone names a zone that should consume an endpoint.', required: ['name'] }),
);

def(
  `${D}.ForNode`,
  obj({ name: str('Name of the node.') }, { description: 'ForNode names a node that should consume an endpoint.', required: ['name'] }),
);

def(
  `${D}.EndpointHints`,
  obj(
    {
      forNodes: atomicList(ref(`${D}.ForNode`), 'Nodes that should consume this endpoint under topology-aware routing (at most 8).'),
      forZones: atomicList(ref(`${D}.ForZone`), 'Zones that should consume this endpoint under topology-aware routing (at most 8).'),
    },
    'EndpointHints suggests which consumers should use an endpoint.',
  ),
);

def(
  `${D}.Endpoint`,
  obj(
    {
      addresses: setList(
        str(),
        'Addresses of the endpoint: canonical IP addresses for IPv4 and IPv6 slices. Between 1 and 100 entries; consumers only use the first.',
      ),
      conditions: ref(`${D}.EndpointConditions`, 'Current state of the endpoint.'),
      deprecatedTopology: strMap(
        'Topology labels carried over from v1beta1; not writable through v1 (writes are ignored). Use nodeName and zone instead.',
      ),
      hints: ref(`${D}.EndpointHints`, 'Hints on how the endpoint should be consumed.'),
      hostname: str('Host name of the endpoint, used for example in DNS records; a lowercase DNS label.'),
      nodeName: str('Name of the node hosting the endpoint.'),
      targetRef: ref('io.k8s.api.core.v1.ObjectReference', 'The object, usually a pod, that backs the endpoint.'),
      zone: str('Name of the zone the endpoint is in.'),
    },
    { description: 'Endpoint is one backend of a service.', required: ['addresses'] },
  ),
);

def(
  `${D}.EndpointPort`,
  obj(
    {
      appProtocol: str(
        'Application protocol, as an IANA service name (such as "http"), a kubernetes.io/ name (h2c, ws, wss) or a domain-prefixed custom name.',
      ),
      name: str('Name of the port, unique within the slice; empty or a DNS label. Matches the Service port name.', { default: '' }),
      port: int32('Port number; for slices derived from a Service, the target port. May be unset for other uses.'),
      protocol: str('IP protocol of the port: TCP, UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'], default: 'TCP' }),
    },
    { description: 'EndpointPort is a network port exposed by the endpoints of an EndpointSlice.', extra: { 'x-kubernetes-map-type': 'atomic' } },
  ),
);

def(
  `${D}.EndpointSlice`,
  kindObj(
    gvk('EndpointSlice'),
    'EndpointSlice holds part of the endpoints of a service; all slices labelled kubernetes.io/service-name=<service> together make up its endpoints.',
    {
      addressType: str(
        'Kind of address in this slice: IPv4, IPv6, or FQDN (deprecated, no defined semantics). Immutable.',
        { enum: ['FQDN', 'IPv4', 'IPv6'] },
      ),
      endpoints: atomicList(ref(`${D}.Endpoint`), 'Unique endpoints of the slice, at most 1000.'),
      ports: atomicList(ref(`${D}.EndpointPort`), 'Ports exposed by every endpoint of the slice; unique names, at most 100.'),
    },
    { required: ['addressType', 'endpoints'] },
  ),
);
def(`${D}.EndpointSliceList`, listObj(gvk('EndpointSliceList'), `${D}.EndpointSlice`, 'EndpointSliceList is a list of EndpointSlices.'));

/*
 * Defaults (Kubernetes 1.33, pkg/apis/discovery/v1/defaults.go, SetDefaults_EndpointPort):
 *   - EndpointPort.name '' and EndpointPort.protocol 'TCP' are schema defaults above.
 *   - Nothing conditional. Note that writes to endpoints[].deprecatedTopology through v1 are silently
 *     ignored (the stored value is kept), which is not a defaulting concern.
 */
