/**
 * Placement policy end to end, with real kubectl and the kubefed CLI on five playground
 * clusters (us-central1 a/b, europe-west1 b/c, asia-east1 a):
 * - a cluster that joins gets its share of a workload, and not when the workload opts out
 *   (rebalance: false);
 * - taints and tolerations: `kubefed taint` NoExecute moves replicas away unless tolerated;
 *   `kubefed cordon` keeps new replicas away while running ones stay;
 * - spread constraints by region (maxGroups);
 * - ordered affinity groups: the first group holds the workload, the next takes over when it
 *   fails, and replicas return when it recovers;
 * - dynamic weights by available replicas, within min/max;
 * - `kubefed placement` prints the division and the reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS } from '../../src/playground/cluster/client.js';
import { makeClient } from '../../src/playground/cluster/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';

const NS = 'policy';
const WAIT = 45_000;
const US_A = 'gce-us-central1-a';
const US_B = 'gce-us-central1-b';
const EU_B = 'gce-europe-west1-b';
const EU_C = 'gce-europe-west1-c';
const ASIA = 'gce-asia-east1-a';
let fp: FederatedPlayground;

const kubefed = async (...args: string[]) => {
  const r = await runKubefed(['--context=federation', ...args], { kubeconfig: fp.kubeconfig });
  if (r.code !== 0) throw new Error(`kubefed ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function replicasIn(cluster: string, name: string): number | undefined {
  const c = fp.pg.cluster(cluster);
  if (c.state === 'stopped') return undefined;
  return makeClient(c.apiServer.api, 'test-observer').get(DEPLOYMENTS, NS, name)?.spec?.replicas;
}

/** Waits until the division of `name` (clusters not listed: 0 or no copy) is `want`. */
async function divided(name: string, want: Record<string, number>, what: string): Promise<void> {
  try {
    await waitDivided(name, want, what);
  } catch (e) {
    // What the federation decided and why, for the failure's reader.
    console.log(`kubefed placement deployment ${name}:\n${await kubefed('placement', 'deployment', name, '-n', NS).catch(String)}`);
    console.log(`events:\n${await fp.ok(['--context=federation', 'get', 'events', '-A', '--sort-by=.lastTimestamp']).catch(String)}`);
    throw e;
  }
}
async function waitDivided(name: string, want: Record<string, number>, what: string): Promise<void> {
  await eventually(
    () => {
      if (fp.clusters.every((c) => (replicasIn(c, name) ?? 0) === (want[c] ?? 0))) return true;
      // Thrown so that a timeout reports the last division seen.
      throw new Error(`divided as ${JSON.stringify(Object.fromEntries(fp.clusters.map((c) => [c, replicasIn(c, name)])))}`);
    },
    `${name} divided as ${JSON.stringify(want)} (${what})`,
    WAIT,
  );
}

/** A Deployment created with its preferences in one request (no division before them). */
async function deployWithPreferences(name: string, replicas: number, preferences: object): Promise<void> {
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, annotations: { 'federation.kubernetes.io/deployment-preferences': JSON.stringify(preferences) } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  };
  await fp.ok(['--context=federation', 'create', '-f', '-'], JSON.stringify(manifest));
}

async function deploy(name: string, replicas: number, preferences?: object): Promise<void> {
  await fp.ok(['--context=federation', 'create', 'deployment', name, '-n', NS, '--image=nginx', `--replicas=${replicas}`]);
  if (preferences) await fp.ok(['--context=federation', 'annotate', 'deployment', name, '-n', NS, `federation.kubernetes.io/deployment-preferences=${JSON.stringify(preferences)}`]);
}

beforeAll(async () => {
  // Placement, not detection speed, is under test: probes tolerate a machine busy with other suites
  // (a stopped cluster refuses at once, so it is still found in ~3 s).
  fp = await startFederatedPlayground({ clusters: 5, nodes: 1, firstOctet: reserveOctets(5), federation: { clusterHealth: { probePeriodMs: 1_000, probeTimeoutMs: 3_000, failureThreshold: 3 } } });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('placement policy', () => {
  it('a joining cluster gets its share, unless the workload keeps replicas where they run', async () => {
    await kubefed('unjoin', ASIA);
    await deploy('shared', 8);
    await deploy('stays', 8, { rebalance: false, clusters: { '*': { weight: 1 } } });
    await divided('shared', { [US_A]: 2, [US_B]: 2, [EU_B]: 2, [EU_C]: 2 }, 'four clusters');
    await divided('stays', { [US_A]: 2, [US_B]: 2, [EU_B]: 2, [EU_C]: 2 }, 'four clusters');
    await kubefed('join', ASIA, `--cluster-context=${ASIA}`);
    // 8 over five clusters: every cluster's share is at least one, the new one included.
    await eventually(() => (replicasIn(ASIA, 'shared') ?? 0) >= 1 && fp.clusters.reduce((a, c) => a + (replicasIn(c, 'shared') ?? 0), 0) === 8, 'the joined cluster running a share of "shared"', WAIT);
    // The workload that opted out keeps its replicas where they run.
    await fp.cp.sync.idle();
    expect(replicasIn(ASIA, 'stays') ?? 0).toBe(0);
    expect(fp.clusters.filter((c) => c !== ASIA).map((c) => replicasIn(c, 'stays'))).toEqual([2, 2, 2, 2]);
  });

  it('a NoExecute taint moves replicas away unless tolerated; a cordon keeps new ones away', async () => {
    await deploy('tainted', 5);
    await deploy('tolerant', 5, { clusters: { '*': { weight: 1 } }, tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }] });
    await divided('tainted', Object.fromEntries(fp.clusters.map((c) => [c, 1])), 'one each');
    await divided('tolerant', Object.fromEntries(fp.clusters.map((c) => [c, 1])), 'one each');
    await kubefed('taint', 'cluster', EU_C, 'maintenance=now:NoExecute');
    await eventually(() => replicasIn(EU_C, 'tainted') === 0 && fp.clusters.reduce((a, c) => a + (replicasIn(c, 'tainted') ?? 0), 0) === 5, 'tainted replicas leave the NoExecute cluster', WAIT);
    await fp.cp.sync.idle();
    expect(replicasIn(EU_C, 'tolerant')).toBe(1);
    const table = await kubefed('placement', 'deployment', 'tainted', '-n', NS);
    expect(table).toMatch(new RegExp(`^${EU_C}\\s+0\\s+\\d+\\s+Tainted\\s+Ok$`, 'm'));
    await kubefed('taint', 'cluster', EU_C, 'maintenance:NoExecute-');
    await divided('tainted', Object.fromEntries(fp.clusters.map((c) => [c, 1])), 'taint removed');

    await kubefed('cordon', EU_B);
    await deploy('after-cordon', 4);
    await eventually(() => fp.clusters.reduce((a, c) => a + (replicasIn(c, 'after-cordon') ?? 0), 0) === 4, 'after-cordon placed', WAIT);
    expect(replicasIn(EU_B, 'after-cordon') ?? 0).toBe(0);
    // Running replicas stay on a cordoned cluster.
    expect(replicasIn(EU_B, 'tainted')).toBe(1);
    await kubefed('uncordon', EU_B);
  });

  it('spread constraints: at most one region', async () => {
    await deploy('one-region', 4, { clusters: { '*': { weight: 1 } }, spreadConstraints: [{ spreadByField: 'region', maxGroups: 1 }] });
    await eventually(() => {
      const used = fp.clusters.filter((c) => (replicasIn(c, 'one-region') ?? 0) > 0);
      const regions = new Set(used.map((c) => fp.pg.cluster(c).spec.region));
      return regions.size === 1 && used.reduce((a, c) => a + replicasIn(c, 'one-region')!, 0) === 4;
    }, 'one-region in a single region', WAIT);
  });

  it('ordered affinity groups: the first group holds the workload, the next takes over while it is down, and replicas return', async () => {
    await deployWithPreferences('ordered', 4, {
      clusters: { '*': { weight: 1 } },
      clusterAffinities: [
        { affinityName: 'primary', clusterNames: [US_A, US_B] },
        { affinityName: 'backup', clusterNames: [EU_B, EU_C] },
      ],
    });
    await divided('ordered', { [US_A]: 2, [US_B]: 2 }, 'primary group');
    await fp.pg.stopCluster(US_A);
    await fp.pg.stopCluster(US_B);
    await eventually(() => (replicasIn(EU_B, 'ordered') ?? 0) + (replicasIn(EU_C, 'ordered') ?? 0) === 4, 'backup group holding the workload', WAIT);
    await fp.pg.startCluster(US_A);
    await fp.pg.startCluster(US_B);
    await divided('ordered', { [US_A]: 2, [US_B]: 2 }, 'back in the primary group');
  });

  it('dynamic weights by available replicas, within min/max', async () => {
    // us-central1-b is nearly full: a big workload takes most of its room.
    await fp.ok([`--context=${US_B}`, 'create', 'namespace', 'filler']);
    await fp.ok([`--context=${US_B}`, 'create', 'deployment', 'filler', '-n', 'filler', '--image=nginx', '--replicas=100']);
    await eventually(async () => (await fp.ok([`--context=${US_B}`, 'get', 'deploy', 'filler', '-n', 'filler', '-o', 'jsonpath={.status.readyReplicas}'])) === '100', 'filler running', WAIT);
    // rebalance: the annotation comes after the create, and the division must follow it.
    await deploy('dynamic', 8, { rebalance: true, dynamicWeight: 'AvailableReplicas', clusters: { '*': { weight: 1, maxReplicas: 4 }, [ASIA]: { weight: 1, minReplicas: 1, maxReplicas: 4 } } });
    await eventually(() => fp.clusters.reduce((a, c) => a + (replicasIn(c, 'dynamic') ?? 0), 0) === 8 && (replicasIn(US_B, 'dynamic') ?? 0) <= 1, 'dynamic placed, us-central1-b least', WAIT);
    // A node fits 110 pods: us-central1-b has ~10 places left, the others ~100, so it gets the least.
    const division = Object.fromEntries(fp.clusters.map((c) => [c, replicasIn(c, 'dynamic') ?? 0]));
    for (const c of fp.clusters) expect(division[c]).toBeLessThanOrEqual(4);
    expect(division[ASIA]).toBeGreaterThanOrEqual(1);
    expect({ division, us: division[US_B] }).toEqual({ division, us: Math.min(...Object.values(division)) });
  });
});
