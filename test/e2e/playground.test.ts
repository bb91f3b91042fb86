/**
 * The playground with real kubectl: workloads on a simulated cluster (deployments, rolling
 * updates, LoadBalancer services that really answer, scaling, cascading deletion), an
 * unschedulable pod, and each fault (cluster stop, isolate, zone failure) with its undo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTopology } from '../../src/playground/topology.js';
import { Playground } from '../../src/playground/world.js';
import { silentLogger } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { kubectl } from '../helpers/kubectl.js';
import { reserveOctets } from '../helpers/octets.js';

let pg: Playground;
/** The octet of the first cluster (CTX); the second has the next one. */
let firstOctet: number;
let dir: string;
const CTX = 'gce-us-central1-a';
const OTHER = 'gce-europe-west1-b';

const k = (args: string[], context = CTX, timeoutMs = 60_000) => kubectl(['--kubeconfig', pg.kubeconfig, '--context', context, ...args], { cacheDir: join(dir, 'kubectl-cache'), timeoutMs });
const ok = async (args: string[], context = CTX) => {
  const r = await k(args, context);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

export function httpGet(ip: string, port: number, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, headers, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function tcpRefused(host: string, port: number): Promise<boolean> {
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
      resolve(true);
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubefed-pg-'));
  firstOctet = reserveOctets(2);
  const topology = defaultTopology(2, 3, { cpu: '2', memory: '4Gi', pods: 30 }, firstOctet);
  topology.timing = { nodeHeartbeatMs: 300, nodeMonitorGraceMs: 1500, readinessDelayMs: 200 };
  pg = await Playground.up({ stateDir: join(dir, 'state'), topology, logger: silentLogger() });
});
afterAll(async () => {
  await pg?.down();
  rmSync(dir, { recursive: true, force: true });
});

describe('playground workloads', () => {
  it('lists nodes with their zones', async () => {
    const out = await ok(['get', 'nodes', '-L', 'topology.kubernetes.io/zone']);
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+ZONE$/m);
    expect(out.match(/gce-us-central1-a-node-\d\s+Ready\s+<none>\s+\S+\s+v1\.33\.0-kubefed\s+us-central1-a/g)).toHaveLength(3);
  });

  it('runs a deployment, rolls it out, exposes it, scales and deletes it', async () => {
    await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const pods = await ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.status.phase}/{.status.containerStatuses[0].ready} {end}']);
    expect(pods.trim().split(' ')).toEqual(['Running/true', 'Running/true', 'Running/true']);

    await ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const images = await ok(['get', 'pods', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'jsonpath={range .items[*]}{.spec.containers[0].image} {end}']);
    expect(new Set(images.trim().split(' '))).toEqual(new Set(['nginx:1.27']));
    const rs = await ok(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}']);
    expect(rs.trim().split(' ').sort()).toEqual(['1=0', '2=3']);

    await ok(['expose', 'deployment', 'web', '--type=LoadBalancer', '--port=80']);
    const ip = await eventually(async () => (await ok(['get', 'svc', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined, 'an EXTERNAL-IP', 20_000);
    // The first cluster's load-balancer range: 127.<its octet>.200.x.
    expect(ip).toMatch(new RegExp(`^127\\.${firstOctet}\\.200\\.\\d+$`));
    const reply = await eventually(async () => {
      const r = await httpGet(ip, 80);
      return r.status === 200 ? JSON.parse(r.body) : undefined;
    }, 'an answer from the load balancer', 20_000);
    expect(reply).toMatchObject({ cluster: CTX, zone: 'us-central1-a', region: 'us-central1' });
    expect(reply.pod).toMatch(/^web-/);
    const html = await httpGet(ip, 80, '/', { accept: 'text/html' });
    expect(html.body).toContain('You are being served from us-central1-a');

    await ok(['scale', 'deployment', 'web', '--replicas=1']);
    await eventually(async () => (await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length === 1, 'scale down', 20_000);

    await ok(['delete', 'deployment', 'web']);
    await eventually(async () => (await ok(['get', 'rs,pods', '-l', 'app=web', '-o', 'name'])).trim() === '', 'replica sets and pods to go', 20_000);
  });

  it('leaves a pod too big for every node Pending and Unschedulable', async () => {
    await ok(['run', 'huge', '--image=nginx', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'huge', image: 'nginx', resources: { requests: { cpu: '64' } } }] } })]);
    const cond = await eventually(async () => {
      const c = JSON.parse(await ok(['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions}']) || '[]').find((x: { type: string }) => x.type === 'PodScheduled');
      return c?.reason === 'Unschedulable' ? c : undefined;
    }, 'Unschedulable', 15_000);
    expect(cond.status).toBe('False');
    expect(cond.message).toContain('Insufficient cpu');
    expect(await ok(['get', 'pod', 'huge', '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
    await ok(['delete', 'pod', 'huge', '--wait=false']);
  });
});

describe('playground faults', () => {
  let lbIp = '';
  beforeAll(async () => {
    await ok(['create', 'deployment', 'svc', '--image=nginx', '--replicas=2', '--port=80'], OTHER);
    await ok(['rollout', 'status', 'deployment/svc', '--timeout=60s'], OTHER);
    await ok(['expose', 'deployment', 'svc', '--type=LoadBalancer', '--port=80'], OTHER);
    lbIp = await eventually(async () => (await ok(['get', 'svc', 'svc', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'], OTHER)) || undefined, 'an EXTERNAL-IP', 20_000);
    await eventually(async () => (await httpGet(lbIp, 80)).status === 200, 'the service to answer', 20_000);
  });

  it('cluster stop: the API refuses connections and the load balancer stops answering; start restores both', async () => {
    const c = pg.cluster(OTHER);
    await pg.stopCluster(OTHER);
    expect(await tcpRefused(c.addresses.apiServer(), 6443)).toBe(true);
    expect(await tcpRefused(lbIp, 80)).toBe(true);
    await pg.startCluster(OTHER);
    expect((await ok(['get', 'deploy', 'svc', '-o', 'name'], OTHER)).trim()).toBe('deployment.apps/svc');
    await eventually(async () => (await httpGet(lbIp, 80)).status === 200, 'the service to answer again', 20_000);
  });

  it('cluster isolate: the API is unreachable while the load balancer still serves', async () => {
    const c = pg.cluster(OTHER);
    await pg.isolateCluster(OTHER);
    expect(await tcpRefused(c.addresses.apiServer(), 6443)).toBe(true);
    expect((await httpGet(lbIp, 80)).status).toBe(200);
    await pg.startCluster(OTHER);
    expect(await tcpRefused(c.addresses.apiServer(), 6443)).toBe(false);
  });

  it('zone fail: nodes go NotReady and their endpoints leave; restore brings them back', async () => {
    const zone = 'europe-west1-b';
    pg.setZone(zone, false);
    await eventually(async () => {
      const out = await ok(['get', 'nodes', '--no-headers'], OTHER);
      return out.trim().split('\n').every((l) => /\sNotReady\s/.test(l));
    }, 'NotReady nodes', 20_000);
    await eventually(async () => (await ok(['get', 'endpoints', 'svc', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'], OTHER)).trim() === '', 'endpoints to empty', 20_000);
    await eventually(async () => (await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=svc', '-o', 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}{end}'], OTHER)).includes('true') === false, 'slices to be not ready', 20_000);
    expect(await tcpRefused(lbIp, 80).then(async (refused) => refused || (await httpGet(lbIp, 80).then((r) => r.status !== 200, () => true)))).toBe(true);
    const taints = await ok(['get', 'nodes', '-o', 'jsonpath={.items[0].spec.taints[*].key}'], OTHER);
    expect(taints).toContain('node.kubernetes.io/unreachable');

    pg.setZone(zone, true);
    await eventually(async () => (await ok(['get', 'nodes', '--no-headers'], OTHER)).trim().split('\n').every((l) => /\sReady\s/.test(l)), 'Ready nodes', 20_000);
    await eventually(async () => (await ok(['get', 'endpoints', 'svc', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'], OTHER)).trim().split(' ').length === 2, 'endpoints back', 20_000);
    await eventually(async () => (await httpGet(lbIp, 80)).status === 200, 'the service to answer again', 20_000);
  });
});
