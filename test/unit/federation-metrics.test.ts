import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { FederationMetrics, writeResult } from '../../src/federation/metrics.js';
import { WorkQueue } from '../../src/util/work-queue.js';
import type { MemberCluster, MemberRegistry } from '../../src/federation/context.js';

async function values(r: client.Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
  const m = (await r.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []) as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}
const one = async (r: client.Registry, name: string, labels: Record<string, string> = {}, metricName = name) =>
  (await values(r, name)).find((v) => (v.metricName ?? name) === metricName && Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x))?.value;

describe('work queue metrics', () => {
  it('counts adds, depth, waits, work and retries as client-go does', async () => {
    const m = new FederationMetrics();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let failures = 0;
    const q = new WorkQueue(
      async (k) => {
        if (k === 'slow') await gate;
        if (k === 'fail' && ++failures <= 2) throw new Error('no');
      },
      { name: 'test', metrics: m, concurrency: 1, baseDelayMs: 1 },
    );
    q.add('slow');
    q.add('a');
    q.add('a'); // already waiting: not an add
    q.add('slow'); // being processed: one add, run again later
    q.add('slow'); // already counted while processing
    expect(await one(m.registry, 'workqueue_adds_total', { name: 'test' })).toBe(3);
    expect(await one(m.registry, 'workqueue_depth', { name: 'test' })).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(await one(m.registry, 'workqueue_longest_running_processor_seconds', { name: 'test' })).toBeGreaterThan(0.02);
    expect(await one(m.registry, 'workqueue_unfinished_work_seconds', { name: 'test' })).toBeGreaterThan(0.02);
    release();
    await q.idle();
    expect(await one(m.registry, 'workqueue_depth', { name: 'test' })).toBe(0);
    expect(await one(m.registry, 'workqueue_work_duration_seconds', { name: 'test' }, 'workqueue_work_duration_seconds_count')).toBe(3);
    expect(await one(m.registry, 'workqueue_queue_duration_seconds', { name: 'test' }, 'workqueue_queue_duration_seconds_count')).toBe(3);
    expect(await one(m.registry, 'workqueue_longest_running_processor_seconds', { name: 'test' })).toBe(0);
    q.add('fail');
    for (let i = 0; i < 100 && (await one(m.registry, 'workqueue_retries_total', { name: 'test' })) !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(await one(m.registry, 'workqueue_retries_total', { name: 'test' })).toBe(2);
    q.shutdown();
  });

  it('reports nothing without a name or a provider', () => {
    const q = new WorkQueue(async () => undefined, { metrics: new FederationMetrics() });
    q.add('x');
    q.shutdown();
  });
});

describe('federation metrics', () => {
  const member = (name: string, phase: MemberCluster['phase']) => ({ name, phase, labels: {}, zones: [], client: {} }) as unknown as MemberCluster;
  it('reports clusters from the registry and forgets a cluster that left', async () => {
    const m = new FederationMetrics();
    let list = [member('a', 'Ready'), member('b', 'Offline')];
    const listeners: ((c: string) => void)[] = [];
    const reg: MemberRegistry = { list: () => list, get: (n) => list.find((c) => c.name === n), onChange: (fn) => (listeners.push(fn), () => undefined) };
    m.watchMembers(reg);
    m.probed('a', 0.01, true);
    m.probed('b', 3, false);
    expect(await one(m.registry, 'cluster_ready_state', { cluster_name: 'a' })).toBe(1);
    expect(await one(m.registry, 'cluster_ready_state', { cluster_name: 'b' })).toBe(0);
    expect(await one(m.registry, 'kubefedcluster_total', { cluster: 'b', state: 'offline' })).toBe(1);
    expect(await one(m.registry, 'kubefedcluster_total', { cluster: 'b', state: 'ready' })).toBe(0);
    expect(await one(m.registry, 'joined_cluster_total')).toBe(2);
    expect(await one(m.registry, 'cluster_health_probe_total', { cluster_name: 'b', result: 'error' })).toBe(1);
    list = [list[0]!];
    for (const l of listeners) l('b');
    expect(await one(m.registry, 'cluster_ready_state', { cluster_name: 'b' })).toBeUndefined();
    expect(await one(m.registry, 'cluster_health_probe_total', { cluster_name: 'b', result: 'error' })).toBeUndefined();
    expect(await one(m.registry, 'cluster_health_probe_duration_seconds', { cluster_name: 'a' }, 'cluster_health_probe_duration_seconds_count')).toBe(1);
  });

  it('counts member writes by cluster, verb and result, and every request per host', async () => {
    const m = new FederationMetrics();
    const obs = m.clientObserver('https://127.0.0.1:6443', 'west');
    obs({ method: 'POST', status: 201, seconds: 0.01 });
    obs({ method: 'PUT', status: 409, seconds: 0.01 });
    obs({ method: 'DELETE', status: 404, seconds: 0.01 });
    obs({ method: 'PATCH', status: 0, seconds: 3 });
    obs({ method: 'GET', status: 200, seconds: 0.001 });
    expect(await one(m.registry, 'kubefed_member_writes_total', { cluster_name: 'west', verb: 'create', result: 'success' })).toBe(1);
    expect(await one(m.registry, 'kubefed_member_writes_total', { cluster_name: 'west', verb: 'update', result: 'conflict' })).toBe(1);
    expect(await one(m.registry, 'kubefed_member_writes_total', { cluster_name: 'west', verb: 'delete', result: 'success' })).toBe(1);
    expect(await one(m.registry, 'kubefed_member_writes_total', { cluster_name: 'west', verb: 'patch', result: 'error' })).toBe(1);
    expect(await one(m.registry, 'rest_client_requests_total', { host: '127.0.0.1:6443', method: 'GET', code: '200' })).toBe(1);
    expect(await one(m.registry, 'rest_client_requests_total', { host: '127.0.0.1:6443', method: 'PATCH', code: '<error>' })).toBe(1);
    expect(await one(m.registry, 'dispatch_operation_duration_seconds', { action: 'create' }, 'dispatch_operation_duration_seconds_count')).toBe(1);
    expect([writeResult('PUT', 200), writeResult('POST', 409), writeResult('GET', 404), writeResult('DELETE', 500)]).toEqual(['success', 'conflict', 'error', 'error']);
  });

  it('times propagation from a change at the federation to the first write in each cluster', async () => {
    const m = new FederationMetrics();
    const count = async () => (await one(m.registry, 'kubefed_propagation_latency_seconds', { type: 'configmaps' }, 'kubefed_propagation_latency_seconds_count')) ?? 0;
    const now = new Date().toISOString();
    const cm = (data: string, rv: string): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', uid: 'u1', resourceVersion: rv, creationTimestamp: now }, data: { k: data } });
    m.propagation.observed(cm('1', '10'));
    m.propagation.written('configmaps', cm('1', '10'), 'west');
    m.propagation.written('configmaps', cm('1', '10'), 'east');
    m.propagation.written('configmaps', cm('1', '10'), 'west'); // a later write of the same change: not timed
    expect(await count()).toBe(2);
    m.propagation.observed(cm('1', '11')); // only the resourceVersion moved (status, finalizer): no change
    m.propagation.written('configmaps', cm('1', '11'), 'west');
    expect(await count()).toBe(2);
    m.propagation.observed(cm('2', '12'));
    m.propagation.written('configmaps', cm('2', '12'), 'west');
    expect(await count()).toBe(3);
    // An object older than the controller is timed only from its next change.
    const old: KObject = { ...cm('1', '1'), metadata: { ...cm('1', '1').metadata, uid: 'u2', creationTimestamp: '2020-01-01T00:00:00Z' } };
    m.propagation.observed(old);
    m.propagation.written('configmaps', old, 'west');
    expect(await count()).toBe(3);
    m.propagation.forget(old);
    m.propagation.written('configmaps', old, 'west');
    expect(await count()).toBe(3);
  });

  it('sets the leader gauge per lease', async () => {
    const m = new FederationMetrics();
    m.setLeader('kubefed-controller-manager', true);
    m.setLeader('kubefed-traffic-controllers', false);
    expect(await one(m.registry, 'leader_election_master_status', { name: 'kubefed-controller-manager' })).toBe(1);
    expect(await one(m.registry, 'leader_election_master_status', { name: 'kubefed-traffic-controllers' })).toBe(0);
  });
});
