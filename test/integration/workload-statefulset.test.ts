import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { CONTROLLER_REVISIONS, PODS, STATEFUL_SETS, type InternalClient } from '../../src/playground/cluster/client.js';
import { StatefulSetController } from '../../src/playground/cluster/controllers/statefulset.js';
import { processed, startTestRuntime, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { FakePodLifecycle } from '../helpers/fake-pod-lifecycle.js';
import { kubectl } from '../helpers/kubectl.js';

const isReady = (p: KObject | undefined) => !!p && (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

function statefulSet(name: string, replicas: number, extra: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

describe('StatefulSetController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let fake: FakePodLifecycle;
  let controller: StatefulSetController;
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubefed-sts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    t = await startTestRuntime();
    client = t.runtime.client('test');
    fake = new FakePodLifecycle(t.runtime);
    controller = new StatefulSetController(t.runtime);
    await t.run(controller, fake);
    kubeconfig = join(dir, `kubeconfig-${Date.now()}`);
    mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry('test')]);
  });
  afterEach(async () => {
    await t.stop();
  });

  const k = (...args: string[]) => kubectl(['--kubeconfig', kubeconfig, '-n', 'default', ...args], { cacheDir: join(dir, 'cache') });
  const pod = (name: string) => client.get(PODS, 'default', name);
  const sts = (name: string) => client.get(STATEFUL_SETS, 'default', name)!;
  const settled = (name: string) => {
    const s = sts(name);
    const st = s.status ?? {};
    return (
      (st.observedGeneration ?? 0) >= s.metadata!.generation! &&
      st.replicas === s.spec.replicas &&
      st.readyReplicas === s.spec.replicas &&
      st.updatedReplicas === s.spec.replicas &&
      st.currentRevision === st.updateRevision
    );
  };

  it('creates pods in order, scales down in reverse, and rolls updates from the highest ordinal', async () => {
    const violations: string[] = [];
    const seen = new Set<string>();
    const sampler = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        const p = pod(`web-${i}`);
        if (!p) continue;
        if (seen.has(p.metadata!.uid!)) continue;
        seen.add(p.metadata!.uid!);
        // OrderedReady: a pod is created only once its predecessor is Running and Ready.
        if (i > 0 && !isReady(pod(`web-${i - 1}`))) violations.push(`web-${i} created before web-${i - 1} was ready`);
      }
    }, 2);
    await client.create(STATEFUL_SETS, 'default', statefulSet('web', 3));
    await eventually(() => settled('web'), 'three pods', 15_000);
    const s = sts('web');
    expect(s.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    const rev = s.status.currentRevision;
    expect(rev).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const p1 = pod('web-1')!;
    expect(p1.metadata!.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': rev });
    expect(p1.spec.hostname).toBe('web-1');
    expect(p1.spec.subdomain).toBe('web');
    expect(p1.spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } });
    expect(p1.metadata!.ownerReferences![0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });
    const created = ['web-0', 'web-1', 'web-2'].map((n) => Date.parse(pod(n)!.metadata!.creationTimestamp!));
    expect(created[0]! <= created[1]! && created[1]! <= created[2]!).toBe(true);
    const crs = client.list(CONTROLLER_REVISIONS, 'default');
    expect(crs.map((c) => c.metadata!.name)).toEqual([rev]);
    expect(crs[0]!.metadata!.labels!['controller.kubernetes.io/hash']).toBeTruthy();
    let r = await k('rollout', 'status', 'sts/web', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);

    // Scale down: highest ordinal first.
    const gone: string[] = [];
    const watchGone = setInterval(() => {
      for (const n of ['web-2', 'web-1']) if (!pod(n) && !gone.includes(n)) gone.push(n);
    }, 2);
    await client.modify(STATEFUL_SETS, 'default', 'web', (o) => void (o.spec.replicas = 1));
    await eventually(() => !pod('web-1') && !pod('web-2') && settled('web'), 'scale down', 15_000);
    clearInterval(watchGone);
    expect(gone).toEqual(['web-2', 'web-1']);
    await client.modify(STATEFUL_SETS, 'default', 'web', (o) => void (o.spec.replicas = 3));
    await eventually(() => settled('web'), 'scale up again', 15_000);
    clearInterval(sampler);
    expect(violations).toEqual([]);

    // Rolling update, highest ordinal first.
    const uids = Object.fromEntries(['web-0', 'web-1', 'web-2'].map((n) => [n, pod(n)!.metadata!.uid]));
    const replaced: string[] = [];
    const watchReplace = setInterval(() => {
      for (const n of ['web-2', 'web-1', 'web-0']) if (pod(n)?.metadata?.uid !== uids[n] && !replaced.includes(n)) replaced.push(n);
    }, 2);
    await client.modify(STATEFUL_SETS, 'default', 'web', (o) => void (o.spec.template.spec.containers[0].image = 'db:2'));
    await eventually(() => settled('web') && ['web-0', 'web-1', 'web-2'].every((n) => pod(n)?.spec.containers[0].image === 'db:2' && isReady(pod(n))), 'rolling update', 20_000);
    clearInterval(watchReplace);
    expect(replaced).toEqual(['web-2', 'web-1', 'web-0']);
    const s2 = sts('web');
    expect(s2.status.currentRevision).not.toBe(rev);
    expect(s2.status.currentRevision).toBe(s2.status.updateRevision);
    expect(pod('web-0')!.metadata!.labels!['controller-revision-hash']).toBe(s2.status.updateRevision);
    r = await k('rollout', 'status', 'sts/web', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);
    r = await k('rollout', 'history', 'sts/web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1\s+/m);
    expect(r.stdout).toMatch(/^2\s+/m);

    // Partition: only ordinals >= 2 get the next template.
    const kept = { 'web-1': pod('web-1')!.metadata!.uid, 'web-0': pod('web-0')!.metadata!.uid };
    await client.modify(STATEFUL_SETS, 'default', 'web', (o) => {
      o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
      o.spec.template.spec.containers[0].image = 'db:3';
    });
    await eventually(() => pod('web-2')?.spec.containers[0].image === 'db:3' && isReady(pod('web-2')) && sts('web').status.updatedReplicas === 1, 'partitioned update', 15_000);
    // web-2 is updated and Ready, which is when the controller would move on to web-1: it has
    // handled all of that.
    await processed(t.runtime, [controller]);
    for (const n of ['web-1', 'web-0'] as const) {
      // The same pod, not being replaced.
      expect(pod(n)!.metadata).toMatchObject({ uid: kept[n] });
      expect(pod(n)!.metadata!.deletionTimestamp).toBeUndefined();
      expect(pod(n)!.spec.containers[0].image).toBe('db:2');
    }
    r = await k('rollout', 'status', 'sts/web', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('partitioned roll out complete');
  });

  it('creates all pods at once with Parallel and recreates failed pods', async () => {
    fake.paused = true;
    await client.create(STATEFUL_SETS, 'default', statefulSet('par', 3, { podManagementPolicy: 'Parallel' }));
    await eventually(() => pod('par-0') && pod('par-1') && pod('par-2'), 'all pods while none ready', 10_000);
    fake.paused = false;
    await eventually(() => settled('par'), 'ready', 15_000);
    const uid = pod('par-1')!.metadata!.uid;
    await client.modify(PODS, 'default', 'par-1', (p) => void (p.status.phase = 'Failed'), { status: true });
    await eventually(() => pod('par-1') && pod('par-1')!.metadata!.uid !== uid && settled('par') && isReady(pod('par-1')), 'recreated', 15_000);
  });
});
