/**
 * The edge's admin address (/metrics, /healthz, /readyz, /split, /endpoints) and its access log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let backend: TestBackend;
let edge: EdgeProxy;
let dir: string;
const agent = new Agent();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edge-admin-'));
  backend = await startBackend('cluster-a');
  edge = await EdgeProxy.start({
    httpAddress: { host: '127.0.0.1', port: 0 },
    adminAddress: { host: '127.0.0.1', port: 0 },
    balancer: new RoundRobinBalancer(),
    locate: () => ({ region: 'r1', zone: 'z1' }),
    accessLog: join(dir, 'access.log'),
    activeChecks: { intervalMs: 0 },
    config: configOf([routeTo(backendOf('web', [backend.endpoint()]), ['web.test'])]),
  });
  for (let i = 0; i < 5; i++) await get(edge.httpPort!, '/page?q=1', 'web.test');
  await get(edge.httpPort!, '/', 'nowhere.test');
});

afterAll(async () => {
  await agent.close();
  await edge?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(port: number, path: string, host = '127.0.0.1') {
  const r = await request(`http://127.0.0.1:${port}${path}`, { dispatcher: agent, headers: { host } });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

describe('edge admin', () => {
  it('serves Prometheus metrics', async () => {
    const r = await get(edge.adminPort!, '/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toContain('kubefed_edge_requests_total{cluster="cluster-a",code="200",tier="zone"} 5');
    expect(r.text).toContain('kubefed_edge_requests_total{cluster="",code="404",tier=""} 1');
    expect(r.text).toContain('kubefed_edge_request_duration_seconds_count{cluster="cluster-a"} 5');
    expect(r.text).toMatch(/kubefed_edge_request_duration_seconds_bucket\{cluster="cluster-a",le="\+Inf"\} 5/);
    expect(r.text).toContain('kubefed_edge_upstream_tries_total{cluster="cluster-a",outcome="success"} 5');
    expect(r.text).toContain('kubefed_edge_endpoints{cluster="cluster-a",state="healthy"} 1');
    expect(r.text).toContain('kubefed_edge_retries_total 0');
    expect(r.text).toContain('# TYPE kubefed_edge_ejections_total counter');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await get(edge.adminPort!, '/healthz')).status).toBe(200);
    expect((await get(edge.adminPort!, '/readyz')).status).toBe(200);
    const unconfigured = await EdgeProxy.start({ adminAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer() });
    try {
      expect((await get(unconfigured.adminPort!, '/readyz')).status).toBe(503);
      unconfigured.setConfig(configOf([]));
      expect((await get(unconfigured.adminPort!, '/readyz')).status).toBe(200);
    } finally {
      await unconfigured.close();
    }
  });

  it('serves the split and the endpoints as JSON', async () => {
    const split = JSON.parse((await get(edge.adminPort!, '/split?seconds=60')).text);
    expect(split.total).toBe(5);
    expect(split.rows).toEqual([{ cluster: 'cluster-a', tier: 'zone', requests: 5, share: 1 }]);
    const eps = JSON.parse((await get(edge.adminPort!, '/endpoints')).text);
    expect(eps).toEqual([expect.objectContaining({ id: backend.endpoint().id, cluster: 'cluster-a', state: 'healthy' })]);
    expect((await get(edge.adminPort!, '/nothing')).status).toBe(404);
  });

  it('writes one JSON access log line per request', async () => {
    await edge.close();
    const lines = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({ client: '127.0.0.1', region: 'r1', zone: 'z1', host: 'web.test', path: '/page', method: 'GET', status: 200, cluster: 'cluster-a', tier: 'zone', tries: 1 });
    expect(typeof lines[0].time).toBe('number');
    expect(typeof lines[0].duration_ms).toBe('number');
    expect(lines[5]).toMatchObject({ host: 'nowhere.test', status: 404, tries: 0 });
    expect(lines[5].cluster).toBeUndefined();
  });
});
