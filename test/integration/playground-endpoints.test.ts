/**
 * The endpoints and EndpointSlice controllers of a simulated cluster, with real kubelets
 * running the pods: Endpoints subsets (ready and not-ready addresses, named target ports,
 * grouping by port set), EndpointSlices (conditions, zones, ownership, 100 per slice, updates
 * in place), and reactions to pod and Service changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { ENDPOINT_SLICES, ENDPOINTS, NODES, PODS, SERVICES, type InternalClient } from '../../src/playground/cluster/client.js';
import { EndpointSliceController } from '../../src/playground/cluster/controllers/endpointslices.js';
import { EndpointsController, repackSubsets } from '../../src/playground/cluster/controllers/endpoints.js';
import { formatRFC3339Nano, TriggerTimeTracker } from '../../src/playground/cluster/controllers/service-pods.js';
import { NOT_READY_ANNOTATION } from '../../src/playground/cluster/kubelet.js';
import { processed } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { pod, service, startCluster, type NetworkTestCluster } from '../helpers/playground-network.js';

let c: NetworkTestCluster;
let client: InternalClient;
let endpoints: EndpointsController;
let slices: EndpointSliceController;

const ipOf = (name: string, ns = 'default') => client.get(PODS, ns, name)?.status?.podIP as string | undefined;
const ready = (name: string, ns = 'default') => (client.get(PODS, ns, name)?.status?.conditions ?? []).some((x: KObject) => x.type === 'Ready' && x.status === 'True');
const slicesOf = (svc: string, ns = 'default') => client.list(ENDPOINT_SLICES, ns, { matchLabels: { 'kubernetes.io/service-name': svc } });

/** A node without a kubelet: pods bound to it keep whatever status the test writes. */
async function ensureStaticNode(): Promise<void> {
  if (!client.get(NODES, '', 'static')) await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'static', labels: { 'topology.kubernetes.io/zone': 'zone-s' } } });
}

async function staticPod(name: string, labels: Record<string, string>, ipIndex: number): Promise<void> {
  const ip = `127.${c.runtime.addresses.octet}.90.${ipIndex}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.create(PODS, 'default', pod(name, labels, [{ containerPort: 80 }], { nodeName: 'static' }));
  await client.modify(PODS, 'default', name, (o) => {
    o.status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
  }, { status: true });
}

beforeAll(async () => {
  c = await startCluster({ components: (t) => [(endpoints = new EndpointsController(t.runtime)), (slices = new EndpointSliceController(t.runtime))] });
  client = c.runtime.client('test');
  await eventually(() => client.list(NODES).length === 3, 'nodes registered');
});

afterAll(async () => {
  await c?.stop();
});

describe('Endpoints', () => {
  it('lists ready and not-ready pods with named target ports resolved per pod, grouped by port set', async () => {
    await client.create(SERVICES, 'default', service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] }, { team: 'blue' }));
    await client.create(PODS, 'default', pod('web-a', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]));
    await client.create(PODS, 'default', pod('web-b', { app: 'web' }, [{ name: 'http', containerPort: 8081 }]));
    await client.create(PODS, 'default', pod('web-c', { app: 'web' }, [{ name: 'http', containerPort: 8080 }], { annotations: { [NOT_READY_ANNOTATION]: 'true' } }));
    // No port named "http": only the numeric target port resolves.
    await client.create(PODS, 'default', pod('web-d', { app: 'web' }, [{ name: 'other', containerPort: 7000 }]));
    await client.create(PODS, 'default', pod('unrelated', { app: 'db' }, [{ name: 'http', containerPort: 8080 }]));
    await eventually(() => ready('web-a') && ready('web-b') && ready('web-d') && ipOf('web-c') && ipOf('unrelated'), 'pods running');

    const ep = await eventually(() => {
      const e = client.get(ENDPOINTS, 'default', 'web');
      const n = (e?.subsets ?? []).reduce((k: number, s: KObject) => k + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
      // Every address listed, and the controller has seen every readiness change (only web-c is not ready).
      const notReady = (e?.subsets ?? []).flatMap((s: KObject) => (s.notReadyAddresses ?? []).map((a: KObject) => a.targetRef?.name));
      return n === 7 && notReady.every((name: string) => name === 'web-c') ? e : undefined;
    }, 'endpoints for web');
    expect(ep.metadata!.labels).toEqual({ team: 'blue' });

    const target = (name: string) => ({ ip: ipOf(name), nodeName: client.get(PODS, 'default', name)!.spec.nodeName, targetRef: { kind: 'Pod', name, namespace: 'default', uid: client.get(PODS, 'default', name)!.metadata!.uid } });
    const byIp = (names: string[]) => names.map(target).sort((a, b) => (a.ip! < b.ip! ? -1 : 1));
    // As Kubernetes repacks them: ports offered by the same addresses share a subset. web-b
    // serves http on another port; web-d has no "http" port, so only the numeric metrics
    // target port resolves for it; web-c is not ready.
    const subsets: KObject[] = ep.subsets;
    expect(subsets).toHaveLength(3);
    const withPort = (port: number) => subsets.find((s) => s.ports.some((p: KObject) => p.port === port))!;
    expect(withPort(8080)).toEqual({ addresses: [target('web-a')], notReadyAddresses: [target('web-c')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    expect(withPort(8081)).toEqual({ addresses: [target('web-b')], ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] });
    expect(withPort(9090)).toEqual({ addresses: byIp(['web-a', 'web-b', 'web-d']), notReadyAddresses: [target('web-c')], ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] });
    // The unrelated pod is nowhere.
    expect(JSON.stringify(subsets)).not.toContain('unrelated');
  });

  it('follows readiness, label and deletion changes', async () => {
    // web-c becomes ready.
    await client.patch(PODS, 'default', 'web-c', { metadata: { annotations: { [NOT_READY_ANNOTATION]: null } } });
    await eventually(() => {
      const e = client.get(ENDPOINTS, 'default', 'web');
      return (e?.subsets ?? []).some((s: KObject) => (s.addresses ?? []).some((a: KObject) => a.targetRef.name === 'web-c')) && !(e?.subsets ?? []).some((s: KObject) => s.notReadyAddresses);
    }, 'web-c ready in endpoints');
    // The trigger time is web-c's Ready transition, unless that fell in the same second as its
    // previous transition (times have second precision), when Kubernetes drops the annotation.
    const readyAt = (client.get(PODS, 'default', 'web-c')!.status.conditions as KObject[]).find((x) => x.type === 'Ready')!.lastTransitionTime;
    const trigger = client.get(ENDPOINTS, 'default', 'web')!.metadata!.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'];
    if (trigger !== undefined) expect(trigger).toBe(readyAt);
    // web-d leaves the service by label.
    await client.patch(PODS, 'default', 'web-d', { metadata: { labels: { app: 'gone' } } });
    await eventually(() => !JSON.stringify(client.get(ENDPOINTS, 'default', 'web')).includes('web-d'), 'web-d removed');
    // web-b is deleted: gone from Endpoints as soon as it is terminating.
    await client.delete(PODS, 'default', 'web-b');
    await eventually(() => !JSON.stringify(client.get(ENDPOINTS, 'default', 'web')).includes('web-b'), 'web-b removed');
    const names = (client.get(ENDPOINTS, 'default', 'web')!.subsets as KObject[]).flatMap((s) => (s.addresses ?? []).map((a: KObject) => a.targetRef.name)).sort();
    expect(names).toEqual(['web-a', 'web-c']);
  });

  it('publishes not-ready addresses when asked, labels headless Services, leaves selector-less Services alone', async () => {
    await client.create(PODS, 'default', pod('lazy', { app: 'lazy' }, [{ containerPort: 8080 }], { annotations: { [NOT_READY_ANNOTATION]: 'true' } }));
    await eventually(() => ipOf('lazy'), 'lazy running');
    const svc = await client.create(SERVICES, 'default', service('lazy', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'lazy' }, ports: [{ port: 8080 }] }));
    const ep = await eventually(() => client.get(ENDPOINTS, 'default', 'lazy')?.subsets?.[0]?.addresses?.length === 1 && client.get(ENDPOINTS, 'default', 'lazy'), 'lazy endpoints');
    // A new Service's first endpoints carry its creation time as the trigger time.
    expect(ep.metadata!.annotations).toEqual({ 'endpoints.kubernetes.io/last-change-trigger-time': svc.metadata!.creationTimestamp });
    expect(ep.subsets[0].notReadyAddresses).toBeUndefined();
    expect(ep.subsets[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(ep.metadata!.labels).toEqual({ 'service.kubernetes.io/headless': '' });

    await client.create(SERVICES, 'default', service('manual', { ports: [{ port: 80 }] }));
    const manual = await client.create(ENDPOINTS, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.1.2.3' }], ports: [{ port: 80 }] }] });
    await processed(c.runtime, [endpoints, slices], manual);
    expect(client.get(ENDPOINTS, 'default', 'manual')!.subsets).toEqual([{ addresses: [{ ip: '127.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    expect(slicesOf('manual')).toEqual([]);
  });

  it('recreates deleted Endpoints and deletes them with the Service', async () => {
    await client.delete(ENDPOINTS, 'default', 'lazy');
    await eventually(() => client.get(ENDPOINTS, 'default', 'lazy'), 'endpoints recreated');
    await client.delete(SERVICES, 'default', 'lazy');
    await eventually(() => !client.get(ENDPOINTS, 'default', 'lazy'), 'endpoints deleted');
    await eventually(() => slicesOf('lazy').length === 0, 'slices garbage collected');
  });
});

describe('EndpointSlices', () => {
  it('describe the pods with conditions, node, zone and target, owned by the Service', async () => {
    const slices = await eventually(() => {
      const s = slicesOf('web');
      const eps = s.flatMap((x) => x.endpoints ?? []);
      return eps.length === 2 && eps.every((e: KObject) => e.conditions.ready) ? s : undefined;
    }, 'web slices');
    const svc = client.get(SERVICES, 'default', 'web')!;
    // web-a and web-c serve http on 8080: one port set, one slice.
    expect(slices).toHaveLength(1);
    const s = slices[0]!;
    expect(s.metadata!.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(s.metadata!.generateName).toBe('web-');
    expect(s.metadata!.labels).toEqual({ team: 'blue', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(s.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ]);
    const a = s.endpoints.find((e: KObject) => e.targetRef.name === 'web-a');
    const podA = client.get(PODS, 'default', 'web-a')!;
    const node = client.get(NODES, '', podA.spec.nodeName)!;
    expect(a).toEqual({
      addresses: [podA.status.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: podA.spec.nodeName,
      zone: node.metadata!.labels!['topology.kubernetes.io/zone'],
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-a', uid: podA.metadata!.uid },
    });
    expect(a.zone).toMatch(/^test-region1-[abc]$/);
  });

  it('are updated in place, and a Service without endpoints keeps one placeholder slice', async () => {
    const before = slicesOf('web')[0]!.metadata!.name;
    await client.patch(PODS, 'default', 'web-c', { metadata: { annotations: { [NOT_READY_ANNOTATION]: 'true' } } });
    await eventually(() => slicesOf('web')[0]?.endpoints?.find((e: KObject) => e.targetRef.name === 'web-c')?.conditions?.ready === false, 'web-c not ready in slice');
    const c2 = slicesOf('web')[0]!.endpoints.find((e: KObject) => e.targetRef.name === 'web-c');
    expect(c2.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(slicesOf('web').map((s) => s.metadata!.name)).toEqual([before]);

    await client.create(SERVICES, 'default', service('nobody', { selector: { app: 'nobody' }, ports: [{ port: 80 }] }));
    const placeholder = await eventually(() => slicesOf('nobody')[0], 'placeholder slice');
    expect(placeholder.endpoints ?? []).toEqual([]);
    expect(placeholder.ports ?? []).toEqual([]);
    // The controller has handled its own placeholder coming back: no second one.
    await processed(c.runtime, [slices], placeholder);
    expect(slicesOf('nobody')).toHaveLength(1);
    // Pods arriving turn the placeholder into the real slice (same object).
    await client.create(PODS, 'default', pod('nobody-1', { app: 'nobody' }, [{ containerPort: 80 }]));
    await eventually(() => slicesOf('nobody')[0]?.endpoints?.length === 1, 'nobody slice filled');
    expect(slicesOf('nobody').map((s) => s.metadata!.name)).toEqual([placeholder.metadata!.name]);
  });

  it('show terminating pods until they are gone (Endpoints drop them at once)', async () => {
    // A pod on a node without a kubelet stays terminating for its grace period.
    await ensureStaticNode();
    await staticPod('slow', { app: 'slow' }, 1);
    await client.create(SERVICES, 'default', service('slow', { selector: { app: 'slow' }, ports: [{ port: 80 }] }));
    await eventually(() => slicesOf('slow')[0]?.endpoints?.[0]?.conditions?.ready && client.get(ENDPOINTS, 'default', 'slow')?.subsets, 'slow ready');
    await client.delete(PODS, 'default', 'slow', { gracePeriodSeconds: 30 });
    const e = await eventually(() => {
      const ep = slicesOf('slow')[0]?.endpoints?.[0];
      return ep?.conditions?.terminating ? ep : undefined;
    }, 'terminating endpoint');
    expect(e.conditions).toEqual({ ready: false, serving: true, terminating: true });
    await eventually(() => !client.get(ENDPOINTS, 'default', 'slow')?.subsets, 'slow out of Endpoints');
    await client.delete(PODS, 'default', 'slow', { gracePeriodSeconds: 0 });
    await eventually(() => (slicesOf('slow')[0]?.endpoints ?? []).length === 0, 'slow gone');
  });

  it('hold at most 100 endpoints each', async () => {
    await ensureStaticNode();
    await client.create(SERVICES, 'default', service('many', { selector: { app: 'many' }, ports: [{ port: 80 }] }));
    await Promise.all(Array.from({ length: 150 }, (_, i) => staticPod(`many-${i}`, { app: 'many' }, i + 2)));
    const slices = await eventually(() => {
      const s = slicesOf('many');
      return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 150 ? s : undefined;
    }, '150 endpoints in slices');
    expect(slices.length).toBeGreaterThanOrEqual(2);
    for (const s of slices) expect(s.endpoints.length).toBeLessThanOrEqual(100);
    expect(slices.flatMap((s) => s.endpoints).every((e: KObject) => e.zone === 'zone-s' && e.nodeName === 'static')).toBe(true);
    const ep = await eventually(() => client.get(ENDPOINTS, 'default', 'many')?.subsets?.[0]?.addresses?.length === 150 && client.get(ENDPOINTS, 'default', 'many'), '150 in endpoints');
    expect(ep.subsets).toHaveLength(1);

    // Removing 60 pods shrinks the slices in place without new slices.
    const names = new Set(slices.map((s) => s.metadata!.name));
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.delete(PODS, 'default', `many-${i}`, { gracePeriodSeconds: 0 })));
    await eventually(() => slicesOf('many').reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 90, '90 endpoints left');
    for (const s of slicesOf('many')) expect(names.has(s.metadata!.name)).toBe(true);
  });

  it('are deleted with the Service', async () => {
    await client.delete(SERVICES, 'default', 'many');
    await eventually(() => slicesOf('many').length === 0 && !client.get(ENDPOINTS, 'default', 'many'), 'many cleaned up');
  });
});

describe('TriggerTimeTracker', () => {
  it('reports the Service creation first, then the earliest changed Ready transition, then nothing', () => {
    const t = new TriggerTimeTracker();
    const svc = { metadata: { namespace: 'x', name: 's', creationTimestamp: '2024-01-01T00:00:00Z' } };
    const p = (name: string, at: string) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });
    expect(formatRFC3339Nano(t.compute(svc, [p('a', '2024-01-01T00:00:05Z')])!)).toBe('2024-01-01T00:00:00Z');
    expect(t.compute(svc, [p('a', '2024-01-01T00:00:05Z')])).toBeUndefined();
    expect(formatRFC3339Nano(t.compute(svc, [p('a', '2024-01-01T00:00:09Z'), p('b', '2024-01-01T00:00:07Z')])!)).toBe('2024-01-01T00:00:07Z');
    expect(formatRFC3339Nano(Date.parse('2024-01-01T00:00:07.120Z'))).toBe('2024-01-01T00:00:07.12Z');
  });
});

describe('repackSubsets', () => {
  it('merges addresses sharing ports and keeps not-ready over ready', () => {
    const a = { ip: '10.0.0.2', targetRef: { kind: 'Pod', namespace: 'x', name: 'a', uid: '1' } };
    const b = { ip: '10.0.0.1', targetRef: { kind: 'Pod', namespace: 'x', name: 'b', uid: '2' } };
    const p80 = { name: 'http', port: 80, protocol: 'TCP' };
    const p90 = { name: 'm', port: 90, protocol: 'TCP' };
    expect(
      repackSubsets([
        { addresses: [a], ports: [p80] },
        { addresses: [a], ports: [p90] },
        { addresses: [b], ports: [p80] },
        { notReadyAddresses: [b], ports: [p90] },
      ]),
    ).toEqual([
      { addresses: [b, a], ports: [p80] },
      { addresses: [a], notReadyAddresses: [b], ports: [p90] },
    ]);
  });
});
