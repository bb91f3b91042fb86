import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS, type InternalClient } from '../../src/playground/cluster/client.js';
import { DaemonSetController, nodeShouldRunDaemonPod } from '../../src/playground/cluster/controllers/daemonset.js';
import { startTestRuntime, testNodes, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { createNodes, FakePodLifecycle } from '../helpers/fake-pod-lifecycle.js';
import { kubectl } from '../helpers/kubectl.js';

const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
const live = (pods: KObject[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);

function daemonSet(name: string, extra: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } },
      ...extra,
    },
  };
}

describe('node matching', () => {
  const node = (labels: Record<string, string>, taints: KObject[] = []): KObject => ({ metadata: { name: 'n1', labels }, spec: { taints } });
  it('honours nodeSelector, required affinity and taints', () => {
    const ds = daemonSet('x');
    expect(nodeShouldRunDaemonPod(node({}), ds)).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(node({}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), ds)).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(node({}, [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]), ds)).toEqual([false, true]);
    expect(nodeShouldRunDaemonPod(node({}, [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }]), ds)).toEqual([false, false]);
    const sel = daemonSet('x');
    sel.spec.template.spec.nodeSelector = { disk: 'ssd' };
    expect(nodeShouldRunDaemonPod(node({ disk: 'hdd' }), sel)).toEqual([false, false]);
    expect(nodeShouldRunDaemonPod(node({ disk: 'ssd' }), sel)).toEqual([true, true]);
    const aff = daemonSet('x');
    aff.spec.template.spec.affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } },
    };
    expect(nodeShouldRunDaemonPod(node({ zone: 'b' }), aff)).toEqual([true, true]);
    expect(nodeShouldRunDaemonPod(node({ zone: 'c' }), aff)).toEqual([false, false]);
  });
});

describe('DaemonSetController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubefed-ds-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    t = await startTestRuntime({ nodes: testNodes(3) });
    client = t.runtime.client('test');
    await createNodes(t.runtime, { labels: { 'node-1': { disk: 'ssd' } }, taints: { 'node-2': [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } });
    await t.run(new DaemonSetController(t.runtime), new FakePodLifecycle(t.runtime));
    kubeconfig = join(dir, `kubeconfig-${Date.now()}`);
    mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry('test')]);
  });
  afterEach(async () => {
    await t.stop();
  });

  const k = (...args: string[]) => kubectl(['--kubeconfig', kubeconfig, '-n', 'default', ...args], { cacheDir: join(dir, 'cache') });
  const podsOf = (name: string) => client.list(PODS, 'default', { matchLabels: { app: name } });
  const ds = (name: string) => client.get(DAEMON_SETS, 'default', name)!;
  const nodesOf = (pods: KObject[]) => pods.map((p) => p.spec.nodeName ?? '?').sort();
  const rolledOut = (name: string) => {
    const d = ds(name);
    const s = d.status ?? {};
    return (s.observedGeneration ?? 0) >= d.metadata!.generation! && s.desiredNumberScheduled > 0 && s.updatedNumberScheduled === s.desiredNumberScheduled && s.numberAvailable === s.desiredNumberScheduled;
  };

  it('runs one pod per eligible node, follows taints, labels and new nodes, and rolls updates', async () => {
    await client.create(DAEMON_SETS, 'default', daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }));
    await eventually(() => rolledOut('agent'), 'rollout', 10_000);
    expect(nodesOf(podsOf('agent'))).toEqual(['node-0', 'node-1']);
    const d = ds('agent');
    expect(d.status).toMatchObject({
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 2,
      numberAvailable: 2,
      updatedNumberScheduled: 2,
      observedGeneration: 1,
    });
    expect(d.status.numberUnavailable).toBeUndefined();
    const revs = client.list(CONTROLLER_REVISIONS, 'default');
    expect(revs).toHaveLength(1);
    const hash = revs[0]!.metadata!.labels!['controller-revision-hash'];
    expect(revs[0]!.metadata!.name).toBe(`agent-${hash}`);
    expect(revs[0]!.revision).toBe(1);
    expect(revs[0]!.data.spec.template.$patch).toBe('replace');
    const pod = podsOf('agent').find((p) => p.spec.nodeName === 'node-0')!;
    expect(pod.metadata!.generateName).toBe('agent-');
    expect(pod.metadata!.labels).toMatchObject({ app: 'agent', 'controller-revision-hash': hash });
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-0'] }] },
    ]);
    const tolerations = pod.spec.tolerations.map((x: KObject) => `${x.key}:${x.effect}`);
    expect(tolerations).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(pod.metadata!.ownerReferences![0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    let r = await k('rollout', 'status', 'ds/agent', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);

    // Tolerating the taint adds the tainted node (a new template revision, rolled out).
    await client.modify(DAEMON_SETS, 'default', 'agent', (o) => void (o.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]));
    await eventually(() => rolledOut('agent') && ds('agent').status.desiredNumberScheduled === 3 && live(podsOf('agent')).length === 3, 'three nodes', 10_000);
    expect(nodesOf(live(podsOf('agent')))).toEqual(['node-0', 'node-1', 'node-2']);

    // Image update within maxUnavailable 1.
    const violations: string[] = [];
    const sampler = setInterval(() => {
      const pods = live(podsOf('agent'));
      const ready = pods.filter(isReady).length;
      if (ready < 2) violations.push(`${ready} ready`);
      const perNode = new Map<string, number>();
      for (const p of pods) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
      if ([...perNode.values()].some((n) => n > 1)) violations.push('two pods on a node');
    }, 5);
    await client.modify(DAEMON_SETS, 'default', 'agent', (o) => void (o.spec.template.spec.containers[0].image = 'agent:2'));
    await eventually(() => rolledOut('agent') && live(podsOf('agent')).length === 3 && podsOf('agent').every((p) => p.spec.containers[0].image === 'agent:2'), 'image rollout', 15_000
    );
    clearInterval(sampler);
    expect(violations).toEqual([]);
    expect(client.list(CONTROLLER_REVISIONS, 'default').map((x) => x.revision).sort()).toEqual([1, 2, 3]);
    r = await k('rollout', 'status', 'ds/agent', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);
    r = await k('rollout', 'history', 'ds/agent');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1\s+<none>/m);
    expect(r.stdout).toMatch(/^3\s+<none>/m);

    // A nodeSelector removes pods from nodes that no longer match.
    await client.modify(DAEMON_SETS, 'default', 'agent', (o) => void (o.spec.template.spec.nodeSelector = { disk: 'ssd' }));
    await eventually(() => rolledOut('agent') && live(podsOf('agent')).length === 1, 'only ssd nodes', 10_000);
    expect(nodesOf(live(podsOf('agent')))).toEqual(['node-1']);
    // Labelling a node adds it.
    await client.modify(NODES, '', 'node-0', (n) => void (n.metadata!.labels!.disk = 'ssd'));
    await eventually(() => rolledOut('agent') && live(podsOf('agent')).length === 2, 'labelled node', 10_000);
    // A new node gets a pod.
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-3', labels: { disk: 'ssd' } } });
    await eventually(() => live(podsOf('agent')).some((p) => p.spec.nodeName === 'node-3') && rolledOut('agent'), 'new node', 10_000);
    expect(ds('agent').status.desiredNumberScheduled).toBe(3);
  });

  it('rolls back with kubectl rollout undo', async () => {
    await client.create(DAEMON_SETS, 'default', daemonSet('undo'));
    await eventually(() => rolledOut('undo'), 'rollout', 10_000);
    await client.modify(DAEMON_SETS, 'default', 'undo', (o) => void (o.spec.template.spec.containers[0].image = 'agent:2'));
    await eventually(() => rolledOut('undo') && podsOf('undo').every((p) => p.spec.containers[0].image === 'agent:2'), 'update', 10_000);
    const r = await k('rollout', 'undo', 'ds/undo');
    expect(r.code, r.stderr).toBe(0);
    await eventually(() => rolledOut('undo') && live(podsOf('undo')).length === 2 && live(podsOf('undo')).every((p) => p.spec.containers[0].image === 'agent:1'), 'undo', 10_000);
    const revs = client.list(CONTROLLER_REVISIONS, 'default').map((x) => x.revision).sort();
    expect(revs).toEqual([2, 3]);
  });
});
