/**
 * LoadBalancer Services in a simulated cluster: an address from the cluster's 127.O.200.x
 * range in status (and in `kubectl get svc`), real TCP forwarding to the pods round robin,
 * resets without ready endpoints, retry past a dead endpoint, loadBalancerIP, type changes,
 * deletion, and the address surviving a restart of the controller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { ENDPOINTS, EVENTS, NODES, PODS, SERVICES, type InternalClient } from '../../src/playground/cluster/client.js';
import { EndpointsController } from '../../src/playground/cluster/controllers/endpoints.js';
import { NOT_READY_ANNOTATION } from '../../src/playground/cluster/kubelet.js';
import { LOAD_BALANCER_CLEANUP_FINALIZER, LoadBalancerController } from '../../src/playground/cluster/network/load-balancer.js';
import { startPodServer, type PodServer } from '../../src/playground/cluster/pod-server.js';
import { eventually } from '../helpers/eventually.js';
import { httpGet, pod, servedBy, service, startCluster, tcpOutcome, type NetworkTestCluster } from '../helpers/playground-network.js';

let c: NetworkTestCluster;
let client: InternalClient;
let lb: LoadBalancerController;

const lbIP = (name: string) => client.get(SERVICES, 'default', name)?.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined;
const reasons = (name: string) =>
  client
    .list(EVENTS, 'default')
    .filter((e) => e.involvedObject?.name === name && e.involvedObject?.kind === 'Service')
    .map((e) => e.reason as string);

beforeAll(async () => {
  c = await startCluster({ components: (t) => [new EndpointsController(t.runtime), (lb = new LoadBalancerController(t.runtime))] });
  client = c.runtime.client('test');
  await eventually(() => client.list(NODES).length === 3, 'nodes registered');
  for (let i = 0; i < 3; i++) await client.create(PODS, 'default', pod(`nginx-${i}`, { app: 'nginx' }, [{ name: 'http', containerPort: 80 }]));
});

afterAll(async () => {
  await c?.stop();
});

describe('LoadBalancer Services', () => {
  it('get an address in the cluster range, shown by kubectl, and forward to the pods round robin', async () => {
    // services/nginx.yaml of the seeds (reconstructed).
    await client.create(SERVICES, 'default', service('nginx', { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, { app: 'nginx' }));
    const ip = await eventually(() => lbIP('nginx'), 'load balancer address');
    expect(ip).toMatch(new RegExp(`^127\\.${c.runtime.addresses.octet}\\.200\\.([1-9]|[1-9]\\d|1\\d\\d|2[0-4]\\d|25[0-4])$`));
    const svc = client.get(SERVICES, 'default', 'nginx')!;
    expect(svc.status.loadBalancer.ingress).toEqual([{ ip, ipMode: 'VIP' }]);
    expect(svc.metadata!.finalizers ?? []).not.toContain(LOAD_BALANCER_CLEANUP_FINALIZER);
    expect(lb.addressOf('default', 'nginx')).toBe(ip);
    await eventually(() => reasons('nginx').includes('EnsuredLoadBalancer'), 'EnsuredLoadBalancer event');
    expect(reasons('nginx')).toContain('EnsuringLoadBalancer');

    const out = await c.kubectl(['get', 'svc', 'nginx', '--no-headers']);
    expect(out.stderr).toBe('');
    const cols = out.stdout.trim().split(/\s+/);
    expect(cols[0]).toBe('nginx');
    expect(cols[1]).toBe('LoadBalancer');
    expect(cols[3]).toBe(ip);
    expect(cols[4]).toMatch(/^80:\d+\/TCP$/);

    await eventually(() => client.get(ENDPOINTS, 'default', 'nginx')?.subsets?.[0]?.addresses?.length === 3, 'three ready endpoints');
    const hits: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(ip, 80);
      expect(r.status).toBe(200);
      hits.push(servedBy(r)!);
    }
    // Round robin: each pod twice, never the same pod twice in a row.
    const counts = hits.reduce<Record<string, number>>((m, p) => ((m[p] = (m[p] ?? 0) + 1), m), {});
    expect(counts).toEqual({ 'nginx-0': 2, 'nginx-1': 2, 'nginx-2': 2 });
    for (let i = 1; i < hits.length; i++) expect(hits[i]).not.toBe(hits[i - 1]);
  });

  it('follow endpoint changes without dropping established connections', async () => {
    const ip = lbIP('nginx')!;
    // A keep-alive connection stays on its pod while that pod leaves the endpoints.
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; pod: string }>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request({ host: ip, port: 80, path: '/', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, pod: String(res.headers['x-served-by']).split('/')[1]! }));
          });
          req.on('error', reject);
          req.end();
        }, reject);
      });
    const first = await get();
    await client.patch(PODS, 'default', first.pod, { metadata: { annotations: { [NOT_READY_ANNOTATION]: 'true' } } });
    await eventually(() => client.get(ENDPOINTS, 'default', 'nginx')?.subsets?.[0]?.addresses?.length === 2, 'one pod not ready');
    const again = await get();
    expect(again).toEqual({ status: 200, pod: first.pod });
    agent.destroy();
    // New connections avoid the not-ready pod.
    for (let i = 0; i < 4; i++) expect(servedBy(await httpGet(ip, 80))).not.toBe(first.pod);
    await client.patch(PODS, 'default', first.pod, { metadata: { annotations: { [NOT_READY_ANNOTATION]: null } } });
    await eventually(() => client.get(ENDPOINTS, 'default', 'nginx')?.subsets?.[0]?.addresses?.length === 3, 'all ready again');
  });

  it('keep a client on one pod with sessionAffinity ClientIP', async () => {
    await client.create(SERVICES, 'default', service('sticky', { type: 'LoadBalancer', sessionAffinity: 'ClientIP', selector: { app: 'nginx' }, ports: [{ port: 80 }] }));
    const ip = await eventually(() => lbIP('sticky'), 'sticky address');
    await eventually(() => client.get(ENDPOINTS, 'default', 'sticky')?.subsets?.[0]?.addresses?.length === 3, 'sticky endpoints');
    const pods = new Set<string>();
    for (let i = 0; i < 5; i++) pods.add(servedBy(await httpGet(ip, 80))!);
    expect(pods.size).toBe(1);
    await client.delete(SERVICES, 'default', 'sticky');
  });

  it('reset connections when there are no ready endpoints', async () => {
    await client.create(SERVICES, 'default', service('empty', { type: 'LoadBalancer', selector: { app: 'nothing' }, ports: [{ port: 8080 }] }));
    const ip = await eventually(() => lbIP('empty'), 'address for empty');
    expect(ip).not.toBe(lbIP('nginx'));
    expect(await tcpOutcome(ip, 8080)).toBe('reset');
  });

  it('retry a connection to a dead endpoint on another endpoint', async () => {
    // A selector-less Service with hand-written Endpoints: one dead address, one live server.
    const octet = c.runtime.addresses.octet;
    const live: PodServer = await startPodServer({
      ip: `127.${octet}.250.2`,
      port: 9000,
      identity: { pod: 'live', namespace: 'default', node: 'x', cluster: 'c', zone: 'z', region: 'r', container: 'c', image: 'i', podIP: `127.${octet}.250.2` },
      behaviour: () => ({ latencyMs: 0, errorRate: 0 }),
    });
    try {
      await client.create(SERVICES, 'default', service('manual', { type: 'LoadBalancer', ports: [{ port: 8081, targetPort: 9000 }] }));
      await client.create(ENDPOINTS, 'default', {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'manual', namespace: 'default' },
        subsets: [{ addresses: [{ ip: `127.${octet}.250.1` }, { ip: `127.${octet}.250.2` }], ports: [{ port: 9000 }] }],
      });
      const ip = await eventually(() => lbIP('manual'), 'address for manual');
      for (let i = 0; i < 6; i++) {
        const r = await httpGet(ip, 8081);
        expect(r.status).toBe(200);
        expect(servedBy(r)).toBe('live');
      }
    } finally {
      await live.close();
    }
  });

  it('honour spec.loadBalancerIP in range and refuse it outside', async () => {
    const octet = c.runtime.addresses.octet;
    await client.create(SERVICES, 'default', service('pinned', { type: 'LoadBalancer', loadBalancerIP: `127.${octet}.200.77`, selector: { app: 'nginx' }, ports: [{ port: 80 }] }));
    expect(await eventually(() => lbIP('pinned'), 'pinned address')).toBe(`127.${octet}.200.77`);
    expect((await httpGet(`127.${octet}.200.77`, 80)).status).toBe(200);

    await client.create(SERVICES, 'default', service('elsewhere', { type: 'LoadBalancer', loadBalancerIP: '127.99.99.99', selector: { app: 'nginx' }, ports: [{ port: 80 }] }));
    await eventually(() => reasons('elsewhere').includes('SyncLoadBalancerFailed'), 'SyncLoadBalancerFailed');
    const ev = client.list(EVENTS, 'default').find((e) => e.involvedObject?.name === 'elsewhere' && e.reason === 'SyncLoadBalancerFailed')!;
    expect(ev.type).toBe('Warning');
    expect(ev.message).toContain('127.99.99.99');
    expect(lbIP('elsewhere')).toBeUndefined();
  });

  it('keep their addresses across a restart of the controller', async () => {
    const before = Object.fromEntries(['nginx', 'empty', 'manual', 'pinned'].map((n) => [n, lbIP(n)]));
    await lb.stop();
    expect(await tcpOutcome(before.nginx!, 80)).toBe('refused');
    // Meanwhile a new LoadBalancer Service waits for the controller.
    await client.create(SERVICES, 'default', service('later', { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] }));
    lb = new LoadBalancerController(c.runtime);
    await c.run(lb);
    const later = await eventually(() => lbIP('later'), 'address for later');
    for (const [n, ip] of Object.entries(before)) expect(lbIP(n)).toBe(ip);
    expect(Object.values(before)).not.toContain(later);
    await eventually(async () => (await httpGet(before.nginx!, 80)).status === 200, 'nginx served again');
    expect((await httpGet(later, 80)).status).toBe(200);
  });

  it('release the address when the type changes, and stop serving when deleted', async () => {
    const ip = lbIP('later')!;
    // (Kubernetes drops the LoadBalancer-only fields itself on a type change.)
    await client.patch(SERVICES, 'default', 'later', { spec: { type: 'ClusterIP', allocateLoadBalancerNodePorts: null, externalTrafficPolicy: null } });
    await eventually(() => !lbIP('later'), 'status cleared');
    expect(await tcpOutcome(ip, 80)).toBe('refused');
    expect(reasons('later')).toEqual(expect.arrayContaining(['DeletingLoadBalancer', 'DeletedLoadBalancer']));

    const nginxIP = lbIP('nginx')!;
    const out = await c.kubectl(['delete', 'svc', 'nginx', '--wait=true', '--timeout=20s']);
    expect(out.stderr).toBe('');
    expect(client.get(SERVICES, 'default', 'nginx')).toBeUndefined();
    expect(await tcpOutcome(nginxIP, 80)).toBe('refused');
    // The released address is handed out again.
    await client.create(SERVICES, 'default', service('reuse', { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] }));
    const reused = await eventually(() => lbIP('reuse'), 'address for reuse');
    const taken = ['empty', 'manual', 'pinned'].map(lbIP);
    expect(taken).not.toContain(reused);
    expect(reused).toBe(nginxIP);
  });

  it('forward only TCP and warn about other protocols', async () => {
    await client.create(SERVICES, 'default', service('dns', { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'web', port: 80, protocol: 'TCP' }] }));
    await eventually(() => reasons('dns').includes('UnsupportedProtocol'), 'UnsupportedProtocol warning');
    const ip = await eventually(() => lbIP('dns'), 'dns address');
    expect((await httpGet(ip, 80)).status).toBe(200);
    const ev: KObject = client.list(EVENTS, 'default').find((e) => e.involvedObject?.name === 'dns' && e.reason === 'UnsupportedProtocol')!;
    expect(ev.message).toContain('udp/53');
  });
});
