/** The edge's router: hosts, paths, methods, headers, precedence, weights. */
import { describe, expect, it } from 'vitest';
import type { Backend, Route } from '../../src/traffic/model.js';
import { normalizeHost, pickBackend, Router, targetPath } from '../../src/traffic/edge/router.js';

const backend = (name: string): Backend => ({ key: `default/${name}:80`, namespace: 'default', service: name, port: 80, endpoints: [] });

function route(source: string, hosts: string[], path: Route['path'], extra: Partial<Route> = {}): Route {
  return { hosts, path, backends: [{ backend: backend(source), weight: 1 }], source, ...extra };
}

const NONE = { get: () => undefined };

const routes: Route[] = [
  route('exact-shop', ['shop.example.com'], { type: 'Exact', value: '/cart' }),
  route('prefix-shop-api', ['shop.example.com'], { type: 'Prefix', value: '/api/' }),
  route('wild-api', ['*.example.com'], { type: 'Prefix', value: '/api' }),
  route('post-only', ['shop.example.com'], { type: 'Prefix', value: '/orders' }, { method: 'POST' }),
  route('canary', ['shop.example.com'], { type: 'Prefix', value: '/' }, { headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }),
  route('regex-header', ['shop.example.com'], { type: 'Prefix', value: '/' }, { headers: [{ name: 'user-agent', type: 'RegularExpression', value: 'curl/.*' }] }),
  route('shop-root', ['shop.example.com', 'SHOP.example.org'], { type: 'Prefix', value: '/' }),
  route('wild-root', ['*.example.com'], { type: 'Prefix', value: '/' }),
  route('regex', [], { type: 'RegularExpression', value: '/v[0-9]+/items' }),
  route('bad-regex', [], { type: 'RegularExpression', value: '/(' }),
  route('any-foo', [], { type: 'Prefix', value: '/foo' }),
];

describe('Router.match', () => {
  const router = new Router({ routes });
  const cases: [string, string, string, string, Record<string, string>, string | undefined][] = [
    // description, host, path, method, headers, expected route
    ['exact path', 'shop.example.com', '/cart', 'GET', {}, 'exact-shop'],
    ['exact path is not a prefix', 'shop.example.com', '/cart/x', 'GET', {}, 'shop-root'],
    ['prefix with trailing slash matches the bare path', 'shop.example.com', '/api', 'GET', {}, 'prefix-shop-api'],
    ['prefix matches a sub-path', 'shop.example.com', '/api/v1', 'GET', {}, 'prefix-shop-api'],
    ['prefix matches whole elements only', 'shop.example.com', '/apix', 'GET', {}, 'shop-root'],
    ['host port and case are ignored', 'SHOP.Example.com:8443', '/cart', 'GET', {}, 'exact-shop'],
    ['trailing dot ignored', 'shop.example.com.', '/cart', 'GET', {}, 'exact-shop'],
    ['method match', 'shop.example.com', '/orders/1', 'POST', {}, 'post-only'],
    ['method mismatch falls through', 'shop.example.com', '/orders/1', 'GET', {}, 'shop-root'],
    ['header exact', 'shop.example.com', '/x', 'GET', { 'x-canary': 'yes' }, 'canary'],
    ['header exact is case sensitive on the value', 'shop.example.com', '/x', 'GET', { 'x-canary': 'YES' }, 'shop-root'],
    ['header regex full match', 'shop.example.com', '/x', 'GET', { 'user-agent': 'curl/8.0' }, 'regex-header'],
    ['header regex must match whole value', 'shop.example.com', '/x', 'GET', { 'user-agent': 'not curl/8.0' }, 'shop-root'],
    ['second host of a route', 'shop.example.org', '/x', 'GET', {}, 'shop-root'],
    ['wildcard one label', 'a.example.com', '/api/x', 'GET', {}, 'wild-api'],
    ['wildcard route precedes a later exact route for the same host', 'shop.example.com', '/api2', 'GET', {}, 'shop-root'],
    ['wildcard not two labels', 'a.b.example.com', '/x', 'GET', {}, undefined],
    ['wildcard not the bare domain', 'example.com', '/x', 'GET', {}, undefined],
    ['wildcard root', 'b.example.com', '/anything', 'GET', {}, 'wild-root'],
    ['any-host regex full match', 'other.test', '/v12/items', 'GET', {}, 'regex'],
    ['any-host regex anchored', 'other.test', '/v12/items/x', 'GET', {}, undefined],
    ['any-host prefix', 'other.test', '/foo/bar', 'GET', {}, 'any-foo'],
    ['any-host prefix not a partial element', 'other.test', '/foobar', 'GET', {}, undefined],
    ['any-host routes apply to named hosts after their own routes', 'x.example.com', '/foo', 'GET', {}, 'wild-root'],
    ['no route', 'other.test', '/', 'GET', {}, undefined],
    ['IPv6 host with port', '[::1]:8080', '/foo', 'GET', {}, 'any-foo'],
  ];
  for (const [what, host, path, method, headers, want] of cases) {
    it(what, () => {
      const got = router.match(normalizeHost(host), path, method, { get: (n) => headers[n] });
      expect(got?.route.source).toBe(want);
    });
  }

  it('prefix "/" matches everything and precedence follows configuration order', () => {
    const r = new Router({ routes: [route('root', [], { type: 'Prefix', value: '/' }), route('later', [], { type: 'Exact', value: '/a' })] });
    expect(r.match('h', '/a', 'GET', NONE)?.route.source).toBe('root');
  });

  it('any-host routes before a host route keep their precedence', () => {
    const r = new Router({ routes: [route('any', [], { type: 'Exact', value: '/a' }), route('host', ['h.test'], { type: 'Prefix', value: '/' })] });
    expect(r.match('h.test', '/a', 'GET', NONE)?.route.source).toBe('any');
    expect(r.match('h.test', '/b', 'GET', NONE)?.route.source).toBe('host');
  });

  it('indexes many routes', () => {
    const many: Route[] = [];
    for (let i = 0; i < 5000; i++) many.push(route(`r${i}`, [`h${i}.example.com`], { type: 'Prefix', value: '/' }));
    const r = new Router({ routes: many });
    expect(r.candidates('h4321.example.com')).toHaveLength(1);
    expect(r.match('h4321.example.com', '/', 'GET', NONE)?.route.source).toBe('r4321');
  });

  it('keeps the default backend', () => {
    expect(new Router({ routes: [], defaultBackend: backend('def') }).defaultBackend?.service).toBe('def');
  });
});

describe('pickBackend', () => {
  const weighted = (weights: number[]) =>
    new Router({ routes: [{ hosts: [], path: { type: 'Prefix', value: '/' }, source: 'w', backends: weights.map((w, i) => ({ backend: backend(`b${i}`), weight: w })) }] }).match(
      'h',
      '/',
      'GET',
      NONE,
    )!;

  const cases: [string, number[], number, string | undefined][] = [
    ['single backend', [1], 0.99, 'b0'],
    ['first of 1:3', [1, 3], 0.2, 'b0'],
    ['second of 1:3', [1, 3], 0.25, 'b1'],
    ['weight 0 never', [0, 5], 0, 'b1'],
    ['weight 0 never at the top', [5, 0], 0.9999, 'b0'],
    ['all zero: none', [0, 0], 0.5, undefined],
  ];
  for (const [what, weights, random, want] of cases) {
    it(what, () => expect(pickBackend(weighted(weights), random)?.service).toBe(want));
  }

  it('follows the weights over many requests', () => {
    const c = weighted([1, 3]);
    let second = 0;
    for (let i = 0; i < 4000; i++) if (pickBackend(c)!.service === 'b1') second++;
    expect(second / 4000).toBeGreaterThan(0.7);
    expect(second / 4000).toBeLessThan(0.8);
  });
});

describe('targetPath', () => {
  it('drops the query', () => {
    expect(targetPath('/a/b?x=1')).toBe('/a/b');
    expect(targetPath('/a')).toBe('/a');
  });
});
