/** The HTTP server of a simulated container: identity as JSON or HTML, probes, behaviour, access log, hard close. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { prefersHtml, startPodServer, type PodServer } from '../../src/playground/cluster/pod-server.js';
import { SCRATCH_OCTET } from '../helpers/octets.js';

const IP = `127.${SCRATCH_OCTET}.${1 + Math.floor(Math.random() * 200)}.2`;
const PORT = 18080;
const identity = { pod: 'web-1', namespace: 'default', node: 'node-0', cluster: 'c1', zone: 'us-central1-a', region: 'us-central1', container: 'web', image: 'nginx', podIP: IP };

function get(path: string, headers: Record<string, string> = {}, agent: false | undefined = false): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: IP, port: PORT, path, headers, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: PodServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('content negotiation', () => {
  it('prefers HTML only when the client ranks it above JSON', () => {
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(prefersHtml('application/json, text/html;q=0.5')).toBe(false);
    expect(prefersHtml('text/*')).toBe(true);
  });
});

describe('pod server', () => {
  it('answers any path with who served it, JSON or HTML, and logs each request', async () => {
    const lines: string[] = [];
    server = await startPodServer({ ip: IP, port: PORT, identity, behaviour: () => ({ latencyMs: 0, errorRate: 0 }), onRequest: (l) => lines.push(l) });
    const r = await get('/a/b?x=1', { 'user-agent': 'curl/8.0' });
    expect(r.status).toBe(200);
    expect(r.headers['x-served-by']).toBe('c1/web-1');
    expect(JSON.parse(r.body)).toMatchObject({ ...identity, path: '/a/b', method: 'GET', clientIP: '127.0.0.1' });
    const h = await get('/', { accept: 'text/html' });
    expect(h.headers['content-type']).toMatch(/^text\/html/);
    expect(h.body).toMatch(/^<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to the global site!<\/title>/);
    expect(h.body).toContain('<h1>Welcome to the global site! You are being served from us-central1-a</h1>');
    expect(h.body).toContain('<p>Congratulations!</p>');
    expect((await get('/healthz')).body).toBe('ok');
    expect((await get('/readyz')).status).toBe(200);
    expect(lines[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/a\/b\?x=1 HTTP\/1\.1" 200 \d+ "-" "curl\/8\.0"$/);
    expect(lines).toHaveLength(4);
  });

  it('applies latency and error rate read per request', async () => {
    let behaviour = { latencyMs: 200, errorRate: 0 };
    server = await startPodServer({ ip: IP, port: PORT, identity, behaviour: () => behaviour });
    const t0 = Date.now();
    expect((await get('/')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    behaviour = { latencyMs: 0, errorRate: 1 };
    const r = await get('/');
    expect(r.status).toBe(500);
    expect(r.headers['x-served-by']).toBe('c1/web-1');
  });

  it('close drops open connections and refuses new ones', async () => {
    // The server reads the behaviour when a request arrives: then the request is in flight.
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    server = await startPodServer({ ip: IP, port: PORT, identity, behaviour: () => (arrived(), { latencyMs: 5_000, errorRate: 0 }) });
    const pending = get('/slow').then(
      () => 'answered',
      () => 'dropped',
    );
    await inFlight;
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe('dropped');
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: IP, port: PORT });
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    // The address is free again at once.
    server = await startPodServer({ ip: IP, port: PORT, identity, behaviour: () => ({ latencyMs: 0, errorRate: 0 }) });
  });

  it('fails to start when the address is taken', async () => {
    server = await startPodServer({ ip: IP, port: PORT, identity, behaviour: () => ({ latencyMs: 0, errorRate: 0 }) });
    await expect(startPodServer({ ip: IP, port: PORT, identity, behaviour: () => ({ latencyMs: 0, errorRate: 0 }) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
