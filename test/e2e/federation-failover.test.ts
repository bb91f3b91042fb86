/**
 * Replicas follow cluster health, end to end on four playground clusters with real kubectl at
 * the federation. A Deployment of 8 replicas (2 per cluster) is watched throughout by a sampler
 * that reads every member's copy in-process (so it sees an isolated cluster too) and the
 * federation's ready count:
 * - cluster stop: its replicas run elsewhere; start: back to 2 each, the federation's ready count
 *   never below 8 during the return, and no cluster the plan keeps ever dropping below 2;
 * - zone failure in one cluster with its API up: replicas move; restore: they return;
 * - cluster isolation longer than the toleration: replacements elsewhere, not one write of the
 *   federation reaches the isolated copy, its surplus trimmed after it reconnects;
 * - a flap shorter than the toleration: no cluster's replicas change;
 * - three of four clusters stopped at once: evictions frozen, with an event and a condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { DEPLOYMENTS } from '../../src/playground/cluster/client.js';
import { makeClient } from '../../src/playground/cluster/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NS = 'failover';
const WAIT = 45_000;
const TOTAL = 8;
let fp: FederatedPlayground;
let clusters: string[];

/** The Deployment's copy in a member, read in-process (isolation does not hide it). */
function copy(cluster: string, name = 'web'): KObject | undefined {
  const c = fp.pg.cluster(cluster);
  if (c.state === 'stopped') return undefined;
  return makeClient(c.apiServer.api, 'test-observer').get(DEPLOYMENTS, NS, name);
}

const replicasIn = (cluster: string) => copy(cluster)?.spec?.replicas as number | undefined;
const readyIn = (cluster: string) => Number(copy(cluster)?.status?.readyReplicas ?? 0);

async function federationReady(name = 'web'): Promise<number> {
  const d = await fp.cp.client.get('apps/v1', 'Deployment', NS, name);
  return Number(d?.status?.readyReplicas ?? 0);
}

/** Samples the federation's ready count and each member's replicas until stopped. */
class Sampler {
  readonly fedReady: number[] = [];
  readonly perCluster = new Map<string, number[]>();
  private running = true;
  private readonly done: Promise<void>;
  constructor() {
    this.done = (async () => {
      while (this.running) {
        this.fedReady.push(await federationReady());
        for (const c of clusters) {
          const r = replicasIn(c);
          if (r !== undefined) this.perCluster.set(c, [...(this.perCluster.get(c) ?? []), r]);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

const division = () => Object.fromEntries(clusters.map((c) => [c, replicasIn(c)]));

/** Waits until every cluster runs 2 Ready replicas and the federation reports 8. */
async function balanced(what: string): Promise<void> {
  await eventually(async () => clusters.every((c) => replicasIn(c) === 2 && readyIn(c) === 2) && (await federationReady()) === TOTAL, `${what}: 2 Ready replicas in every cluster`, WAIT);
}

/** Waits until `TOTAL` replicas are Ready outside `down`, which the plan gives nothing. */
async function movedOff(down: string, what: string): Promise<void> {
  await eventually(async () => {
    const others = clusters.filter((c) => c !== down);
    const ready = others.reduce((a, c) => a + readyIn(c), 0);
    return ready >= TOTAL && (await federationReady()) >= TOTAL;
  }, `${what}: ${TOTAL} replicas Ready outside ${down}`, WAIT);
}

async function events(reason: string): Promise<{ message: string }[]> {
  const out = await fp.ok(['--context=federation', 'get', 'events', '-n', NS, '--field-selector', `reason=${reason},involvedObject.name=web`, '-o', 'json']);
  return JSON.parse(out).items;
}

beforeAll(async () => {
  // A toleration of 8 s: long enough that a flap (and stopping three clusters one after the
  // other) never outlasts it on a loaded machine, short enough to watch failover.
  fp = await startFederatedPlayground({ clusters: 4, nodes: 1, firstOctet: reserveOctets(4), federation: { scheduling: { defaultTolerationSeconds: 8, settleMs: 5_000, notReadyAfterMs: 5_000 } } });
  clusters = [...fp.clusters].sort();
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  await fp.ok(['--context=federation', 'create', 'deployment', 'web', '-n', NS, '--image=nginx', `--replicas=${TOTAL}`]);
  await balanced('start');
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('failover of replicas', () => {
  it('cluster stop: replicas run elsewhere; start: back to the plan, never below the desired Ready count', async () => {
    const down = clusters[0]!;
    await fp.pg.stopCluster(down);
    await movedOff(down, 'stopped');
    const sampler = new Sampler();
    await fp.pg.startCluster(down);
    await balanced('after the return');
    await sampler.stop();
    // From the restart on: the federation never had fewer than 8 Ready, and no cluster the plan
    // keeps (every other one keeps at least its 2) ever dropped below 2.
    expect(Math.min(...sampler.fedReady)).toBeGreaterThanOrEqual(TOTAL);
    for (const c of clusters.filter((x) => x !== down)) expect(Math.min(...(sampler.perCluster.get(c) ?? [2]))).toBeGreaterThanOrEqual(2);
    const replanned = (await events('Replanned')).map((e) => e.message).join('\n');
    expect(replanned).toMatch(new RegExp(`${down}: 2 -> 0 \\(ClusterUnreachable`));
  });

  it('zone failure with the API up: replicas move; zone restore: they return', async () => {
    const cluster = clusters[1]!;
    const zone = fp.pg.cluster(cluster).spec.zones[0]!;
    fp.pg.setZone(zone, false);
    await movedOff(cluster, 'zone failed');
    expect(await fp.ok(['--context=federation', 'get', 'clusters', cluster, '--no-headers'])).toMatch(new RegExp(`^${cluster}\\s+NotReady`));
    fp.pg.setZone(zone, true);
    await balanced('zone restored');
  });

  it('cluster isolation beyond the toleration: replacements elsewhere, no write reaches the isolated cluster, surplus trimmed after', async () => {
    const cut = clusters[2]!;
    await fp.cp.sync.idle();
    const before = copy(cut)!;
    const federationEntry = (o: KObject) => (o.metadata?.managedFields ?? []).filter((f: any) => f.manager === 'kubefed-controller-manager');
    await fp.pg.isolateCluster(cut);
    await movedOff(cut, 'isolated');
    // The partitioned cluster keeps serving its 2 replicas, untouched: the federation's last write
    // there (its managedFields entry) is the one from before, and the spec did not change.
    const during = copy(cut)!;
    expect(during.metadata!.uid).toBe(before.metadata!.uid);
    expect(during.metadata!.generation).toBe(before.metadata!.generation);
    expect(during.spec.replicas).toBe(2);
    expect(federationEntry(during)).toEqual(federationEntry(before));
    await fp.pg.startCluster(cut);
    await balanced('reconnected');
  });

  it('a flap shorter than the toleration moves nothing', async () => {
    const flapping = clusters[3]!;
    const generations = Object.fromEntries(clusters.map((c) => [c, copy(c)!.metadata!.generation]));
    await fp.pg.isolateCluster(flapping);
    // Seen as unreachable by the federation, then back well within the 8 s toleration.
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', flapping, '--no-headers'])).split(/\s+/)[1] !== 'Ready', `${flapping} seen unreachable`, WAIT, 20);
    await fp.pg.startCluster(flapping);
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', flapping, '--no-headers'])).split(/\s+/)[1] === 'Ready', `${flapping} Ready again`, WAIT, 20);
    // Everything the federation does about it has been done once its work queue is idle again.
    await fp.cp.sync.idle();
    expect(division()).toEqual(Object.fromEntries(clusters.map((c) => [c, 2])));
    for (const c of clusters) expect(copy(c)!.metadata!.generation).toBe(generations[c]);
  });

  it('three of four clusters stopped: evictions frozen, said in an event and a condition', async () => {
    const [up, ...down] = clusters as [string, ...string[]];
    await Promise.all(down.map((c) => fp.pg.stopCluster(c)));
    const frozen = await eventually(async () => (await events('EvictionsFrozen'))[0], 'an EvictionsFrozen event', WAIT);
    expect(frozen.message).toMatch(/half or more of the clusters are unhealthy/);
    const cond = await eventually(async () => {
      const d = await fp.cp.client.get('apps/v1', 'Deployment', NS, 'web');
      const c = (d?.status?.conditions ?? []).find((x: { type: string; reason: string }) => x.type === 'FederationPlacement');
      return c?.reason === 'EvictionsFrozen' ? c : undefined;
    }, 'a FederationPlacement condition saying EvictionsFrozen', WAIT);
    expect(cond.status).toBe('False');
    // Nothing moved to the one cluster left.
    await fp.cp.sync.idle();
    expect(replicasIn(up)).toBe(2);
    for (const c of down) await fp.pg.startCluster(c);
    await balanced('all back');
  });
});
