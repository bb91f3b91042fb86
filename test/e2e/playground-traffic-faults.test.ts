/**
 * Faults for traffic tests, on a playground of two clusters serving real HTTP: a blackholed
 * cluster's pods, load balancer and ingress accept connections and send nothing (no bytes, no
 * FIN, no reset) while another cluster answers and the blackholed cluster's API keeps working;
 * `cluster start` lifts it and the held requests are answered. Latency of a cluster and of a
 * zone delays every answer by at least that much, on top of a pod's own latency annotation.
 * The same through the control socket and the command line (`kubefed playground cluster
 * blackhole|latency`, `zone latency`, `status`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/playground.js';
import { KubeClient } from '../../src/federation/client/kube-client.js';
import { INGRESSES, InternalClient, PODS, SERVICES } from '../../src/playground/cluster/client.js';
import { LATENCY_ANNOTATION } from '../../src/playground/cluster/kubelet.js';
import { ControlServer } from '../../src/playground/control.js';
import { parseTopology } from '../../src/playground/topology.js';
import { FaultError, Playground } from '../../src/playground/world.js';
import { silentLogger } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';
import { FAST_TIMING, httpGet, pod, service } from '../helpers/playground-network.js';

const ALPHA = 'alpha';
const BETA = 'beta';
const PORT = 8080;
const HOST = 'web.example';
/** The client-side timeout of a request to a blackholed address (how long "nothing" is watched). */
const CLIENT_TIMEOUT_MS = 1_500;

let dir: string;
let pg: Playground;
let control: ControlServer;
let alpha: InternalClient;
/** alpha's pods: web-a on a node in zone north-a, web-b (with its own 100 ms latency) in north-b; beta's pod. */
const ip = { a: '', b: '', beta: '', lb: '', ingress: '' };

/** A raw HTTP/1.1 connection that records everything the server does to it. */
class Probe {
  readonly socket: Socket;
  received = '';
  ended = false;
  closed = false;
  error: string | undefined;
  readonly connected: Promise<void>;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, allowHalfOpen: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (d: Buffer) => (this.received += d.toString('latin1')));
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', (e) => (this.error = e.message));
  }

  static async open(host: string, port: number): Promise<Probe> {
    const p = new Probe(host, port);
    await p.connected;
    return p;
  }

  send(host = HOST): void {
    this.socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: probe\r\n\r\n`);
  }

  /** Resolves when nothing has been received or sent for `ms` (a client's timeout). */
  timeout(ms = CLIENT_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve) => {
      this.socket.setTimeout(ms, () => {
        this.socket.setTimeout(0);
        resolve();
      });
    });
  }

  /** Whole answers received so far (status 200, pod identity in the body). */
  answers(): number {
    return this.received.match(/HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n\{"pod":"[^"]+"[^\n]*\n/g)?.length ?? 0;
  }

  silent(): { received: string; ended: boolean; closed: boolean; error: string | undefined } {
    return { received: this.received, ended: this.ended, closed: this.closed, error: this.error };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Milliseconds until a fresh connection's request is answered 200 (by a pod). */
async function timed(host: string, port: number, headers: Record<string, string> = {}): Promise<{ ms: number; pod: string }> {
  const t0 = performance.now();
  const r = await httpGet(host, port, '/', headers);
  const ms = performance.now() - t0;
  expect(r.status, r.body).toBe(200);
  return { ms, pod: JSON.parse(r.body).pod };
}

/**
 * Sends a request on each probe, then a request to a healthy pod of beta; once that is
 * answered and each probe's client-side timeout has fired, nothing must have come back.
 */
async function expectSilence(probes: Probe[]): Promise<void> {
  const before = probes.map((p) => p.silent());
  for (const p of probes) p.send();
  const timeouts = probes.map((p) => p.timeout());
  expect((await httpGet(ip.beta, PORT)).status).toBe(200);
  await Promise.all(timeouts);
  expect(probes.map((p) => p.silent())).toEqual(before);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubefed-pgfaults-'));
  const topology = parseTopology({
    clusters: [
      { name: ALPHA, region: 'north', zones: ['north-a', 'north-b'], nodes: 2 },
      { name: BETA, region: 'south', nodes: 1 },
    ],
  });
  const first = reserveOctets(2);
  topology.clusters.forEach((c, i) => (c.octet = first + i));
  topology.timing = { ...FAST_TIMING };
  pg = await Playground.up({ stateDir: join(dir, 'state'), topology, logger: silentLogger() });
  control = new ControlServer(pg, () => {});
  await control.start();

  alpha = new InternalClient(pg.cluster(ALPHA).apiServer.api, 'test');
  const beta = new InternalClient(pg.cluster(BETA).apiServer.api, 'test');
  const port = [{ name: 'http', containerPort: PORT }];
  await alpha.create(PODS, 'default', pod('web-a', { app: 'web' }, port, { nodeName: `${ALPHA}-node-0` }));
  await alpha.create(PODS, 'default', pod('web-b', { app: 'web' }, port, { nodeName: `${ALPHA}-node-1`, annotations: { [LATENCY_ANNOTATION]: '100' } }));
  await beta.create(PODS, 'default', pod('web', { app: 'web' }, port));
  await alpha.create(SERVICES, 'default', service('web', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: PORT, targetPort: PORT }] }));
  await alpha.create(INGRESSES, 'default', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'default' },
    spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: PORT } } } }] } }] },
  });
  const readyIP = (c: InternalClient, name: string) => () => {
    const p = c.get(PODS, 'default', name);
    return p?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True') && (p.status.podIP as string);
  };
  ip.a = await eventually(readyIP(alpha, 'web-a'), 'web-a ready', 30_000);
  ip.b = await eventually(readyIP(alpha, 'web-b'), 'web-b ready', 30_000);
  ip.beta = await eventually(readyIP(beta, 'web'), "beta's pod ready", 30_000);
  ip.lb = await eventually(() => alpha.get(SERVICES, 'default', 'web')?.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined, 'a load balancer address', 30_000);
  ip.ingress = await eventually(() => alpha.get(INGRESSES, 'default', 'web')?.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined, 'an ingress address', 30_000);
  // Both pods behind the load balancer and the ingress answer.
  for (const [host, port, headers] of [
    [ip.lb, PORT, {}],
    [ip.ingress, 80, { host: HOST }],
  ] as const) {
    const seen = new Set<string>();
    await eventually(async () => (seen.add((await timed(host, port, headers)).pod), seen.size === 2), `both pods through ${host}:${port}`, 30_000);
  }
}, 120_000);

afterAll(async () => {
  await control?.stop();
  await pg?.down();
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster blackhole', () => {
  it("holds every connection to the cluster's workloads silent while another cluster answers and its API works; start answers what was held", async () => {
    // A keep-alive connection to a pod and one through the load balancer, answered before the blackhole.
    const kept = await Promise.all([Probe.open(ip.a, PORT), Probe.open(ip.lb, PORT)]);
    for (const p of kept) p.send();
    await eventually(() => kept.every((p) => p.answers() === 1), 'answers before the blackhole');

    pg.blackholeCluster(ALPHA);
    expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ state: 'running', blackholed: true });
    expect(formatStatus(pg.status())).toMatch(/^alpha\s+north\s+north-a,north-b\s+blackholed\s+2\/2\s+https:/m);

    // New connections are accepted (the handshake completes on loopback)...
    const fresh = await Promise.all([Probe.open(ip.a, PORT), Probe.open(ip.b, PORT), Probe.open(ip.lb, PORT), Probe.open(ip.ingress, 80)]);
    // ...and neither they nor the established ones get a byte, a FIN or a reset.
    await expectSilence([...kept, ...fresh]);

    // The control plane sees nothing wrong through the API.
    const api = KubeClient.fromKubeconfig(pg.kubeconfig, ALPHA);
    try {
      expect((await api.get('v1', 'Pod', 'default', 'web-a'))?.status?.podIP).toBe(ip.a);
    } finally {
      api.close();
    }

    await pg.startCluster(ALPHA);
    expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ state: 'running', blackholed: false });
    // What was held goes through: every waiting request is answered, on the connections it was sent on.
    await eventually(() => kept.every((p) => p.answers() === 2) && fresh.every((p) => p.answers() === 1), 'the held requests answered after start');
    for (const p of [...kept, ...fresh]) p.close();
    expect((await httpGet(ip.lb, PORT)).status).toBe(200);
  });

  it('closes a held connection its client closes', async () => {
    pg.blackholeCluster(ALPHA);
    try {
      const probes = await Promise.all([Probe.open(ip.lb, PORT), Probe.open(ip.a, PORT), Probe.open(ip.ingress, 80)]);
      await expectSilence(probes);
      for (const p of probes) p.socket.end();
      await eventually(() => probes.every((p) => p.closed), 'the held connections closed');
      expect(probes.map((p) => p.received)).toEqual(['', '', '']);
    } finally {
      await pg.startCluster(ALPHA);
    }
  });

  it('is refused for a stopped or unknown cluster', async () => {
    await pg.stopCluster(BETA);
    try {
      expect(() => pg.blackholeCluster(BETA)).toThrow(new FaultError('cluster beta is stopped; start it before blackholing it'));
      expect(() => pg.setClusterLatency(BETA, 10)).toThrow(FaultError);
    } finally {
      await pg.startCluster(BETA);
      await eventually(async () => (await httpGet(ip.beta, PORT)).status === 200, "beta's pod answering again", 30_000);
    }
    expect(() => pg.blackholeCluster('gamma')).toThrow(/no cluster named "gamma"/);
  });
});

describe('latency', () => {
  it("delays every answer of the cluster's workloads by at least the cluster's latency, plus the zone's and the pod's own", async () => {
    pg.setClusterLatency(ALPHA, 300);
    pg.setZoneLatency('north-b', 150);
    try {
      expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ latencyMs: 300, zoneLatencyMs: { 'north-b': 150 } });
      expect(formatStatus(pg.status())).toMatch(/^CLUSTER\s+REGION\s+ZONES\s+STATE\s+NODES UP\s+LATENCY\s+API$/m);
      expect(formatStatus(pg.status())).toMatch(/^alpha\s+north\s+north-a,north-b\s+running\s+2\/2\s+300ms, north-b \+150ms\s+https:/m);
      expect(formatStatus(pg.status())).toMatch(/^beta\s+south\s+south-a\s+running\s+1\/1\s+-\s+https:/m);

      expect((await timed(ip.a, PORT)).ms).toBeGreaterThanOrEqual(300);
      // web-b: its annotation (100) + the cluster (300) + its zone (150).
      expect((await timed(ip.b, PORT)).ms).toBeGreaterThanOrEqual(550);
      // Through the load balancer and the ingress, each pod's answer carries its delay.
      for (const [host, port, headers] of [
        [ip.lb, PORT, {}],
        [ip.ingress, 80, { host: HOST }],
      ] as const) {
        const seen = new Set<string>();
        await eventually(
          async () => {
            const r = await timed(host, port, headers);
            expect(r.ms).toBeGreaterThanOrEqual(r.pod === 'web-b' ? 550 : 300);
            return seen.add(r.pod).size === 2;
          },
          `both pods through ${host}:${port}`,
          30_000,
        );
      }
      // The ingress's own answers wait the cluster's latency too.
      const t0 = performance.now();
      expect((await httpGet(ip.ingress, 80, '/', { host: 'other.example' })).status).toBe(404);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    } finally {
      pg.setClusterLatency(ALPHA, 0);
      pg.setZoneLatency('north-b', 0);
    }
    expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ latencyMs: 0, zoneLatencyMs: {} });
    expect(formatStatus(pg.status())).not.toContain('LATENCY');
  });

  it('is removed by cluster start (the cluster) and zone or region restore (the zone); bad values are refused', async () => {
    pg.setClusterLatency(ALPHA, 50);
    pg.setZoneLatency('north-a', 20);
    await pg.startCluster(ALPHA);
    expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ latencyMs: 0, zoneLatencyMs: { 'north-a': 20 } });
    expect(pg.setZone('north-a', true)).toEqual([`${ALPHA}/${ALPHA}-node-0`]);
    expect(pg.cluster(ALPHA).network.zoneLatencies()).toEqual({});
    pg.setZoneLatency('north-b', 20);
    pg.setRegion('north', true);
    expect(pg.cluster(ALPHA).network.zoneLatencies()).toEqual({});

    for (const bad of [-1, 1.5, Number.NaN, 3_600_001]) expect(() => pg.setClusterLatency(ALPHA, bad), String(bad)).toThrow(FaultError);
    expect(() => pg.setZoneLatency('north-c', 10)).toThrow(/no zone named "north-c"/);
    expect(pg.cluster(ALPHA).network.latencyMs).toBe(0);
  });
});

describe('through the command line', () => {
  const kubefed = (...args: string[]) => runKubefed(['playground', ...args, '--state-dir', pg.stateDir]);

  it('blackholes a cluster, shows it in status, and start lifts it', async () => {
    const r = await kubefed('cluster', 'blackhole', ALPHA);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('clusters alpha blackhole: alpha\n');
    try {
      expect(pg.cluster(ALPHA).network.blackholed).toBe(true);
      const status = await kubefed('status');
      expect(status.stdout).toMatch(/^alpha\s+north\s+north-a,north-b\s+blackholed\s+2\/2\s+https:/m);
      await expectSilence([await Probe.open(ip.a, PORT)]);
    } finally {
      const start = await kubefed('cluster', 'start', ALPHA);
      expect(start.code, start.stderr).toBe(0);
    }
    expect(pg.cluster(ALPHA).network.blackholed).toBe(false);
    expect((await httpGet(ip.a, PORT)).status).toBe(200);
  });

  it('sets and removes the latency of a cluster and a zone, and refuses bad values', async () => {
    const [set, zone] = await Promise.all([kubefed('cluster', 'latency', ALPHA, '250'), kubefed('zone', 'latency', 'north-b', '100')]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('clusters alpha latency 250: alpha\n');
    expect(zone.code, zone.stderr).toBe(0);
    expect(zone.stdout).toBe(`zones north-b latency 100: ${ALPHA}/${ALPHA}-node-1\n`);
    const status = await kubefed('status');
    expect(status.stdout).toMatch(/^alpha\s+north\s+north-a,north-b\s+running\s+2\/2\s+250ms, north-b \+100ms\s+https:/m);
    expect((await timed(ip.a, PORT)).ms).toBeGreaterThanOrEqual(250);

    const [notNumber, noZone, clear] = await Promise.all([kubefed('cluster', 'latency', ALPHA, 'fast'), kubefed('zone', 'latency', 'mars-a', '5'), kubefed('cluster', 'latency', ALPHA, '0')]);
    expect(notNumber.code).not.toBe(0);
    expect(notNumber.stderr).toContain('latency must be a whole number of milliseconds, not "fast"');
    expect(noZone.code).not.toBe(0);
    expect(noZone.stderr).toContain('no zone named "mars-a"');
    expect(clear.code, clear.stderr).toBe(0);
    expect(pg.status().find((c) => c.name === ALPHA)).toMatchObject({ latencyMs: 0, zoneLatencyMs: { 'north-b': 100 } });
    pg.setZoneLatency('north-b', 0);
  });
});
