/**
 * The seeds' walkthrough (Federation v1, seeds 001-003) with real kubectl on the default
 * playground shape (9 clusters in 3 regions, 3 nodes each) and the federation joined to all:
 * clusters listed Ready; the seed's Service, Ingress and ReplicaSet YAML created unchanged at the
 * federation; one nginx replica Running in every cluster and 9/9/9 at the federation; the
 * replica-set-preferences annotation dividing replicas as the planner's algorithm says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const fixture = (p: string) => join(FIXTURES, p);
let fp: FederatedPlayground;

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 9, nodes: 3, firstOctet: reserveOctets(9) });
}, 180_000);

afterAll(async () => {
  await fp?.stop();
});

/** Data rows of kubectl's table output, split on runs of spaces. */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s{2,}|\s+/));

describe('seeds 001-003 walkthrough at the federation', () => {
  it('lists the nine clusters Ready with region and zones, as clusters and as kubefedclusters', async () => {
    const out = await eventually(async () => {
      const o = await fp.ok(['--context=federation', 'get', 'clusters']);
      return rows(o).filter((r) => r[1] === 'Ready').length === 9 ? o : undefined;
    }, 'nine Ready clusters', 60_000);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+REGION\s+ZONES\s+AGE/);
    const listed = rows(out);
    expect(listed.map((r) => r[0]).sort()).toEqual([...fp.clusters].sort());
    for (const r of listed) {
      const spec = fp.pg.clusters.get(r[0]!)!.spec;
      expect(r[2]).toBe(spec.region);
      expect(out).toContain(spec.zones[0]);
    }
    const kfc = await fp.ok(['--context=federation', 'get', 'kubefedclusters', '-n', 'kube-federation-system']);
    expect(rows(kfc)).toHaveLength(9);
  });

  it('propagates the seed Service, Ingress and ReplicaSet: 1/1/1 and a Running pod in every cluster, 9/9/9 at the federation', async () => {
    await fp.ok(['--context=federation', 'create', '-f', fixture('reconstructed/nginx-service.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', fixture('seeds/001-ingress.yaml')]);
    // As in the seed: the ConfigMap is created in each cluster directly.
    for (const c of fp.clusters) await fp.ok([`--context=${c}`, 'create', '-f', fixture('reconstructed/zonefetch-configmap.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', fixture('seeds/001-nginx-rs.yaml')]);

    for (const c of fp.clusters) {
      const rs = await eventually(async () => {
        const o = await fp.ok([`--context=${c}`, 'get', 'rs']);
        return /^nginx\s+1\s+1\s+1\s/m.test(o) ? o : undefined;
      }, `nginx 1/1/1 in ${c}`, 60_000);
      expect(rs.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
      const po = await fp.ok([`--context=${c}`, 'get', 'po']);
      expect(po).toMatch(/^nginx-[a-z0-9]{5}\s+2\/2\s+Running\s+0\s/m);
      expect(await fp.ok([`--context=${c}`, 'get', 'svc', 'nginx', '-o', 'name'])).toBe('service/nginx\n');
      expect(await fp.ok([`--context=${c}`, 'get', 'ingress', 'nginx', '-o', 'name'])).toBe('ingress.networking.k8s.io/nginx\n');
    }
    const fed = await eventually(async () => {
      const o = await fp.ok(['--context=federation', 'get', 'rs', 'nginx']);
      return /^nginx\s+9\s+9\s+9\s/m.test(o) ? o : undefined;
    }, 'federation rs 9/9/9', 30_000);
    expect(fed).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY/);
    // The federation's Service reports every shard's load-balancer address.
    const ips = await eventually(async () => {
      const o = (await fp.ok(['--context=federation', 'get', 'svc', 'nginx', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])).trim().split(/\s+/).filter(Boolean);
      return ips9(o);
    }, 'nine load-balancer addresses at the federation', 30_000);
    for (const c of fp.clusters) {
      const shard = (await fp.ok([`--context=${c}`, 'get', 'svc', 'nginx', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
      expect(ips).toContain(shard);
    }
    // describe at the federation shows the per-cluster picture and the events.
    const described = await fp.ok(['--context=federation', 'describe', 'rs', 'nginx']);
    expect(described).toMatch(/Propagated|CreatedInCluster/);
  });

  it('divides replicas by the seed\'s replica-set-preferences annotation as the planner\'s algorithm says', async () => {
    // YAML 1.1, as kubectl reads it (0777 is octal).
    const rs = parse(readFileSync(fixture('seeds/001-nginx-rs.yaml'), 'utf8'), { version: '1.1' });
    // The seed's annotation, with its "gce-us-central10b" typo fixed to an existing cluster.
    const prefs = { rebalance: true, clusters: { 'gce-us-central1-a': { minReplicas: 2, maxReplicas: 4, weight: 1 }, 'gce-us-central1-b': { minReplicas: 2, maxReplicas: 4, weight: 1 } } };
    rs.metadata = { name: 'nginx-us', labels: rs.metadata.labels, annotations: { 'federation.kubernetes.io/replica-set-preferences': JSON.stringify(prefs) } };
    await fp.ok(['--context=federation', 'create', '-f', '-'], JSON.stringify(rs));
    // Worked by hand from the planner's algorithm (docs/federation-design.md; DESIGN.md section 4),
    // 9 replicas over the nine Ready clusters:
    // - Clusters without a preference ("*" is absent) get 0; us-central1-a and -b have weight 1.
    // - Order: weight descending, then 32-bit FNV-1 of cluster + "default/nginx-us" ascending,
    //   computed apart from the repo (Python: h = 0x811c9dc5; per UTF-8 byte
    //   h = (h * 0x01000193) mod 2^32, h ^= byte):
    //   gce-us-central1-a 2324141923, gce-us-central1-b 4079998384: a, then b.
    // - Minimums: a 2, b 2; 5 remain.
    // - Round 1, D = 5, weight sum 2: a gets ceil(5 * 1/2) = 3 -> 5, clamped to max 4 (full),
    //   3 remain; b gets min(3, 3) -> 5, clamped to 4 (full), 1 remains.
    // - Both full: no more rounds. The 9th replica is unplaced (either order gives 4/4).
    const want: Record<string, number> = { 'gce-us-central1-a': 4, 'gce-us-central1-b': 4 };
    for (const c of fp.clusters) {
      await eventually(async () => {
        const n = (await fp.ok([`--context=${c}`, 'get', 'rs', 'nginx-us', '-o', 'jsonpath={.spec.replicas}', '--ignore-not-found'])).trim();
        return Number(n || 0) === (want[c] ?? 0);
      }, `nginx-us has ${want[c] ?? 0} replicas in ${c}`, 30_000);
    }
    const ready = await eventually(async () => {
      const o = await fp.ok(['--context=federation', 'get', 'rs', 'nginx-us', '-o', 'jsonpath={.status.readyReplicas}']);
      return Number(o) === 8 ? o : undefined;
    }, 'eight ready replicas summed at the federation', 30_000);
    expect(Number(ready)).toBe(8);
  });
});

function ips9(list: string[]): string[] | undefined {
  return new Set(list).size === 9 ? list : undefined;
}
