/**
 * Cross-cluster service discovery inside the clusters, on a federated playground of four
 * clusters (us-central1-a, europe-west1-b, asia-east1-a, us-central1-b), with real kubectl and
 * dig: `nginx` is a federated Deployment and LoadBalancer Service, exported from every cluster by
 * one ServiceExport at the federation. From a client in gce-us-central1-a (source address
 * 127.O.250.1), through that cluster's DNS (127.O.0.10:53):
 * - `nginx.default.svc.clusterset.local` is the import's ClusterSetIP, whose TCP forwarding
 *   serves from the local cluster; when the local zone fails, a steady stream of requests moves
 *   to the next closest cluster (us-central1-b, same region) without a failed request, and back
 *   when the zone returns;
 * - `cluster.local` names are unchanged, `dns-version.clusterset.local` is "1.0.0", a headless
 *   import (a StatefulSet exported from two clusters) has per-endpoint names;
 * - the federation's name `nginx.default.federation(.svc.cluster.local)` is the local load
 *   balancer while the local shard is healthy, and a CNAME to the zone name otherwise, which the
 *   federation's DNS server resolves to the region's healthy shard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, dig, getFrom, stream } from '../helpers/cluster-dns.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const WAIT = 60_000;
const HERE = 'gce-us-central1-a';
const NEXT = 'gce-us-central1-b';
const FED_NAMES = ['nginx.default.federation.svc.cluster.local', 'nginx.default.federation'];
const ZONE_NAME = 'nginx.default.federation.svc.us-central1-a.us-central1.kubefed.example';
let fp: FederatedPlayground;

type Obj = Record<string, any>;

const octet = (cluster: string) => fp.pg.cluster(cluster).spec.octet;
const dnsIn = (cluster: string) => fp.pg.cluster(cluster).addresses.dns();
const clientIn = (cluster: string) => `127.${octet(cluster)}.250.1`;
const json = async (args: string[]): Promise<Obj> => JSON.parse(await fp.ok([...args, '-o', 'json']));
const apply = (context: string, obj: Obj) => fp.ok([`--context=${context}`, 'apply', '-f', '-'], JSON.stringify(obj));
const serviceExport = (name: string) => ({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: { name, namespace: 'default' } });

async function clusterSetIP(cluster: string, name: string): Promise<string> {
  return eventually(async () => (await json([`--context=${cluster}`, 'get', 'serviceimport', name])).spec?.ips?.[0] as string | undefined, `the ClusterSetIP of ${name} in ${cluster}`, WAIT);
}

async function lbIn(cluster: string): Promise<string> {
  return eventually(async () => (await fp.ok([`--context=${cluster}`, 'get', 'svc', 'nginx', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined, `nginx's load-balancer address in ${cluster}`, WAIT);
}

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 4, nodes: 1, firstOctet: reserveOctets(4), dns: true });
  await fp.ok(['--context=federation', 'create', 'deployment', 'nginx', '--image=nginx', '--replicas=4']);
  await apply('federation', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] } });
  await apply('federation', serviceExport('nginx'));
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('inside a cluster of the clusterset', () => {
  it('resolves nginx.default.svc.clusterset.local to the ClusterSetIP and is served by the local cluster', async () => {
    const ip = await clusterSetIP(HERE, 'nginx');
    expect(ip).toMatch(new RegExp(`^127\\.${octet(HERE)}\\.202\\.\\d+$`));
    const a = await dig(dnsIn(HERE), 'nginx.default.svc.clusterset.local');
    expect([a.status, dataOf(a, 'A')]).toEqual(['NOERROR', [ip]]);
    expect(dataOf(await dig(dnsIn(HERE), '_http._tcp.nginx.default.svc.clusterset.local', 'SRV'), 'SRV')).toEqual(['0 100 80 nginx.default.svc.clusterset.local']);
    // Every cluster's endpoints are in the import; the local one answers.
    await eventually(async () => (await json([`--context=${HERE}`, 'get', 'endpointslices', '-l', 'multicluster.kubernetes.io/service-name=nginx'])).items.length === 4, 'slices from four clusters', WAIT);
    const r = await eventually(() => getFrom(clientIn(HERE), ip, 80), 'an answer through the ClusterSetIP', WAIT);
    expect(r.cluster).toBe(HERE);
    for (let i = 0; i < 5; i++) expect((await getFrom(clientIn(HERE), ip, 80)).cluster).toBe(HERE);
    // Each cluster's own ClusterSetIP serves its own cluster first.
    const eu = 'gce-europe-west1-b';
    expect((await getFrom(clientIn(eu), await clusterSetIP(eu, 'nginx'), 80)).cluster).toBe(eu);
  });

  it('keeps cluster.local names as they were, and says dns-version 1.0.0 for clusterset.local', async () => {
    const svc = await json([`--context=${HERE}`, 'get', 'svc', 'nginx']);
    expect(dataOf(await dig(dnsIn(HERE), 'nginx.default.svc.cluster.local'), 'A')).toEqual([svc.spec.clusterIP]);
    expect(dataOf(await dig(dnsIn(HERE), '_http._tcp.nginx.default.svc.cluster.local', 'SRV'), 'SRV')).toEqual(['0 100 80 nginx.default.svc.cluster.local']);
    expect(dataOf(await dig(dnsIn(HERE), 'dns-version.clusterset.local', 'TXT'), 'TXT')).toEqual(['"1.0.0"']);
    expect(dataOf(await dig(dnsIn(HERE), 'dns-version.cluster.local', 'TXT'), 'TXT')).toEqual(['"1.1.0"']);
  });

  it('gives a headless import per-endpoint names <hostname>.<cluster>.<svc>.<ns>.svc.clusterset.local', async () => {
    const sources = ['gce-europe-west1-b', 'gce-asia-east1-a'];
    for (const c of sources) {
      await apply(c, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432, protocol: 'TCP' }] } });
      await apply(c, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres', ports: [{ name: 'tcp', containerPort: 5432 }] }] } } } });
      await apply(c, serviceExport('db'));
    }
    const podIP = async (c: string) => eventually(async () => (await json([`--context=${c}`, 'get', 'pod', 'db-0'])).status?.podIP as string | undefined, `db-0's address in ${c}`, WAIT);
    const ips = Object.fromEntries(await Promise.all(sources.map(async (c) => [c, await podIP(c)] as const)));
    const all = await eventually(async () => {
      const a = dataOf(await dig(dnsIn(HERE), 'db.default.svc.clusterset.local'), 'A');
      return a.length === 2 ? a : undefined;
    }, 'both db endpoints in clusterset.local', WAIT);
    expect(all).toEqual(Object.values(ips).sort());
    for (const c of sources) expect(dataOf(await dig(dnsIn(HERE), `db-0.${c}.db.default.svc.clusterset.local`), 'A')).toEqual([ips[c]]);
    expect(dataOf(await dig(dnsIn(HERE), '_tcp._tcp.db.default.svc.clusterset.local', 'SRV'), 'SRV')).toEqual(sources.map((c) => `0 50 5432 db-0.${c}.db.default.svc.clusterset.local`).sort());
    expect((await dig(dnsIn(HERE), `db-0.${HERE}.db.default.svc.clusterset.local`)).status).toBe('NXDOMAIN');
    // The headless import has no ClusterSetIP.
    expect((await json([`--context=${HERE}`, 'get', 'serviceimport', 'db'])).spec.type).toBe('Headless');
  });

  it("answers the federation's name with the local load balancer while the local shard is healthy", async () => {
    const lb = await lbIn(HERE);
    for (const name of FED_NAMES) {
      const a = await dig(dnsIn(HERE), name);
      expect(a.answer).toEqual([`${name} A ${lb}`]);
    }
  });

  it('fails over to the next closest cluster when the local pods fail, with no failed request, and comes back', async () => {
    const ip = await clusterSetIP(HERE, 'nginx');
    const s = stream(clientIn(HERE), ip, 80, 20);
    await eventually(() => s.log.length > 5, 'the stream running');
    await s.between(() => fp.pg.setZone('us-central1-a', false));
    try {
      await eventually(() => s.log.at(-1)?.cluster === NEXT, `served by ${NEXT}`, WAIT);
      // The local endpoints leave the import in time; the stream keeps being served from the region.
      await eventually(async () => {
        const slices = (await json([`--context=${HERE}`, 'get', 'endpointslices', '-l', `multicluster.kubernetes.io/service-name=nginx,multicluster.kubernetes.io/source-cluster=${HERE}`])).items as Obj[];
        return slices.every((sl) => (sl.endpoints ?? []).every((e: Obj) => e.conditions?.ready === false));
      }, 'the local endpoints not ready in the import', WAIT);
      await new Promise((r) => setTimeout(r, 500));
      const after = s.log.slice(s.log.findIndex((l) => l.cluster === NEXT));
      expect(after.filter((l) => l.error)).toEqual([]);
      expect(new Set(after.map((l) => l.cluster))).toEqual(new Set([NEXT]));

      // The federation's name: a CNAME to the zone name, which the federation's DNS follows to the region.
      const lbNext = await lbIn(NEXT);
      for (const name of FED_NAMES) {
        const a = await eventually(async () => {
          const r = await dig(dnsIn(HERE), name);
          return dataOf(r, 'CNAME').length ? r : undefined;
        }, `${name} a CNAME`, WAIT);
        expect(a.answer).toEqual([`${name} CNAME ${ZONE_NAME}`]);
      }
      const followed = await eventually(async () => {
        const r = await dig(fp.dnsAddress, ZONE_NAME);
        return dataOf(r, 'A').length ? r : undefined;
      }, 'the zone name resolved at the federation', WAIT);
      expect(dataOf(followed, 'A')).toEqual([lbNext]);
    } finally {
      fp.pg.setZone('us-central1-a', true);
    }
    await eventually(() => s.log.at(-1)?.cluster === HERE, `served by ${HERE} again`, WAIT);
    const log = await s.stop();
    // Refused connections are retried on the next endpoint: not one request failed.
    expect(log.filter((l) => l.error)).toEqual([]);
    const order = log.map((l) => l.cluster).filter((x, i, all) => x !== all[i - 1]);
    expect(order[0]).toBe(HERE);
    expect(order[1]).toBe(NEXT);
    expect(order.at(-1)).toBe(HERE);
    expect(order.every((c) => c === HERE || c === NEXT)).toBe(true);
    const lb = await lbIn(HERE);
    await eventually(async () => dataOf(await dig(dnsIn(HERE), FED_NAMES[0]!), 'A')[0] === lb, 'the local answer again', WAIT);
  }, 180_000);
});
