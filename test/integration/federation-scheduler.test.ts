/** The replica scheduler against a real federation API and simulated members (StaticMembers). */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import type { Intent } from '../../src/federation/context.js';
import { DEPLOYMENT_PREFERENCES_ANNOTATION } from '../../src/federation/placement/preferences.js';
import { PlannerScheduler, RSP_API_VERSION, RSP_KIND, type WorkloadKey } from '../../src/federation/scheduling/replica-scheduler.js';
import { DEFAULT_TARGET_TYPES, typeInfo } from '../../src/federation/types.js';
import { eventually } from '../helpers/eventually.js';
import { startFederationBed, type FederationBed } from '../helpers/federation.js';
import { reserveOctets } from '../helpers/octets.js';

const deployType = typeInfo(DEFAULT_TARGET_TYPES.find((t) => t.kind === 'Deployment')!);
const rsType = typeInfo(DEFAULT_TARGET_TYPES.find((t) => t.kind === 'ReplicaSet')!);
const configMapType = typeInfo(DEFAULT_TARGET_TYPES.find((t) => t.kind === 'ConfigMap')!);

let bed: FederationBed;
let scheduler: PlannerScheduler;
let clusters: string[];
const replans: WorkloadKey[] = [];

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
/** The replicas the plan gives each cluster, and what to write. */
async function schedule(intent: Intent): Promise<{ targets: Record<string, number>; writes: Record<string, number | 'keep'> } | undefined> {
  const r = await scheduler.schedule(intent, bed.members.list(), () => undefined);
  if (!r) return undefined;
  return { targets: Object.fromEntries(Object.entries(r.decisions).map(([c, d]) => [c, d.target])), writes: r.replicas };
}
const targets = async (intent: Intent) => (await schedule(intent))?.targets;

function workload(kind: 'Deployment' | 'ReplicaSet', name: string, replicas: number, podSpec: KObject = { containers: [{ name: 'c', image: 'nginx' }] }): KObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  };
}

function federatedIntent(name: string, replicas: number, kind: 'Deployment' | 'ReplicaSet' = 'Deployment', podSpec?: KObject): Intent {
  const type = kind === 'Deployment' ? deployType : rsType;
  return {
    type,
    source: { apiVersion: type.federated.apiVersion, kind: type.federated.kind, metadata: { name, namespace: 'default' } },
    sourceStyle: 'federated',
    namespace: 'default',
    name,
    template: workload(kind, name, replicas, podSpec),
    clusters: [...clusters],
    overrides: {},
    deleting: false,
    orphan: false,
  };
}

/** A plain (Federation v1 style) workload: divided evenly unless an annotation or RSP says otherwise. */
function plainIntent(name: string, replicas: number, kind: 'Deployment' | 'ReplicaSet' = 'Deployment', podSpec?: KObject): Intent {
  return { ...federatedIntent(name, replicas, kind, podSpec), source: workload(kind, name, replicas, podSpec), sourceStyle: 'plain' };
}

const replanned = (kind: string, name: string, since: number) => () => replans.slice(since).some((k) => k.kind === kind && k.name === name && k.namespace === 'default');

beforeAll(async () => {
  bed = await startFederationBed({ clusters: 3, firstOctet: reserveOctets(3) });
  clusters = [...bed.memberClients.keys()].sort();
  // Member reads are not reused (cacheTtlMs 0): every plan sees the members as they are. The
  // stuck-pod check runs when a test calls poll() (the timer is an hour away), so a test knows
  // exactly which checks ran.
  scheduler = new PlannerScheduler({ federation: bed.fedClient, members: bed.members, log: pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' }), unschedulableAfterMs: 500, pollIntervalMs: 3_600_000, cacheTtlMs: 0 });
  scheduler.onReplan((k) => replans.push(k));
  await scheduler.start();
}, 60_000);

afterAll(async () => {
  await scheduler?.stop();
  await bed?.stop();
});

describe('PlannerScheduler', () => {
  it('leaves kinds without replicas alone', async () => {
    const intent: Intent = { ...federatedIntent('cfg', 1), type: configMapType, template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } } };
    expect(await schedule(intent)).toBeUndefined();
  });

  it('splits a plain workload\'s 9 replicas evenly over 3 clusters', async () => {
    expect(await schedule(plainIntent('even', 9))).toEqual({ targets: Object.fromEntries(clusters.map((c) => [c, 3])), writes: Object.fromEntries(clusters.map((c) => [c, 3])) });
  });

  it('follows Federation v1 preference annotations on plain workloads', async () => {
    const source = workload('Deployment', 'weighted', 9);
    source.metadata!.annotations = { [DEPLOYMENT_PREFERENCES_ANNOTATION]: JSON.stringify({ clusters: { [clusters[0]!]: { weight: 2 }, [clusters[1]!.toUpperCase()]: { weight: 1 } } }) };
    const intent: Intent = { ...federatedIntent('weighted', 9), source, sourceStyle: 'plain', template: workload('Deployment', 'weighted', 9) };
    expect(await targets(intent)).toEqual({ [clusters[0]!]: 6, [clusters[1]!]: 3, [clusters[2]!]: 0 });
  });

  it('follows a ReplicaSchedulingPreference with min/max, reports the plan in its status, and replans when it changes', async () => {
    const [a, b, c] = clusters as [string, string, string];
    let mark = replans.length;
    await bed.fedClient.create({
      apiVersion: RSP_API_VERSION,
      kind: RSP_KIND,
      metadata: { name: 'rsp', namespace: 'default' },
      spec: { targetKind: 'FederatedDeployment', totalReplicas: 10, clusters: { [a]: { minReplicas: 4, weight: 1 }, [b]: { maxReplicas: 2, weight: 1 }, '*': { weight: 1 } } },
    });
    await eventually(replanned('FederatedDeployment', 'rsp', mark), 'replan on RSP create');
    // The template says 3; the RSP's total wins.
    expect(await targets(federatedIntent('rsp', 3))).toEqual({ [a]: 6, [b]: 2, [c]: 2 });
    const status = (await bed.fedClient.get(RSP_API_VERSION, RSP_KIND, 'default', 'rsp'))?.status;
    expect(status?.clusters).toEqual({ [a]: { replicas: 6 }, [b]: { replicas: 2 }, [c]: { replicas: 2 } });

    mark = replans.length;
    await bed.fedClient.patch(RSP_API_VERSION, RSP_KIND, 'default', 'rsp', { spec: { totalReplicas: 5 } }, 'merge');
    await eventually(replanned('FederatedDeployment', 'rsp', mark), 'replan on RSP update');
    const smaller = (await targets(federatedIntent('rsp', 3)))!;
    expect(sum(smaller)).toBe(5);
    expect(smaller[a]).toBeGreaterThanOrEqual(4);
    await eventually(async () => (await bed.fedClient.get(RSP_API_VERSION, RSP_KIND, 'default', 'rsp'))?.status?.clusters?.[a]?.replicas === smaller[a], 'status follows the plan');

    mark = replans.length;
    await bed.fedClient.delete(RSP_API_VERSION, RSP_KIND, 'default', 'rsp');
    await eventually(replanned('FederatedDeployment', 'rsp', mark), 'replan on RSP delete');
    // Without an RSP a Federated<Kind> is not divided: every cluster gets the template's replicas.
    expect(await schedule(federatedIntent('rsp', 3))).toBeUndefined();
  });

  it('gives a cluster NotReady past its toleration nothing (never writing it), and its share back when it is Ready again', async () => {
    const down = clusters[2]!;
    let mark = replans.length;
    bed.members.setPhase(down, 'NotReady');
    expect(replanned('Deployment', 'even', mark)()).toBe(true);
    const during = (await schedule(plainIntent('even', 9)))!;
    expect(during.targets[down]).toBe(0);
    expect(during.writes[down]).toBe('keep');
    expect(sum(during.targets)).toBe(9);
    expect(during.targets[clusters[0]!]).toBeGreaterThanOrEqual(4);
    expect(during.targets[clusters[1]!]).toBeGreaterThanOrEqual(4);

    mark = replans.length;
    bed.members.setPhase(down, 'Ready');
    expect(replanned('Deployment', 'even', mark)()).toBe(true);
    expect((await schedule(plainIntent('even', 9)))!.targets).toEqual(Object.fromEntries(clusters.map((c) => [c, 3])));
  });

  it('returns replicas to a recovered cluster, growing it first and trimming the others only as its replicas are Ready', async () => {
    const [a, b, down] = clusters as [string, string, string];
    // Member copies as the propagation controller would have written them: 3 each.
    for (const c of clusters) await bed.memberClients.get(c)!.create(workload('Deployment', 'back', 3));
    expect((await schedule(plainIntent('back', 9)))!.targets).toEqual({ [a]: 3, [b]: 3, [down]: 3 });
    bed.members.setPhase(down, 'Offline');
    const during = (await schedule(plainIntent('back', 9)))!;
    expect(during.targets[down]).toBe(0);
    expect(during.writes[down]).toBe('keep');
    expect(during.targets[a]! + during.targets[b]!).toBe(9);
    // The others grow to hold the workload; the offline cluster's copy still says 3.
    for (const c of [a, b]) await bed.memberClients.get(c)!.patch('apps/v1', 'Deployment', 'default', 'back', { spec: { replicas: during.writes[c] } }, 'merge');
    bed.members.setPhase(down, 'Ready');
    const back = (await schedule(plainIntent('back', 9)))!;
    expect(back.targets).toEqual({ [a]: 3, [b]: 3, [down]: 3 });
    expect(back.writes[down]).toBe(3);
  });

  it('moves replicas off a cluster whose pods are stuck Unschedulable, and replans when they get stuck', async () => {
    const full = clusters[0]!;
    const huge = { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500' } } }] };
    const intent = plainIntent('stuck', 6, 'ReplicaSet', huge);
    const mark = replans.length;
    expect((await schedule(intent))!.targets).toEqual(Object.fromEntries(clusters.map((c) => [c, 2])));
    // What the propagation controller would write to `full`: 2 replicas whose pods never fit.
    await bed.memberClients.get(full)!.create({ ...workload('ReplicaSet', 'stuck', 2, huge) });
    await eventually(async () => {
      await scheduler.poll();
      return replanned('ReplicaSet', 'stuck', mark)();
    }, 'replan once pods are stuck', 20_000);
    const after = (await schedule(intent))!.targets;
    expect(after[full]).toBe(0);
    expect(sum(after)).toBe(6);
    for (const c of clusters.slice(1)) expect(after[c]).toBe(3);
    // The stuck pods were counted: checks that find them again (still stuck) replan nothing.
    const settled = replans.length;
    for (let i = 0; i < 3; i++) await scheduler.poll();
    expect(replans.slice(settled).filter((k) => k.name === 'stuck')).toEqual([]);
  });
});
