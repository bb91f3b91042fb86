import { describe, expect, it } from 'vitest';
import { defaultEndpointSlice, defaultNamespace, defaultNamespaceOnCreate, defaultService } from '../../src/apis/defaults/builtin.js';
import type { KObject } from '../../src/apis/object.js';
import { deepClone } from '../../src/apis/object.js';
import { errorMessage, type FieldError } from '../../src/apis/validation/field.js';
import * as v from '../../src/apis/validation/service.js';

const msgs = (errs: FieldError[]) => errs.map(errorMessage);
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** `kubectl create service clusterip web --tcp=80:8080` after defaulting and IP allocation. */
function service(mutate?: (s: KObject) => void): KObject {
  const s: KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP', sessionAffinity: 'None' },
  };
  defaultService(s);
  s.spec.clusterIP = '10.96.0.10';
  s.spec.clusterIPs = ['10.96.0.10'];
  mutate?.(s);
  return s;
}

describe('Service', () => {
  it('accepts a defaulted service', () => expect(v.validateService(service())).toEqual([]));
  it('accepts NodePort, LoadBalancer, headless and ExternalName services', () => {
    const np = service((s) => {
      s.spec.type = 'NodePort';
      s.spec.ports[0].nodePort = 30080;
    });
    defaultService(np);
    expect(v.validateService(np)).toEqual([]);
    const lb = service((s) => (s.spec.type = 'LoadBalancer'));
    defaultService(lb);
    expect(v.validateService(lb)).toEqual([]);
    expect(v.validateService(service((s) => ((s.spec.clusterIP = 'None'), delete s.spec.clusterIPs)))).toEqual([]);
    const ext: KObject = { metadata: { name: 'db', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } };
    defaultService(ext);
    expect(v.validateService(ext)).toEqual([]);
  });

  const cases: [string, (s: KObject) => void, string[]][] = [
    ['port 0', (s) => (s.spec.ports[0].port = 0), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    ['ports required', (s) => (s.spec.ports = []), ['spec.ports: Required value']],
    ['unnamed second port', (s) => s.spec.ports.push({ port: 81, protocol: 'TCP', targetPort: 81 }), ['spec.ports[1].name: Required value']],
    [
      'duplicate port name',
      (s) => s.spec.ports.push({ name: '80-8080', port: 81, protocol: 'TCP', targetPort: 81 }),
      ['spec.ports[1].name: Duplicate value: "80-8080"'],
    ],
    [
      'duplicate port',
      (s) => s.spec.ports.push({ name: 'other', port: 80, protocol: 'TCP', targetPort: 81 }),
      ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ],
    [
      'targetPort name',
      (s) => (s.spec.ports[0].targetPort = 'HTTP'),
      [
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    ],
    ['nodePort on ClusterIP', (s) => (s.spec.ports[0].nodePort = 30001), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    [
      'unknown type',
      (s) => (s.spec.type = 'Internal'),
      ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ],
    [
      'externalTrafficPolicy on ClusterIP',
      (s) => (s.spec.externalTrafficPolicy = 'Local'),
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ],
    ['bad clusterIP', (s) => ((s.spec.clusterIP = 'abc'), (s.spec.clusterIPs = ['abc'])), ['spec.clusterIPs[0]: Invalid value: "abc": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    [
      'ClientIP affinity without config',
      (s) => (s.spec.sessionAffinity = 'ClientIP'),
      ['spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP'],
    ],
    ['headless NodePort', (s) => ((s.spec.type = 'NodePort'), (s.spec.clusterIP = 'None'), (s.spec.clusterIPs = ['None']), (s.spec.externalTrafficPolicy = 'Cluster')), ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]],
    [
      'name is a DNS-1035 label',
      (s) => (s.metadata!.name = '1web'),
      [
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['selector label', (s) => (s.spec.selector = { app: 'a b' }), [expect.stringMatching(/^spec\.selector: Invalid value: "a b": a valid label must be/) as unknown as string]],
    ['externalIPs', (s) => ((s.spec.externalIPs = ['169.254.1.1']), (s.spec.externalTrafficPolicy = 'Cluster')), ['spec.externalIPs[0]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(v.validateService(service(mutate)))).toEqual(want));

  it('ExternalName needs a DNS name', () => {
    const ext: KObject = { metadata: { name: 'db', namespace: 'default' }, spec: { type: 'ExternalName' } };
    defaultService(ext);
    expect(msgs(v.validateService(ext))).toEqual(['spec.externalName: Required value']);
    ext.spec.externalName = 'DB';
    expect(msgs(v.validateService(ext))).toEqual([`spec.externalName: Invalid value: "DB": ${SUBDOMAIN_MSG}`]);
  });

  it('clusterIP cannot change on update', () => {
    const old = service();
    const s = service((x) => (x.spec.clusterIP = '10.96.0.11'));
    s.spec.clusterIPs = old.spec.clusterIPs;
    expect(msgs(v.validateServiceUpdate(s, old))).toEqual(['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']);
    const ext = service((x) => {
      x.spec = { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' };
    });
    expect(v.validateServiceUpdate(ext, old)).toEqual([]);
  });

  it('status load balancer ingress needs type LoadBalancer', () => {
    const old = service();
    const s = service((x) => (x.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } }));
    expect(msgs(v.validateServiceStatusUpdate(s, old))).toEqual(["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
  });
});

describe('Endpoints and EndpointSlices', () => {
  const ep = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.0.5', nodeName: 'node-1' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    };
    mutate?.(o);
    return o;
  };
  it('accepts endpoints', () => expect(v.validateEndpoints(ep())).toEqual([]));
  it('rejects bad addresses and empty subsets', () => {
    expect(msgs(v.validateEndpoints(ep((o) => (o.subsets[0].addresses[0].ip = '0.0.0.0'))))).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    ]);
    expect(msgs(v.validateEndpoints(ep((o) => (o.subsets = [{ ports: [{ port: 80, protocol: 'TCP' }] }]))))).toEqual([
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    ]);
  });

  const slice = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'web-abc12', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080 }],
    };
    defaultEndpointSlice(o);
    mutate?.(o);
    return o;
  };
  it('accepts an endpoint slice', () => expect(v.validateEndpointSlice(slice())).toEqual([]));
  const cases: [string, (o: KObject) => void, string[]][] = [
    ['address type', (o) => (o.addressType = 'IP'), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['IPv6 address in an IPv4 slice', (o) => (o.endpoints[0].addresses = ['fd00::1']), ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address']],
    ['no addresses', (o) => (o.endpoints[0].addresses = []), ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    ['protocol', (o) => (o.ports[0].protocol = 'ICMP'), ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
    ['duplicate port names', (o) => o.ports.push({ name: 'http', port: 80, protocol: 'TCP' }), ['ports[1].name: Duplicate value: "http"']],
  ];
  it.each(cases)('EndpointSlice: %s', (_n, mutate, want) => expect(msgs(v.validateEndpointSlice(slice(mutate)))).toEqual(want));
  it('addressType is immutable', () =>
    expect(msgs(v.validateEndpointSliceUpdate(slice((o) => ((o.addressType = 'FQDN'), (o.endpoints[0].addresses = ['web.example.com']))), slice()))).toEqual([
      'addressType: Invalid value: "FQDN": field is immutable',
    ]));
});

describe('Namespace', () => {
  const ns = (name: string) => {
    const o: KObject = { metadata: { name } };
    defaultNamespace(o);
    defaultNamespaceOnCreate(o);
    return o;
  };
  it('accepts a namespace', () => {
    const o = ns('team-a');
    expect(o.spec.finalizers).toEqual(['kubernetes']);
    expect(v.validateNamespace(o)).toEqual([]);
  });
  it('names are DNS labels', () => expect(msgs(v.validateNamespace(ns('team.a')))).toEqual(['metadata.name: Invalid value: "team.a": must not contain dots']));
  it('spec.finalizers must be qualified or standard', () => {
    const o = ns('team-a');
    o.spec.finalizers.push('cleanup');
    expect(msgs(v.validateNamespace(o))).toEqual(['spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']);
  });
  it('status phase follows deletion', () => {
    const old = ns('team-a');
    const o = deepClone(old);
    o.status.phase = 'Terminating';
    expect(msgs(v.validateNamespaceStatusUpdate(o, old))).toEqual(["status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"]);
  });
});

describe('ConfigMap, Secret and ServiceAccount', () => {
  const cm = (data: Record<string, string>, binaryData?: Record<string, string>): KObject => ({ metadata: { name: 'cfg', namespace: 'default' }, data, ...(binaryData ? { binaryData } : {}) });
  it('accepts config maps', () => expect(v.validateConfigMap(cm({ 'app.properties': 'a=b', KEY_1: 'x' }))).toEqual([]));
  it('rejects bad keys', () =>
    expect(msgs(v.validateConfigMap(cm({ 'a/b': 'x' })))).toEqual([
      "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]));
  it('data and binaryData keys are disjoint', () =>
    expect(msgs(v.validateConfigMap(cm({ k: 'x' }, { k: 'eA==' })))).toEqual(['data[k]: Invalid value: "k": duplicate of key present in binaryData']));
  it('limits the total size to 1 MiB', () => expect(msgs(v.validateConfigMap(cm({ big: 'x'.repeat(1024 * 1024 + 1) })))).toEqual(['Too long: may not be more than 1048576 bytes']));
  it('immutable config maps keep their data', () => {
    const old = { ...cm({ a: '1' }), immutable: true };
    expect(msgs(v.validateConfigMapUpdate({ ...cm({ a: '2' }), immutable: true }, old))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(msgs(v.validateConfigMapUpdate(cm({ a: '1' }), old))).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
  });

  const secret = (type: string, data: Record<string, string>): KObject => ({ metadata: { name: 's', namespace: 'default' }, type, data });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  it('accepts secrets of known types', () => {
    expect(v.validateSecret(secret('Opaque', { password: b64('x') }))).toEqual([]);
    expect(v.validateSecret(secret('kubernetes.io/tls', { 'tls.crt': b64('c'), 'tls.key': b64('k') }))).toEqual([]);
    expect(v.validateSecret(secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }))).toEqual([]);
  });
  it('requires the keys of known types', () => {
    expect(msgs(v.validateSecret(secret('kubernetes.io/tls', {})))).toEqual(['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
    expect(msgs(v.validateSecret(secret('kubernetes.io/dockerconfigjson', {})))).toEqual(['data[.dockerconfigjson]: Required value']);
    expect(msgs(v.validateSecret(secret('kubernetes.io/service-account-token', {})))).toEqual([
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
  });
  it('secret type is immutable', () =>
    expect(msgs(v.validateSecretUpdate(secret('kubernetes.io/tls', { 'tls.crt': '', 'tls.key': '' }), secret('Opaque', { 'tls.crt': '', 'tls.key': '' })))).toEqual([
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
    ]));
  it('service account names are DNS subdomains', () =>
    expect(msgs(v.validateServiceAccount({ metadata: { name: 'Builder', namespace: 'default' } }))).toEqual([`metadata.name: Invalid value: "Builder": ${SUBDOMAIN_MSG}`]));
});

describe('Node', () => {
  const node = (mutate?: (o: KObject) => void): KObject => {
    const o: KObject = {
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    };
    mutate?.(o);
    return o;
  };
  it('accepts a node', () => expect(v.validateNode(node())).toEqual([]));
  it('reports taints on metadata.taints, like Kubernetes', () =>
    expect(msgs(v.validateNode(node((o) => (o.spec.taints = [{ key: 'a', effect: 'Sometimes' }, { key: 'a', effect: 'Sometimes' }]))))).toEqual([
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[1].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[1]: Duplicate value: {"key":"a","effect":"Sometimes"}: taints must be unique by key and effect pair',
    ]));
  it('rejects bad CIDRs and fractional pod counts', () =>
    expect(msgs(v.validateNode(node((o) => ((o.spec.podCIDRs = ['10.244.0.0/40']), (o.status.capacity.pods = '1.5')))))).toEqual([
      'status.capacity.pods: Invalid value: "1.5": must be an integer',
      'spec.podCIDRs[0]: Invalid value: "10.244.0.0/40": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]));
  it('podCIDRs are set once', () =>
    expect(msgs(v.validateNodeUpdate(node((o) => ((o.spec.podCIDR = '10.244.1.0/24'), (o.spec.podCIDRs = ['10.244.1.0/24']))), node()))).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]));
});

describe('Event', () => {
  const ev = (mutate?: (o: KObject) => void): KObject => {
    const o: KObject = {
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: 'Started',
      message: 'Started container nginx',
      type: 'Normal',
      source: { component: 'kubelet' },
    };
    mutate?.(o);
    return o;
  };
  it('accepts a core/v1 event', () => expect(v.validateEvent(ev())).toEqual([]));
  it('involvedObject.namespace must match', () =>
    expect(msgs(v.validateEvent(ev((o) => (o.involvedObject.namespace = 'other'))))).toEqual([
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]));
  it('events with eventTime need reporting fields', () =>
    expect(msgs(v.validateEvent(ev((o) => ((o.eventTime = '2024-01-01T00:00:00.000000Z'), (o.reason = 'x'.repeat(129))))))).toEqual([
      'reportingController: Required value',
      "reportingController: Invalid value: \"\": name part must be non-empty",
      expect.stringMatching(/^reportingController: Invalid value: "": name part must consist of/) as unknown as string,
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Invalid value: "": can have at most 128 characters',
    ]));
  it('events.k8s.io requests are validated strictly', () => {
    const o = ev((x) => {
      x.eventTime = '2024-01-01T00:00:00.000000Z';
      x.reportingComponent = 'kubelet';
      x.reportingInstance = 'node-1';
      x.action = 'Started';
    });
    expect(msgs(v.validateEvent(o, { strict: true }))).toEqual(['source: Invalid value: "": needs to be unset']);
  });
});

describe('Lease', () => {
  it('accepts and rejects leases', () => {
    const lease: KObject = { metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } };
    expect(v.validateLease(lease)).toEqual([]);
    lease.spec.leaseDurationSeconds = 0;
    expect(msgs(v.validateLease(lease))).toEqual(['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  });
});

describe('Ingress and IngressClass', () => {
  /** `kubectl create ingress web --rule=web.example.com/*=web:80`. */
  const ing = (mutate?: (o: KObject) => void): KObject => {
    const o: KObject = {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      },
    };
    mutate?.(o);
    return o;
  };
  const path0 = (o: KObject) => o.spec.rules[0].http.paths[0];
  it('accepts an ingress', () => expect(v.validateIngress(ing())).toEqual([]));
  const cases: [string, (o: KObject) => void, string[]][] = [
    ['wildcard host', (o) => (o.spec.rules[0].host = '*.example.com'), []],
    [
      'bad host',
      (o) => (o.spec.rules[0].host = 'Web.example.com'),
      [`spec.rules[0].host: Invalid value: "Web.example.com": ${SUBDOMAIN_MSG}`],
    ],
    ['IP host', (o) => (o.spec.rules[0].host = '10.0.0.1'), ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
    ['relative path', (o) => (path0(o).path = 'api'), ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    ['pathType required', (o) => delete path0(o).pathType, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    [
      'pathType unsupported',
      (o) => (path0(o).pathType = 'Regex'),
      ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    ],
    [
      'both backends',
      (o) => (path0(o).backend.resource = { kind: 'Bucket', name: 'b' }),
      ['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends'],
    ],
    [
      'no port',
      (o) => (path0(o).backend.service.port = {}),
      ['spec.rules[0].http.paths[0].backend: Required value: port name or number is required'],
    ],
    [
      'no rules and no default backend',
      (o) => delete o.spec.rules,
      ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified'],
    ],
    [
      'class annotation mismatch',
      (o) => ((o.metadata!.annotations = { 'kubernetes.io/ingress.class': 'nginx' }), (o.spec.ingressClassName = 'traefik')),
      ['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified'],
    ],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(v.validateIngress(ing(mutate)))).toEqual(want));

  it('IngressClass controller', () => {
    const ic: KObject = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };
    expect(v.validateIngressClass(ic)).toEqual([]);
    expect(msgs(v.validateIngressClass({ metadata: { name: 'nginx' }, spec: {} }))).toEqual(['spec.controller: Required value']);
    expect(msgs(v.validateIngressClass({ metadata: { name: 'nginx' }, spec: { controller: 'nginx' } }))).toEqual([
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    expect(msgs(v.validateIngressClassUpdate({ metadata: { name: 'nginx' }, spec: { controller: 'example.com/other' } }, ic))).toEqual([
      'spec.controller: Invalid value: "example.com/other": field is immutable',
    ]);
  });
});

describe('RBAC', () => {
  it('roles need verbs and resources', () => {
    expect(v.validateRole({ metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })).toEqual([]);
    expect(msgs(v.validateRole({ metadata: { name: 'r', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'] }] }))).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
    ]);
    expect(msgs(v.validateRole({ metadata: { name: 'r', namespace: 'default' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }))).toEqual([
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ]);
    expect(v.validateClusterRole({ metadata: { name: 'system:healthz' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] })).toEqual([]);
  });

  const binding = (mutate?: (o: KObject) => void): KObject => {
    const o: KObject = {
      metadata: { name: 'read-pods', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'default' },
      ],
    };
    mutate?.(o);
    return o;
  };
  it('accepts a role binding', () => expect(v.validateRoleBinding(binding())).toEqual([]));
  it('checks subjects and roleRef', () => {
    expect(msgs(v.validateRoleBinding(binding((o) => (o.subjects[0].kind = 'Robot'))))).toEqual([
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
    const crb = binding((o) => {
      delete o.metadata!.namespace;
      delete o.subjects[1].namespace;
    });
    expect(msgs(v.validateClusterRoleBinding(crb))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[1].namespace: Required value',
    ]);
  });
  it('roleRef is immutable', () =>
    expect(msgs(v.validateRoleBindingUpdate(binding((o) => (o.roleRef.name = 'admin')), binding()))).toEqual([
      'roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"admin"}: cannot change roleRef',
    ]));
});
