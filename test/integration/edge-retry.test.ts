/**
 * Retries through the edge: a failed try lands on another cluster when nothing reached a backend
 * or the request is idempotent with a replayable body; a POST that reached a backend is never
 * sent again. The first endpoint of each backend is the failing one and the balancer tries
 * endpoints in order, so every first try fails.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import { backendOf, configOf, deadPort, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';
import { endpointId, type EdgeConfig, type Endpoint } from '../../src/traffic/model.js';

let good: TestBackend;
/** Reads the whole request, then resets the connection. */
let resetter: TestBackend;
/** Answers 503. */
let unavailable: TestBackend;
/** Never answers. */
let silent: TestBackend;
let edge: EdgeProxy;
let base: string;
let dead: Endpoint;
let config: EdgeConfig;
const agent = new Agent({ keepAliveTimeout: 10_000 });

beforeAll(async () => {
  good = await startBackend('cluster-good');
  resetter = await startBackend('cluster-reset', (req) => {
    req.resume();
    req.on('end', () => req.socket.destroy());
    return true;
  });
  unavailable = await startBackend('cluster-503', (req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('busy');
    return true;
  });
  silent = await startBackend('cluster-silent', (req) => {
    req.resume();
    return true;
  });
  const port = await deadPort();
  dead = { id: endpointId('cluster-dead', '127.0.0.1', port), cluster: 'cluster-dead', zone: 'z-dead', address: '127.0.0.1', port, ready: true };
  const via = (name: string, first: Endpoint) => routeTo(backendOf(name, [first, good.endpoint()]), [`${name}.test`]);
  edge = await EdgeProxy.start({
    httpAddress: { host: '127.0.0.1', port: 0 },
    balancer: new RoundRobinBalancer({ ordered: true }),
    // Every try must reach the failing endpoint first: no ejection, no active checks.
    outlier: { consecutiveFailures: 0 },
    activeChecks: { intervalMs: 0 },
    timeouts: { tryMs: 300 },
    retry: { replayLimit: 64 * 1024 },
    config: (config = configOf([
      via('refused', dead),
      via('reset', resetter.endpoint()),
      via('unavailable', unavailable.endpoint()),
      via('silent', silent.endpoint()),
      routeTo(backendOf('only503', [unavailable.endpoint()]), ['only503.test']),
    ])),
  });
  base = `http://127.0.0.1:${edge.httpPort}`;
});

afterAll(async () => {
  await agent.close();
  await edge.close();
  for (const b of [good, resetter, unavailable, silent]) await b.close();
});

async function send(host: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  const r = await request(`${base}/x`, { dispatcher: agent, method: method as 'GET', headers: { host, ...headers }, body });
  const text = await r.body.text();
  return { status: r.statusCode, cluster: r.headers['x-kubefed-cluster'], text };
}

/** Counts requests of a backend during `fn`. */
async function counted<T>(b: TestBackend, fn: () => Promise<T>): Promise<[T, number]> {
  const before = b.requests;
  const r = await fn();
  return [r, b.requests - before];
}

describe('edge retries', () => {
  it('a GET refused at connect lands on another cluster', async () => {
    const retries = edge.metrics.retriesTotal;
    const r = await send('refused.test', 'GET');
    expect([r.status, r.cluster]).toEqual([200, 'cluster-good']);
    expect(edge.metrics.retriesTotal).toBe(retries + 1);
    expect(edge.metrics.tries('cluster-dead', 'connect_error')).toBeGreaterThan(0);
  });

  it('a GET whose connection is reset lands on another cluster', async () => {
    const [r, n] = await counted(resetter, () => send('reset.test', 'GET'));
    expect([r.status, r.cluster, n]).toEqual([200, 'cluster-good', 1]);
    expect(edge.metrics.tries('cluster-reset', 'reset')).toBeGreaterThan(0);
  });

  it('a GET answered 503 lands on another cluster', async () => {
    const r = await send('unavailable.test', 'GET');
    expect([r.status, r.cluster]).toEqual([200, 'cluster-good']);
    expect(edge.metrics.tries('cluster-503', 'retried_status')).toBeGreaterThan(0);
  });

  it('a GET that gets no answer within the per-try timeout lands on another cluster', async () => {
    const r = await send('silent.test', 'GET');
    expect([r.status, r.cluster]).toEqual([200, 'cluster-good']);
    expect(edge.metrics.tries('cluster-silent', 'timeout')).toBeGreaterThan(0);
  });

  it('a PUT with a body is replayed to another cluster, body intact', async () => {
    const body = 'x'.repeat(10_000);
    const [r, n] = await counted(resetter, () => send('reset.test', 'PUT', body));
    expect([r.status, r.cluster, n]).toEqual([200, 'cluster-good', 1]);
    expect(JSON.parse(r.text).body).toBe(body);
  });

  it('a POST whose body reached a backend that then resets is NOT replayed', async () => {
    const [[r, nReset], nGood] = await counted(good, () => counted(resetter, () => send('reset.test', 'POST', 'order=1')));
    expect(r.status).toBe(502);
    expect(r.cluster).toBe('-');
    expect(nReset).toBe(1);
    expect(nGood).toBe(0);
  });

  it('a POST answered 503 is not retried either: the answer is passed on', async () => {
    const [[r, n503], nGood] = await counted(good, () => counted(unavailable, () => send('unavailable.test', 'POST', 'order=2')));
    expect([r.status, r.cluster, r.text, n503, nGood]).toEqual([503, 'cluster-503', 'busy', 1, 0]);
  });

  it('a POST refused at connect is retried: nothing reached a backend', async () => {
    const [r, n] = await counted(good, () => send('refused.test', 'POST', 'order=3'));
    expect([r.status, r.cluster, n]).toEqual([200, 'cluster-good', 1]);
    expect(JSON.parse(r.text).body).toBe('order=3');
  });

  it('a POST with an Idempotency-Key is retried after it reached a backend', async () => {
    const [r, n] = await counted(resetter, () => send('reset.test', 'POST', 'order=4', { 'idempotency-key': 'k-4' }));
    expect([r.status, r.cluster, n]).toEqual([200, 'cluster-good', 1]);
    expect(JSON.parse(r.text).body).toBe('order=4');
  });

  it('an idempotent request whose body outgrew the replay buffer is not retried once sent', async () => {
    const body = Buffer.alloc(200 * 1024, 'y');
    const [[r, nReset], nGood] = await counted(good, () => counted(resetter, () => send('reset.test', 'PUT', body)));
    expect([r.status, nReset, nGood]).toEqual([502, 1, 0]);
  });

  it('a large body refused at connect is still retried (nothing was sent)', async () => {
    const body = Buffer.alloc(200 * 1024, 'z');
    const r = await send('refused.test', 'PUT', body);
    expect([r.status, r.cluster]).toEqual([200, 'cluster-good']);
    expect(JSON.parse(r.text).body.length).toBe(body.length);
  });

  it('refusals do not use up the tries: a GET gets past a whole region refusing', async () => {
    const dead: Endpoint[] = [];
    for (let i = 0; i < 5; i++) {
      const port = await deadPort();
      dead.push({ id: endpointId(`cluster-down-${i}`, '127.0.0.1', port), cluster: `cluster-down-${i}`, address: '127.0.0.1', port, ready: true });
    }
    edge.setConfig(configOf([routeTo(backendOf('region', [...dead, good.endpoint()]), ['region.test'])]));
    try {
      const r = await send('region.test', 'GET');
      expect([r.status, r.cluster]).toEqual([200, 'cluster-good']);
      for (const d of dead) expect(edge.metrics.tries(d.cluster, 'connect_error')).toBe(1);
    } finally {
      edge.setConfig(config);
    }
  });

  it('the last 503 is passed on when every try fails', async () => {
    const [r, n] = await counted(unavailable, () => send('only503.test', 'GET'));
    expect([r.status, r.cluster, r.text]).toEqual([503, 'cluster-503', 'busy']);
    expect(n).toBe(3);
  });
});
