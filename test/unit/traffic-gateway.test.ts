/**
 * Gateway API compilation (src/traffic/config/gateway.ts through compileTraffic): which routes
 * attach to which listeners (allowedRoutes, sectionName, port, hostname intersection), the
 * routes the edge gets (one per effective hostname, precedence, weights, shard backends), the
 * references (missing Services, ReferenceGrants, kinds, certificates) and the status facts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { compileTraffic, type Compiled, type TrafficObjects } from '../../src/traffic/config/compile.js';
import { effectiveHostnames, type Condition, type HTTPRouteStatus } from '../../src/traffic/config/gateway.js';
import { mergeConditions } from '../../src/federation/traffic/gateway-status-controller.js';
import { createCA, issueCertificate } from '../../src/pki/ca.js';

const GW = 'gateway.networking.k8s.io/v1';
const T0 = '2025-01-01T00:00:00Z';
let uid = 0;

const meta = (namespace: string | undefined, name: string, created = T0, extra: Record<string, unknown> = {}) => ({ ...(namespace ? { namespace } : {}), name, uid: `uid-${++uid}`, generation: 1, creationTimestamp: created, ...extra });
const service = (ns: string, name: string, ports = [{ name: 'http', port: 80 }]): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(ns, name), spec: { ports } });
const slice = (ns: string, svc: string, cluster: string, addresses: string[]): KObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: meta(ns, `${svc}-${cluster}`, T0, { labels: { 'multicluster.kubernetes.io/service-name': svc, 'multicluster.kubernetes.io/source-cluster': cluster } }),
  ports: [{ name: 'http', port: 8080 }],
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
});
const gatewayClass = (name = 'kubefed-global', controllerName = 'kubefed.io/global-edge', spec: Record<string, unknown> = {}): KObject => ({ apiVersion: GW, kind: 'GatewayClass', metadata: meta(undefined, name), spec: { controllerName, ...spec } });
const gateway = (ns: string, name: string, listeners: any[], spec: Record<string, unknown> = {}): KObject => ({ apiVersion: GW, kind: 'Gateway', metadata: meta(ns, name), spec: { gatewayClassName: 'kubefed-global', listeners, ...spec } });
const http = (name = 'http', extra: Record<string, unknown> = {}) => ({ name, port: 80, protocol: 'HTTP', ...extra });
const httpRoute = (ns: string, name: string, spec: Record<string, unknown>, created = T0): KObject => ({ apiVersion: GW, kind: 'HTTPRoute', metadata: meta(ns, name, created), spec });
const backendRef = (name: string, extra: Record<string, unknown> = {}) => ({ name, port: 80, ...extra });
const namespace = (name: string, labels: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(undefined, name, T0, { labels }) });
const settings: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('kube-federation-system', 'kubefed-traffic'), data: { globalAddresses: '127.0.100.1' } };

/** Services web and api in "shop" (two clusters each) and "other". */
const BASE: TrafficObjects = {
  ingresses: [],
  ingressClasses: [],
  services: [service('shop', 'web'), service('shop', 'api'), service('other', 'db')],
  slices: [slice('shop', 'web', 'east', ['10.1.0.1']), slice('shop', 'web', 'west', ['10.2.0.1']), slice('shop', 'api', 'east', ['10.1.0.2']), slice('other', 'db', 'east', ['10.1.0.3'])],
  secrets: [],
  clusters: [],
  settings,
  gatewayClasses: [gatewayClass()],
  gateways: [gateway('shop', 'edge', [http()])],
  httpRoutes: [],
  referenceGrants: [],
  namespaces: [namespace('shop', { team: 'shop' }), namespace('other', { team: 'other' }), namespace('tenant', { team: 'shop' })],
};

const compile = (o: Partial<TrafficObjects>): Compiled => compileTraffic({ ...BASE, ...o });
const routeStatus = (c: Compiled, name: string): HTTPRouteStatus | undefined => c.gatewayApi.httpRoutes.find((r) => r.object.metadata?.name === name);
const cond = (conds: Condition[] | undefined, type: string) => conds?.find((x) => x.type === type);
/** `Accepted/ResolvedRefs` of a route's first parent, as `Status:Reason`. */
function parent(c: Compiled, name: string, i = 0): Record<string, string> {
  const p = routeStatus(c, name)?.parents[i];
  return Object.fromEntries((p?.conditions ?? []).map((x) => [x.type, `${x.status}:${x.reason}`]));
}
const listener = (c: Compiled, gw: string, name: string) => c.gatewayApi.gateways.find((g) => g.object.metadata?.name === gw)?.listeners.find((l) => l.name === name);
const summary = (c: Compiled) => c.config.routes.filter((r) => r.source.startsWith('HTTPRoute')).map((r) => `${r.source.slice(10)} ${r.hosts[0] ?? '*'} ${r.path.type}:${r.path.value}${r.method ? ` ${r.method}` : ''}${r.headers ? ` h${r.headers.length}` : ''}`);

describe('effectiveHostnames (listener hostname ∩ route hostnames)', () => {
  const cases: [string | undefined, string[], string[]][] = [
    [undefined, [], ['']],
    [undefined, ['a.example.com'], ['a.example.com']],
    ['a.example.com', [], ['a.example.com']],
    ['a.example.com', ['a.example.com', 'b.example.com'], ['a.example.com']],
    ['a.example.com', ['*.example.com'], ['a.example.com']],
    ['*.example.com', ['a.example.com', 'x.y.example.com', 'example.com', 'a.example.net'], ['a.example.com', 'x.y.example.com']],
    ['*.example.com', ['*.example.com'], ['*.example.com']],
    ['*.example.com', ['*.foo.example.com'], ['*.foo.example.com']],
    ['*.foo.example.com', ['*.example.com'], ['*.foo.example.com']],
    ['*.example.com', ['*.example.net'], []],
    ['a.example.com', ['b.example.com'], []],
  ];
  it.each(cases)('listener %s, route %j -> %j', (l, r, want) => {
    expect(effectiveHostnames(l, r)).toEqual(want);
  });
});

describe('attachment', () => {
  const attached = (listeners: any[], parentRef: Record<string, unknown>, hostnames: string[] = [], ns = 'shop') =>
    compile({ gateways: [gateway('shop', 'edge', listeners)], httpRoutes: [httpRoute(ns, 'r', { parentRefs: [{ name: 'edge', namespace: 'shop', ...parentRef }], hostnames, rules: [{ backendRefs: [backendRef(ns === 'shop' ? 'web' : 'db')] }] })] });
  const cases: [string, any[], Record<string, unknown>, string[], string, string, number[]][] = [
    // description, listeners, parentRef extras, route hostnames, route namespace, Accepted, attachedRoutes per listener
    ['same namespace, no hostnames', [http()], {}, [], 'shop', 'True:Accepted', [1]],
    ['from Same rejects another namespace', [http()], {}, [], 'other', 'False:NotAllowedByListeners', [0]],
    ['from All admits another namespace', [http('http', { allowedRoutes: { namespaces: { from: 'All' } } })], {}, [], 'other', 'True:Accepted', [1]],
    ['from Selector, labels match', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'other' } } } } })], {}, [], 'other', 'True:Accepted', [1]],
    ['from Selector, by kubernetes.io/metadata.name', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['other'] }] } } } })], {}, [], 'other', 'True:Accepted', [1]],
    ['from Selector, labels do not match', [http('http', { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'shop' } } } } })], {}, [], 'other', 'False:NotAllowedByListeners', [0]],
    ['kinds without HTTPRoute', [http('http', { allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } })], {}, [], 'shop', 'False:NotAllowedByListeners', [0]],
    ['sectionName picks one listener', [http('a', { hostname: 'a.example.com' }), http('b', { hostname: 'b.example.com' })], { sectionName: 'b' }, [], 'shop', 'True:Accepted', [0, 1]],
    ['no listener of that sectionName', [http()], { sectionName: 'nope' }, [], 'shop', 'False:NoMatchingParent', [0]],
    ['no listener on that port', [http()], { port: 8080 }, [], 'shop', 'False:NoMatchingParent', [0]],
    ['port matches', [http()], { port: 80 }, [], 'shop', 'True:Accepted', [1]],
    ['hostnames intersect one listener', [http('a', { hostname: 'a.example.com' }), http('b', { hostname: '*.example.net' })], {}, ['x.example.net'], 'shop', 'True:Accepted', [0, 1]],
    ['hostnames intersect no listener', [http('a', { hostname: 'a.example.com' })], {}, ['b.example.com'], 'shop', 'False:NoMatchingListenerHostname', [0]],
  ];
  it.each(cases)('%s', (_d, listeners, ref, hostnames, ns, accepted, counts) => {
    const c = attached(listeners, ref, hostnames, ns);
    expect(parent(c, 'r').Accepted).toBe(accepted);
    expect(listeners.map((l) => listener(c, 'edge', l.name)?.attachedRoutes)).toEqual(counts);
    expect(summary(c).length > 0).toBe(accepted === 'True:Accepted');
  });

  it('parents of other controllers, and Gateways that do not exist, get no status from us', () => {
    const c = compile({
      gatewayClasses: [gatewayClass(), gatewayClass('nginx', 'example.com/nginx')],
      gateways: [gateway('shop', 'edge', [http()]), { ...gateway('shop', 'theirs', [http()]), spec: { gatewayClassName: 'nginx', listeners: [http()] } }],
      httpRoutes: [httpRoute('shop', 'r', { parentRefs: [{ name: 'theirs' }, { name: 'ghost' }, { name: 'edge' }, { kind: 'Service', group: '', name: 'web' }], rules: [{ backendRefs: [backendRef('web')] }] })],
    });
    const s = routeStatus(c, 'r')!;
    expect(s.parents.map((p) => p.parentRef)).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
    expect(s.parents[0]!.controllerName).toBe('kubefed.io/global-edge');
    expect(c.gatewayApi.gateways.map((g) => g.object.metadata?.name)).toEqual(['edge']);
  });

  it('a route that left our Gateways is listed with no parents, so its old entries are removed', () => {
    const r = { ...httpRoute('shop', 'r', { parentRefs: [{ name: 'elsewhere' }] }), status: { parents: [{ parentRef: { name: 'edge' }, controllerName: 'kubefed.io/global-edge', conditions: [] }] } };
    expect(routeStatus(compile({ httpRoutes: [r] }), 'r')?.parents).toEqual([]);
    expect(routeStatus(compile({ httpRoutes: [{ ...r, status: {} }] }), 'r')).toBeUndefined();
  });
});

describe('routes for the edge', () => {
  it('one route per effective hostname and match, with the weighted shard backends', () => {
    const c = compile({
      gateways: [gateway('shop', 'edge', [http('a', { hostname: 'a.example.com' }), http('w', { hostname: '*.example.com' })])],
      httpRoutes: [
        httpRoute('shop', 'r', {
          parentRefs: [{ name: 'edge' }],
          hostnames: ['a.example.com', 'b.example.com', 'c.example.org'],
          rules: [{ matches: [{ path: { type: 'Exact', value: '/cart' } }, { path: { type: 'PathPrefix', value: '/api' }, method: 'get', headers: [{ name: 'X-Canary', value: 'yes' }, { name: 'x-canary', value: 'ignored' }] }], backendRefs: [backendRef('web', { weight: 3 }), backendRef('api'), backendRef('web', { weight: 0 })] }],
        }),
      ],
    });
    expect(summary(c)).toEqual(['shop/r a.example.com Exact:/cart', 'shop/r b.example.com Exact:/cart', 'shop/r a.example.com Prefix:/api GET h1', 'shop/r b.example.com Prefix:/api GET h1']);
    const r = c.config.routes.find((x) => x.method === 'GET')!;
    expect(r.headers).toEqual([{ name: 'x-canary', type: 'Exact', value: 'yes' }]);
    expect(r.backends.map((b) => [b.backend.key, b.weight, b.backend.endpoints.map((e) => e.id)])).toEqual([
      ['shop/web:80', 3, ['east/10.1.0.1:8080', 'west/10.2.0.1:8080']],
      ['shop/api:80', 1, ['east/10.1.0.2:8080']],
      ['shop/web:80', 0, ['east/10.1.0.1:8080', 'west/10.2.0.1:8080']],
    ]);
    expect(parent(c, 'r')).toEqual({ Accepted: 'True:Accepted', ResolvedRefs: 'True:ResolvedRefs' });
  });

  it('orders routes as the Gateway API specifies, and keeps Ingress routes as they were', () => {
    const rules = (...paths: [string, string][]) => paths.map(([type, value]) => ({ matches: [{ path: { type, value } }], backendRefs: [backendRef('web')] }));
    const ingress: KObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('shop', 'ing', '2024-06-01T00:00:00Z'), spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/legacy', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } };
    const c = compile({
      ingresses: [ingress],
      httpRoutes: [
        httpRoute('shop', 'younger', { parentRefs: [{ name: 'edge' }], hostnames: ['shop.example.com'], rules: [...rules(['PathPrefix', '/a']), { matches: [{ path: { value: '/a' }, method: 'POST' }, { path: { value: '/a' }, headers: [{ name: 'x', value: '1' }] }], backendRefs: [backendRef('web')] }] }, '2025-03-01T00:00:00Z'),
        httpRoute('shop', 'older', { parentRefs: [{ name: 'edge' }], hostnames: ['shop.example.com'], rules: rules(['PathPrefix', '/a'], ['Exact', '/a'], ['PathPrefix', '/a/b'], ['RegularExpression', '/a.*']) }, '2025-02-01T00:00:00Z'),
        httpRoute('shop', 'wild', { parentRefs: [{ name: 'edge' }], hostnames: ['*.example.com'], rules: rules(['Exact', '/a']) }, '2025-01-01T00:00:00Z'),
        httpRoute('shop', 'any', { parentRefs: [{ name: 'edge' }], rules: rules(['Exact', '/a']) }, '2024-01-01T00:00:00Z'),
      ],
    });
    expect(summary(c)).toEqual([
      'shop/older shop.example.com Exact:/a',
      'shop/older shop.example.com Prefix:/a/b',
      'shop/younger shop.example.com Prefix:/a POST',
      'shop/younger shop.example.com Prefix:/a h1',
      'shop/older shop.example.com Prefix:/a',
      'shop/younger shop.example.com Prefix:/a',
      'shop/older shop.example.com RegularExpression:/a.*',
      'shop/wild *.example.com Exact:/a',
      'shop/any * Exact:/a',
    ]);
    // The Ingress rule keeps its place among the exact host's prefixes (longer /legacy first).
    expect(c.config.routes.map((r) => r.source).indexOf('Ingress shop/ing')).toBe(1);
    expect(c.served.map((i) => i.metadata?.name)).toEqual(['ing']);
  });

  it('drops rules the edge cannot serve: PartiallyInvalid, or not Accepted when none is left', () => {
    const c = compile({
      httpRoutes: [
        httpRoute('shop', 'partly', {
          parentRefs: [{ name: 'edge' }],
          rules: [
            { backendRefs: [backendRef('web')] },
            { matches: [{ path: { value: '/x' } }], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] } }], backendRefs: [backendRef('web')] },
            { matches: [{ path: { value: '/q' }, queryParams: [{ name: 'v', value: '1' }] }], backendRefs: [backendRef('web')] },
          ],
        }),
        httpRoute('shop', 'none', { parentRefs: [{ name: 'edge' }], rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/(' } }], backendRefs: [backendRef('web')] }] }),
      ],
    });
    expect(parent(c, 'partly')).toEqual({ Accepted: 'True:Accepted', PartiallyInvalid: 'True:UnsupportedValue', ResolvedRefs: 'True:ResolvedRefs' });
    expect(cond(routeStatus(c, 'partly')!.parents[0]!.conditions, 'PartiallyInvalid')!.message).toMatch(/^Dropped Rules: spec\.rules\[1\]: filters \(RequestHeaderModifier\) are not supported.*; spec\.rules\[2\]: matches\[0\]\.queryParams/);
    expect(summary(c)).toEqual(['shop/partly * Prefix:/']);
    expect(parent(c, 'none').Accepted).toBe('False:UnsupportedValue');
    expect(listener(c, 'edge', 'http')?.attachedRoutes).toBe(2);
    expect(c.problems.filter((p) => p.object.kind === 'HTTPRoute').map((p) => `${p.object.name} ${p.reason}`)).toEqual(['none UnsupportedValue', 'partly UnsupportedValue', 'partly UnsupportedValue']);
  });
});

describe('backendRefs', () => {
  const grant = (ns: string, from: string, to: Record<string, unknown>): KObject => ({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: meta(ns, `from-${from}`), spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: from }], to: [{ group: '', kind: 'Service', ...to }] } });
  const cases: [string, Record<string, unknown>, KObject[], string, number][] = [
    // description, backendRef, grants, ResolvedRefs, endpoints of the backend
    ['a Service of the route namespace', backendRef('web'), [], 'True:ResolvedRefs', 2],
    ['a Service that does not exist', backendRef('nothing'), [], 'False:BackendNotFound', 0],
    ['a port the Service does not have', backendRef('web', { port: 81 }), [], 'False:BackendNotFound', 0],
    ['no port', { name: 'web' }, [], 'False:BackendNotFound', 0],
    ['another namespace without a grant', backendRef('db', { namespace: 'other' }), [], 'False:RefNotPermitted', 0],
    ['another namespace with a grant', backendRef('db', { namespace: 'other' }), [grant('other', 'shop', {})], 'True:ResolvedRefs', 1],
    ['a grant naming the Service', backendRef('db', { namespace: 'other' }), [grant('other', 'shop', { name: 'db' })], 'True:ResolvedRefs', 1],
    ['a grant naming another Service', backendRef('db', { namespace: 'other' }), [grant('other', 'shop', { name: 'cache' })], 'False:RefNotPermitted', 0],
    ['a grant to another namespace', backendRef('db', { namespace: 'other' }), [grant('other', 'tenant', {})], 'False:RefNotPermitted', 0],
    ['a grant in the wrong namespace', backendRef('db', { namespace: 'other' }), [grant('shop', 'shop', {})], 'False:RefNotPermitted', 0],
    ['another kind', backendRef('web', { group: 'multicluster.x-k8s.io', kind: 'ServiceImport' }), [], 'False:InvalidKind', 0],
  ];
  it.each(cases)('%s', (_d, ref, referenceGrants, resolved, endpoints) => {
    const c = compile({ referenceGrants, httpRoutes: [httpRoute('shop', 'r', { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [ref] }] })] });
    expect(parent(c, 'r')).toEqual({ Accepted: 'True:Accepted', ResolvedRefs: resolved });
    // The route is still served: requests for an unresolved backend fail, the others are unaffected.
    expect(c.config.routes[0]!.backends[0]!.backend.endpoints.length).toBe(endpoints);
  });

  it('names every unresolved reference, the first reason first', () => {
    const c = compile({ httpRoutes: [httpRoute('shop', 'r', { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [backendRef('web'), backendRef('db', { namespace: 'other' })] }, { backendRefs: [backendRef('gone')] }] })] });
    const rr = cond(routeStatus(c, 'r')!.parents[0]!.conditions, 'ResolvedRefs')!;
    expect(rr).toMatchObject({ status: 'False', reason: 'RefNotPermitted', observedGeneration: 1 });
    expect(rr.message).toBe(
      'spec.rules[0].backendRefs[1]: Service "other/db" is in another namespace and no ReferenceGrant there allows HTTPRoutes of "shop" to refer to it; spec.rules[1].backendRefs[0]: Service "shop/gone" does not exist at the federation; requests for it are answered 503',
    );
    expect(c.problems.map((p) => p.reason).sort()).toEqual(['BackendNotFound', 'RefNotPermitted']);
  });
});

describe('Gateways and listeners', () => {
  let certSecret: KObject;
  beforeAll(async () => {
    const ca = await createCA('test-ca');
    const cert = await issueCertificate(ca, { commonName: 'secure.example.com', dnsNames: ['secure.example.com'], usage: 'server' });
    certSecret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: meta('certs', 'secure'), data: { 'tls.crt': Buffer.from(cert.certPem).toString('base64'), 'tls.key': Buffer.from(cert.keyPem).toString('base64') } };
  });
  const https = (certificateRefs: any[], extra: Record<string, unknown> = {}) => ({ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'secure.example.com', tls: { certificateRefs }, ...extra });
  const listenerConds = (c: Compiled, name: string) => Object.fromEntries(listener(c, 'edge', name)!.conditions.map((x) => [x.type, `${x.status}:${x.reason}`]));
  const gatewayConds = (c: Compiled) => Object.fromEntries(c.gatewayApi.gateways[0]!.conditions.map((x) => [x.type, `${x.status}:${x.reason}`]));
  const certGrant: KObject = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: meta('certs', 'gateways'), spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'shop' }], to: [{ group: '', kind: 'Secret' }] } };

  it('an HTTP listener: accepted, programmed, the global address', () => {
    const c = compile({});
    expect(gatewayConds(c)).toEqual({ Accepted: 'True:Accepted', Programmed: 'True:Programmed' });
    expect(c.gatewayApi.gateways[0]!.addresses).toEqual([{ type: 'IPAddress', value: '127.0.100.1' }]);
    expect(listener(c, 'edge', 'http')).toMatchObject({ supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], attachedRoutes: 0 });
    expect(listenerConds(c, 'http')).toEqual({ Accepted: 'True:Accepted', Programmed: 'True:Programmed', ResolvedRefs: 'True:ResolvedRefs', Conflicted: 'False:NoConflicts' });
    expect(c.gatewayApi.gatewayClasses.map((g) => [g.object.metadata?.name, g.conditions[0]!.status, g.supportedFeatures.length])).toEqual([['kubefed-global', 'True', 5]]);
  });

  it('no global address yet: not programmed', () => {
    const c = compile({ settings: { ...settings, data: {} } });
    expect(gatewayConds(c)).toEqual({ Accepted: 'True:Accepted', Programmed: 'False:AddressNotAssigned' });
    expect(c.gatewayApi.gateways[0]!.addresses).toEqual([]);
  });

  it('requested addresses: the edge\'s own are fine, others are not usable', () => {
    expect(gatewayConds(compile({ gateways: [gateway('shop', 'edge', [http()], { addresses: [{ type: 'IPAddress', value: '127.0.100.1' }] })] }))).toEqual({ Accepted: 'True:Accepted', Programmed: 'True:Programmed' });
    expect(gatewayConds(compile({ gateways: [gateway('shop', 'edge', [http()], { addresses: [{ type: 'IPAddress', value: '10.9.9.9' }] })] })).Programmed).toBe('False:AddressNotUsable');
    expect(gatewayConds(compile({ gateways: [gateway('shop', 'edge', [http()], { addresses: [{ type: 'NamedAddress', value: 'pool' }] })] })).Accepted).toBe('False:UnsupportedAddress');
  });

  const listenerCases: [string, any[], string, Record<string, string>][] = [
    ['unsupported protocol', [http(), { name: 'tcp', port: 5432, protocol: 'TCP' }], 'tcp', { Accepted: 'False:UnsupportedProtocol', Programmed: 'False:Invalid', ResolvedRefs: 'True:ResolvedRefs', Conflicted: 'False:NoConflicts' }],
    ['HTTP on another port', [http(), http('alt', { port: 8080 })], 'alt', { Accepted: 'False:PortUnavailable', Programmed: 'False:Invalid', ResolvedRefs: 'True:ResolvedRefs', Conflicted: 'False:NoConflicts' }],
    ['same port, protocol and hostname', [http(), http('again')], 'again', { Accepted: 'False:HostnameConflict', Programmed: 'False:Invalid', ResolvedRefs: 'True:ResolvedRefs', Conflicted: 'True:HostnameConflict' }],
    ['unsupported route kinds', [http('http', { allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'TCPRoute' }] } })], 'http', { Accepted: 'True:Accepted', Programmed: 'True:Programmed', ResolvedRefs: 'False:InvalidRouteKinds', Conflicted: 'False:NoConflicts' }],
  ];
  it.each(listenerCases)('%s', (_d, listeners, name, want) => {
    const c = compile({ gateways: [gateway('shop', 'edge', listeners)] });
    expect(listenerConds(c, name)).toEqual(want);
  });

  it('no listener can be served: the Gateway is not accepted', () => {
    const c = compile({ gateways: [gateway('shop', 'edge', [{ name: 'udp', port: 53, protocol: 'UDP' }])] });
    expect(gatewayConds(c)).toEqual({ Accepted: 'False:ListenersNotValid', Programmed: 'False:Invalid' });
    expect(gatewayConds(compile({ gateways: [gateway('shop', 'edge', [http(), { name: 'udp', port: 53, protocol: 'UDP' }])] })).Accepted).toBe('True:ListenersNotValid');
  });

  const tlsCases: [string, any[], KObject[], string, number][] = [
    // description, certificateRefs, grants, ResolvedRefs, certificates
    ['a Secret of another namespace with a grant', [{ name: 'secure', namespace: 'certs' }], [certGrant], 'True:ResolvedRefs', 1],
    ['without a grant', [{ name: 'secure', namespace: 'certs' }], [], 'False:RefNotPermitted', 0],
    ['a Secret that does not exist', [{ name: 'missing' }], [], 'False:InvalidCertificateRef', 0],
    ['not a Secret', [{ name: 'secure', namespace: 'certs', group: 'cert-manager.io', kind: 'Certificate' }], [certGrant], 'False:InvalidCertificateRef', 0],
    ['no certificateRefs', [], [], 'False:InvalidCertificateRef', 0],
  ];
  it.each(tlsCases)('HTTPS: %s', (_d, refs, referenceGrants, resolved, certs) => {
    const c = compile({ secrets: [certSecret], referenceGrants, gateways: [gateway('shop', 'edge', [https(refs)])], httpRoutes: [httpRoute('shop', 'r', { parentRefs: [{ name: 'edge', sectionName: 'https' }], rules: [{ backendRefs: [backendRef('web')] }] })] });
    expect(listenerConds(c, 'https').ResolvedRefs).toBe(resolved);
    expect(listenerConds(c, 'https').Programmed).toBe(certs ? 'True:Programmed' : 'False:Invalid');
    expect(c.config.certificates.map((x) => [x.hosts, x.source])).toEqual(certs ? [[['secure.example.com'], 'Secret certs/secure']] : []);
    // Attached either way; served only through a programmed listener.
    expect(listener(c, 'edge', 'https')?.attachedRoutes).toBe(1);
    expect(summary(c)).toEqual(certs ? ['shop/r secure.example.com Prefix:/'] : []);
  });

  it('only classes of the edge, and a class with parameters is not accepted', () => {
    const c = compile({ gatewayClasses: [gatewayClass('kubefed-global', 'kubefed.io/global-edge', { parametersRef: { group: 'example.com', kind: 'Config', name: 'x' } }), gatewayClass('other', 'example.com/lb')] });
    expect(c.gatewayApi.gatewayClasses.map((g) => `${g.object.metadata?.name} ${g.conditions[0]!.status}:${g.conditions[0]!.reason}`)).toEqual(['kubefed-global False:InvalidParameters']);
    expect(gatewayConds(c)).toEqual({ Accepted: 'False:Invalid', Programmed: 'False:Invalid' });
  });
});

describe('mergeConditions', () => {
  const d = (type: string, status: Condition['status'], reason = type): Condition => ({ type, status, reason, message: 'm', observedGeneration: 2 });
  it('keeps lastTransitionTime while the status stays, other types, and drops own types no longer set', () => {
    const existing = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'old', observedGeneration: 1, lastTransitionTime: '2025-01-01T00:00:00Z' },
      { type: 'example.com/Custom', status: 'True', reason: 'X', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' },
      { type: 'PartiallyInvalid', status: 'True', reason: 'UnsupportedValue', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' },
      { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' },
    ];
    const out = mergeConditions(existing, [d('Accepted', 'True'), d('ResolvedRefs', 'False', 'BackendNotFound'), d('Programmed', 'True')], '2025-02-02T00:00:00Z');
    expect(out.map((x) => [x.type, x.status, x.reason, x.lastTransitionTime, x.observedGeneration])).toEqual([
      ['Accepted', 'True', 'Accepted', '2025-01-01T00:00:00Z', 2],
      ['example.com/Custom', 'True', 'X', '2025-01-01T00:00:00Z', undefined],
      ['ResolvedRefs', 'False', 'BackendNotFound', '2025-02-02T00:00:00Z', 2],
      ['Programmed', 'True', 'Programmed', '2025-02-02T00:00:00Z', 2],
    ]);
  });
});
