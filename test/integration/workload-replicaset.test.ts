import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { EVENTS, PODS, REPLICA_SETS, type InternalClient } from '../../src/playground/cluster/client.js';
import { ReplicaSetController } from '../../src/playground/cluster/controllers/replicaset.js';
import { compareForDeletion, computeHash, safeEncodeString } from '../../src/playground/cluster/controllers/workload-common.js';
import { startTestRuntime, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { FakePodLifecycle } from '../helpers/fake-pod-lifecycle.js';

const active = (pods: KObject[]) => pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');

function rs(name: string, replicas: number, extra: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' }, annotations: { note: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } },
      ...extra,
    },
  };
}

describe('hashing', () => {
  it('encodes like SafeEncodeString and is stable', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
    const t = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(JSON.parse(JSON.stringify(t)))).toBe(h);
    expect(computeHash(t, 1)).not.toBe(h);
  });

  it('orders pods for deletion like ActivePods', () => {
    const pending: KObject = { metadata: { uid: 'a', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { nodeName: 'n' }, status: { phase: 'Pending' } };
    const unassigned: KObject = { metadata: { uid: 'b', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: {}, status: { phase: 'Pending' } };
    const running: KObject = { metadata: { uid: 'c', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { nodeName: 'n' }, status: { phase: 'Running' } };
    const ready: KObject = {
      metadata: { uid: 'd', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { nodeName: 'n' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
    };
    const sorted = [ready, running, pending, unassigned].sort((x, y) => compareForDeletion(x, y));
    expect(sorted.map((p) => p.metadata!.uid)).toEqual(['b', 'a', 'c', 'd']);
  });
});

describe('ReplicaSetController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let fake: FakePodLifecycle;

  beforeEach(async () => {
    t = await startTestRuntime();
    client = t.runtime.client('test');
    fake = new FakePodLifecycle(t.runtime);
    await t.run(new ReplicaSetController(t.runtime), fake);
  });
  afterEach(async () => {
    await t.stop();
  });

  const podsOf = (name: string) => client.list(PODS, 'default', { matchLabels: { app: name } });

  it('creates, replaces, scales and reports status', async () => {
    await client.create(REPLICA_SETS, 'default', rs('web', 3));
    await eventually(() => client.get(REPLICA_SETS, 'default', 'web')?.status?.availableReplicas === 3, '3 available', 10_000);
    const pods = podsOf('web');
    expect(pods).toHaveLength(3);
    const set = client.get(REPLICA_SETS, 'default', 'web')!;
    for (const p of pods) {
      expect(p.metadata!.generateName).toBe('web-');
      expect(p.metadata!.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata!.labels).toEqual({ app: 'web', tier: 'web' });
      expect(p.metadata!.annotations).toEqual({ note: 'x' });
      expect(p.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: set.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    expect(set.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });

    // A deleted pod is replaced.
    await client.delete(PODS, 'default', pods[0]!.metadata!.name!, { gracePeriodSeconds: 0 });
    await eventually(() => active(podsOf('web')).length === 3 && !podsOf('web').some((p) => p.metadata!.uid === pods[0]!.metadata!.uid), 'replacement', 10_000);

    // Scale up and down to the exact count.
    await client.modify(REPLICA_SETS, 'default', 'web', (o) => void (o.spec.replicas = 5));
    await eventually(() => client.get(REPLICA_SETS, 'default', 'web')?.status?.readyReplicas === 5, '5 ready', 10_000);
    expect(active(podsOf('web'))).toHaveLength(5);
    await client.modify(REPLICA_SETS, 'default', 'web', (o) => void (o.spec.replicas = 2));
    await eventually(() => podsOf('web').length === 2 && client.get(REPLICA_SETS, 'default', 'web')?.status?.replicas === 2, 'scaled to 2', 10_000);
    const events = client.list(EVENTS, 'default').filter((e) => e.involvedObject?.name === 'web');
    expect(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message))).toBe(true);
    expect(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message))).toBe(true);
    expect(events.every((e) => e.source?.component === 'replicaset-controller')).toBe(true);
  });

  it('prefers deleting pending and not-ready pods on scale down', async () => {
    await client.create(REPLICA_SETS, 'default', rs('pick', 2));
    await eventually(() => client.get(REPLICA_SETS, 'default', 'pick')?.status?.readyReplicas === 2, '2 ready', 10_000);
    fake.paused = true;
    await client.modify(REPLICA_SETS, 'default', 'pick', (o) => void (o.spec.replicas = 4));
    await eventually(() => podsOf('pick').length === 4, '4 pods', 10_000);
    const readyNames = podsOf('pick')
      .filter((p) => p.status?.conditions?.some((c: KObject) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => p.metadata!.name)
      .sort();
    await client.modify(REPLICA_SETS, 'default', 'pick', (o) => void (o.spec.replicas = 2));
    await eventually(() => podsOf('pick').length === 2, 'back to 2', 10_000);
    expect(
      podsOf('pick')
        .map((p) => p.metadata!.name)
        .sort(),
    ).toEqual(readyNames);
    fake.paused = false;
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const orphan = await client.create(PODS, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await client.create(REPLICA_SETS, 'default', rs('adopt', 2));
    await eventually(() => client.get(PODS, 'default', 'orphan')?.metadata?.ownerReferences?.[0]?.name === 'adopt', 'adoption', 10_000);
    await eventually(() => podsOf('adopt').length === 2 && client.get(REPLICA_SETS, 'default', 'adopt')?.status?.readyReplicas === 2, '2 pods', 10_000);
    expect(podsOf('adopt').some((p) => p.metadata!.uid === orphan.metadata!.uid)).toBe(true);

    // Relabel: released (no owner) and replaced.
    await client.modify(PODS, 'default', 'orphan', (p) => void (p.metadata!.labels = { app: 'other' }));
    await eventually(() => !client.get(PODS, 'default', 'orphan')?.metadata?.ownerReferences?.length, 'release', 10_000);
    await eventually(() => podsOf('adopt').length === 2, 'replacement after release', 10_000);
    expect(client.get(PODS, 'default', 'orphan')).toBeDefined();
  });

  it('counts terminal pods as gone and cascades deletion through the garbage collector', async () => {
    await client.create(REPLICA_SETS, 'default', rs('gc', 2));
    await eventually(() => client.get(REPLICA_SETS, 'default', 'gc')?.status?.readyReplicas === 2, '2 ready', 10_000);
    const victim = podsOf('gc')[0]!;
    await client.modify(PODS, 'default', victim.metadata!.name!, (p) => void (p.status.phase = 'Failed'), { status: true });
    await eventually(() => active(podsOf('gc')).length === 2 && podsOf('gc').length === 3, 'replacement of failed pod', 10_000);
    await client.delete(REPLICA_SETS, 'default', 'gc');
    await eventually(() => podsOf('gc').length === 0, 'pods garbage collected', 15_000);
  });

  it('reports ReplicaFailure when pods cannot be created', async () => {
    // Template metadata is not validated like a pod's: a bad finalizer only fails on pod creation.
    const bad = rs('bad', 1);
    bad.spec.template.metadata.finalizers = ['not a valid finalizer'];
    await client.create(REPLICA_SETS, 'default', bad);
    const cond = await eventually(() => client.get(REPLICA_SETS, 'default', 'bad')?.status?.conditions?.[0], 'ReplicaFailure', 10_000);
    expect(cond).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    expect(client.list(EVENTS, 'default').some((e) => e.reason === 'FailedCreate' && e.message.startsWith('Error creating: '))).toBe(true);
    // Fixing the template clears the condition.
    await client.modify(REPLICA_SETS, 'default', 'bad', (o) => void delete o.spec.template.metadata.finalizers);
    await eventually(() => !client.get(REPLICA_SETS, 'default', 'bad')?.status?.conditions && client.get(REPLICA_SETS, 'default', 'bad')?.status?.readyReplicas === 1, 'recovered', 10_000);
  });
});
