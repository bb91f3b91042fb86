/**
 * Shards at the federation: a Service created at the federation is published as one
 * EndpointSlice per member cluster (MCS labels), with the members' ready endpoints, their zones
 * and addresses the edge can reach; a stopped cluster's endpoints turn not ready at once; a
 * Service gone removes its slices. Real kubectl on three joined playground clusters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { httpGet } from '../helpers/playground-network.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const [EAST, , NORTH] = NAMES;
const NS = 'shards';
const WAIT = 30_000;
let fp: FederatedPlayground;

interface Slice {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  addressType: string;
  endpoints: { addresses: string[]; conditions: { ready: boolean }; zone?: string }[];
  ports: { name: string; port: number }[];
}

async function slices(service: string): Promise<Slice[]> {
  const out = await fp.ok(['--context=federation', 'get', 'endpointslices', '-n', NS, '-l', `multicluster.kubernetes.io/service-name=${service}`, '-o', 'json']);
  return JSON.parse(out).items;
}

const readyCount = (s: Slice) => s.endpoints.filter((e) => e.conditions.ready).length;

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('shards of federated Services', () => {
  it('publishes one slice per cluster with the ready endpoints, their zones and reachable addresses', async () => {
    await fp.ok(['--context=federation', 'create', 'deployment', 'web', '-n', NS, '--image=nginx', '--replicas=6']);
    await fp.ok(['--context=federation', 'expose', 'deployment', 'web', '-n', NS, '--port=80', '--target-port=8080']);
    const all = await eventually(async () => {
      const s = await slices('web');
      return s.length === 3 && s.every((x) => readyCount(x) === 2) ? s : undefined;
    }, 'three shards with two ready endpoints each', WAIT);
    for (const s of all) {
      const cluster = s.metadata.labels['multicluster.kubernetes.io/source-cluster']!;
      expect(NAMES).toContain(cluster);
      expect(s.metadata.name).toBe(`web-${cluster}`);
      expect(s.metadata.labels['kubernetes.io/service-name']).toBe('web');
      expect(s.metadata.annotations['kubefed.io/cluster-phase']).toBe('Ready');
      expect(s.metadata.annotations['kubefed.io/region']).toBe(fp.pg.cluster(cluster).spec.region);
      expect(s.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
      // The member's own pods, in its zone, answering on the target port.
      const pods = JSON.parse(await fp.ok([`--context=${cluster}`, 'get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])).items.map((p: any) => p.status.podIP).sort();
      expect(s.endpoints.map((e) => e.addresses[0]).sort()).toEqual(pods);
      for (const e of s.endpoints) expect(e.zone).toBe(fp.pg.cluster(cluster).spec.zones[0]);
      const r = await httpGet(s.endpoints[0]!.addresses[0]!, 8080, '/');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).cluster).toBe(cluster);
    }
  });

  it("drains a stopped cluster's endpoints at once and restores them when it returns", async () => {
    await fp.pg.stopCluster(NORTH);
    const s = await eventually(async () => (await slices('web')).find((x) => x.metadata.labels['multicluster.kubernetes.io/source-cluster'] === NORTH && x.metadata.annotations['kubefed.io/cluster-phase'] !== 'Ready'), 'north marked not Ready', WAIT);
    expect(readyCount(s)).toBe(0);
    expect(s.endpoints.length).toBe(2);
    const east = (await slices('web')).find((x) => x.metadata.labels['multicluster.kubernetes.io/source-cluster'] === EAST)!;
    expect(readyCount(east)).toBeGreaterThanOrEqual(2);
    await fp.pg.startCluster(NORTH);
    await eventually(async () => {
      const n = (await slices('web')).find((x) => x.metadata.labels['multicluster.kubernetes.io/source-cluster'] === NORTH);
      return n && n.metadata.annotations['kubefed.io/cluster-phase'] === 'Ready' && readyCount(n) >= 1;
    }, 'north ready again', WAIT);
  });

  it('follows readiness in a member: a pod made not ready leaves the ready endpoints', async () => {
    const pod = JSON.parse(await fp.ok([`--context=${EAST}`, 'get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])).items[0];
    await fp.ok([`--context=${EAST}`, 'annotate', 'pod', pod.metadata.name, '-n', NS, 'playground.kubefed.io/not-ready=true']);
    await eventually(async () => {
      const e = (await slices('web')).find((x) => x.metadata.labels['multicluster.kubernetes.io/source-cluster'] === EAST);
      const mine = e?.endpoints.find((x) => x.addresses[0] === pod.status.podIP);
      return mine && !mine.conditions.ready;
    }, 'the pod not ready in the federation shard', WAIT);
  });

  it('removes the slices when the Service is deleted', async () => {
    await fp.ok(['--context=federation', 'delete', 'service', 'web', '-n', NS]);
    await eventually(async () => (await slices('web')).length === 0, 'shards gone', WAIT);
  });
});
