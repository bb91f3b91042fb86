/**
 * The workload controllers with the real kubelets, scheduler and node lifecycle controller of a
 * simulated cluster, driven by real kubectl: Deployment rollouts and rollbacks, DaemonSets on
 * every node, StatefulSets in order, Jobs completing and failing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { PODS, type InternalClient } from '../../src/playground/cluster/client.js';
import { DaemonSetController } from '../../src/playground/cluster/controllers/daemonset.js';
import { DeploymentController } from '../../src/playground/cluster/controllers/deployment.js';
import { JobController } from '../../src/playground/cluster/controllers/job.js';
import { ReplicaSetController } from '../../src/playground/cluster/controllers/replicaset.js';
import { StatefulSetController } from '../../src/playground/cluster/controllers/statefulset.js';
import { Kubelet } from '../../src/playground/cluster/kubelet.js';
import { NodeLifecycleController } from '../../src/playground/cluster/node-lifecycle.js';
import { Scheduler } from '../../src/playground/cluster/scheduler.js';
import { startTestRuntime, testNodes, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { kubectl } from '../helpers/kubectl.js';

const TIMING = { nodeHeartbeatMs: 300, nodeMonitorGraceMs: 2_000, podStartDelayMs: 30, readinessDelayMs: 80, jobPodDurationMs: 200, schedulerRetryMs: 300 };

let t: TestRuntime;
let client: InternalClient;
let dir: string;
let kubeconfig: string;

const k = (...args: string[]) => kubectl(['--kubeconfig', kubeconfig, '-n', 'default', ...args], { cacheDir: join(dir, 'cache'), timeoutMs: 60_000 });
const ok = async (...args: string[]) => {
  const r = await k(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubefed-workloads-'));
  t = await startTestRuntime({ nodes: testNodes(3), timing: TIMING });
  client = t.runtime.client('test');
  const rt = t.runtime;
  await t.run(
    ...rt.spec.nodes.map((n) => new Kubelet(rt, n)),
    new NodeLifecycleController(rt),
    new Scheduler(rt),
    new ReplicaSetController(rt),
    new DeploymentController(rt),
    new DaemonSetController(rt),
    new StatefulSetController(rt),
    new JobController(rt),
  );
  kubeconfig = join(dir, 'kubeconfig');
  mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry('test')]);
});

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('workloads on a simulated cluster', () => {
  it('rolls a Deployment out, updates it and rolls it back', async () => {
    await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80');
    expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toContain('successfully rolled out');
    await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.26');
    expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toContain('successfully rolled out');
    const history = await ok('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/^1\s+<none>/m);
    expect(history).toMatch(/^2\s+<none>/m);
    await ok('rollout', 'undo', 'deployment/web');
    expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toContain('successfully rolled out');
    await eventually(async () => (await ok('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).trim() === 'nginx:1.25 nginx:1.25 nginx:1.25', 'old image back', 20_000);
    const rs = await ok('get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}');
    expect(rs.trim().split(' ').sort()).toEqual(['2=0', '3=3']);
    await ok('scale', 'deployment/web', '--replicas=5');
    expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toContain('successfully rolled out');
    expect(await ok('get', 'deployment', 'web', '-o', 'jsonpath={.status.availableReplicas}')).toBe('5');
    await ok('delete', 'deployment', 'web');
    await eventually(async () => !(await ok('get', 'pods', '-l', 'app=web', '-o', 'name')).trim(), 'pods deleted', 20_000);
  });

  it('runs a DaemonSet pod on every node', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } } },
    });
    const r = await kubectl(['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: manifest, cacheDir: join(dir, 'cache') });
    expect(r.code, r.stderr).toBe(0);
    expect(await ok('rollout', 'status', 'ds/agent', '--timeout=30s')).toContain('successfully rolled out');
    const nodes = (await ok('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.nodeName}')).trim().split(' ').sort();
    expect(nodes).toEqual(['node-0', 'node-1', 'node-2']);
    await ok('set', 'image', 'ds/agent', 'agent=agent:2');
    expect(await ok('rollout', 'status', 'ds/agent', '--timeout=30s')).toContain('successfully rolled out');
    await eventually(async () => (await ok('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).trim() === 'agent:2 agent:2 agent:2', 'updated', 20_000);
  });

  it('starts a StatefulSet in order', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const r = await kubectl(['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: manifest, cacheDir: join(dir, 'cache') });
    expect(r.code, r.stderr).toBe(0);
    expect(await ok('rollout', 'status', 'sts/db', '--timeout=30s')).toMatch(/roll(ing update|ed out)|complete/);
    const pods = client.list(PODS, 'default', { matchLabels: { app: 'db' } });
    const created = ['db-0', 'db-1', 'db-2'].map((n) => pods.find((p) => p.metadata!.name === n)!);
    for (let i = 1; i < 3; i++) {
      const prevReady = created[i - 1]!.status.conditions.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime;
      expect(Date.parse(created[i]!.metadata!.creationTimestamp!)).toBeGreaterThanOrEqual(Date.parse(prevReady));
    }
    await ok('set', 'image', 'sts/db', 'db=db:2');
    expect(await ok('rollout', 'status', 'sts/db', '--timeout=30s')).toMatch(/complete/);
  });

  it('completes a Job and fails one past its backoff limit', async () => {
    await ok('create', 'job', 'calc', '--image=busybox', '--', 'echo', 'hi');
    const r = await k('wait', '--for=condition=complete', 'job/calc', '--timeout=30s');
    expect(r.code, r.stderr).toBe(0);
    expect(await ok('get', 'job', 'calc', '-o', 'jsonpath={.status.succeeded}')).toBe('1');
    const failing = JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'oops', namespace: 'default' },
      spec: {
        backoffLimit: 1,
        template: { metadata: { annotations: { 'playground.kubefed.io/exit-code': '3' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const a = await kubectl(['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: failing, cacheDir: join(dir, 'cache') });
    expect(a.code, a.stderr).toBe(0);
    const w = await k('wait', '--for=condition=failed', 'job/oops', '--timeout=30s');
    expect(w.code, w.stderr).toBe(0);
    expect(await ok('get', 'job', 'oops', '-o', 'jsonpath={.status.failed}')).toBe('2');
    await ok('delete', 'job', 'calc', 'oops');
    await eventually(async () => !(await ok('get', 'pods', '-o', 'name', '-l', 'batch.kubernetes.io/job-name in (calc,oops)')).trim(), 'job pods deleted', 20_000);
  });
});
