import { describe, expect, it } from 'vitest';
import { defaultPod } from '../../src/apis/defaults/builtin.js';
import type { KObject } from '../../src/apis/object.js';
import { deepClone } from '../../src/apis/object.js';
import { errorMessage, type FieldError } from '../../src/apis/validation/field.js';
import {
  computePodQOSClass,
  parseQuantity,
  validatePod,
  validatePodStatusUpdate,
  validatePodUpdate,
} from '../../src/apis/validation/pod.js';

const msgs = (errs: FieldError[]) => errs.map(errorMessage);

/** What `kubectl run nginx --image=nginx --port=80` sends, after defaulting. */
function pod(mutate?: (p: KObject) => void): KObject {
  const p: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default', labels: { run: 'nginx' }, uid: 'u1' },
    spec: {
      containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
  defaultPod(p);
  mutate?.(p);
  return p;
}

const c0 = (p: KObject) => p.spec.containers[0];

describe('validatePod', () => {
  it('accepts a defaulted pod', () => {
    expect(validatePod(pod())).toEqual([]);
  });

  const cases: [string, (p: KObject) => void, string[]][] = [
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    ['image required', (p) => delete c0(p).image, ['spec.containers[0].image: Required value']],
    [
      'container name not a DNS label',
      (p) => (c0(p).name = 'Web'),
      [
        "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['duplicate container name', (p) => p.spec.containers.push({ ...deepClone(c0(p)), ports: [] }), ['spec.containers[1].name: Duplicate value: "nginx"']],
    [
      'init container clashing with a container',
      (p) => (p.spec.initContainers = [{ ...deepClone(c0(p)), ports: [] }]),
      ['spec.initContainers[0].name: Duplicate value: "nginx"'],
    ],
    ['containerPort out of range', (p) => (c0(p).ports[0].containerPort = 70000), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['containerPort missing', (p) => delete c0(p).ports[0].containerPort, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['hostPort out of range', (p) => (c0(p).ports[0].hostPort = -1), ['spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive']],
    ['protocol unsupported', (p) => (c0(p).ports[0].protocol = 'HTTP'), ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    [
      'duplicate port names',
      (p) => (c0(p).ports = [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'http', containerPort: 81, protocol: 'TCP' }]),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'port name not IANA_SVC_NAME',
      (p) => (c0(p).ports[0].name = 'http_port'),
      ['spec.containers[0].ports[0].name: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ],
    ['env name required', (p) => (c0(p).env = [{ value: 'x' }]), ['spec.containers[0].env[0].name: Required value']],
    [
      'env name with "="',
      (p) => (c0(p).env = [{ name: 'A=B', value: 'x' }]),
      ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"],
    ],
    [
      'env valueFrom without a source',
      (p) => (c0(p).env = [{ name: 'A', valueFrom: {} }]),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'],
    ],
    [
      'env fieldRef unsupported',
      (p) => (c0(p).env = [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.schedulerName' } } }]),
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.schedulerName": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    ['volume mount of a missing volume', (p) => (c0(p).volumeMounts = [{ name: 'x', mountPath: '/x' }]), ['spec.containers[0].volumeMounts[0].name: Not found: "x"']],
    [
      'duplicate mount paths',
      (p) => (c0(p).volumeMounts = [{ name: 'data', mountPath: '/d' }, { name: 'data', mountPath: '/d' }]),
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique'],
    ],
    ['duplicate volume names', (p) => p.spec.volumes.push({ name: 'data', emptyDir: {} }), ['spec.volumes[1].name: Duplicate value: "data"']],
    [
      'two volume sources',
      (p) => (p.spec.volumes[0].configMap = { name: 'cm', defaultMode: 420 }),
      ['spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type'],
    ],
    ['configMap volume without a name', (p) => (p.spec.volumes = [{ name: 'cfg', configMap: { defaultMode: 420 } }]), ['spec.volumes[0].configMap.name: Required value']],
    [
      'requests above limits',
      (p) => (c0(p).resources = { limits: { cpu: '500m' }, requests: { cpu: '1' } }),
      ['spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m'],
    ],
    ['negative quantity', (p) => (c0(p).resources = { requests: { memory: '-1Mi' } }), ['spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0']],
    [
      'unknown resource name',
      (p) => (c0(p).resources = { limits: { gpu: '1' } }),
      [
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'extended resources need equal request and limit',
      (p) => (c0(p).resources = { limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '1' } }),
      ['spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2'],
    ],
    [
      'probe with two handlers',
      (p) => (c0(p).livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 }),
      ['spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'probe without a handler',
      (p) => (c0(p).readinessProbe = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 }),
      ['spec.containers[0].readinessProbe: Required value: must specify a handler type'],
    ],
    [
      'liveness successThreshold',
      (p) => (c0(p).livenessProbe = { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 2, failureThreshold: 3 }),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    ['restartPolicy', (p) => (p.spec.restartPolicy = 'Sometimes'), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    [
      'dnsPolicy',
      (p) => (p.spec.dnsPolicy = 'Cluster'),
      ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    [
      'nodeSelector label value',
      (p) => (p.spec.nodeSelector = { disk: 'ssd fast' }),
      [
        "spec.nodeSelector: Invalid value: \"ssd fast\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'toleration with empty key must use Exists',
      (p) => (p.spec.tolerations = [{ operator: 'Equal', value: 'x' }]),
      ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ],
    [
      'tolerationSeconds needs NoExecute',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]),
      ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"],
    ],
    [
      'toleration effect',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'Never' }]),
      ['spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ],
    [
      'node affinity without terms',
      (p) => (p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }),
      ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term'],
    ],
    [
      'pod affinity weight',
      (p) =>
        (p.spec.affinity = {
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] },
        }),
      ['spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'],
    ],
    [
      'serviceAccountName',
      (p) => (p.spec.serviceAccountName = 'Builder'),
      [
        "spec.serviceAccountName: Invalid value: \"Builder\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    ['hostname', (p) => (p.spec.hostname = 'web.local'), ['spec.hostname: Invalid value: "web.local": must not contain dots']],
    ['activeDeadlineSeconds', (p) => (p.spec.activeDeadlineSeconds = 0), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
    ['terminationGracePeriodSeconds required', (p) => delete p.spec.terminationGracePeriodSeconds, ['spec.terminationGracePeriodSeconds: Required value']],
    [
      'hostNetwork host port must equal container port',
      (p) => {
        p.spec.hostNetwork = true;
        c0(p).ports[0].hostPort = 8080;
      },
      ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'],
    ],
    ['image whitespace', (p) => (c0(p).image = ' nginx'), ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace']],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(validatePod(pod(mutate)))).toEqual(want));

  it('can use the strict environment variable rule', () => {
    const p = pod((x) => (c0(x).env = [{ name: '1X', value: 'y' }]));
    expect(validatePod(p)).toEqual([]);
    expect(msgs(validatePod(p, { relaxedEnvVarNames: false }))[0]).toMatch(
      /^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '\.', and must not start with a digit/,
    );
  });
});

describe('validatePodUpdate', () => {
  const old = pod();
  it('allows image changes and new tolerations', () => {
    const p = deepClone(old);
    c0(p).image = 'nginx:1.27';
    p.spec.tolerations = [...p.spec.tolerations ?? [], { key: 'k', operator: 'Exists' }];
    expect(validatePodUpdate(p, old)).toEqual([]);
  });
  it('forbids other spec changes', () => {
    const p = deepClone(old);
    p.spec.restartPolicy = 'Never';
    const got = msgs(validatePodUpdate(p, old));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(
      /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/,
    );
  });
  it('forbids adding containers', () => {
    const p = deepClone(old);
    p.spec.containers.push({ ...deepClone(c0(p)), name: 'sidecar', ports: [] });
    expect(msgs(validatePodUpdate(p, old))).toEqual(['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });
  it('activeDeadlineSeconds may only shrink', () => {
    const o = pod((x) => (x.spec.activeDeadlineSeconds = 30));
    const p = deepClone(o);
    p.spec.activeDeadlineSeconds = 60;
    expect(msgs(validatePodUpdate(p, o))).toEqual(['spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value']);
  });
  it('existing tolerations cannot change', () => {
    const o = pod((x) => (x.spec.tolerations = [{ key: 'k', operator: 'Equal', value: 'a' }]));
    const p = deepClone(o);
    p.spec.tolerations[0].value = 'b';
    expect(msgs(validatePodUpdate(p, o))).toEqual(['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  });
});

describe('validatePodStatusUpdate', () => {
  it('accepts a running status', () => {
    const o = pod((x) => (x.spec.nodeName = 'node-1'));
    const p = deepClone(o);
    p.status = { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }] };
    expect(validatePodStatusUpdate(p, o)).toEqual([]);
  });
  it('rejects bad pod IPs and terminated containers coming back', () => {
    const o = pod((x) => {
      x.spec.restartPolicy = 'Never';
      x.status = { containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 0 } } }] };
    });
    const p = deepClone(o);
    p.status = { podIPs: [{ ip: 'x' }], containerStatuses: [{ name: 'nginx', state: { running: {} } }] };
    expect(msgs(validatePodStatusUpdate(p, o))).toEqual([
      'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
      'status.podIPs[0]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });
});

describe('quantities and QoS', () => {
  it.each([
    ['1', 1_000_000_000n],
    ['500m', 500_000_000n],
    ['0.5', 500_000_000n],
    ['128Mi', 134217728n * 1_000_000_000n],
    ['1e3', 1000n * 1_000_000_000n],
    ['1.5Gi', 1610612736n * 1_000_000_000n],
    ['-1', -1_000_000_000n],
  ])('parseQuantity(%s)', (q, want) => expect(parseQuantity(q)).toBe(want));
  it('rejects non-quantities', () => expect(parseQuantity('ten')).toBeUndefined());

  it('computes the QoS class', () => {
    expect(computePodQOSClass(pod())).toBe('BestEffort');
    expect(computePodQOSClass(pod((p) => (c0(p).resources = { requests: { cpu: '100m' } })))).toBe('Burstable');
    const g = pod((p) => (c0(p).resources = { limits: { cpu: '1', memory: '1Gi' } }));
    expect(computePodQOSClass(g)).toBe('Burstable');
    // Defaulting copies limits into requests, which makes the pod Guaranteed.
    defaultPod(g);
    expect(computePodQOSClass(g)).toBe('Guaranteed');
  });
});
