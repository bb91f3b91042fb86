import { describe, it, expect } from 'vitest';
import {
  daemonSetFromV1,
  daemonSetToV1,
  deploymentFromV1,
  deploymentToV1,
  ingressFromV1,
  ingressToV1,
  replicaSetFromV1,
  replicaSetToV1,
} from '../../src/apis/extensions/v1beta1.js';
import type { KObject } from '../../src/apis/object.js';

const MAX_INT32 = 2147483647;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const nginxPodSpec = () => ({
  containers: [
    {
      name: 'frontend',
      image: 'nginx',
      ports: [{ containerPort: 80 }],
      volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html' }],
    },
    {
      name: 'zone-fetcher',
      image: 'busybox',
      command: ['/bin/sh', '-c', 'while true; do hostname > /zonefetch/index.html; sleep 60; done'],
      volumeMounts: [{ name: 'html', mountPath: '/zonefetch' }],
    },
  ],
  volumes: [{ name: 'html', emptyDir: {} }],
});

/** The Federation v1 seed ReplicaSet: extensions/v1beta1, no selector. */
const seedReplicaSet = (): KObject => ({
  apiVersion: 'extensions/v1beta1',
  kind: 'ReplicaSet',
  metadata: { name: 'nginx', labels: { app: 'nginx', type: 'demo' } },
  spec: {
    replicas: 9,
    template: { metadata: { labels: { app: 'nginx' } }, spec: nginxPodSpec() },
  },
});

/** The Federation v1 seed Ingress: extensions/v1beta1 with a default backend only. */
const seedIngress = (): KObject => ({
  apiVersion: 'extensions/v1beta1',
  kind: 'Ingress',
  metadata: { name: 'nginx' },
  spec: { backend: { serviceName: 'nginx', servicePort: 80 } },
});

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: nginxPodSpec() });

interface Case {
  name: string;
  fn: (o: KObject) => KObject;
  input: KObject;
  want: KObject;
}

const toV1Cases: Case[] = [
  {
    name: 'seed ReplicaSet gets its selector from the template labels and keeps its own labels',
    fn: replicaSetToV1,
    input: seedReplicaSet(),
    want: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'nginx', labels: { app: 'nginx', type: 'demo' } },
      spec: {
        replicas: 9,
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: nginxPodSpec() },
      },
    },
  },
  {
    name: 'ReplicaSet without labels takes the template labels',
    fn: replicaSetToV1,
    input: { apiVersion: 'extensions/v1beta1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { template: template({ a: 'b' }) } },
    want: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', labels: { a: 'b' } },
      spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) },
    },
  },
  {
    name: 'ReplicaSet with an explicit selector keeps it',
    fn: replicaSetToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', labels: {} },
      spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, template: template({ a: 'b', c: 'd' }) },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', labels: { a: 'b', c: 'd' } },
      spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, template: template({ a: 'b', c: 'd' }) },
    },
  },
  {
    name: 'ReplicaSet whose template has no labels is left for validation to reject',
    fn: replicaSetToV1,
    input: { apiVersion: 'extensions/v1beta1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { template: { spec: nginxPodSpec() } } },
    want: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { template: { spec: nginxPodSpec() } } },
  },
  {
    name: 'Deployment gets the legacy defaults and loses rollbackTo',
    fn: deploymentToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 2, rollbackTo: { revision: 3 }, template: template({ app: 'd' }) },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
        revisionHistoryLimit: MAX_INT32,
        progressDeadlineSeconds: MAX_INT32,
      },
    },
  },
  {
    name: 'Deployment keeps explicit values and a Recreate strategy',
    fn: deploymentToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { x: 'y' } },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 120,
        paused: true,
        minReadySeconds: 5,
      },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { x: 'y' } },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 120,
        paused: true,
        minReadySeconds: 5,
      },
    },
  },
  {
    name: 'Deployment fills only the missing rolling-update bound',
    fn: deploymentToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { rollingUpdate: { maxSurge: '50%' } },
        revisionHistoryLimit: 4,
        progressDeadlineSeconds: 60,
      },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { rollingUpdate: { maxSurge: '50%', maxUnavailable: 1 }, type: 'RollingUpdate' },
        revisionHistoryLimit: 4,
        progressDeadlineSeconds: 60,
      },
    },
  },
  {
    name: 'DaemonSet defaults to OnDelete and loses templateGeneration',
    fn: daemonSetToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', namespace: 'kube-system' },
      spec: { templateGeneration: 4, template: template({ k: 'v' }) },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', namespace: 'kube-system', labels: { k: 'v' } },
      spec: { selector: { matchLabels: { k: 'v' } }, template: template({ k: 'v' }), updateStrategy: { type: 'OnDelete' } },
    },
  },
  {
    name: 'DaemonSet RollingUpdate gets maxUnavailable 1',
    fn: daemonSetToV1,
    input: {
      apiVersion: 'extensions/v1beta1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', labels: { k: 'v' } },
      spec: { selector: { matchLabels: { k: 'v' } }, template: template({ k: 'v' }), updateStrategy: { type: 'RollingUpdate' } },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', labels: { k: 'v' } },
      spec: {
        selector: { matchLabels: { k: 'v' } },
        template: template({ k: 'v' }),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      },
    },
  },
  {
    name: 'seed Ingress: backend becomes defaultBackend with a numbered port',
    fn: ingressToV1,
    input: seedIngress(),
    want: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'nginx' },
      spec: { defaultBackend: { service: { name: 'nginx', port: { number: 80 } } } },
    },
  },
  {
    name: 'Ingress rules: named, numeric-string and numeric ports; pathType defaulted; resource backend kept',
    fn: ingressToV1,
    input: {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: [
          {
            host: 'a.example.com',
            http: {
              paths: [
                { path: '/api', backend: { serviceName: 'api', servicePort: 'http' } },
                { path: '/v2', pathType: 'Prefix', backend: { serviceName: 'v2', servicePort: '8080' } },
                { path: '/static', pathType: 'Exact', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } } },
              ],
            },
          },
          { host: 'b.example.com' },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP' }] }, { hostname: 'lb.example.com' }] } },
    },
    want: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: [
          {
            host: 'a.example.com',
            http: {
              paths: [
                { path: '/api', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { name: 'http' } } } },
                { path: '/v2', pathType: 'Prefix', backend: { service: { name: 'v2', port: { number: 8080 } } } },
                { path: '/static', pathType: 'Exact', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } } },
              ],
            },
          },
          { host: 'b.example.com' },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP' }] }, { hostname: 'lb.example.com' }] } },
    },
  },
];

const fromV1Cases: Case[] = [
  {
    name: 'ReplicaSet only changes apiVersion',
    fn: replicaSetFromV1,
    input: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', labels: { a: 'b' } },
      spec: { replicas: 3, selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) },
      status: { replicas: 3, readyReplicas: 2, conditions: [{ type: 'ReplicaFailure', status: 'False' }] },
    },
    want: {
      apiVersion: 'extensions/v1beta1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', labels: { a: 'b' } },
      spec: { replicas: 3, selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) },
      status: { replicas: 3, readyReplicas: 2, conditions: [{ type: 'ReplicaFailure', status: 'False' }] },
    },
  },
  {
    name: 'Deployment writes out the apps/v1 defaults that v1beta1 would read differently',
    fn: deploymentFromV1,
    input: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: template({ app: 'd' }) },
    },
    want: {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
  },
  {
    name: 'DaemonSet without a strategy reads as RollingUpdate',
    fn: daemonSetFromV1,
    input: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: { selector: { matchLabels: { k: 'v' } }, template: template({ k: 'v' }) },
    },
    want: {
      apiVersion: 'extensions/v1beta1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: {
        selector: { matchLabels: { k: 'v' } },
        template: template({ k: 'v' }),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      },
    },
  },
  {
    name: 'Ingress defaultBackend becomes backend; named port becomes a string servicePort',
    fn: (o) => ingressFromV1(o, 'extensions/v1beta1'),
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
        rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } }] } }],
      },
    },
    want: {
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: {
        backend: { serviceName: 'web', servicePort: 'http' },
        rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { serviceName: 'web', servicePort: 8080 } }] } }],
      },
    },
  },
  {
    name: 'Ingress to networking.k8s.io/v1beta1',
    fn: (o) => ingressFromV1(o, 'networking.k8s.io/v1beta1'),
    input: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: { defaultBackend: { resource: { kind: 'Bucket', name: 'b', apiGroup: 'x.io' } } },
      status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } },
    },
    want: {
      apiVersion: 'networking.k8s.io/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: { backend: { resource: { kind: 'Bucket', name: 'b', apiGroup: 'x.io' } } },
      status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } },
    },
  },
];

describe('extensions/v1beta1 -> current versions', () => {
  for (const c of toV1Cases) {
    it(c.name, () => {
      const input = deepFreeze(clone(c.input));
      expect(c.fn(input)).toEqual(c.want);
    });
  }
});

describe('current versions -> extensions/v1beta1', () => {
  for (const c of fromV1Cases) {
    it(c.name, () => {
      const input = deepFreeze(clone(c.input));
      expect(c.fn(input)).toEqual(c.want);
    });
  }
});

describe('the seed objects', () => {
  it('the seed ReplicaSet becomes a valid-looking apps/v1 ReplicaSet', () => {
    const rs = replicaSetToV1(seedReplicaSet());
    expect(rs.apiVersion).toBe('apps/v1');
    expect(rs.spec.selector).toEqual({ matchLabels: { app: 'nginx' } });
    expect(rs.metadata?.labels).toEqual({ app: 'nginx', type: 'demo' });
    expect(rs.spec.replicas).toBe(9);
    expect(rs.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['frontend', 'zone-fetcher']);
    expect(rs.spec.template.spec.volumes).toEqual([{ name: 'html', emptyDir: {} }]);
    // The selector selects the template's pods.
    for (const [k, v] of Object.entries(rs.spec.selector.matchLabels as Record<string, string>)) {
      expect(rs.spec.template.metadata.labels[k]).toBe(v);
    }
  });

  it('the selector is a copy, not an alias of the template labels', () => {
    const rs = replicaSetToV1(seedReplicaSet());
    rs.spec.selector.matchLabels.extra = 'x';
    expect(rs.spec.template.metadata.labels).toEqual({ app: 'nginx' });
  });

  it('the seed Ingress round-trips back to extensions/v1beta1', () => {
    const v1 = ingressToV1(seedIngress());
    expect(ingressFromV1(v1, 'extensions/v1beta1')).toEqual(seedIngress());
  });
});

/**
 * Fully defaulted v1 objects (as stored) that use only what v1beta1 can represent. Empty object
 * labels are not representable: v1beta1 defaulting fills them from the pod template (see below).
 */
const v1RoundTrips: { name: string; to: (o: KObject) => KObject; from: (o: KObject) => KObject; obj: KObject }[] = [
  {
    name: 'ReplicaSet',
    to: replicaSetToV1,
    from: replicaSetFromV1,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r', namespace: 'default', labels: { a: 'b' }, resourceVersion: '7', uid: 'u1' },
      spec: { replicas: 2, minReadySeconds: 3, selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) },
      status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 4 },
    },
  },
  {
    name: 'Deployment',
    to: deploymentToV1,
    from: deploymentFromV1,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default', labels: { app: 'd' }, annotations: { 'deployment.kubernetes.io/revision': '2' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        minReadySeconds: 0,
        paused: false,
      },
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' },
        ],
      },
    },
  },
  {
    name: 'Deployment with Recreate',
    to: deploymentToV1,
    from: deploymentFromV1,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 2,
        progressDeadlineSeconds: 30,
      },
    },
  },
  {
    name: 'DaemonSet',
    to: daemonSetToV1,
    from: daemonSetFromV1,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', namespace: 'kube-system', labels: { k: 'v', tier: 'node' } },
      spec: {
        selector: { matchLabels: { k: 'v' } },
        template: template({ k: 'v' }),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10,
      },
      status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1 },
    },
  },
  {
    name: 'DaemonSet with OnDelete',
    to: daemonSetToV1,
    from: daemonSetFromV1,
    obj: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', labels: { k: 'v' } },
      spec: { selector: { matchLabels: { k: 'v' } }, template: template({ k: 'v' }), updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 10 },
    },
  },
  {
    name: 'Ingress',
    to: ingressToV1,
    from: (o) => ingressFromV1(o, 'extensions/v1beta1'),
    obj: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'ns', annotations: { 'x/y': 'z' } },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { service: { name: 'default', port: { number: 80 } } },
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: [
          {
            host: 'a.example.com',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
                { path: '/x', pathType: 'ImplementationSpecific', backend: { service: { name: 'x', port: { number: 9000 } } } },
                { path: '/b', pathType: 'Exact', backend: { resource: { apiGroup: 'x.io', kind: 'Bucket', name: 'b' } } },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ports: [{ port: 443, protocol: 'TCP', error: 'Pending' }] }] } },
    },
  },
];

describe('round trips', () => {
  for (const c of v1RoundTrips) {
    it(`${c.name}: toV1(fromV1(x)) == x`, () => {
      const x = deepFreeze(clone(c.obj));
      const legacy = c.from(x);
      expect(legacy.apiVersion).not.toBe(x.apiVersion);
      expect(c.to(legacy)).toEqual(c.obj);
      expect(x).toEqual(c.obj);
    });
  }

  it('Ingress through networking.k8s.io/v1beta1 as well', () => {
    const x = v1RoundTrips.find((c) => c.name === 'Ingress')!.obj;
    const legacy = ingressFromV1(x, 'networking.k8s.io/v1beta1');
    expect(legacy.apiVersion).toBe('networking.k8s.io/v1beta1');
    expect(ingressToV1(legacy)).toEqual(x);
  });

  it('a fully specified v1beta1 Deployment survives toV1 then fromV1 except rollbackTo', () => {
    const legacy: KObject = {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd' } },
        template: template({ app: 'd' }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '10%' } },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 100,
        rollbackTo: { revision: 1 },
      },
    };
    const { rollbackTo: _r, ...spec } = legacy.spec;
    expect(deploymentFromV1(deploymentToV1(deepFreeze(clone(legacy))))).toEqual({ ...legacy, spec });
  });

  it('a v1 workload without labels gains the template labels through v1beta1, as in Kubernetes', () => {
    const x: KObject = deepFreeze({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r' },
      spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) },
    });
    expect(replicaSetFromV1(x).metadata).toEqual({ name: 'r' });
    expect(replicaSetToV1(replicaSetFromV1(x))).toEqual({ ...x, metadata: { name: 'r', labels: { a: 'b' } } });
  });

  it('a v1beta1 Ingress with a numeric-string port comes back with a number', () => {
    const legacy: KObject = { apiVersion: 'extensions/v1beta1', kind: 'Ingress', spec: { backend: { serviceName: 's', servicePort: '8080' } } };
    expect(ingressFromV1(ingressToV1(legacy), 'extensions/v1beta1').spec).toEqual({ backend: { serviceName: 's', servicePort: 8080 } });
  });
});

describe('inputs are never mutated', () => {
  const all: [string, (o: KObject) => KObject, KObject][] = [
    ['replicaSetToV1', replicaSetToV1, seedReplicaSet()],
    ['deploymentToV1', deploymentToV1, { apiVersion: 'extensions/v1beta1', kind: 'Deployment', spec: { rollbackTo: { revision: 1 }, template: template({ a: 'b' }) } }],
    ['daemonSetToV1', daemonSetToV1, { apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', spec: { templateGeneration: 2, template: template({ a: 'b' }) } }],
    ['ingressToV1', ingressToV1, {
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      spec: { backend: { serviceName: 'a', servicePort: 'http' }, rules: [{ http: { paths: [{ backend: { serviceName: 'b', servicePort: 1 } }] } }] },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } },
    }],
    ['deploymentFromV1', deploymentFromV1, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { selector: {}, template: template({ a: 'b' }) } }],
    ['daemonSetFromV1', daemonSetFromV1, { apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { selector: {}, template: template({ a: 'b' }) } }],
    ['replicaSetFromV1', replicaSetFromV1, { apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { selector: {}, template: template({ a: 'b' }) } }],
    ['ingressFromV1', (o) => ingressFromV1(o, 'extensions/v1beta1'), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      spec: { defaultBackend: { service: { name: 'a', port: { number: 1 } } }, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'b', port: { name: 'p' } } } }] } }] },
    }],
  ];

  for (const [name, fn, input] of all) {
    it(name, () => {
      const before = clone(input);
      const out = fn(input);
      expect(input).toEqual(before);
      expect(out).not.toBe(input);
      // Changing the output does not reach back into the input.
      if (out.spec.template) out.spec.template.metadata.labels.changed = 'yes';
      else out.spec.changed = 'yes';
      expect(input).toEqual(before);
      // Frozen inputs are accepted too (nothing writes to them).
      expect(() => fn(deepFreeze(clone(before)))).not.toThrow();
    });
  }

  it('core/v1 load balancer fields that networking/v1 lacks are dropped', () => {
    const out = ingressToV1({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP' }] } } });
    expect(out.status).toEqual({ loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } });
  });
});
