/**
 * Endpoint health at the edge: outlier ejection (and its cap per locality) and recovery, active
 * checks catching a dead endpoint while a stream of requests never sees a failure, endpoints of
 * clusters marked not ready drained at once, checks stopped for endpoints no longer configured.
 */
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeProxy, type EdgeProxyOptions } from '../../src/traffic/edge/proxy.js';
import { endpointId, type Endpoint } from '../../src/traffic/model.js';
import { eventually } from '../helpers/eventually.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function backend(cluster: string, handler?: Parameters<typeof startBackend>[1]): Promise<TestBackend> {
  const b = await startBackend(cluster, handler);
  cleanup.push(() => b.close());
  return b;
}

async function edgeFor(endpoints: Endpoint[], opts: Partial<EdgeProxyOptions> = {}) {
  const edge = await EdgeProxy.start({
    httpAddress: { host: '127.0.0.1', port: 0 },
    balancer: new RoundRobinBalancer(),
    config: configOf([routeTo(backendOf('web', endpoints), ['web.test'])]),
    ...opts,
  });
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  cleanup.push(async () => {
    await agent.close();
    await edge.close();
  });
  const get = async () => {
    const r = await request(`http://127.0.0.1:${edge.httpPort}/`, { dispatcher: agent, headers: { host: 'web.test' } });
    await r.body.text();
    return { status: r.statusCode, cluster: r.headers['x-kubefed-cluster'] as string };
  };
  return { edge, get };
}

const stateOf = (edge: EdgeProxy, id: string) => edge.endpoints().find((e) => e.id === id);

describe('outlier ejection', () => {
  it('ejects an endpoint that keeps failing and takes it back once it recovers', async () => {
    let broken = true;
    const flaky = await backend('cluster-flaky', (req, res) => {
      if (!broken) return false;
      req.resume();
      res.writeHead(500);
      res.end();
      return true;
    });
    const good = await backend('cluster-good');
    const { edge, get } = await edgeFor([flaky.endpoint(), good.endpoint()], {
      activeChecks: { intervalMs: 0 },
      outlier: { consecutiveFailures: 3, baseEjectionMs: 200, maxEjectionMs: 1000 },
    });
    const id = flaky.endpoint().id;
    await eventually(async () => {
      await get();
      return stateOf(edge, id)?.state === 'ejected';
    }, 'the failing endpoint ejected');
    expect(edge.metrics.ejections('cluster-flaky')).toBe(1);
    // Ejected: the balancer is told it is unhealthy.
    expect(edge.healthy(flaky.endpoint())).toBe(false);
    broken = false;
    await eventually(async () => (await get()).cluster === 'cluster-flaky', 'the recovered endpoint serving again');
    expect(stateOf(edge, id)?.state).toBe('healthy');
  });

  it('never ejects more than the cap of a locality', async () => {
    const failing = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      req.resume();
      res.writeHead(502);
      res.end();
      return true;
    };
    const a = await backend('cluster-a', failing);
    const b = await backend('cluster-b', failing);
    // Both in one zone: at most half of it (one endpoint) is ejected.
    const inZone = (t: TestBackend): Endpoint => ({ ...t.endpoint(), zone: 'shared-zone' });
    const { edge, get } = await edgeFor([inZone(a), inZone(b)], {
      activeChecks: { intervalMs: 0 },
      retry: { maxTries: 1 },
      outlier: { consecutiveFailures: 2, baseEjectionMs: 60_000 },
    });
    await eventually(async () => {
      await get();
      return edge.endpoints().some((e) => e.state === 'ejected');
    }, 'one endpoint ejected');
    for (let i = 0; i < 10; i++) await get();
    expect(edge.endpoints().filter((e) => e.state === 'ejected')).toHaveLength(1);
  });
});

describe('active health checks', () => {
  it('a killed endpoint is taken out while a stream of GETs sees no failure', async () => {
    const a = await backend('cluster-a');
    const b = await backend('cluster-b');
    const { edge, get } = await edgeFor([a.endpoint(), b.endpoint()], { activeChecks: { intervalMs: 100, timeoutMs: 500, fall: 2, rise: 1 } });
    const statuses = new Map<number, number>();
    const served = new Map<string, number>();
    let stop = false;
    let killed = false;
    const client = async () => {
      while (!stop) {
        try {
          const r = await get();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          served.set(r.cluster, (served.get(r.cluster) ?? 0) + 1);
        } catch {
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await eventually(() => (served.get('cluster-a') ?? 0) > 20 && (served.get('cluster-b') ?? 0) > 20, 'traffic on both clusters');
    await a.close();
    killed = true;
    await eventually(() => stateOf(edge, a.endpoint().id)?.state === 'failing', 'the dead endpoint failing its checks', 10_000);
    const afterDetection = statuses.get(200) ?? 0;
    await eventually(() => (statuses.get(200) ?? 0) > afterDetection + 50, 'more requests after detection');
    stop = true;
    await Promise.all(clients);
    expect(killed).toBe(true);
    expect([...statuses.keys()]).toEqual([200]);
  });

  /**
   * A backend that accepts connections and requests (checks included) and never answers while
   * `holding()`, listed before a good one (the ordered balancer tries it first); the per-try
   * timeout alone would answer only after 50 s.
   */
  async function holeFirst(opts: Partial<EdgeProxyOptions>, holding = () => true) {
    const hole = await backend('cluster-hole', (req) => {
      if (!holding()) return false;
      req.resume();
      return true;
    });
    const good = await backend('cluster-good');
    const { edge } = await edgeFor([hole.endpoint(), good.endpoint()], { balancer: new RoundRobinBalancer({ ordered: true }), timeouts: { tryMs: 50_000 }, ...opts });
    const agent = new Agent({ connections: 10 });
    cleanup.push(() => agent.close());
    const get = async () => {
      const r = await request(`http://127.0.0.1:${edge.httpPort}/`, { dispatcher: agent, headers: { host: 'web.test' } });
      await r.body.text();
      return `${r.statusCode} ${r.headers['x-kubefed-cluster']}`;
    };
    return { edge, get, hole: () => stateOf(edge, hole.endpoint().id) };
  }

  it('a GET held by a blackholed endpoint is retried elsewhere as soon as checks find it dead', async () => {
    const { edge, get } = await holeFirst({ activeChecks: { intervalMs: 50, timeoutMs: 200, fall: 2 } });
    expect(await get()).toBe('200 cluster-good');
    expect(edge.metrics.tries('cluster-hole', 'abandoned')).toBe(1);
  });

  it('an endpoint silent while a request waits on it is failing before its checks fail enough times', async () => {
    // Checks alone would need 1000 failures: what marks it is the stalled request (after 100 + 300 ms of silence).
    const { edge, get, hole } = await holeFirst({ activeChecks: { intervalMs: 100, timeoutMs: 300, fall: 1000 } });
    expect(await get()).toBe('200 cluster-good');
    expect(edge.metrics.tries('cluster-hole', 'abandoned')).toBe(1);
    expect(hole()?.state).toBe('failing');
  });

  it('a blackholed endpoint is not ejected for the requests it held, and is back with its first passing check', async () => {
    let holding = true;
    const { edge, get, hole } = await holeFirst({ activeChecks: { intervalMs: 50, timeoutMs: 200, fall: 2 }, outlier: { consecutiveFailures: 3, baseEjectionMs: 60_000 } }, () => holding);
    // Five GETs held at once: each abandoned (and retried) when the endpoint is found dead.
    expect(await Promise.all(Array.from({ length: 5 }, get))).toEqual(Array(5).fill('200 cluster-good'));
    expect(hole()).toMatchObject({ state: 'failing', ejections: 0 });
    expect(edge.metrics.tries('cluster-hole', 'abandoned')).toBe(5);
    holding = false;
    await eventually(() => hole()?.state === 'healthy', 'back with a passing check', 5_000);
  });

  it('a slow endpoint that answers its checks is not taken for a stalled one', async () => {
    const slow = await backend('cluster-slow', (req, res) => {
      if (req.headers['user-agent'] === 'kubefed-edge-health-check') return false;
      req.resume();
      setTimeout(() => res.end('slow\n'), 1_000);
      return true;
    });
    const good = await backend('cluster-good');
    const { edge } = await edgeFor([slow.endpoint(), good.endpoint()], {
      balancer: new RoundRobinBalancer({ ordered: true }),
      activeChecks: { intervalMs: 100, timeoutMs: 300 },
    });
    await eventually(() => stateOf(edge, slow.endpoint().id)?.state === 'healthy', 'checks passing');
    const agent = new Agent();
    cleanup.push(() => agent.close());
    const r = await request(`http://127.0.0.1:${edge.httpPort}/`, { dispatcher: agent, headers: { host: 'web.test' } });
    expect([r.statusCode, r.headers['x-kubefed-cluster'], await r.body.text()]).toEqual([200, 'cluster-slow', 'slow\n']);
    expect(edge.metrics.tries('cluster-slow', 'abandoned')).toBe(0);
    expect(stateOf(edge, slow.endpoint().id)?.state).toBe('healthy');
  });

  it('an endpoint refusing a request connection is failing at once, and back with its next passing check', async () => {
    const b = await backend('cluster-b');
    const a = await backend('cluster-a');
    const aEndpoint = a.endpoint();
    // Checks far apart: what marks it failing is the refused request, not a check.
    const { edge, get } = await edgeFor([aEndpoint, b.endpoint()], { balancer: new RoundRobinBalancer({ ordered: true }), activeChecks: { intervalMs: 2_000 } });
    expect((await get()).cluster).toBe('cluster-a');
    await a.close();
    const r = await get();
    expect([r.status, r.cluster]).toEqual([200, 'cluster-b']);
    expect(stateOf(edge, aEndpoint.id)?.state).toBe('failing');
    expect(edge.healthy(aEndpoint)).toBe(false);
  });

  it('drains the endpoints of a cluster marked not ready at once', async () => {
    const a = await backend('cluster-a');
    const b = await backend('cluster-b');
    const { edge, get } = await edgeFor([a.endpoint(), b.endpoint()], { activeChecks: { intervalMs: 0 } });
    edge.setConfig(configOf([routeTo(backendOf('web', [a.endpoint(false), b.endpoint()]), ['web.test'])]));
    const clusters = new Set<string>();
    for (let i = 0; i < 10; i++) clusters.add((await get()).cluster);
    expect([...clusters]).toEqual(['cluster-b']);
  });

  it('checks with its own requests and stops checking endpoints no longer configured', async () => {
    let checks = 0;
    const c = await backend('cluster-c', (req) => {
      if (req.headers['user-agent'] === 'kubefed-edge-health-check') checks++;
      return false;
    });
    const b = await backend('cluster-b');
    const open = new Set<unknown>();
    c.server.on('connection', (s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    const ep = c.endpoint();
    const { edge } = await edgeFor([ep, b.endpoint()], { activeChecks: { intervalMs: 50 } });
    await eventually(() => checks >= 3, 'health checks arriving');
    expect(stateOf(edge, ep.id)?.state).toBe('healthy');
    edge.setConfig(configOf([routeTo(backendOf('web', [b.endpoint()]), ['web.test'])]));
    expect(stateOf(edge, ep.id)).toBeUndefined();
    await eventually(() => open.size === 0, 'the check connection closed');
    const after = checks;
    // Checks of the remaining endpoint keep coming; none reach the removed one.
    let bChecks = 0;
    b.server.on('request', (req) => req.headers['user-agent'] === 'kubefed-edge-health-check' && bChecks++);
    await eventually(() => bChecks >= 3, 'checks of the remaining endpoint');
    expect(checks).toBe(after);
  });

  it('an endpoint answering 5xx to its checks fails them; a 404 passes', async () => {
    let status = 503;
    const c = await backend('cluster-c', (req, res) => {
      if (req.headers['user-agent'] !== 'kubefed-edge-health-check') return false;
      req.resume();
      res.writeHead(status);
      res.end();
      return true;
    });
    const ep: Endpoint = { ...c.endpoint(), id: endpointId('cluster-c', '127.0.0.1', c.port) };
    const { edge } = await edgeFor([ep], { activeChecks: { intervalMs: 50, fall: 2, rise: 1 } });
    await eventually(() => stateOf(edge, ep.id)?.state === 'failing', 'failing on 503');
    status = 404;
    await eventually(() => stateOf(edge, ep.id)?.state === 'healthy', 'passing on 404');
  });
});
