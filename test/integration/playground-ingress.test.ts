/**
 * The playground ingress controller: its IngressClass, an address per Ingress in the
 * cluster's 127.O.201.x range (in status and `kubectl get ingress`), routing by host and path
 * to Services' ready endpoints, default backend, 404 and 503, forwarded headers, retries, the
 * seed's extensions/v1beta1 Ingress, TLS hosts on 443, other classes, restart and deletion.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { ENDPOINTS, INGRESS_CLASSES, INGRESSES, NODES, PODS, SERVICES, type InternalClient } from '../../src/playground/cluster/client.js';
import { EndpointsController } from '../../src/playground/cluster/controllers/endpoints.js';
import { compileRoutes, IngressController, NOT_FOUND_BODY, prefixMatches, route } from '../../src/playground/cluster/network/ingress.js';
import { LoadBalancerController } from '../../src/playground/cluster/network/load-balancer.js';
import { processed } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { httpGet, pod, servedBy, service, startCluster, tcpOutcome, type NetworkTestCluster } from '../helpers/playground-network.js';

let c: NetworkTestCluster;
let client: InternalClient;
let ingress: IngressController;
let echo: Server;
let echoIP: string;
let deadIP: string;

const ingIP = (name: string) => client.get(INGRESSES, 'default', name)?.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined;
const readyEndpoints = (svc: string) => (client.get(ENDPOINTS, 'default', svc)?.subsets ?? []).reduce((n: number, s: KObject) => n + (s.addresses?.length ?? 0), 0);

function ing(name: string, spec: KObject): KObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' }, spec };
}
const backend = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const prefix = (path: string, b: KObject) => ({ path, pathType: 'Prefix', backend: b });

beforeAll(async () => {
  c = await startCluster({ components: (t) => [new EndpointsController(t.runtime), new LoadBalancerController(t.runtime), (ingress = new IngressController(t.runtime))] });
  client = c.runtime.client('test');
  await eventually(() => client.list(NODES).length === 3, 'nodes registered');
  const octet = c.runtime.addresses.octet;
  echoIP = `127.${octet}.250.3`;
  deadIP = `127.${octet}.250.4`;
  // A backend that answers with the request it got.
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'echo/echo' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  await new Promise<void>((r) => echo.listen(7000, echoIP, r));

  for (let i = 0; i < 2; i++) await client.create(PODS, 'default', pod(`web-${i}`, { app: 'web' }, [{ name: 'http', containerPort: 8080 }]));
  await client.create(PODS, 'default', pod('api-0', { app: 'api' }, [{ name: 'api', containerPort: 9000 }]));
  for (let i = 0; i < 2; i++) await client.create(PODS, 'default', pod(`nginx-${i}`, { app: 'nginx' }, [{ containerPort: 80 }]));
  await client.create(SERVICES, 'default', service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }));
  await client.create(SERVICES, 'default', service('api', { selector: { app: 'api' }, ports: [{ name: 'api', port: 9000, targetPort: 'api' }] }));
  await client.create(SERVICES, 'default', service('empty', { selector: { app: 'nobody' }, ports: [{ port: 80 }] }));
  await client.create(SERVICES, 'default', service('echo', { ports: [{ port: 7000 }] }));
  await client.create(ENDPOINTS, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'echo', namespace: 'default' }, subsets: [{ addresses: [{ ip: echoIP }, { ip: deadIP }], ports: [{ port: 7000 }] }] });
  await eventually(() => readyEndpoints('web') === 2 && readyEndpoints('api') === 1, 'endpoints ready');
});

afterAll(async () => {
  await c?.stop();
  await new Promise((r) => echo?.close(r));
});

describe('IngressClass', () => {
  it('"playground" exists and is the default class', async () => {
    const cls = await eventually(() => client.get(INGRESS_CLASSES, '', 'playground'), 'ingress class');
    expect(cls.spec).toEqual({ controller: 'kubefed.io/playground-ingress' });
    expect(cls.metadata!.annotations!['ingressclass.kubernetes.io/is-default-class']).toBe('true');
  });
});

describe('Ingress routing', () => {
  it('gives the Ingress an address shown by kubectl', async () => {
    await client.create(
      INGRESSES,
      'default',
      ing('routes', {
        ingressClassName: 'playground',
        rules: [
          {
            host: 'foo.example.com',
            http: {
              paths: [
                prefix('/', backend('web', 80)),
                prefix('/api', backend('api', 'api')),
                { path: '/exact', pathType: 'Exact', backend: backend('api', 9000) },
                prefix('/empty', backend('empty', 80)),
                prefix('/missing', backend('no-such-service', 80)),
              ],
            },
          },
          { host: '*.wild.example.com', http: { paths: [prefix('/', backend('api', 9000))] } },
          { http: { paths: [{ path: '/only', pathType: 'ImplementationSpecific', backend: backend('web', 80) }] } },
        ],
      }),
    );
    const ip = await eventually(() => ingIP('routes'), 'ingress address');
    expect(ip).toMatch(new RegExp(`^127\\.${c.runtime.addresses.octet}\\.201\\.\\d+$`));
    expect(client.get(INGRESSES, 'default', 'routes')!.status.loadBalancer).toEqual({ ingress: [{ ip }] });
    expect(ingress.addressOf('default', 'routes')).toBe(ip);
    const out = await c.kubectl(['get', 'ingress', 'routes', '--no-headers']);
    expect(out.stderr).toBe('');
    const cols = out.stdout.trim().split(/\s+/);
    expect(cols[0]).toBe('routes');
    expect(cols[1]).toBe('playground');
    expect(cols[2]).toBe('foo.example.com,*.wild.example.com');
    expect(cols[3]).toBe(ip);
    expect(cols[4]).toBe('80');
  });

  it('routes by host and path', async () => {
    const ip = ingIP('routes')!;
    const at = async (host: string, path: string) => {
      const r = await httpGet(ip, 80, path, { host });
      return r.status === 200 ? servedBy(r)!.replace(/-\d+$/, '') : `${r.status} ${r.body.trim()}`;
    };
    expect(await at('foo.example.com', '/')).toBe('web');
    expect(await at('foo.example.com', '/index.html')).toBe('web');
    expect(await at('foo.example.com', '/api')).toBe('api');
    expect(await at('foo.example.com', '/api/')).toBe('api');
    expect(await at('foo.example.com', '/api/v1/things?x=1')).toBe('api');
    expect(await at('foo.example.com', '/apix')).toBe('web'); // element-wise prefix
    expect(await at('foo.example.com', '/exact')).toBe('api');
    expect(await at('foo.example.com', '/exact/')).toBe('web'); // Exact does not match a trailing slash
    expect(await at('FOO.example.com:80', '/api')).toBe('api'); // case and port ignored
    expect(await at('a.wild.example.com', '/anything')).toBe('api');
    // A wildcard matches one label only; then the host-less rules apply.
    expect(await at('b.a.wild.example.com', '/only/here')).toBe('web');
    expect(await at('wild.example.com', '/only')).toBe('web');
    expect(await at('other.test', '/only')).toBe('web');
    // Nothing matches and there is no default backend.
    expect(await at('other.test', '/')).toBe(`404 ${NOT_FOUND_BODY}`);
    // A host with rules does not fall through to the host-less rules.
    expect(await at('a.wild.example.com', '/only')).toBe('api');
    // Backends without ready endpoints, or missing: 503.
    expect(await at('foo.example.com', '/empty')).toMatch(/^503 /);
    expect(await at('foo.example.com', '/missing')).toMatch(/^503 /);
  });

  it('balances round robin over the ready endpoints', async () => {
    const ip = ingIP('routes')!;
    const hits: string[] = [];
    for (let i = 0; i < 4; i++) hits.push(servedBy(await httpGet(ip, 80, '/', { host: 'foo.example.com' }))!);
    expect(hits.sort()).toEqual(['web-0', 'web-0', 'web-1', 'web-1']);
  });

  it('follows Ingress changes and a default backend', async () => {
    await client.patch(INGRESSES, 'default', 'routes', { spec: { defaultBackend: backend('api', 9000) } });
    const ip = ingIP('routes')!;
    await eventually(async () => (await httpGet(ip, 80, '/', { host: 'other.test' })).status === 200, 'default backend used');
    expect(servedBy(await httpGet(ip, 80, '/', { host: 'other.test' }))).toBe('api-0');
    // Within a host whose paths do not match, the default backend too.
    expect(servedBy(await httpGet(ip, 80, '/nothing', { host: 'a.wild.example.com' }))).toBe('api-0');
  });
});

describe('Ingress proxying', () => {
  it('adds forwarded headers, keeps Host, and retries idempotent requests past a dead endpoint', async () => {
    await client.create(INGRESSES, 'default', ing('echo', { defaultBackend: backend('echo', 7000) }));
    const ip = await eventually(() => ingIP('echo'), 'echo address');
    expect(ip).not.toBe(ingIP('routes'));
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(ip, 80, '/hello?a=b', { host: 'echo.test', 'x-forwarded-for': '203.0.113.9' });
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body);
      expect(seen.url).toBe('/hello?a=b');
      expect(seen.headers.host).toBe('echo.test');
      expect(seen.headers['x-forwarded-for']).toMatch(/^203\.0\.113\.9, 127\.\d+\.\d+\.\d+$/);
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-host']).toBe('echo.test');
      expect(seen.headers['x-forwarded-port']).toBe('80');
      expect(seen.headers['x-real-ip']).toMatch(/^127\./);
    }
    // A request with a body is not retried: the dead endpoint shows as 502 Bad Gateway.
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const r = await new Promise<number>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request({ host: ip, port: 80, method: 'POST', path: '/post', agent: false, headers: { host: 'echo.test', 'content-type': 'text/plain' } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end('payload');
        }, reject);
      });
      statuses.add(r);
    }
    expect([...statuses].sort()).toEqual([200, 502]);
  });

  it('serves the seed Ingress (extensions/v1beta1 spec.backend) through the default class', async () => {
    await c.kubectl(['apply', '-f', '-'], { input: readFileSync('test/fixtures/reconstructed/nginx-service.yaml', 'utf8') });
    const applied = await c.kubectl(['apply', '-f', 'test/fixtures/seeds/001-ingress.yaml']);
    expect(applied.stdout).toContain('ingress.extensions/nginx created');
    const stored = client.get(INGRESSES, 'default', 'nginx')!;
    expect(stored.spec.defaultBackend).toEqual({ service: { name: 'nginx', port: { number: 80 } } });
    expect(stored.spec.ingressClassName).toBeUndefined();
    const ip = await eventually(() => ingIP('nginx'), 'seed ingress address');
    await eventually(() => readyEndpoints('nginx') === 2, 'nginx endpoints');
    const r = await httpGet(ip, 80, '/', { accept: 'text/html' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('Welcome to the global site! You are being served from test-region1-');
    const out = await c.kubectl(['get', 'ingress', 'nginx', '--no-headers']);
    const cols = out.stdout.trim().split(/\s+/);
    expect(cols).toEqual(['nginx', '<none>', '*', ip, '80', expect.any(String)]);
  });

  it('listens on 443 (plain HTTP) for Ingresses with TLS', async () => {
    await client.create(INGRESSES, 'default', ing('secure', { tls: [{ hosts: ['secure.test'], secretName: 'secure-tls' }], rules: [{ host: 'secure.test', http: { paths: [prefix('/', backend('web', 80))] } }] }));
    const ip = await eventually(() => ingIP('secure'), 'secure address');
    await eventually(async () => (await httpGet(ip, 443, '/', { host: 'secure.test' })).status === 200, 'served on 443');
    expect((await httpGet(ip, 80, '/', { host: 'secure.test' })).status).toBe(200);
    const out = await c.kubectl(['get', 'ingress', 'secure', '--no-headers']);
    expect(out.stdout.trim().split(/\s+/)[4]).toBe('80,');
  });

  it('leaves Ingresses of other classes alone', async () => {
    await client.create(INGRESS_CLASSES, '', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'other' }, spec: { controller: 'example.com/other' } });
    const foreign = await client.create(INGRESSES, 'default', ing('foreign', { ingressClassName: 'other', defaultBackend: backend('web', 80) }));
    await processed(c.runtime, [ingress], foreign);
    expect(ingIP('foreign')).toBeUndefined();
    expect(ingress.addressOf('default', 'foreign')).toBeUndefined();
    // Switching it to our class serves it.
    await client.patch(INGRESSES, 'default', 'foreign', { spec: { ingressClassName: 'playground' } });
    const ip = await eventually(() => ingIP('foreign'), 'foreign address');
    expect((await httpGet(ip, 80)).status).toBe(200);
  });

  it('keeps addresses across a restart, and stops serving a deleted Ingress', async () => {
    const names = ['routes', 'echo', 'nginx', 'secure', 'foreign'];
    const before = Object.fromEntries(names.map((n) => [n, ingIP(n)]));
    await ingress.stop();
    expect(await tcpOutcome(before.routes!, 80)).toBe('refused');
    ingress = new IngressController(c.runtime);
    await c.run(ingress);
    await eventually(async () => (await httpGet(before.nginx!, 80)).status === 200, 'nginx served again');
    for (const n of names) expect(ingIP(n)).toBe(before[n]);
    expect(ingress.addressOf('default', 'routes')).toBe(before.routes);

    await client.delete(INGRESSES, 'default', 'routes');
    await eventually(async () => (await tcpOutcome(before.routes!, 80)) === 'refused', 'routes no longer served');
    // The address is free for the next Ingress.
    await client.create(INGRESSES, 'default', ing('next', { defaultBackend: backend('web', 80) }));
    expect(await eventually(() => ingIP('next'), 'next address')).toBe(before.routes);
  });
});

describe('route()', () => {
  it('applies Kubernetes path semantics', () => {
    expect(prefixMatches(['aaa', 'bbb'], '/aaa/bbb')).toBe(true);
    expect(prefixMatches(['aaa', 'bbb'], '/aaa/bbb/')).toBe(true);
    expect(prefixMatches(['aaa', 'bbb'], '/aaa/bbb/ccc')).toBe(true);
    expect(prefixMatches(['aaa', 'bbb'], '/aaa/bbbxyz')).toBe(false);
    expect(prefixMatches(['aaa', 'bbb'], '/aaa')).toBe(false);
    expect(prefixMatches([], '/anything')).toBe(true);
    const routes = compileRoutes({
      spec: {
        rules: [
          {
            http: {
              paths: [
                { path: '/foo', pathType: 'Prefix', backend: backend('prefix', 80) },
                { path: '/foo', pathType: 'Exact', backend: backend('exact', 80) },
                { path: '/foo/bar/', pathType: 'Prefix', backend: backend('longer', 80) },
              ],
            },
          },
        ],
      },
    });
    expect(route(routes, 'x', '/foo')?.backend?.name).toBe('exact');
    expect(route(routes, 'x', '/foo/')?.backend?.name).toBe('prefix');
    expect(route(routes, 'x', '/foo/bar')?.backend?.name).toBe('longer');
    expect(route(routes, 'x', '/foo/bar/baz')?.backend?.name).toBe('longer');
    expect(route(routes, 'x', '/other')).toBeUndefined();

    // Hosts: exact before wildcard before host-less, without falling through.
    const hosts = compileRoutes({
      spec: {
        rules: [
          { host: 'a.example.com', http: { paths: [{ path: '/x', pathType: 'Prefix', backend: backend('exact-host', 80) }] } },
          { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('wildcard', 80) }] } },
          { http: { paths: [{ path: '/only', pathType: 'Prefix', backend: backend('any-host', 80) }] } },
        ],
      },
    });
    expect(route(hosts, 'a.example.com', '/x/y')?.backend?.name).toBe('exact-host');
    expect(route(hosts, 'a.example.com', '/only')).toBeUndefined();
    expect(route(hosts, 'b.example.com', '/only')?.backend?.name).toBe('wildcard');
    expect(route(hosts, 'c.b.example.com', '/only')?.backend?.name).toBe('any-host');
    expect(route(hosts, '', '/only')?.backend?.name).toBe('any-host');
  });
});
