/**
 * The Gateway API at the federation, with real kubectl on two joined playground clusters: the
 * standard CRDs and the GatewayClass kubefed-global are installed; a Gateway of that class gets
 * the global address and is Programmed; an HTTPRoute with two weighted backendRefs to federated
 * Services is Accepted with its refs resolved, and compiles (compileTraffic on the objects read
 * back) into one route with both shard backends and their weights; a route to a missing Service
 * reports ResolvedRefs False/BackendNotFound until the Service exists, and status is written
 * only when it changes. The playground's edge routes requests for the route's host name by its
 * weights.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTraffic } from '../../src/traffic/config/compile.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west'] as const;
const NS = 'gw';
const WAIT = 30_000;
let fp: FederatedPlayground;

const MANIFESTS = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: ${NS}
spec:
  gatewayClassName: kubefed-global
  listeners:
  - name: http
    port: 80
    protocol: HTTP
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: ${NS}
spec:
  parentRefs:
  - name: edge
  hostnames: ["shop.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    backendRefs:
    - {name: web-v1, port: 80, weight: 90}
    - {name: web-v2, port: 80, weight: 10}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ghost
  namespace: ${NS}
spec:
  parentRefs:
  - name: edge
  hostnames: ["ghost.example.com"]
  rules:
  - backendRefs:
    - {name: nothing-here, port: 80}
`;

const json = async (args: string[]) => JSON.parse(await fp.ok(['--context=federation', ...args, '-o', 'json']));
/** A route's conditions for its first parent, as type -> "Status/Reason". */
async function parentConditions(name: string): Promise<Record<string, string>> {
  const r = await json(['get', 'httproute', name, '-n', NS]);
  const p = (r.status?.parents ?? []).find((x: any) => x.controllerName === 'kubefed.io/global-edge');
  return Object.fromEntries((p?.conditions ?? []).map((c: any) => [c.type, `${c.status}/${c.reason}`]));
}

/** GET / through the edge with a Host header: the status and the answering pod. */
function get(host: string): Promise<{ status: number; pod: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: fp.edgeAddress, port: 80, path: '/', headers: { host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let pod = '';
        try {
          pod = JSON.parse(body).pod ?? '';
        } catch {
          // not a pod's answer
        }
        resolve({ status: res.statusCode ?? 0, pod });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: NAMES.length, nodes: 1, firstOctet: reserveOctets(NAMES.length), names: [...NAMES], edge: true });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (const v of ['web-v1', 'web-v2']) {
    await fp.ok(['--context=federation', 'create', 'deployment', v, '-n', NS, '--image=nginx', `--replicas=${NAMES.length}`]);
    await fp.ok(['--context=federation', 'expose', 'deployment', v, '-n', NS, '--port=80']);
  }
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('Gateway API at the federation', () => {
  it('serves the standard CRDs and the kubefed-global GatewayClass, Accepted', async () => {
    const crd = await json(['get', 'crd', 'httproutes.gateway.networking.k8s.io']);
    expect(crd.spec.versions.map((v: any) => `${v.name}${v.storage ? '*' : ''}`)).toEqual(['v1*', 'v1beta1']);
    expect(crd.metadata.annotations['gateway.networking.k8s.io/channel']).toBe('standard');
    await json(['get', 'crd', 'referencegrants.gateway.networking.k8s.io']);
    const line = await eventually(async () => {
      const out = (await fp.ok(['--context=federation', 'get', 'gatewayclass', 'kubefed-global', '--no-headers'])).trim().split(/\s+/);
      return out[2] === 'True' ? out : undefined;
    }, 'GatewayClass kubefed-global Accepted', WAIT);
    expect(line.slice(0, 3)).toEqual(['kubefed-global', 'kubefed.io/global-edge', 'True']);
  });

  it('programs a Gateway of the class at the global address, and accepts its routes', async () => {
    await fp.ok(['--context=federation', 'apply', '-f', '-'], MANIFESTS);
    const header = (await fp.ok(['--context=federation', 'get', 'gateway', 'edge', '-n', NS])).split('\n')[0]!.trim().split(/\s+/);
    expect(header).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    const row = await eventually(async () => {
      const cols = (await fp.ok(['--context=federation', 'get', 'gateway', 'edge', '-n', NS, '--no-headers'])).trim().split(/\s+/);
      return cols[2] === fp.edgeAddress && cols[3] === 'True' ? cols : undefined;
    }, `Gateway edge PROGRAMMED at ${fp.edgeAddress}`, WAIT);
    expect(row.slice(0, 4)).toEqual(['edge', 'kubefed-global', fp.edgeAddress, 'True']);
    const routes = (await fp.ok(['--context=federation', 'get', 'httproute', '-n', NS])).trim().split('\n');
    expect(routes[0]!.trim().split(/\s+/)).toEqual(['NAME', 'HOSTNAMES', 'AGE']);
    expect(routes.find((l) => l.startsWith('shop '))).toContain('["shop.example.com"]');

    await eventually(async () => (await parentConditions('shop')).ResolvedRefs === 'True/ResolvedRefs', 'route shop ResolvedRefs True', WAIT);
    expect(await parentConditions('shop')).toEqual({ Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
    const route = await json(['get', 'httproute', 'shop', '-n', NS]);
    expect(route.status.parents).toHaveLength(1);
    expect(route.status.parents[0].parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' });
    for (const c of route.status.parents[0].conditions) expect(c.observedGeneration).toBe(route.metadata.generation);

    const gw = await eventually(async () => {
      const g = await json(['get', 'gateway', 'edge', '-n', NS]);
      return g.status?.listeners?.[0]?.attachedRoutes === 2 ? g : undefined;
    }, 'both routes attached to listener http', WAIT);
    expect(gw.status.addresses).toEqual([{ type: 'IPAddress', value: fp.edgeAddress }]);
    const conds = (list: any[]) => Object.fromEntries(list.map((c: any) => [c.type, `${c.status}/${c.reason}`]));
    expect(conds(gw.status.conditions)).toEqual({ Accepted: 'True/Accepted', Programmed: 'True/Programmed' });
    expect(gw.status.listeners[0].supportedKinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]);
    expect(conds(gw.status.listeners[0].conditions)).toEqual({ Accepted: 'True/Accepted', Programmed: 'True/Programmed', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts' });
  });

  it('compiles the route into both shard backends with their weights', async () => {
    const compiled = await eventually(async () => {
      const items = async (args: string[]) => (await json(['get', ...args])).items;
      const c = compileTraffic({
        ingresses: [],
        ingressClasses: [],
        services: await items(['services', '-A']),
        slices: await items(['endpointslices', '-A', '-l', 'multicluster.kubernetes.io/service-name']),
        secrets: [],
        clusters: await items(['clusters']),
        settings: await json(['get', 'configmap', 'kubefed-traffic', '-n', 'kube-federation-system']),
        gatewayClasses: await items(['gatewayclasses']),
        gateways: await items(['gateways', '-A']),
        httpRoutes: await items(['httproutes', '-A']),
        referenceGrants: await items(['referencegrants', '-A']),
        namespaces: await items(['namespaces']),
      });
      const r = c.config.routes.find((x) => x.source === `HTTPRoute ${NS}/shop`);
      // Shards arrive as the members run the pods: one ready endpoint per cluster and version.
      return r && r.backends.every((b) => b.backend.endpoints.filter((e) => e.ready).length === NAMES.length) ? c : undefined;
    }, 'the compiled route with ready endpoints in both clusters', WAIT);
    const shop = compiled.config.routes.filter((x) => x.source === `HTTPRoute ${NS}/shop`);
    expect(shop).toHaveLength(1);
    expect(shop[0]!.hosts).toEqual(['shop.example.com']);
    expect(shop[0]!.path).toEqual({ type: 'Prefix', value: '/' });
    expect(shop[0]!.backends.map((b) => [b.backend.key, b.weight, [...new Set(b.backend.endpoints.map((e) => e.cluster))].sort()])).toEqual([
      [`${NS}/web-v1:80`, 90, [...NAMES].sort()],
      [`${NS}/web-v2:80`, 10, [...NAMES].sort()],
    ]);
    expect(compiled.globalAddresses).toEqual([fp.edgeAddress]);
  });

  it('routes requests for the route\'s host name through the edge by its weights', async () => {
    await eventually(async () => (await get('shop.example.com')).status === 200, 'an answer for shop.example.com through the edge', WAIT);
    const pods = { 'web-v1': 0, 'web-v2': 0 };
    for (let i = 0; i < 200; i++) {
      const a = await get('shop.example.com');
      expect(a.status).toBe(200);
      const v = a.pod.startsWith('web-v1-') ? 'web-v1' : a.pod.startsWith('web-v2-') ? 'web-v2' : undefined;
      expect(v, `answered by pod "${a.pod}"`).toBeDefined();
      pods[v!]++;
    }
    // 90:10 (the chance of seeing no web-v2 in 200 requests is 1e-9).
    expect(pods['web-v2']).toBeGreaterThan(0);
    expect(pods['web-v1']).toBeGreaterThan(pods['web-v2'] * 3);
    expect((await get('elsewhere.example.com')).status).toBe(404);
  });

  it('reports a missing backend as ResolvedRefs False/BackendNotFound, until the Service exists; nothing else is rewritten', async () => {
    await eventually(async () => (await parentConditions('ghost')).ResolvedRefs === 'False/BackendNotFound', 'route ghost ResolvedRefs False', WAIT);
    expect((await parentConditions('ghost')).Accepted).toBe('True/Accepted');
    const ghost = await json(['get', 'httproute', 'ghost', '-n', NS]);
    const rr = ghost.status.parents[0].conditions.find((c: any) => c.type === 'ResolvedRefs');
    expect(rr.message).toContain(`Service "${NS}/nothing-here" does not exist at the federation`);
    const before = await json(['get', 'httproute', 'shop', '-n', NS]);
    const gwBefore = await json(['get', 'gateway', 'edge', '-n', NS]);

    await fp.ok(['--context=federation', 'create', 'service', 'clusterip', 'nothing-here', '-n', NS, '--tcp=80:80']);
    await eventually(async () => (await parentConditions('ghost')).ResolvedRefs === 'True/ResolvedRefs', 'route ghost ResolvedRefs True once the Service exists', WAIT);
    const after = await json(['get', 'httproute', 'ghost', '-n', NS]);
    const rrAfter = after.status.parents[0].conditions.find((c: any) => c.type === 'ResolvedRefs');
    const accepted = (o: any) => o.status.parents[0].conditions.find((c: any) => c.type === 'Accepted');
    expect(accepted(after).lastTransitionTime).toBe(accepted(ghost).lastTransitionTime);
    expect(rrAfter.lastTransitionTime >= rr.lastTransitionTime).toBe(true);
    // The compilation that resolved ghost changed nothing for shop and the Gateway: not written.
    await fp.cp.gateways.idle();
    expect((await json(['get', 'httproute', 'shop', '-n', NS])).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await json(['get', 'gateway', 'edge', '-n', NS])).metadata.resourceVersion).toBe(gwBefore.metadata.resourceVersion);
  });
});
