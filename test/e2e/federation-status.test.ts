/**
 * Aggregated workload status at the federation tells the truth, read with real kubectl on three
 * joined playground clusters:
 * - observedGeneration follows the federation object's generation once every reachable cluster
 *   has seen it (a ReplicaSet as the seeds create it; a Deployment updated while a member is down);
 * - while a member is stopped, its replicas count neither as ready nor as available, and a
 *   ClustersReachable condition names it; when it returns, both come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const [, , NORTH] = NAMES;
const NS = 'status';
const WAIT = 30_000;
let fp: FederatedPlayground;

async function fedJson(args: string[]): Promise<any> {
  return JSON.parse(await fp.ok(['--context=federation', 'get', ...args, '-n', NS, '-o', 'json']));
}

/** Waits until the federation object's status passes `test`; returns the object. */
function fedStatus(args: string[], test: (o: any) => boolean, what: string): Promise<any> {
  return eventually(async () => {
    const o = await fedJson(args);
    return test(o) ? o : undefined;
  }, `${args.join(' ')} ${what}`, WAIT);
}

const reachability = (o: any) => (o.status?.conditions ?? []).find((c: { type: string }) => c.type === 'ClustersReachable');

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('aggregated status', () => {
  it('a ReplicaSet reaches observedGeneration = generation once every cluster has seen it', async () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'nginx', namespace: NS },
      spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    };
    await fp.ok(['--context=federation', 'create', '-f', '-'], JSON.stringify(rs));
    const o = await fedStatus(['rs', 'nginx'], (x) => x.status?.readyReplicas === 3, 'readyReplicas 3');
    expect(o.metadata.generation).toBe(1);
    expect(o.status.observedGeneration).toBe(1);
    expect(o.status.replicas).toBe(3);
  });

  it("a stopped member's replicas are not ready or available; a condition names it; an update is observed by the reachable clusters", async () => {
    // At most two replicas per cluster: the stopped cluster's replicas cannot move elsewhere.
    await fp.ok(['--context=federation', 'create', 'deployment', 'web', '-n', NS, '--image=nginx', '--replicas=6']);
    await fp.ok(['--context=federation', 'annotate', 'deployment', 'web', '-n', NS, 'federation.kubernetes.io/deployment-preferences={"clusters":{"*":{"weight":1,"maxReplicas":2}}}']);
    const before = await fedStatus(['deploy', 'web'], (x) => x.status?.readyReplicas === 6 && x.status?.availableReplicas === 6 && x.status?.observedGeneration === x.metadata.generation, 'all 6 ready');
    expect(reachability(before)).toBeUndefined();
    await fp.ok([`--context=${NORTH}`, 'rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);

    await fp.pg.stopCluster(NORTH);
    const during = await fedStatus(['deploy', 'web'], (x) => x.status?.readyReplicas === 4, 'readyReplicas 4 with north stopped');
    expect(during.status.availableReplicas).toBe(4);
    expect(during.status.unavailableReplicas).toBe(2);
    // They still exist as far as anyone knows.
    expect(during.status.replicas).toBe(6);
    const cond = reachability(during);
    expect(cond).toMatchObject({ status: 'False', reason: 'ClustersUnreachable' });
    expect(cond.message).toContain(NORTH);
    expect(cond.message).toMatch(/2 replica/);
    const shown = await fp.ok(['--context=federation', 'get', 'deploy', 'web', '-n', NS, '--no-headers']);
    expect(shown.split(/\s+/)[1]).toBe('4/6');

    // An update while north is down: observed once east and west have seen it.
    await fp.ok(['--context=federation', 'set', 'image', 'deployment/web', '-n', NS, 'nginx=nginx:1.27']);
    const updated = await fedStatus(['deploy', 'web'], (x) => x.metadata.generation >= 2 && x.status?.observedGeneration === x.metadata.generation, 'observedGeneration = generation with north down');
    // North's replicas are still the unknown ones (a rolling update may surge above 2 per cluster meanwhile).
    expect(reachability(updated)?.message).toContain(NORTH);

    await fp.pg.startCluster(NORTH);
    const after = await fedStatus(['deploy', 'web'], (x) => x.status?.readyReplicas === 6 && x.status?.updatedReplicas === 6 && !reachability(x) && x.status?.observedGeneration === x.metadata.generation, 'all 6 ready again, observed, condition gone');
    // Nothing but the user changed the spec meanwhile.
    expect(after.metadata.generation, `written by ${JSON.stringify(after.metadata.managedFields)}`).toBe(updated.metadata.generation);
    await fp.ok(['--context=federation', 'rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);
  });
});
