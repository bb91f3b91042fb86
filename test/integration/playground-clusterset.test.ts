/**
 * A simulated cluster's MCS data plane and cluster DNS on their own (no federation: the
 * ServiceImport and its EndpointSlices are written here as the federation's MCS controller
 * writes them; other clusters' endpoints are pod servers posing as theirs):
 * - the ClusterSetIP (127.O.202.x) forwards TCP to this cluster's endpoints first, then the same
 *   region's, then the nearest region's (Iowa -> Belgium before Taiwan); refused connections fail
 *   over at once (a steady stream of requests sees no failure), endpoints leaving the slices are
 *   no longer used, and traffic comes back when the local pods do;
 * - the cluster DNS on 127.O.0.10:53: cluster.local, clusterset.local (A, SRV, dns-version,
 *   headless per-endpoint names) and the federation's names (local answer, else CNAME).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { serviceImportCrd } from '../../src/federation/crds/mcs-crds.js';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES, type GR, type InternalClient } from '../../src/playground/cluster/client.js';
import { EndpointSliceController } from '../../src/playground/cluster/controllers/endpointslices.js';
import { ClusterDns } from '../../src/playground/cluster/network/cluster-dns.js';
import { ClusterSetIpController } from '../../src/playground/cluster/network/clusterset-ip.js';
import { LoadBalancerController } from '../../src/playground/cluster/network/load-balancer.js';
import { startPodServer, type PodServer } from '../../src/playground/cluster/pod-server.js';
import { testNodes } from '../helpers/cluster-runtime.js';
import { dataOf, dig, getFrom, stream } from '../helpers/cluster-dns.js';
import { eventually } from '../helpers/eventually.js';
import { pod, service, startCluster, type NetworkTestCluster } from '../helpers/playground-network.js';

const CRDS: GR = ['apiextensions.k8s.io', 'customresourcedefinitions'];
const IMPORTS: GR = ['multicluster.x-k8s.io', 'serviceimports'];
const REGIONS: Record<string, string> = { 'gce-us-central1-b': 'us-central1', 'gce-europe-west1-b': 'europe-west1', 'gce-asia-east1-a': 'asia-east1' };

let c: NetworkTestCluster;
let client: InternalClient;
let dns: ClusterDns;
let me: string;
let octet: number;
const remote: Record<string, { ip: string; server?: PodServer }> = {};

const dnsIP = () => c.runtime.addresses.dns();
const setIP = () => `127.${octet}.202.5`;
const clientIP = () => `127.${octet}.250.1`;

function mcsSlice(name: string, cluster: string, endpoints: { ip: string; ready?: boolean; hostname?: string; zone?: string }[], port: number): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-${cluster}-abc`, namespace: 'default', labels: { 'multicluster.kubernetes.io/service-name': name, 'multicluster.kubernetes.io/source-cluster': cluster, 'endpointslice.kubernetes.io/managed-by': 'mcs.kubefed.io' } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}), ...(e.zone ? { zone: e.zone } : {}) })),
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

async function startRemote(cluster: string, ip: string): Promise<void> {
  const zone = `${REGIONS[cluster]}-${cluster.slice(-1)}`;
  remote[cluster] = {
    ip,
    server: await startPodServer({
      ip,
      port: 8080,
      identity: { pod: `web-${cluster}`, namespace: 'default', node: `${cluster}-node-0`, cluster, zone, region: REGIONS[cluster]!, container: 'web', image: 'nginx', podIP: ip },
      behaviour: () => ({ latencyMs: 0, errorRate: 0 }),
    }),
  };
}

beforeAll(async () => {
  c = await startCluster({
    nodes: testNodes(3, { region: 'us-central1', zones: ['us-central1-a'] }),
    components: (t) => [
      new EndpointSliceController(t.runtime),
      new LoadBalancerController(t.runtime),
      new ClusterSetIpController(t.runtime, (name) => REGIONS[name]),
      (dns = new ClusterDns(t.runtime, { federation: { name: 'federation', domain: 'kubefed.example' } })),
    ],
  });
  client = c.runtime.client('test');
  me = c.runtime.spec.name;
  octet = c.runtime.addresses.octet;
  await client.create(CRDS, '', serviceImportCrd);
  await eventually(() => !!c.runtime.api.registry.byGroupResource('multicluster.x-k8s.io', 'serviceimports'), 'ServiceImport served');
  await eventually(() => client.list(NODES).length === 3, 'nodes registered');
  for (let i = 0; i < 3; i++) await client.create(PODS, 'default', pod(`web-${i}`, { app: 'web' }, [{ name: 'http', containerPort: 8080 }]));
  await client.create(SERVICES, 'default', service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }));
  await startRemote('gce-us-central1-b', `127.${octet}.150.1`);
  await startRemote('gce-europe-west1-b', `127.${octet}.151.1`);
  await startRemote('gce-asia-east1-a', `127.${octet}.152.1`);
  await eventually(() => dns.address, 'the cluster DNS listening');
}, 60_000);

afterAll(async () => {
  for (const r of Object.values(remote)) await r.server?.close();
  await c?.stop();
});

const readyPodIPs = () =>
  client
    .list(PODS, 'default', { matchLabels: { app: 'web' } })
    .filter((p) => p.status?.conditions?.some((x: KObject) => x.type === 'Ready' && x.status === 'True'))
    .map((p) => p.status.podIP as string);

describe('the ClusterSetIP', () => {
  it('listens on the import address and serves from this cluster first', async () => {
    const ips = await eventually(() => (readyPodIPs().length === 3 ? readyPodIPs() : undefined), 'three ready pods');
    await client.create(IMPORTS, 'default', { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterSetIP', ips: [setIP()], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    await client.create(ENDPOINT_SLICES, 'default', mcsSlice('web', me, ips.map((ip) => ({ ip, zone: 'us-central1-a' })), 8080));
    for (const [cluster, r] of Object.entries(remote)) await client.create(ENDPOINT_SLICES, 'default', mcsSlice('web', cluster, [{ ip: r.ip, zone: `${REGIONS[cluster]}-${cluster.slice(-1)}` }], 8080));
    const first = await eventually(() => getFrom(clientIP(), setIP(), 80), 'an answer through the ClusterSetIP');
    expect(first.cluster).toBe(me);
    const clusters = new Set<string>();
    for (let i = 0; i < 10; i++) clusters.add((await getFrom(clientIP(), setIP(), 80)).cluster);
    expect([...clusters]).toEqual([me]);
  });

  it('fails over on refusal: same region, then the nearest region, then back; no failed request', async () => {
    const s = stream(clientIP(), setIP(), 80, 10);
    await new Promise((r) => setTimeout(r, 200));
    // Every node loses power: the local pods refuse connections (their endpoints still look ready here).
    await s.between(() => {
      for (const n of c.runtime.spec.nodes) c.runtime.power.set(n.name, false);
    });
    await eventually(() => s.log.at(-1)?.cluster === 'gce-us-central1-b', 'served by the same region');
    await new Promise((r) => setTimeout(r, 300));
    await s.between(async () => {
      await remote['gce-us-central1-b']!.server!.close();
      delete remote['gce-us-central1-b']!.server;
    });
    // Belgium is nearer to Iowa than Taiwan.
    await eventually(() => s.log.at(-1)?.cluster === 'gce-europe-west1-b', 'served by the nearest region');
    await new Promise((r) => setTimeout(r, 300));
    // An endpoint leaving the slices (not ready) is not used, although it still answers.
    await client.modify(ENDPOINT_SLICES, 'default', 'web-gce-europe-west1-b-abc', (o) => {
      o.endpoints[0].conditions.ready = false;
    });
    await eventually(() => s.log.at(-1)?.cluster === 'gce-asia-east1-a', 'served by the next region');
    await new Promise((r) => setTimeout(r, 300));
    await s.between(() => {
      for (const n of c.runtime.spec.nodes) c.runtime.power.set(n.name, true);
    });
    await eventually(() => s.log.at(-1)?.cluster === me, 'served locally again', 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const log = await s.stop();
    expect(log.filter((l) => l.error)).toEqual([]);
    // In order: local, us-central1-b, europe-west1-b, asia-east1-a, local.
    const order = log.map((l) => l.cluster).filter((x, i, all) => x !== all[i - 1]);
    expect(order).toEqual([me, 'gce-us-central1-b', 'gce-europe-west1-b', 'gce-asia-east1-a', me]);
  }, 60_000);

  it('stops listening when the import goes', async () => {
    await client.delete(IMPORTS, 'default', 'web');
    await eventually(async () => {
      try {
        await getFrom(clientIP(), setIP(), 80, 1_000);
        return false;
      } catch (e) {
        return /ECONNREFUSED/.test((e as Error).message);
      }
    }, 'the ClusterSetIP refusing');
    for (const cl of [me, ...Object.keys(remote)]) await client.delete(ENDPOINT_SLICES, 'default', `web-${cl}-abc`);
  });
});

describe('the cluster DNS', () => {
  it('answers cluster.local names of Services', async () => {
    const clusterIP = client.get(SERVICES, 'default', 'web')!.spec.clusterIP as string;
    const a = await dig(dnsIP(), 'web.default.svc.cluster.local');
    expect(a.status).toBe('NOERROR');
    expect(dataOf(a, 'A')).toEqual([clusterIP]);
    expect(dataOf(await dig(dnsIP(), '_http._tcp.web.default.svc.cluster.local', 'SRV'), 'SRV')).toEqual(['0 100 80 web.default.svc.cluster.local']);
    expect((await dig(dnsIP(), 'nothing.default.svc.cluster.local')).status).toBe('NXDOMAIN');
    expect(dataOf(await dig(dnsIP(), 'dns-version.cluster.local', 'TXT', { tcp: true }), 'TXT')).toEqual(['"1.1.0"']);
  });

  it('answers clusterset.local names of imports', async () => {
    await client.create(IMPORTS, 'default', { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterSetIP', ips: [setIP()], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    await client.create(IMPORTS, 'default', { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'db', namespace: 'default' }, spec: { type: 'Headless', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } });
    await client.create(ENDPOINT_SLICES, 'default', mcsSlice('db', 'gce-europe-west1-b', [{ ip: '10.1.0.5', hostname: 'db-0' }, { ip: '10.1.0.6', ready: false, hostname: 'db-1' }], 8080));
    await client.create(ENDPOINT_SLICES, 'default', mcsSlice('db', 'gce-asia-east1-a', [{ ip: '10.2.0.5', hostname: 'db-0' }], 8080));
    const a = await eventually(async () => {
      const r = await dig(dnsIP(), 'web.default.svc.clusterset.local');
      return r.answer.length ? r : undefined;
    }, 'the ClusterSetIP in DNS');
    expect(dataOf(a, 'A')).toEqual([setIP()]);
    expect(dataOf(await dig(dnsIP(), '_http._tcp.web.default.svc.clusterset.local', 'SRV'), 'SRV')).toEqual(['0 100 80 web.default.svc.clusterset.local']);
    expect(dataOf(await dig(dnsIP(), 'dns-version.clusterset.local', 'TXT'), 'TXT')).toEqual(['"1.0.0"']);
    expect(dataOf(await dig(dnsIP(), 'db.default.svc.clusterset.local'), 'A')).toEqual(['10.1.0.5', '10.2.0.5']);
    expect(dataOf(await dig(dnsIP(), 'db-0.gce-europe-west1-b.db.default.svc.clusterset.local'), 'A')).toEqual(['10.1.0.5']);
    expect((await dig(dnsIP(), 'db-1.gce-europe-west1-b.db.default.svc.clusterset.local')).status).toBe('NXDOMAIN');
    expect(dataOf(await dig(dnsIP(), '_http._tcp.db.default.svc.clusterset.local', 'SRV'), 'SRV')).toEqual([
      '0 50 8080 db-0.gce-asia-east1-a.db.default.svc.clusterset.local',
      '0 50 8080 db-0.gce-europe-west1-b.db.default.svc.clusterset.local',
    ]);
    // No record singles out one cluster's backends (an empty non-terminal: NODATA).
    const perCluster = await dig(dnsIP(), 'gce-europe-west1-b.db.default.svc.clusterset.local');
    expect([perCluster.status, perCluster.answer]).toEqual(['NOERROR', []]);
    // Reverse lookup of the ClusterSetIP.
    expect(dataOf(await dig(dnsIP(), `5.202.${octet}.127.in-addr.arpa`, 'PTR'), 'PTR')).toEqual(['web.default.svc.clusterset.local']);
  });

  it("answers the federation's names: the local load balancer while it has a ready endpoint, else a CNAME to the zone name", async () => {
    await client.create(SERVICES, 'default', service('nginx', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 8081, targetPort: 8080, protocol: 'TCP' }] }));
    const lb = await eventually(() => client.get(SERVICES, 'default', 'nginx')?.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined, 'a load-balancer address');
    for (const name of ['nginx.default.federation.svc.cluster.local', 'nginx.default.federation']) {
      const a = await eventually(async () => {
        const r = await dig(dnsIP(), name);
        return dataOf(r, 'A').length ? r : undefined;
      }, `${name} answered locally`);
      expect(dataOf(a, 'A')).toEqual([lb]);
    }
    await client.modify(SERVICES, 'default', 'nginx', (o) => {
      o.spec.selector = { app: 'nothing' };
    });
    const zoneName = 'nginx.default.federation.svc.us-central1-a.us-central1.kubefed.example';
    for (const name of ['nginx.default.federation.svc.cluster.local', 'nginx.default.federation']) {
      const a = await eventually(async () => {
        const r = await dig(dnsIP(), name);
        return dataOf(r, 'CNAME').length ? r : undefined;
      }, `${name} a CNAME`);
      expect(a.answer).toEqual([`${name} CNAME ${zoneName}`]);
    }
  });
});
