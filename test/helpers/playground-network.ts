/**
 * Helpers for service-networking tests: a simulated cluster runtime with kubelets and a
 * scheduler (pods really serve HTTP), pod and Service builders, HTTP requests to loopback
 * addresses.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { Kubelet } from '../../src/playground/cluster/kubelet.js';
import type { ClusterComponent, NodeSpec } from '../../src/playground/cluster/runtime.js';
import { Scheduler } from '../../src/playground/cluster/scheduler.js';
import type { Timing } from '../../src/playground/cluster/timing.js';
import { startTestRuntime, testNodes, type TestRuntime } from './cluster-runtime.js';
import { kubectl, type KubectlResult } from './kubectl.js';

export const FAST_TIMING: Partial<Timing> = { nodeHeartbeatMs: 500, nodeMonitorGraceMs: 5_000, podStartDelayMs: 20, readinessDelayMs: 50, jobPodDurationMs: 300, schedulerRetryMs: 200 };

export interface NetworkTestCluster extends TestRuntime {
  kubeconfig: string;
  kubectl(args: string[], opts?: { input?: string }): Promise<KubectlResult>;
}

/** A runtime whose nodes run real kubelets and a scheduler, plus the given components. */
export async function startCluster(opts: { nodes?: NodeSpec[]; components?: (t: TestRuntime) => ClusterComponent[] } = {}): Promise<NetworkTestCluster> {
  const nodes = opts.nodes ?? testNodes(3, { zones: ['test-region1-a', 'test-region1-b', 'test-region1-c'] });
  const t = await startTestRuntime({ nodes, timing: FAST_TIMING });
  await t.run(...nodes.map((n) => new Kubelet(t.runtime, n)), new Scheduler(t.runtime), ...(opts.components?.(t) ?? []));
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-net-'));
  const kubeconfig = join(dir, 'kubeconfig');
  mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry(t.runtime.spec.name)]);
  return Object.assign(t, {
    kubeconfig,
    kubectl: (args: string[], o: { input?: string } = {}) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'cache'), ...o }),
  });
}

export function pod(name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[], opts: { annotations?: Record<string, string>; namespace?: string; nodeName?: string } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      containers: [{ name: 'web', image: 'nginx', ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) }],
    },
  };
}

export function service(name: string, spec: KObject, labels?: Record<string, string>, namespace = 'default'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec };
}

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request on a fresh connection (no keep-alive), like `curl`. */
export function httpGet(ip: string, port: number, path = '/', headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, method, headers: { 'user-agent': 'curl/8.5.0', accept: '*/*', ...headers }, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** What a TCP connect attempt ends with: "connected" (and kept open 100 ms), "refused", "reset". */
export function tcpOutcome(host: string, port: number): Promise<'connected' | 'refused' | 'reset' | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let settled = false;
    const done = (v: 'connected' | 'refused' | 'reset' | 'timeout') => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve(v);
    };
    s.setTimeout(3_000, () => done('timeout'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'refused'));
    s.on('close', () => done('reset'));
    s.on('connect', () => {
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(() => done('connected'), 300);
    });
    s.on('data', () => done('connected'));
  });
}

/** The `X-Served-By` pod ("cluster/pod") of a pod-server answer. */
export const servedBy = (r: HttpResult) => String(r.headers['x-served-by'] ?? '').split('/')[1];
