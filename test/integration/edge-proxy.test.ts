/**
 * The edge proxy end to end with real backends and real clients: routing, 404/503, the
 * x-kubefed-cluster header, keep-alive on both sides, streamed bodies both ways (chunked and
 * sized), hop-by-hop fields, X-Forwarded-*, pipelining, malformed requests, configuration swaps.
 */
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let a: TestBackend;
let b: TestBackend;
let edge: EdgeProxy;
let base: string;
const agent = new Agent({ keepAliveTimeout: 10_000 });

function cfg() {
  const shop = backendOf('shop', [a.endpoint()]);
  const api = backendOf('api', [b.endpoint()]);
  const empty = backendOf('empty', []);
  return configOf([
    routeTo(api, ['shop.example.com'], { type: 'Prefix', value: '/api' }),
    routeTo(empty, ['shop.example.com'], { type: 'Prefix', value: '/empty' }),
    routeTo(shop, ['shop.example.com']),
  ]);
}

beforeAll(async () => {
  a = await startBackend('cluster-a', (req, res) => {
    if (req.url === '/stream') {
      // A chunked response in pieces.
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const t = setInterval(() => {
        res.write(`part ${i}\n`);
        if (++i === 3) {
          clearInterval(t);
          res.end();
        }
      }, 5);
      return true;
    }
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-kubefed-cluster': 'spoofed' });
      req.pipe(res);
      return true;
    }
    if (req.url === '/nocontent') {
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  });
  b = await startBackend('cluster-b');
  edge = await EdgeProxy.start({ httpAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: cfg(), activeChecks: { intervalMs: 0 } });
  base = `http://127.0.0.1:${edge.httpPort}`;
});

afterAll(async () => {
  await agent.close();
  await edge.close();
  await a.close();
  await b.close();
});

async function get(path: string, host = 'shop.example.com', init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  const r = await request(`${base}${path}`, { dispatcher: agent, method: (init.method ?? 'GET') as 'GET', headers: { host, ...init.headers }, body: init.body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text };
}

describe('edge proxy', () => {
  it('routes by host and path and names the serving cluster', async () => {
    const r1 = await get('/');
    expect(r1.status).toBe(200);
    expect(r1.headers['x-kubefed-cluster']).toBe('cluster-a');
    expect(JSON.parse(r1.text).cluster).toBe('cluster-a');
    const r2 = await get('/api/items?x=1');
    expect(r2.headers['x-kubefed-cluster']).toBe('cluster-b');
    expect(JSON.parse(r2.text).url).toBe('/api/items?x=1');
  });

  it('answers 404 without a route and 503 without an endpoint', async () => {
    const r1 = await get('/', 'other.example.com');
    expect(r1.status).toBe(404);
    expect(r1.text).toBe('no route\n');
    expect(r1.headers['x-kubefed-cluster']).toBe('-');
    const r2 = await get('/empty');
    expect(r2.status).toBe(503);
  });

  it('sets X-Forwarded-* and drops hop-by-hop fields', async () => {
    const text = await rawExchange(
      'GET / HTTP/1.1\r\nHost: shop.example.com:8080\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: ftp\r\n' +
        'Connection: close, X-Private\r\nX-Private: secret\r\nTE: trailers\r\nKeep-Alive: timeout=1\r\n\r\n',
    );
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).headers;
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('shop.example.com:8080');
    expect(seen.host).toBe('shop.example.com:8080');
    expect(seen['x-private']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
  });

  it('streams request and response bodies both ways, chunked and sized, and replaces a spoofed cluster header', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
    const r = await get('/echo', undefined, { method: 'PUT', body: big });
    expect(r.status).toBe(200);
    expect(r.text.length).toBe(big.length);
    expect(r.headers['x-kubefed-cluster']).toBe('cluster-a');
    expect(r.headers['keep-alive']).toBeUndefined();
    // A chunked request body (undici sends an async iterable chunked).
    async function* parts() {
      yield Buffer.from('hello ');
      yield Buffer.from('world');
    }
    const r2 = await request(`${base}/echo`, { dispatcher: agent, method: 'POST', headers: { host: 'shop.example.com' }, body: Readable.from(parts()) });
    expect(await r2.body.text()).toBe('hello world');
  });

  it('passes a chunked response through', async () => {
    const r = await get('/stream');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.text).toBe('part 0\npart 1\npart 2\n');
  });

  it('answers HEAD and 204 without a body and keeps the connection', async () => {
    const r1 = await get('/', undefined, { method: 'HEAD' });
    expect(r1.status).toBe(200);
    expect(r1.text).toBe('');
    const r2 = await get('/nocontent');
    expect(r2.status).toBe(204);
    expect((await get('/')).status).toBe(200);
  });

  it('serves pipelined requests in order over one connection, and HTTP/1.0', async () => {
    const text = await rawExchange(
      'GET /api/1 HTTP/1.1\r\nHost: shop.example.com\r\n\r\nGET /api/2 HTTP/1.1\r\nHost: shop.example.com\r\n\r\nGET /api/3 HTTP/1.0\r\nHost: shop.example.com\r\n\r\n',
    );
    const urls = [...text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/api/1', '/api/2', '/api/3']);
    expect(text.match(/HTTP\/1.1 200 OK/g)).toHaveLength(3);
    // HTTP/1.0 without keep-alive: closed after the answer.
    expect(text).toMatch(/connection: close/i);
  });

  it('passes 100 Continue on and the body after it', async () => {
    const s = connect(edge.httpPort!, '127.0.0.1');
    let text = '';
    let waiting: { what: RegExp; resolve: () => void } | undefined;
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (waiting?.what.test(text)) waiting.resolve();
    });
    const seen = (what: RegExp) => new Promise<void>((resolve) => (what.test(text) ? resolve() : (waiting = { what, resolve })));
    s.write('POST /echo HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await seen(/^HTTP\/1.1 100 Continue\r\n\r\n/);
    s.write('hello');
    // The echo answers chunked: the body, then the last chunk.
    await seen(/\r\n5\r\nhello\r\n0\r\n\r\n$/);
    s.destroy();
    expect(text).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 OK\r\n/);
  });

  it('rejects malformed requests and closes', async () => {
    const text = await rawExchange('GET / HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1.1 400 /);
    expect(text).toMatch(/connection: close/i);
    const t2 = await rawExchange(`GET / HTTP/1.1\r\nHost: shop.example.com\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    expect(t2).toMatch(/^HTTP\/1.1 431 /);
  });

  it('applies a new configuration at once, keeping connections', async () => {
    const before = await get('/');
    expect(before.headers['x-kubefed-cluster']).toBe('cluster-a');
    const shop = backendOf('shop', [b.endpoint()]);
    edge.setConfig(configOf([routeTo(shop, ['shop.example.com'])]));
    expect((await get('/')).headers['x-kubefed-cluster']).toBe('cluster-b');
    edge.setConfig(cfg());
    expect((await get('/')).headers['x-kubefed-cluster']).toBe('cluster-a');
  });

  it('counts requests by cluster, code and tier', async () => {
    await get('/');
    expect(edge.metrics.requests('cluster-a', 200, 'zone')).toBeGreaterThan(0);
    expect(edge.metrics.requests('', 404, '')).toBeGreaterThan(0);
    const split = edge.split(60);
    expect(split.rows.find((r) => r.cluster === 'cluster-a' && r.tier === 'zone')?.requests).toBeGreaterThan(0);
  });
});

describe('edge close', () => {
  it('lets a request in flight finish within the grace period and refuses new connections', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const inBackend = new Promise<void>((r) => (arrived = r));
    const slow = await startBackend('cluster-slow', (req, res) => {
      req.resume();
      arrived();
      void held.then(() => res.end('done'));
      return true;
    });
    const e = await EdgeProxy.start({ httpAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: configOf([routeTo(backendOf('slow', [slow.endpoint()]))]), activeChecks: { intervalMs: 0 } });
    const port = e.httpPort!;
    const pending = request(`http://127.0.0.1:${port}/`, { dispatcher: agent }).then(async (r) => [r.statusCode, await r.body.text()]);
    await inBackend;
    const closing = e.close(30_000);
    const fresh = new Agent();
    await expect(request(`http://127.0.0.1:${port}/`, { dispatcher: fresh })).rejects.toThrow();
    await fresh.close();
    release();
    expect(await pending).toEqual([200, 'done']);
    await closing;
    await slow.close();
  });
});

/** Writes `raw` on a new connection and reads until the edge closes it (or 2 s of silence). */
function rawExchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(edge.httpPort!, '127.0.0.1');
    const chunks: Buffer[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(quiet);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      clearTimeout(quiet);
      quiet = setTimeout(done, 2000);
    });
    s.on('end', done);
    s.on('error', reject);
    s.write(raw);
  });
}
