/**
 * Nodes of a simulated cluster with real kubectl: kubelets register nodes and run pods that
 * really serve HTTP on their pod IPs, the scheduler places pods (resources, selectors,
 * affinity, taints) or reports why it cannot, and the node lifecycle controller reacts to a
 * node losing power (Ready Unknown, unreachable taints, pods not ready, eviction).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { EVENTS, LEASES, NODES, PODS, type InternalClient } from '../../src/playground/cluster/client.js';
import { Kubelet } from '../../src/playground/cluster/kubelet.js';
import { NodeLifecycleController } from '../../src/playground/cluster/node-lifecycle.js';
import { Scheduler } from '../../src/playground/cluster/scheduler.js';
import type { NodeSpec } from '../../src/playground/cluster/runtime.js';
import { processed, startTestRuntime, testNodes, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { kubectl } from '../helpers/kubectl.js';

const TIMING = { nodeHeartbeatMs: 200, nodeMonitorGraceMs: 800, podStartDelayMs: 50, readinessDelayMs: 150, jobPodDurationMs: 300, schedulerRetryMs: 300 };

function httpGet(ip: string, port: number, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, headers: { 'user-agent': 'kubefed-test', ...headers }, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(2000);
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const cond = (o: KObject | undefined, type: string) => (o?.status?.conditions ?? []).find((c: KObject) => c.type === type);

function pod(name: string, spec: KObject = {}, annotations?: Record<string, string>): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name }, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }], ...spec },
  };
}

interface Cluster {
  t: TestRuntime;
  kubelets: Kubelet[];
  c: InternalClient;
  kubeconfig: string;
  k(args: string[]): Promise<string>;
  ready(name: string, ns?: string): Promise<KObject>;
  /** Resolves after `node`'s kubelet has renewed its Lease `n` more times (its periodic work ran). */
  heartbeats(node: string, n: number): Promise<void>;
}

async function startCluster(nodes: NodeSpec[]): Promise<Cluster> {
  const t = await startTestRuntime({ nodes, timing: TIMING });
  const r = t.runtime;
  const kubelets = nodes.map((n) => new Kubelet(r, n));
  await t.run(...kubelets, new Scheduler(r), new NodeLifecycleController(r));
  const kubeconfig = join(t.server.opts.dataDir, '..', 'kubeconfig');
  mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry(r.spec.name)]);
  const c = r.client('test');
  return {
    t,
    kubelets,
    c,
    kubeconfig,
    async k(args) {
      const res = await kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(t.server.opts.dataDir, '..', 'kubectl-cache') });
      if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr}`);
      return res.stdout;
    },
    ready: (name, ns = 'default') =>
      eventually(() => {
        const p = c.get(PODS, ns, name);
        return cond(p, 'Ready')?.status === 'True' ? p : undefined;
      }, `pod ${name} to be ready`),
    async heartbeats(node, n) {
      const renewTime = () => c.get(LEASES, 'kube-node-lease', node)?.spec?.renewTime as string | undefined;
      for (let i = 0; i < n; i++) {
        const before = renewTime();
        await eventually(() => renewTime() !== before, `a Lease renewal of ${node}`);
      }
    },
  };
}

describe('nodes, scheduling and pods', () => {
  let cl: Cluster;
  beforeAll(async () => {
    cl = await startCluster(testNodes(3, { region: 'us-test1', zones: ['us-test1-a', 'us-test1-b', 'us-test1-c'] }));
  });
  afterAll(async () => {
    await cl?.t.stop();
  });

  it('registers nodes with topology labels, capacity, addresses and a Ready condition', async () => {
    const r = cl.t.runtime;
    const node = cl.c.get(NODES, '', 'node-1')!;
    expect(node.metadata!.labels).toMatchObject({
      'kubernetes.io/hostname': 'node-1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'topology.kubernetes.io/region': 'us-test1',
      'topology.kubernetes.io/zone': 'us-test1-b',
      'failure-domain.beta.kubernetes.io/region': 'us-test1',
      'failure-domain.beta.kubernetes.io/zone': 'us-test1-b',
      'node.kubernetes.io/instance-type': 'playground',
    });
    expect(node.status.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(node.status.allocatable).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(node.status.addresses).toEqual([
      { type: 'InternalIP', address: r.addresses.node(1) },
      { type: 'Hostname', address: 'node-1' },
    ]);
    expect(node.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.33.0-kubefed', containerRuntimeVersion: 'playground://1.0', osImage: 'Kubefed Playground', operatingSystem: 'linux', architecture: 'amd64' });
    expect(cond(node, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(cond(node, t)?.status).toBe('False');
    const lease = cl.c.get(LEASES, 'kube-node-lease', 'node-1')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'node-1' });
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const renewed = lease.spec.renewTime;
    await eventually(() => cl.c.get(LEASES, 'kube-node-lease', 'node-1')!.spec.renewTime !== renewed, 'the lease to be renewed');

    const out = await cl.k(['get', 'nodes', '-L', 'topology.kubernetes.io/zone']);
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+ZONE$/m);
    for (const [i, z] of ['us-test1-a', 'us-test1-b', 'us-test1-c'].entries()) {
      expect(out).toMatch(new RegExp(`^node-${i}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.33\\.0-kubefed\\s+${z}$`, 'm'));
    }
    const wide = await cl.k(['get', 'nodes', '-o', 'wide']);
    expect(wide).toContain(r.addresses.node(2));
    expect(wide).toContain('Kubefed Playground');
  });

  it('schedules a pod that then runs, becomes ready and really serves', async () => {
    await cl.c.create(PODS, 'default', pod('hello'));
    const p = await cl.ready('hello');
    const node = p.spec.nodeName as string;
    const index = Number(node.split('-')[1]);
    const r = cl.t.runtime;
    expect(p.status.phase).toBe('Running');
    expect(p.status.podIP.startsWith(`127.${r.addresses.octet}.${index + 1}.`)).toBe(true);
    expect(p.status.podIP).not.toBe(r.addresses.node(index));
    expect(p.status.hostIP).toBe(r.addresses.node(index));
    expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }]);
    expect(p.status.containerStatuses[0]).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, image: 'nginx:1.27', imageID: 'playground://nginx:1.27' });
    expect(p.status.containerStatuses[0].containerID).toMatch(/^playground:\/\/[0-9a-f]{64}$/);
    expect(p.status.containerStatuses[0].state.running.startedAt).toBeTruthy();
    expect(p.status.conditions.map((x: KObject) => `${x.type}=${x.status}`).sort()).toEqual(['ContainersReady=True', 'Initialized=True', 'PodReadyToStartContainers=True', 'PodScheduled=True', 'Ready=True']);
    const events = cl.c.list(EVENTS, 'default').filter((e) => e.involvedObject?.name === 'hello');
    expect(events.find((e) => e.reason === 'Scheduled')?.message).toBe(`Successfully assigned default/hello to ${node}`);
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));

    const res = await httpGet(p.status.podIP, 8080, '/some/path');
    expect(res.status).toBe(200);
    expect(res.headers['x-served-by']).toBe(`${r.spec.name}/hello`);
    const zone = cl.c.get(NODES, '', node)!.metadata!.labels!['topology.kubernetes.io/zone'];
    expect(JSON.parse(res.body)).toMatchObject({ pod: 'hello', namespace: 'default', node, cluster: r.spec.name, zone, region: 'us-test1', container: 'web', image: 'nginx:1.27', podIP: p.status.podIP, path: '/some/path', method: 'GET' });
    const html = await httpGet(p.status.podIP, 8080, '/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(html.body).toContain('<title>Welcome to the global site!</title>');
    expect(html.body).toContain(`You are being served from ${zone}`);
    expect((await httpGet(p.status.podIP, 8080, '/healthz')).body).toBe('ok');

    // The status is stable once the pod is ready: no write loop. Its kubelet has handled its own
    // last write, and has heartbeated twice since.
    const rv = cl.c.get(PODS, 'default', 'hello')!.metadata!.resourceVersion;
    const kubelet = cl.kubelets.find((k) => k.node.name === node)!;
    await processed(r, [kubelet], Number(rv));
    await cl.heartbeats(node, 2);
    await kubelet.idle();
    expect(cl.c.get(PODS, 'default', 'hello')!.metadata!.resourceVersion).toBe(rv);

    const logs = await cl.k(['logs', 'hello']);
    expect(logs).toContain('Configuration complete; ready for start up');
    expect(logs).toMatch(/^127\.\d+\.\d+\.\d+ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/some\/path HTTP\/1\.1" 200 \d+ "-" "kubefed-test"$/m);
    const get = await cl.k(['get', 'pod', 'hello', '-o', 'wide']);
    expect(get).toMatch(new RegExp(`^hello\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${p.status.podIP.replace(/\./g, '\\.')}\\s+${node}\\s`, 'm'));
  });

  it('runs init containers to completion before the containers', async () => {
    await cl.c.create(PODS, 'default', pod('with-init', { initContainers: [{ name: 'setup', image: 'busybox', command: ['true'] }] }));
    const p = await cl.ready('with-init');
    expect(p.status.initContainerStatuses).toEqual([expect.objectContaining({ name: 'setup', ready: false, state: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) } })]);
  });

  it('gives hostNetwork pods the node address', async () => {
    await cl.c.create(PODS, 'default', pod('on-host', { hostNetwork: true, containers: [{ name: 'agent', image: 'agent', ports: [{ containerPort: 9100 }] }] }));
    const p = await cl.ready('on-host');
    expect(p.status.podIP).toBe(p.status.hostIP);
    expect(JSON.parse((await httpGet(p.status.podIP, 9100)).body)).toMatchObject({ pod: 'on-host', container: 'agent' });
  });

  it('spreads the pods of one owner over the zones', async () => {
    // Any existing object will do as the controller (the garbage collector removes orphans).
    const cm = await cl.c.create(['', 'configmaps'], 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'spread' } });
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'spread', uid: cm.metadata!.uid!, controller: true };
    for (let i = 0; i < 3; i++) {
      const p = pod(`spread-${i}`);
      p.metadata!.ownerReferences = [owner];
      await cl.c.create(PODS, 'default', p);
      await eventually(() => cl.c.get(PODS, 'default', `spread-${i}`)?.spec.nodeName, 'binding');
    }
    const nodes = [0, 1, 2].map((i) => cl.c.get(PODS, 'default', `spread-${i}`)!.spec.nodeName).sort();
    expect(nodes).toEqual(['node-0', 'node-1', 'node-2']);
  });

  it('respects nodeSelector, required node affinity and taints', async () => {
    await cl.c.create(PODS, 'default', pod('in-b', { nodeSelector: { 'topology.kubernetes.io/zone': 'us-test1-b' } }));
    await cl.c.create(
      PODS,
      'default',
      pod('not-a-b', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'nope', operator: 'Exists' }] },
                { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['us-test1-a', 'us-test1-b'] }] },
              ],
            },
          },
        },
      }),
    );
    await cl.c.create(PODS, 'default', pod('by-field', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-0'] }] }] } } } }));
    expect((await cl.ready('in-b')).spec.nodeName).toBe('node-1');
    expect((await cl.ready('not-a-b')).spec.nodeName).toBe('node-2');
    expect((await cl.ready('by-field')).spec.nodeName).toBe('node-0');

    await cl.c.modify(NODES, '', 'node-2', (n) => {
      n.spec.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    });
    await cl.c.create(PODS, 'default', pod('untolerated', { nodeSelector: { 'kubernetes.io/hostname': 'node-2' } }));
    const c1 = await eventually(() => {
      const c = cond(cl.c.get(PODS, 'default', 'untolerated'), 'PodScheduled');
      return c?.reason === 'Unschedulable' ? c : undefined;
    }, 'Unschedulable');
    expect(c1.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    await cl.c.create(PODS, 'default', pod('tolerated', { nodeSelector: { 'kubernetes.io/hostname': 'node-2' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    expect((await cl.ready('tolerated')).spec.nodeName).toBe('node-2');
    // Removing the taint lets the other one schedule.
    await cl.c.modify(NODES, '', 'node-2', (n) => {
      delete n.spec.taints;
    });
    expect((await cl.ready('untolerated')).spec.nodeName).toBe('node-2');
  });

  it('leaves a pod too big for every node Pending, and schedules it when a big enough node appears', async () => {
    await cl.k(['run', 'huge', '--image=nginx', '--port=80', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'huge', image: 'nginx', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '6', memory: '1Gi' } } }] } })]);
    const c = await eventually(() => {
      const x = cond(cl.c.get(PODS, 'default', 'huge'), 'PodScheduled');
      return x?.reason === 'Unschedulable' ? x : undefined;
    }, 'Unschedulable');
    const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    expect(c).toMatchObject({ status: 'False', message });
    expect(cl.c.get(PODS, 'default', 'huge')!.status.phase).toBe('Pending');
    // The scheduler records its event after writing the condition, without waiting for it.
    const ev = await eventually(() => cl.c.list(EVENTS, 'default').find((e) => e.involvedObject?.name === 'huge' && e.reason === 'FailedScheduling'), 'the FailedScheduling event');
    expect(ev).toMatchObject({ type: 'Warning', message });
    expect(await cl.k(['get', 'pod', 'huge', '--no-headers'])).toMatch(/^huge\s+0\/1\s+Pending\s+0\s/);

    const r = cl.t.runtime;
    const big: NodeSpec = { name: 'big-node', index: 3, region: 'us-test1', zone: 'us-test1-a', capacity: { cpu: '16', memory: '64Gi', pods: 110 } };
    await cl.t.run(new Kubelet(r, big));
    const p = await cl.ready('huge');
    expect(p.spec.nodeName).toBe('big-node');
    expect(p.status.podIP.startsWith(`127.${r.addresses.octet}.4.`)).toBe(true);
    expect(JSON.parse((await httpGet(p.status.podIP, 80)).body)).toMatchObject({ pod: 'huge', node: 'big-node' });
  });

  it('stops the server of a deleted pod and removes the pod', async () => {
    await cl.c.create(PODS, 'default', pod('doomed'));
    const p = await cl.ready('doomed');
    expect((await httpGet(p.status.podIP, 8080)).status).toBe(200);
    await cl.k(['delete', 'pod', 'doomed', '--timeout=20s']);
    expect(cl.c.get(PODS, 'default', 'doomed')).toBeUndefined();
    expect(await refused(p.status.podIP, 8080)).toBe(true);
  });

  it('follows the not-ready, latency and error-rate annotations', async () => {
    await cl.c.create(PODS, 'default', pod('moody', {}, { 'playground.kubefed.io/not-ready': 'true', 'playground.kubefed.io/error-rate': '1' }));
    const p = await eventually(() => {
      const x = cl.c.get(PODS, 'default', 'moody');
      return x?.status?.phase === 'Running' && x.status.podIP ? x : undefined;
    }, 'running');
    // A pod started after it has become Ready (start and readiness delays passed): moody's
    // readiness delay has passed too, and the kubelets have handled everything since.
    await cl.c.create(PODS, 'default', pod('moody-marker'));
    await cl.ready('moody-marker');
    await processed(cl.t.runtime, cl.kubelets);
    await cl.c.delete(PODS, 'default', 'moody-marker');
    expect(cond(cl.c.get(PODS, 'default', 'moody'), 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
    expect((await httpGet(p.status.podIP, 8080)).status).toBe(500);
    await cl.c.modify(PODS, 'default', 'moody', (x) => {
      delete x.metadata!.annotations!['playground.kubefed.io/not-ready'];
      x.metadata!.annotations!['playground.kubefed.io/error-rate'] = '0';
      x.metadata!.annotations!['playground.kubefed.io/latency-ms'] = '300';
    });
    await cl.ready('moody');
    const t0 = Date.now();
    expect((await httpGet(p.status.podIP, 8080)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('restarts a crashing container with backoff (CrashLoopBackOff)', async () => {
    await cl.c.create(PODS, 'default', pod('crashy', {}, { 'playground.kubefed.io/crash-after-ms': '300' }));
    const backoff = await eventually(() => {
      const s = cl.c.get(PODS, 'default', 'crashy')?.status?.containerStatuses?.[0];
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
    }, 'CrashLoopBackOff');
    expect(backoff.restartCount).toBeGreaterThanOrEqual(1);
    expect(backoff.ready).toBe(false);
    expect(backoff.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cl.c.get(PODS, 'default', 'crashy')!.status.phase).toBe('Running');
    const again = await eventually(() => {
      const s = cl.c.get(PODS, 'default', 'crashy')?.status?.containerStatuses?.[0];
      return s?.restartCount >= 2 ? s : undefined;
    }, 'a second restart');
    expect(again.lastState.terminated.exitCode).toBe(1);
    expect(cl.t.runtime.logs.logs(cl.c.get(PODS, 'default', 'crashy')!, 'web', { previous: true })).toContain('exiting with code 1');
    // kubectl reads the previous container's log once the container runs again.
    await eventually(async () => (await cl.k(['logs', 'crashy', '--previous'])).includes('exiting with code 1'), 'kubectl logs --previous', 10_000);
    expect(await cl.k(['get', 'pod', 'crashy', '--no-headers'])).toMatch(/^crashy\s+\d\/1\s+(CrashLoopBackOff|Running)\s+[2-9]/);
    await cl.c.delete(PODS, 'default', 'crashy');
  });

  it('completes job-like pods: Succeeded, Failed, or restarted on failure', async () => {
    await cl.c.create(PODS, 'default', pod('job-ok', { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] }));
    await cl.c.create(PODS, 'default', pod('job-fail', { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] }, { 'playground.kubefed.io/exit-code': '3' }));
    await cl.c.create(PODS, 'default', pod('job-retry', { restartPolicy: 'OnFailure', containers: [{ name: 'work', image: 'busybox' }] }, { 'playground.kubefed.io/exit-code': '2', 'playground.kubefed.io/run-ms': '200' }));
    const ok = await eventually(() => {
      const p = cl.c.get(PODS, 'default', 'job-ok');
      return p?.status?.phase === 'Succeeded' ? p : undefined;
    }, 'Succeeded');
    expect(ok.status.containerStatuses[0]).toMatchObject({ ready: false, started: false, state: { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) } });
    expect(cond(ok, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    const failed = await eventually(() => {
      const p = cl.c.get(PODS, 'default', 'job-fail');
      return p?.status?.phase === 'Failed' ? p : undefined;
    }, 'Failed');
    expect(failed.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const retried = await eventually(() => {
      const p = cl.c.get(PODS, 'default', 'job-retry');
      return p?.status?.containerStatuses?.[0]?.restartCount >= 1 ? p : undefined;
    }, 'a restart');
    expect(retried.status.phase).toBe('Running');
    // The next run succeeds once the exit code is gone.
    await cl.c.modify(PODS, 'default', 'job-retry', (p) => {
      delete p.metadata!.annotations!['playground.kubefed.io/exit-code'];
    });
    await eventually(() => cl.c.get(PODS, 'default', 'job-retry')?.status?.phase === 'Succeeded', 'the retried job to succeed');
    expect(await cl.k(['get', 'pod', 'job-ok', '--no-headers'])).toMatch(/^job-ok\s+0\/1\s+Completed\s+0\s/);
  });
});

describe('node power', () => {
  let cl: Cluster;
  beforeAll(async () => {
    cl = await startCluster(testNodes(2, { region: 'eu-test1', zones: ['eu-test1-a', 'eu-test1-b'] }));
  });
  afterAll(async () => {
    await cl?.t.stop();
  });

  it('a node losing power stops its pods; the node goes Unknown and tainted, its pods unready; power brings it all back', async () => {
    const r = cl.t.runtime;
    await cl.c.create(PODS, 'default', pod('victim', { nodeSelector: { 'kubernetes.io/hostname': 'node-0' } }));
    await cl.c.create(
      PODS,
      'default',
      pod('evictee', {
        nodeSelector: { 'kubernetes.io/hostname': 'node-0' },
        tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }],
      }),
    );
    const p = await cl.ready('victim');
    const e = await cl.ready('evictee');
    const ip = p.status.podIP as string;
    expect((await httpGet(ip, 8080)).status).toBe(200);

    r.power.set('node-0', false);
    expect(await refused(ip, 8080)).toBe(true);
    const node = await eventually(() => {
      const n = cl.c.get(NODES, '', 'node-0');
      return cond(n, 'Ready')?.status === 'Unknown' && (n!.spec.taints ?? []).length === 2 ? n : undefined;
    }, 'node-0 to be Unknown and tainted');
    for (const t of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(cond(node, t)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
    expect(node.spec.taints.map((t: KObject) => `${t.key}:${t.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(node.spec.taints.every((t: KObject) => !!t.timeAdded)).toBe(true);
    const unready = await eventually(() => {
      const x = cl.c.get(PODS, 'default', 'victim');
      return cond(x, 'Ready')?.status === 'False' ? x : undefined;
    }, 'the pod to be unready');
    expect(unready.status.phase).toBe('Running');
    expect(cond(unready, 'ContainersReady')?.status).toBe('False');
    expect(cl.c.get(NODES, '', 'node-1') && cond(cl.c.get(NODES, '', 'node-1'), 'Ready')?.status).toBe('True');
    expect(await cl.k(['get', 'nodes', '--no-headers'])).toMatch(/^node-0\s+NotReady\s/m);
    expect(cl.c.list(EVENTS, 'default').some((ev) => ev.reason === 'NodeNotReady' && ev.involvedObject?.name === 'node-0')).toBe(true);

    // The pod tolerating unreachable for 1 s is evicted and stays Terminating (its kubelet is gone).
    const evicted = await eventually(() => {
      const x = cl.c.get(PODS, 'default', 'evictee');
      return x?.metadata?.deletionTimestamp ? x : undefined;
    }, 'eviction');
    expect(evicted.metadata!.uid).toBe(e.metadata!.uid);
    // The default 300 s toleration keeps the other one.
    expect(cl.c.get(PODS, 'default', 'victim')!.metadata!.deletionTimestamp).toBeUndefined();
    // New pods go elsewhere.
    await cl.c.create(PODS, 'default', pod('newcomer'));
    expect((await cl.ready('newcomer')).spec.nodeName).toBe('node-1');

    r.power.set('node-0', true);
    await eventually(() => {
      const n = cl.c.get(NODES, '', 'node-0');
      return cond(n, 'Ready')?.status === 'True' && !(n!.spec.taints ?? []).length;
    }, 'node-0 to be Ready again without taints');
    const back = await cl.ready('victim');
    expect(back.status.podIP).toBe(ip);
    expect((await httpGet(ip, 8080)).status).toBe(200);
    // The evicted pod is deleted by its kubelet once it is back.
    await eventually(() => !cl.c.get(PODS, 'default', 'evictee'), 'the evicted pod to go');
    expect(await cl.k(['get', 'nodes', '--no-headers'])).toMatch(/^node-0\s+Ready\s/m);
  });

  it('a restarted kubelet adopts its running pods: same address, same container', async () => {
    const r = cl.t.runtime;
    await cl.c.create(PODS, 'default', pod('steady', { nodeSelector: { 'kubernetes.io/hostname': 'node-1' } }));
    const p = await cl.ready('steady');
    const ip = p.status.podIP as string;
    await cl.kubelets[1]!.stop();
    expect(await refused(ip, 8080)).toBe(true);
    expect(cl.c.get(PODS, 'default', 'steady')!.metadata!.resourceVersion).toBe(p.metadata!.resourceVersion);
    const fresh = new Kubelet(r, r.spec.nodes[1]!);
    cl.kubelets[1] = fresh;
    await cl.t.run(fresh);
    await eventually(async () => (await httpGet(ip, 8080).catch(() => ({ status: 0 }))).status === 200, 'the pod to answer again');
    const after = cl.c.get(PODS, 'default', 'steady')!;
    expect(after.status.podIP).toBe(ip);
    expect(after.status.containerStatuses[0]).toMatchObject({ restartCount: 0, containerID: p.status.containerStatuses[0].containerID, ready: true });
  });
});
