/** Dependencies follow their workloads: what a pod template references, and the index of followers. */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { DependencyIndex, followerPlacement, followsMessage, isDependencyKind, isWorkloadKind, referencedObjects, type DependencyRef, type Follower } from '../../src/federation/propagation/dependencies.js';

/** A pod spec with every kind of reference. */
const fullPod = {
  serviceAccountName: 'runner',
  imagePullSecrets: [{ name: 'registry' }],
  initContainers: [{ name: 'init', image: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'init-cm', key: 'a' } } }] }],
  containers: [
    {
      name: 'app',
      image: 'x',
      env: [
        { name: 'PLAIN', value: 'v' },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'opt-cm', key: 'c', optional: true } } },
        { name: 'D', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      envFrom: [{ configMapRef: { name: 'env-cm' } }, { secretRef: { name: 'env-secret', optional: true } }, { prefix: 'X_' }],
    },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'x', envFrom: [{ configMapRef: { name: 'debug-cm' } }] }],
  volumes: [
    { name: 'v1', configMap: { name: 'vol-cm' } },
    { name: 'v2', secret: { secretName: 'vol-secret' } },
    { name: 'v3', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'v4', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-secret' } }, { downwardAPI: { items: [] } }, { serviceAccountToken: { path: 't' } }] } },
    { name: 'v5', emptyDir: {} },
    { name: 'v6', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
    { name: 'v7', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } },
  ],
};

const fullRefs: DependencyRef[] = [
  { kind: 'ConfigMap', name: 'debug-cm' },
  { kind: 'ConfigMap', name: 'env-cm' },
  { kind: 'ConfigMap', name: 'init-cm' },
  { kind: 'ConfigMap', name: 'opt-cm' },
  { kind: 'ConfigMap', name: 'proj-cm' },
  { kind: 'ConfigMap', name: 'vol-cm' },
  { kind: 'PersistentVolumeClaim', name: 'data' },
  { kind: 'Secret', name: 'csi-secret' },
  { kind: 'Secret', name: 'db' },
  { kind: 'Secret', name: 'env-secret' },
  { kind: 'Secret', name: 'proj-secret' },
  { kind: 'Secret', name: 'registry' },
  { kind: 'Secret', name: 'vol-secret' },
  { kind: 'ServiceAccount', name: 'runner' },
];

const template = (spec: Record<string, unknown>) => ({ metadata: { labels: { app: 'x' } }, spec });
const web = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, template: template(spec) } });

describe('referencedObjects', () => {
  it.each<[string, string, KObject | undefined, DependencyRef[]]>([
    ['every kind of reference in a Deployment', 'Deployment', web(fullPod), fullRefs],
    ['a ReplicaSet', 'ReplicaSet', { spec: { template: template(fullPod) } }, fullRefs],
    ['a DaemonSet', 'DaemonSet', { spec: { template: template(fullPod) } }, fullRefs],
    ['a Job', 'Job', { spec: { template: template(fullPod) } }, fullRefs],
    ['a CronJob reads its job template', 'CronJob', { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template(fullPod) } } } }, fullRefs],
    ['a Pod reads its own spec', 'Pod', { spec: fullPod }, fullRefs],
    ['a Federated<Kind> spec.template has the same shape', 'Deployment', { metadata: {}, spec: { template: template({ containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'cfg' } }] }] }) } }, [{ kind: 'ConfigMap', name: 'cfg' }]],
    [
      'StatefulSet volumeClaimTemplates are not dependencies; its pod template volumes are',
      'StatefulSet',
      { spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }], template: template({ containers: [{ name: 'a', volumeMounts: [{ name: 'data', mountPath: '/d' }] }], volumes: [{ name: 'cfg', configMap: { name: 'sts-cm' } }] }) } },
      [{ kind: 'ConfigMap', name: 'sts-cm' }],
    ],
    ['the default ServiceAccount is every cluster\'s own', 'Deployment', web({ serviceAccountName: 'default', containers: [] }), []],
    ['the deprecated serviceAccount field', 'Deployment', web({ serviceAccount: 'legacy', containers: [] }), [{ kind: 'ServiceAccount', name: 'legacy' }]],
    ['kube-root-ca.crt is every cluster\'s own', 'Deployment', web({ volumes: [{ name: 'ca', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }] }), []],
    [
      'each object once, however often it is referenced',
      'Deployment',
      web({ containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'cfg' } }] }, { name: 'b', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x' } } }] }], volumes: [{ name: 'c', configMap: { name: 'cfg' } }] }),
      [{ kind: 'ConfigMap', name: 'cfg' }],
    ],
    ['a ConfigMap and a Secret of the same name are two objects', 'Deployment', web({ containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'app' } }, { secretRef: { name: 'app' } }] }] }), [{ kind: 'ConfigMap', name: 'app' }, { kind: 'Secret', name: 'app' }]],
    [
      'secrets of other volume sources',
      'Deployment',
      web({ volumes: [{ name: 'a', azureFile: { secretName: 'az', shareName: 's' } }, { name: 'b', rbd: { monitors: [], image: 'i', secretRef: { name: 'ceph' } } }, { name: 'c', flexVolume: { driver: 'd', secretRef: { name: 'flex' } } }] }),
      [{ kind: 'Secret', name: 'az' }, { kind: 'Secret', name: 'ceph' }, { kind: 'Secret', name: 'flex' }],
    ],
    ['empty names are ignored', 'Deployment', web({ containers: [{ name: 'a', envFrom: [{ configMapRef: { name: '' } }, { secretRef: {} }] }], imagePullSecrets: [{}] }), []],
    ['malformed lists are ignored', 'Deployment', web({ containers: 'nope', volumes: { a: 1 }, imagePullSecrets: [null, 'x'] }), []],
    ['a workload without a template', 'Deployment', { spec: {} }, []],
    ['no object', 'Deployment', undefined, []],
    ['not a workload kind', 'Service', { spec: { template: template(fullPod) } }, []],
  ])('%s', (_name, kind, obj, expected) => {
    expect(referencedObjects(kind, obj)).toEqual(expected);
  });

  it.each([
    ['apps', 'Deployment', true],
    ['apps', 'StatefulSet', true],
    ['batch', 'CronJob', true],
    ['', 'Pod', true],
    ['', 'Deployment', false],
    ['example.com', 'Job', false],
    ['', 'toString', false],
  ])('isWorkloadKind(%j, %j) = %s', (group, kind, expected) => {
    expect(isWorkloadKind(group, kind)).toBe(expected);
  });

  it.each([
    ['', 'ConfigMap', true],
    ['', 'Secret', true],
    ['', 'ServiceAccount', true],
    ['', 'PersistentVolumeClaim', true],
    ['', 'Service', false],
    ['example.com', 'ConfigMap', false],
  ])('isDependencyKind(%j, %j) = %s', (group, kind, expected) => {
    expect(isDependencyKind(group, kind)).toBe(expected);
  });
});

const cm = (name: string, namespace = 'ns') => ({ kind: 'ConfigMap', namespace, name });
const deploy = (name: string, namespace = 'ns') => ({ kind: 'Deployment', namespace, name });
const ref = (name: string): DependencyRef => ({ kind: 'ConfigMap', name });
const keys = (ks: { kind: string; namespace: string; name: string }[]) => ks.map((k) => `${k.namespace}/${k.kind}/${k.name}`).sort();

type Step = [op: 'set', workload: string, refs: string[], clusters: string[]] | [op: 'delete', workload: string] | [op: 'deleteKind', kind: string];

describe('DependencyIndex', () => {
  // Each case: steps applied in order; the dependencies reported changed by the last step, and
  // the follower clusters of cm a and cm b afterwards.
  it.each<[string, Step[], string[], string[], string[]]>([
    ['a new workload', [['set', 'web', ['a'], ['A', 'B']]], ['ns/ConfigMap/a'], ['A', 'B'], []],
    ['the same references and clusters again change nothing', [['set', 'web', ['a'], ['A', 'B']], ['set', 'web', ['a'], ['B', 'A']]], [], ['A', 'B'], []],
    ['clusters grow', [['set', 'web', ['a', 'b'], ['A']], ['set', 'web', ['a', 'b'], ['A', 'B']]], ['ns/ConfigMap/a', 'ns/ConfigMap/b'], ['A', 'B'], ['A', 'B']],
    ['clusters shrink', [['set', 'web', ['a'], ['A', 'B']], ['set', 'web', ['a'], ['A']]], ['ns/ConfigMap/a'], ['A'], []],
    ['a reference added', [['set', 'web', ['a'], ['A']], ['set', 'web', ['a', 'b'], ['A']]], ['ns/ConfigMap/b'], ['A'], ['A']],
    ['a reference removed', [['set', 'web', ['a', 'b'], ['A']], ['set', 'web', ['a'], ['A']]], ['ns/ConfigMap/b'], ['A'], []],
    ['another workload already covers the clusters', [['set', 'web', ['a'], ['A', 'B']], ['set', 'api', ['a'], ['B']]], [], ['A', 'B'], []],
    ['another workload adds a cluster', [['set', 'web', ['a'], ['A']], ['set', 'api', ['a'], ['B']]], ['ns/ConfigMap/a'], ['A', 'B'], []],
    ['a workload leaves a cluster another still holds', [['set', 'web', ['a'], ['A', 'B']], ['set', 'api', ['a'], ['B']], ['set', 'web', ['a'], ['A']]], [], ['A', 'B'], []],
    ['a workload deleted', [['set', 'web', ['a'], ['A', 'B']], ['set', 'api', ['a'], ['B']], ['delete', 'web']], ['ns/ConfigMap/a'], ['B'], []],
    ['a workload placed nowhere is forgotten', [['set', 'web', ['a'], ['A']], ['set', 'web', ['a'], []]], ['ns/ConfigMap/a'], [], []],
    ['a workload referencing nothing is forgotten', [['set', 'web', ['a'], ['A']], ['set', 'web', [], ['A']]], ['ns/ConfigMap/a'], [], []],
    ['deleting an unknown workload', [['delete', 'web']], [], [], []],
    ['every workload of a kind', [['set', 'web', ['a'], ['A']], ['set', 'api', ['b'], ['B']], ['deleteKind', 'Deployment']], ['ns/ConfigMap/a', 'ns/ConfigMap/b'], [], []],
    ['another kind is kept', [['set', 'web', ['a'], ['A']], ['deleteKind', 'Job']], [], ['A'], []],
  ])('%s', (_name, steps, changed, aClusters, bClusters) => {
    const index = new DependencyIndex();
    let last: ReturnType<DependencyIndex['set']> = [];
    for (const s of steps) {
      if (s[0] === 'set') last = index.set(deploy(s[1]), s[2].map(ref), s[3]);
      else if (s[0] === 'delete') last = index.delete(deploy(s[1]));
      else last = index.deleteKind(s[1]);
    }
    expect(keys(last)).toEqual(changed);
    expect(index.followerClusters(cm('a'))).toEqual(aClusters);
    expect(index.followerClusters(cm('b'))).toEqual(bClusters);
  });

  it('keeps namespaces apart and lists the followers with their clusters', () => {
    const index = new DependencyIndex();
    index.set(deploy('web', 'one'), [ref('a')], ['A']);
    index.set(deploy('web', 'two'), [ref('a')], ['B']);
    index.set({ kind: 'Job', namespace: 'one', name: 'migrate' }, [ref('a'), { kind: 'Secret', name: 'a' }], ['C']);
    expect(index.followerClusters(cm('a', 'one'))).toEqual(['A', 'C']);
    expect(index.followerClusters(cm('a', 'two'))).toEqual(['B']);
    expect(index.followerClusters({ kind: 'Secret', namespace: 'one', name: 'a' })).toEqual(['C']);
    expect(index.followers(cm('a', 'one'))).toEqual([
      { workload: deploy('web', 'one'), clusters: ['A'] },
      { workload: { kind: 'Job', namespace: 'one', name: 'migrate' }, clusters: ['C'] },
    ]);
    expect(index.size).toBe(3);
    index.delete(deploy('web', 'one'));
    expect(index.followers(cm('a', 'one')).map((f) => f.workload.name)).toEqual(['migrate']);
    expect(index.size).toBe(2);
  });

  it('hands out copies: callers cannot change the index', () => {
    const index = new DependencyIndex();
    const clusters = ['A'];
    index.set(deploy('web'), [ref('a')], clusters);
    clusters.push('B');
    index.followers(cm('a'))[0]!.clusters.push('C');
    expect(index.followerClusters(cm('a'))).toEqual(['A']);
  });
});

const f = (name: string, clusters: string[]): Follower => ({ workload: { kind: 'Deployment', namespace: 'ns', name }, clusters });

describe('followerPlacement', () => {
  it.each<[string, string[], Follower[], string[] | undefined, string[], string[]]>([
    ['no followers: its own placement', ['A'], [], undefined, ['A'], []],
    ['followers add their clusters', ['A'], [f('web', ['A', 'B'])], undefined, ['A', 'B'], ['B']],
    ['placed nowhere itself, it still follows', [], [f('web', ['B', 'A'])], undefined, ['A', 'B'], ['A', 'B']],
    ['several followers, each cluster once', ['C'], [f('web', ['A', 'B']), f('api', ['B', 'C'])], undefined, ['C', 'A', 'B'], ['A', 'B']],
    ['limited to the namespace\'s clusters', ['A'], [f('web', ['B', 'C'])], ['A', 'B'], ['A', 'B'], ['B']],
  ])('%s', (_name, own, followers, within, clusters, extra) => {
    expect(followerPlacement(own, followers, within)).toEqual({ clusters, extra });
  });
});

describe('followsMessage', () => {
  it.each<[string, string[], string[], Follower[], string[], string | undefined]>([
    ['nothing changed', ['B'], ['B'], [f('web', ['A', 'B'])], ['A'], undefined],
    ['placed for a workload', [], ['B'], [f('web', ['A', 'B'])], ['A'], 'placed in B for Deployment web'],
    ['placed for two workloads', [], ['B', 'C'], [f('api', ['C']), f('web', ['B'])], [], 'placed in C for Deployment api; placed in B for Deployment web'],
    ['no longer needed', ['B'], [], [f('web', ['A'])], ['A'], 'no longer placed in B: no workload there needs it'],
    ['moved', ['B'], ['C'], [f('web', ['C'])], [], 'placed in C for Deployment web; no longer placed in B: no workload there needs it'],
    ['its own placement took the cluster over: nothing to say', ['B'], [], [], ['A', 'B'], undefined],
  ])('%s', (_name, before, after, followers, own, expected) => {
    expect(followsMessage(before, after, followers, own)).toBe(expected);
  });
});
