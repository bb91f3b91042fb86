import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { DEPLOYMENTS, EVENTS, PODS, REPLICA_SETS, type InternalClient } from '../../src/playground/cluster/client.js';
import { DeploymentController } from '../../src/playground/cluster/controllers/deployment.js';
import { ReplicaSetController } from '../../src/playground/cluster/controllers/replicaset.js';
import { processed, startTestRuntime, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { FakePodLifecycle } from '../helpers/fake-pod-lifecycle.js';
import { kubectl } from '../helpers/kubectl.js';

const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
const live = (pods: KObject[]) => pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');

function deployment(name: string, replicas: number, image: string, strategy: KObject = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }, extra: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...extra,
    },
  };
}

describe('DeploymentController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let fake: FakePodLifecycle;
  let replicaSets: ReplicaSetController;
  let deployments: DeploymentController;
  let dir: string;
  let kubeconfig: string;
  /** Images whose pods never become ready. */
  const broken = new Set<string>(['broken:1']);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubefed-deploy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    t = await startTestRuntime();
    client = t.runtime.client('test');
    fake = new FakePodLifecycle(t.runtime, { ready: (p) => !broken.has(p.spec?.containers?.[0]?.image) });
    replicaSets = new ReplicaSetController(t.runtime);
    deployments = new DeploymentController(t.runtime);
    await t.run(replicaSets, deployments, fake);
    kubeconfig = join(dir, `kubeconfig-${Date.now()}`);
    mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry('test')]);
  });
  afterEach(async () => {
    await t.stop();
  });

  const k = (...args: string[]) => kubectl(['--kubeconfig', kubeconfig, '-n', 'default', ...args], { cacheDir: join(dir, 'cache') });
  const rsOf = (name: string) => client.list(REPLICA_SETS, 'default').filter((r) => r.metadata?.ownerReferences?.[0]?.name === name);
  const podsOf = (name: string) => client.list(PODS, 'default', { matchLabels: { app: name } });
  const dep = (name: string) => client.get(DEPLOYMENTS, 'default', name)!;
  const rolledOut = (name: string) => {
    const d = dep(name);
    const s = d?.status ?? {};
    const r = d?.spec?.replicas;
    return (
      (s.observedGeneration ?? 0) >= d.metadata!.generation! &&
      s.updatedReplicas === r &&
      s.replicas === r &&
      s.availableReplicas === r &&
      s.conditions?.some((c: KObject) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable')
    );
  };
  const setImage = (name: string, image: string) => client.modify(DEPLOYMENTS, 'default', name, (o) => void (o.spec.template.spec.containers[0].image = image));

  it('rolls out, updates within maxSurge/maxUnavailable, records revisions and rolls back', async () => {
    await client.create(DEPLOYMENTS, 'default', deployment('web', 4, 'nginx:1.25'));
    await eventually(() => rolledOut('web'), 'first rollout', 15_000);
    const [rs1] = rsOf('web');
    const hash1 = rs1!.metadata!.labels!['pod-template-hash']!;
    expect(rs1!.metadata!.name).toBe(`web-${hash1}`);
    expect(hash1).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs1!.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash1 });
    expect(rs1!.spec.template.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash1 });
    expect(rs1!.metadata!.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    const d1 = dep('web');
    expect(d1.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    expect(d1.status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 });
    expect(d1.status.unavailableReplicas).toBeUndefined();
    const avail = d1.status.conditions.find((c: KObject) => c.type === 'Available');
    expect(avail).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    const prog = d1.status.conditions.find((c: KObject) => c.type === 'Progressing');
    expect(prog).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash1}" has successfully progressed.` });
    expect(prog.lastUpdateTime).toBeTruthy();
    expect(prog.lastTransitionTime).toBeTruthy();

    let rs = await k('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(rs.code, rs.stderr).toBe(0);
    expect(rs.stdout).toContain('successfully rolled out');

    // Rolling update: sample the pods all along.
    const violations: string[] = [];
    let samples = 0;
    const sampler = setInterval(() => {
      const pods = live(podsOf('web'));
      samples++;
      if (pods.length > 5) violations.push(`${pods.length} pods`);
      const ready = pods.filter(isReady).length;
      if (ready < 3) violations.push(`${ready} ready`);
    }, 5);
    await setImage('web', 'nginx:1.26');
    await eventually(() => rolledOut('web') && dep('web').status.updatedReplicas === 4 && rsOf('web').length === 2, 'second rollout', 20_000);
    await eventually(() => live(podsOf('web')).length === 4, 'old pods gone', 10_000);
    clearInterval(sampler);
    expect(samples).toBeGreaterThan(10);
    expect(violations).toEqual([]);

    const rss = rsOf('web');
    const old = rss.find((r) => r.metadata!.name === `web-${hash1}`)!;
    const cur = rss.find((r) => r.metadata!.name !== `web-${hash1}`)!;
    expect(old.spec.replicas).toBe(0);
    expect(old.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    expect(cur.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    expect(cur.spec.replicas).toBe(4);
    expect(dep('web').metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    const events = client.list(EVENTS, 'default').filter((e) => e.involvedObject?.kind === 'Deployment' && e.reason === 'ScalingReplicaSet');
    expect(events.some((e) => e.message === `Scaled up replica set web-${hash1} from 0 to 4`)).toBe(true);
    expect(events.some((e) => /^Scaled down replica set web-\w+ from \d+ to \d+$/.test(e.message))).toBe(true);

    rs = await k('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(rs.code, rs.stderr).toBe(0);
    rs = await k('rollout', 'history', 'deployment/web');
    expect(rs.code, rs.stderr).toBe(0);
    expect(rs.stdout).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(rs.stdout).toMatch(/^1\s+<none>/m);
    expect(rs.stdout).toMatch(/^2\s+<none>/m);

    // kubectl rollout undo: the template goes back, the old ReplicaSet becomes new (revision 3).
    rs = await k('rollout', 'undo', 'deployment/web', '--to-revision=1');
    expect(rs.code, rs.stderr).toBe(0);
    await eventually(() => rolledOut('web') && live(podsOf('web')).every((p) => p.spec.containers[0].image === 'nginx:1.25') && live(podsOf('web')).length === 4, 'rollback', 20_000);
    expect(rsOf('web')).toHaveLength(2);
    const back = client.get(REPLICA_SETS, 'default', `web-${hash1}`)!;
    expect(back.spec.replicas).toBe(4);
    expect(back.metadata!.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(dep('web').metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    rs = await k('rollout', 'history', 'deployment/web');
    expect(rs.stdout).toMatch(/^2\s+/m);
    expect(rs.stdout).toMatch(/^3\s+/m);
    rs = await k('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(rs.code, rs.stderr).toBe(0);
  });

  it('Recreate kills every old pod before creating new ones', async () => {
    await client.create(DEPLOYMENTS, 'default', deployment('re', 3, 'nginx:1.25', { type: 'Recreate' }));
    await eventually(() => rolledOut('re'), 'first rollout', 15_000);
    const mixed: string[] = [];
    const sampler = setInterval(() => {
      const images = new Set(podsOf('re').map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed.push([...images].join(','));
    }, 5);
    await setImage('re', 'nginx:1.26');
    await eventually(() => rolledOut('re') && podsOf('re').length === 3 && podsOf('re').every((p) => p.spec.containers[0].image === 'nginx:1.26'), 'recreate', 20_000);
    clearInterval(sampler);
    expect(mixed).toEqual([]);
    const rs = await k('rollout', 'status', 'deployment/re', '--timeout=30s');
    expect(rs.code, rs.stderr).toBe(0);
  });

  it('does not roll out while paused, and trims history to revisionHistoryLimit', async () => {
    await client.create(DEPLOYMENTS, 'default', deployment('p', 2, 'img:1', undefined, { revisionHistoryLimit: 1 }));
    await eventually(() => rolledOut('p'), 'first rollout', 15_000);
    await client.modify(DEPLOYMENTS, 'default', 'p', (o) => void (o.spec.paused = true));
    const changed = await setImage('p', 'img:2');
    await eventually(() => dep('p').status.conditions?.some((c: KObject) => c.reason === 'DeploymentPaused'), 'paused condition', 10_000);
    // The controller has handled the new template (and the ReplicaSet controller what followed).
    await processed(t.runtime, [deployments, replicaSets], changed);
    expect(rsOf('p')).toHaveLength(1);
    expect(podsOf('p').every((p) => p.spec.containers[0].image === 'img:1')).toBe(true);
    // Scaling still works while paused.
    await client.modify(DEPLOYMENTS, 'default', 'p', (o) => void (o.spec.replicas = 3));
    await eventually(() => live(podsOf('p')).length === 3, 'scaled while paused', 10_000);

    await client.modify(DEPLOYMENTS, 'default', 'p', (o) => void (o.spec.paused = false));
    await eventually(() => rolledOut('p') && podsOf('p').every((p) => p.spec.containers[0].image === 'img:2'), 'resumed rollout', 20_000);
    await setImage('p', 'img:3');
    await eventually(() => rolledOut('p') && live(podsOf('p')).every((p) => p.spec.containers[0].image === 'img:3'), 'third rollout', 20_000);
    await eventually(() => rsOf('p').length === 2, 'history trimmed to 1 old ReplicaSet', 10_000);
    const revisions = rsOf('p')
      .map((r) => r.metadata!.annotations!['deployment.kubernetes.io/revision'])
      .sort();
    expect(revisions).toEqual(['2', '3']);
  });

  it('scales a stuck rollout proportionally and reports the progress deadline', async () => {
    await client.create(DEPLOYMENTS, 'default', deployment('prop', 10, 'nginx:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }, { progressDeadlineSeconds: 2 }));
    await eventually(() => rolledOut('prop'), 'first rollout', 20_000);
    await setImage('prop', 'broken:1');
    await eventually(() => {
      const r = rsOf('prop').map((x) => x.spec.replicas).sort((a, b) => a - b);
      return r.length === 2 && r[0] === 5 && r[1] === 8;
    }, 'stuck rollout at 8 old + 5 new', 20_000);
    // It stays there: every new pod is running (never ready) and both controllers have handled
    // everything written since.
    await eventually(() => {
      const fresh = podsOf('prop').filter((p) => p.spec.containers[0].image === 'broken:1');
      return fresh.length === 5 && fresh.every((p) => p.status?.phase === 'Running');
    }, 'the 5 new pods running, unready', 10_000);
    await processed(t.runtime, [replicaSets, deployments]);
    const stuck = rsOf('prop').map((x) => x.spec.replicas).sort((a, b) => a - b);
    expect(stuck).toEqual([5, 8]);
    const avail = dep('prop').status.conditions.find((c: KObject) => c.type === 'Available');
    expect(avail.status).toBe('True');

    await client.modify(DEPLOYMENTS, 'default', 'prop', (o) => void (o.spec.replicas = 20));
    await eventually(() => rsOf('prop').reduce((n, x) => n + x.spec.replicas, 0) === 23, 'proportional scale', 10_000);
    const sizes = rsOf('prop')
      .map((x) => x.spec.replicas)
      .sort((a, b) => a - b);
    expect(sizes).toEqual([9, 14]);

    const cond = await eventually(() => dep('prop').status.conditions.find((c: KObject) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'), 'deadline', 15_000);
    expect(cond.status).toBe('False');
    expect(cond.message).toMatch(/^ReplicaSet "prop-\w+" has timed out progressing\.$/);
    const rs = await k('rollout', 'status', 'deployment/prop', '--timeout=10s');
    expect(rs.code).not.toBe(0);
    expect(rs.stderr).toContain('exceeded its progress deadline');
  });
});

describe('DeploymentController restart', () => {
  it('converges after the controllers restart mid-rollout, without duplicate ReplicaSets', async () => {
    const t = await startTestRuntime();
    const client = t.runtime.client('test');
    const fake = new FakePodLifecycle(t.runtime);
    await t.run(fake);
    try {
      let controllers = [new ReplicaSetController(t.runtime), new DeploymentController(t.runtime)];
      for (const c of controllers) c.start();
      await client.create(DEPLOYMENTS, 'default', deployment('rs', 6, 'nginx:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
      const rsOf = () => client.list(REPLICA_SETS, 'default');
      const done = (image: string) => {
        const d = client.get(DEPLOYMENTS, 'default', 'rs')!;
        const pods = live(client.list(PODS, 'default', { matchLabels: { app: 'rs' } }));
        return d.status?.updatedReplicas === 6 && d.status?.availableReplicas === 6 && d.status?.replicas === 6 && pods.length === 6 && pods.every((p) => p.spec.containers[0].image === image);
      };
      await eventually(() => done('nginx:1'), 'first rollout', 15_000);
      await client.modify(DEPLOYMENTS, 'default', 'rs', (o) => void (o.spec.template.spec.containers[0].image = 'nginx:2'));
      await eventually(() => rsOf().some((r) => r.spec.replicas >= 2 && r.spec.template.spec.containers[0].image === 'nginx:2'), 'rollout under way', 15_000);
      for (const c of controllers) c.stop();
      // While they are down the pods move on: every pod that exists gets Running and Ready.
      await eventually(() => {
        const pods = live(client.list(PODS, 'default', { matchLabels: { app: 'rs' } }));
        return pods.length > 0 && pods.every((p) => p.status?.phase === 'Running' && isReady(p));
      }, 'the pods to settle with the controllers down', 10_000);
      controllers = [new ReplicaSetController(t.runtime), new DeploymentController(t.runtime)];
      for (const c of controllers) c.start();
      await eventually(() => done('nginx:2'), 'second rollout after restart', 20_000);
      expect(rsOf()).toHaveLength(2);
      expect(
        rsOf()
          .map((r) => r.metadata!.annotations!['deployment.kubernetes.io/revision'])
          .sort(),
      ).toEqual(['1', '2']);
      for (const c of controllers) c.stop();
    } finally {
      await t.stop();
    }
  });
});
