import { describe, expect, it } from 'vitest';
import type { ReplicaPreferences } from '../../src/federation/planning/planner.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type ClusterCandidate, type PlacementReason, type SchedulingPolicy, type WorkloadPlan, type WorkloadPlanInput } from '../../src/federation/planning/scheduling-types.js';
import { planWorkload } from '../../src/federation/planning/workload-plan.js';

/*
 * Every expected value below was worked out by hand from the rules (docs/federation-design.md,
 * "Failover and scheduling") and the planner's algorithm. Equal weights are ordered by the 32-bit
 * FNV-1 hash of cluster + key, ascending, computed apart from this repository (Python, as in
 * planner.test.ts):
 *   key "default/web": eu-b 210656689 < asia-b 1338853987 < asia-c 1346818044 < us-a 2012955168
 *     < eu-d 3096056943 < asia-a 3310428154 < eu-c 3320051834 < us-c 3581759214 < us-b 3788159621
 *     (names are gce-<region>1-<zone>: "eu-b" is gce-europe-west1-b, "asia-a" gce-asia-east1-a)
 *   key "ns/app": d 3264356974 < b 4142490148 < a 4221943119 < c 4263337313;
 *     us-1 1600870962 < eu-2 2032705639 < eu-1 2198823068 < us-2 3293054881 < as-2 3949636101 < as-1 4174562358
 */

const NOW = Date.parse('2024-05-01T12:00:00Z');
const LONG_AGO = NOW - 3_600_000;
const settings = { defaultTolerationSeconds: 5, settleMs: 10_000, notReadyAfterMs: 15_000, freezeFraction: 0.5 };
const even: ReplicaPreferences = { rebalance: true, clusters: { '*': { weight: 1 } } };

const GCE: Record<string, string> = {
  'us-a': 'gce-us-central1-a',
  'eu-b': 'gce-europe-west1-b',
  'asia-a': 'gce-asia-east1-a',
  'us-b': 'gce-us-central1-b',
  'eu-c': 'gce-europe-west1-c',
  'asia-b': 'gce-asia-east1-b',
  'us-c': 'gce-us-central1-c',
  'eu-d': 'gce-europe-west1-d',
  'asia-c': 'gce-asia-east1-c',
};
const SHORT = Object.keys(GCE);

function cluster(name: string, over: Partial<ClusterCandidate> = {}): ClusterCandidate {
  const full = GCE[name] ?? name;
  const m = /^gce-([a-z]+-[a-z]+\d)-([a-z])$/.exec(full);
  return {
    name: full,
    ...(m ? { region: m[1]!, zones: [`${m[1]}-${m[2]}`] } : { zones: [] }),
    labels: {},
    phase: 'Ready',
    phaseSince: LONG_AGO,
    taints: [],
    current: 1,
    ready: 1,
    ...over,
  };
}

/** The nine playground clusters, one replica each, all Ready; `over` changes some. */
function nine(over: Record<string, Partial<ClusterCandidate>> = {}): ClusterCandidate[] {
  return SHORT.map((s) => cluster(s, over[s] ?? {}));
}

function input(clusters: ClusterCandidate[], extra: Partial<WorkloadPlanInput> = {}): WorkloadPlanInput {
  return { key: 'default/web', totalReplicas: 9, preferences: even, policy: {}, clusters, unhealthyFraction: 0, settings, now: NOW, ...extra };
}

/** Targets, writes and reasons by short name. */
function view(p: WorkloadPlan) {
  const short = (n: string) => Object.keys(GCE).find((k) => GCE[k] === n) ?? n;
  const target: Record<string, number> = {};
  const write: Record<string, number | undefined> = {};
  const reason: Record<string, PlacementReason> = {};
  for (const [n, d] of Object.entries(p.clusters)) {
    target[short(n)] = d.target;
    write[short(n)] = d.write;
    reason[short(n)] = d.reason;
  }
  return { target, write, reason };
}

const ones = (except: Record<string, number | undefined> = {}) => Object.fromEntries(SHORT.map((s) => [s, s in except ? except[s] : 1]));

describe('the failures of the issue', () => {
  it('(1) a stopped cluster within its toleration: nothing moves (a flap)', () => {
    const p = planWorkload(input(nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 3_000 } }), { unhealthyFraction: 1 / 9 }));
    const v = view(p);
    expect(v.target).toEqual(ones());
    expect(v.write).toEqual(ones({ 'asia-a': undefined }));
    expect(v.reason['asia-a']).toBe('ClusterUnreachable');
    expect(p.clusters['gce-asia-east1-a']!.message).toContain('tolerated until 2024-05-01T12:00:02.000Z');
    // The toleration (5 s from 3 s ago) runs out in 2 s.
    expect(p.recheckAfterMs).toBe(2_000);
    expect(p.frozen).toBe(false);
    expect(p.nothingFits).toBe(false);
  });

  it('(1) a stopped cluster back within its toleration keeps its replica while it settles: nothing moves', () => {
    const p = planWorkload(input(nine({ 'asia-a': { phaseSince: NOW - 1_000, ready: 0 } })));
    const v = view(p);
    expect(v.target).toEqual(ones());
    expect(v.write).toEqual(ones());
    expect(v.reason['asia-a']).toBe('Recovering');
    expect(p.recheckAfterMs).toBe(9_000);
  });

  it('(1) a stopped cluster beyond its toleration: its replica goes elsewhere, and only it moves', () => {
    // 8 clusters keep their 1 (floor(9/8) = 1), the 9th replica goes to the first in hash order, eu-b.
    const p = planWorkload(input(nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 6_000 } }), { unhealthyFraction: 1 / 9 }));
    const v = view(p);
    expect(v.target).toEqual(ones({ 'asia-a': 0, 'eu-b': 2 }));
    expect(v.write).toEqual(ones({ 'asia-a': undefined, 'eu-b': 2 }));
    expect(v.reason['asia-a']).toBe('ClusterUnreachable');
    expect(p.unplaced).toBe(0);
    expect(p.recheckAfterMs).toBeUndefined();
  });

  it('(2) zone failure with the API up: replicas not Ready past the threshold move, one probe stays', () => {
    // 27 replicas, 3 each; asia-b's 3 have not been Ready for 20 s (threshold 15 s): capacity 0.
    // The other 8 keep 3 (floor(27/8) = 3); the 3 left go one each to the first three in hash
    // order among them: eu-b, asia-c, us-a.
    const three = { current: 3, ready: 3 };
    const over = Object.fromEntries(SHORT.map((s) => [s, three])) as Record<string, Partial<ClusterCandidate>>;
    over['asia-b'] = { current: 3, ready: 0, notReadySince: NOW - 20_000 };
    const p = planWorkload(input(nine(over), { totalReplicas: 27 }));
    const v = view(p);
    const want = Object.fromEntries(SHORT.map((s) => [s, 3]));
    expect(v.target).toEqual({ ...want, 'asia-b': 0, 'eu-b': 4, 'asia-c': 4, 'us-a': 4 });
    expect(v.write).toEqual({ ...want, 'asia-b': 1, 'eu-b': 4, 'asia-c': 4, 'us-a': 4 });
    expect(v.reason['asia-b']).toBe('ReplicasNotReady');
    expect(p.clusters['gce-asia-east1-b']!.message).toContain('probe');
  });

  it('(2) replicas not Ready for less than the threshold: nothing moves yet', () => {
    const three = { current: 3, ready: 3 };
    const over = Object.fromEntries(SHORT.map((s) => [s, three])) as Record<string, Partial<ClusterCandidate>>;
    over['asia-b'] = { current: 3, ready: 0, notReadySince: NOW - 5_000 };
    const p = planWorkload(input(nine(over), { totalReplicas: 27 }));
    expect(view(p).target).toEqual(Object.fromEntries(SHORT.map((s) => [s, 3])));
    expect(p.recheckAfterMs).toBe(10_000);
  });

  it('(2) the zone restored: the probe is Ready, replicas return, the surplus is trimmed as far as Ready replicas allow', () => {
    // asia-b runs its probe (1, Ready). Division: 3 each (floor(27/9) = 3 kept, asia-b keeps 1 and
    // gets the 2 left). Ready: 4+4+4 + 5×3 + 1 = 28, one above 27: one Ready replica may go, from
    // the largest surplus (eu-b, asia-c, us-a: 1 each), the first by name: gce-asia-east1-c.
    const over: Record<string, Partial<ClusterCandidate>> = Object.fromEntries(SHORT.map((s) => [s, { current: 3, ready: 3 }]));
    for (const s of ['eu-b', 'asia-c', 'us-a']) over[s] = { current: 4, ready: 4 };
    over['asia-b'] = { current: 1, ready: 1 };
    const p = planWorkload(input(nine(over), { totalReplicas: 27 }));
    const v = view(p);
    expect(v.target).toEqual(Object.fromEntries(SHORT.map((s) => [s, 3])));
    expect(v.write).toEqual({ ...Object.fromEntries(SHORT.map((s) => [s, 3])), 'eu-b': 4, 'us-a': 4 });
    expect(v.reason['eu-b']).toBe('AwaitingReplacements');
    expect(v.reason['asia-c']).toBe('Planned');
  });

  describe('(3) after the stopped cluster returns', () => {
    // eu-b took asia-a's replica while asia-a was stopped; asia-a was never written, so its copy
    // still says 1. Once asia-a has settled the division is 1 each again.
    const returned = (asiaA: Partial<ClusterCandidate>) => nine({ 'eu-b': { current: 2, ready: 2 }, 'asia-a': { phaseSince: NOW - 20_000, ...asiaA } });

    it('the division is the plan again, the surplus stays until the replacement is Ready', () => {
      // Ready: 2 + 7 + 0 = 9: nothing above the 9 desired, eu-b keeps its 2.
      const v = view(planWorkload(input(returned({ ready: 0 }))));
      expect(v.target).toEqual(ones());
      expect(v.write).toEqual(ones({ 'eu-b': 2 }));
      expect(v.reason['eu-b']).toBe('AwaitingReplacements');
    });

    it('the surplus is trimmed once the replacement is Ready', () => {
      const v = view(planWorkload(input(returned({ ready: 1 }))));
      expect(v.target).toEqual(ones());
      expect(v.write).toEqual(ones());
    });

    it('no healthy cluster the plan keeps ever loses its replica along the way (the observed 2 in asia-b, 0 in us-a)', () => {
      const steps: ClusterCandidate[][] = [
        nine(),
        nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 3_000 } }),
        nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 60_000 } }),
        nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 60_000 }, 'eu-b': { current: 2, ready: 1 } }),
        nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 60_000 }, 'eu-b': { current: 2, ready: 2 } }),
        nine({ 'asia-a': { phaseSince: NOW - 2_000, ready: 0 }, 'eu-b': { current: 2, ready: 2 } }),
        nine({ 'asia-a': { phaseSince: NOW - 20_000, ready: 0 }, 'eu-b': { current: 2, ready: 2 } }),
        nine({ 'asia-a': { phaseSince: NOW - 20_000, ready: 1 }, 'eu-b': { current: 2, ready: 2 } }),
        nine(),
      ];
      for (const [i, clusters] of steps.entries()) {
        const v = view(planWorkload(input(clusters)));
        for (const s of SHORT) {
          if (s === 'asia-a' || s === 'eu-b') continue;
          expect(v.target[s], `step ${i}: ${s}`).toBe(1);
          expect(v.write[s], `step ${i}: ${s}`).toBe(1);
        }
        expect(v.target['asia-b'], `step ${i}`).toBe(1);
      }
    });

    it('with rebalance false, the replica eu-b held on asia-a\'s behalf returns too', () => {
      const prefs: ReplicaPreferences = { rebalance: false, clusters: { '*': { weight: 1 } } };
      const down = planWorkload(input(nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 60_000 } }), { preferences: prefs }));
      // Preallocation keeps 1 each on the 8; the 9th goes to eu-b, first in hash order; eu-b
      // holds it for asia-a (the division with asia-a able to take replicas is 1 each).
      expect(view(down).target).toEqual(ones({ 'asia-a': 0, 'eu-b': 2 }));
      expect(down.borrowed).toEqual({ 'gce-europe-west1-b': 1 });
      const back = planWorkload(input(returned({ ready: 1 }), { preferences: prefs, borrowed: down.borrowed }));
      expect(view(back).target).toEqual(ones());
      expect(view(back).write).toEqual(ones());
      expect(back.borrowed).toEqual({});
    });
  });
});

describe('cluster health', () => {
  it('never writes an unreachable cluster, whatever the plan', () => {
    const cases: Partial<ClusterCandidate>[] = [
      { phase: 'Offline', phaseSince: NOW - 1_000 },
      { phase: 'Offline', phaseSince: NOW - 60_000 },
      { phase: 'Offline', phaseSince: NOW - 60_000, current: 5, ready: 5 },
      { phase: 'Offline', phaseSince: NOW - 60_000, current: undefined, ready: undefined },
    ];
    for (const c of cases) {
      const p = planWorkload(input(nine({ 'asia-a': c })));
      expect(p.clusters['gce-asia-east1-a']!.write, JSON.stringify(c)).toBeUndefined();
    }
    // Nothing fits anywhere: still not written.
    const all = planWorkload(input(SHORT.map((s) => cluster(s, { phase: 'Offline', phaseSince: NOW - 60_000 })), { unhealthyFraction: 0.2, settings: { ...settings, freezeFraction: 1 } }));
    expect(all.nothingFits).toBe(true);
    for (const d of Object.values(all.clusters)) expect(d.write).toBeUndefined();
  });

  it('a NotReady cluster beyond its toleration: Ready replicas stay until replacements are Ready, not Ready ones go at once', () => {
    // asia-a's 1 replica is still Ready as last seen: Ready over reachable clusters 9, the 9
    // desired: it stays. eu-b grows at once.
    const held = view(planWorkload(input(nine({ 'asia-a': { phase: 'NotReady', phaseSince: NOW - 60_000 } }))));
    expect(held.target).toEqual(ones({ 'asia-a': 0, 'eu-b': 2 }));
    expect(held.write).toEqual(ones({ 'asia-a': 1, 'eu-b': 2 }));
    expect(held.reason['asia-a']).toBe('AwaitingReplacements');
    const gone = view(planWorkload(input(nine({ 'asia-a': { phase: 'NotReady', phaseSince: NOW - 60_000, ready: 0 } }))));
    expect(gone.write).toEqual(ones({ 'asia-a': 0, 'eu-b': 2 }));
    expect(gone.reason['asia-a']).toBe('ClusterNotReady');
  });

  it('a NotReady cluster is not scaled up, and left alone when its copy is unknown', () => {
    // 18 replicas; asia-a NotReady within its toleration runs 1: it keeps 1 (not 2).
    const p = view(planWorkload(input(nine({ 'asia-a': { phase: 'NotReady', phaseSince: NOW - 1_000 } }), { totalReplicas: 18 })));
    expect(p.target['asia-a']).toBe(1);
    expect(p.write['asia-a']).toBe(1);
    const unknown = view(planWorkload(input(nine({ 'asia-a': { phase: 'NotReady', phaseSince: NOW - 60_000, current: undefined, ready: undefined } }))));
    expect(unknown.write['asia-a']).toBeUndefined();
  });

  it('the taint list may carry the health taint itself (its timeAdded counts)', () => {
    const taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' as const, timeAdded: new Date(NOW - 4_000).toISOString() };
    const p = planWorkload(input(nine({ 'asia-a': { phase: 'Offline', phaseSince: NOW - 60_000, taints: [taint] } })));
    expect(view(p).target['asia-a']).toBe(1);
    expect(p.recheckAfterMs).toBe(1_000);
  });

  it('freezes evictions when too many clusters are unhealthy', () => {
    const over: Record<string, Partial<ClusterCandidate>> = {};
    for (const s of ['asia-a', 'asia-b', 'asia-c', 'eu-b', 'eu-c']) over[s] = { phase: 'Offline', phaseSince: NOW - 60_000 };
    const p = planWorkload(input(nine(over), { unhealthyFraction: 5 / 9 }));
    const v = view(p);
    expect(p.frozen).toBe(true);
    expect(v.target).toEqual(ones());
    expect(v.write).toEqual(ones({ 'asia-a': undefined, 'asia-b': undefined, 'asia-c': undefined, 'eu-b': undefined, 'eu-c': undefined }));
    for (const s of Object.keys(over)) expect(v.reason[s]).toBe('EvictionsFrozen');
    expect(v.reason['us-a']).toBe('Planned');
    // Below the fraction, they are evicted: 4 clusters left (hash order us-a, eu-d, us-c, us-b),
    // each keeps its 1; the 5 left: a round of ceil(5/4) = 2 each, of which the kept 1 counts
    // first (+1 each, 1 left), then ceil(1/4) = 1 to us-a.
    const q = planWorkload(input(nine(over), { unhealthyFraction: 5 / 9, settings: { ...settings, freezeFraction: 0.6 } }));
    expect(q.frozen).toBe(false);
    expect(view(q).target).toEqual({ 'us-a': 3, 'eu-d': 2, 'us-c': 2, 'us-b': 2, 'asia-a': 0, 'asia-b': 0, 'asia-c': 0, 'eu-b': 0, 'eu-c': 0 });
  });

  it('a cluster back for less than settleMs gets no new replicas', () => {
    // asia-a back 2 s ago with no copy (it was trimmed while NotReady): max 0. The 8 others keep
    // 1 each; eu-b, first in hash order, keeps the 9th.
    const over = { 'asia-a': { phaseSince: NOW - 2_000, current: 0, ready: 0 }, 'eu-b': { current: 2, ready: 2 } };
    const p = planWorkload(input(nine(over)));
    expect(view(p).target).toEqual(ones({ 'asia-a': 0, 'eu-b': 2 }));
    expect(view(p).reason['asia-a']).toBe('Recovering');
    expect(p.recheckAfterMs).toBe(8_000);
    // Settled: it counts fully again (grows at once; eu-b's surplus waits for it).
    const q = view(planWorkload(input(nine({ ...over, 'asia-a': { phaseSince: NOW - 10_000, current: 0, ready: 0 } }))));
    expect(q.target).toEqual(ones());
    expect(q.write).toEqual(ones({ 'eu-b': 2 }));
  });
});

describe('taints and tolerations', () => {
  // Three clusters a, b, c (hash order for "ns/app": b, a, c), 6 replicas.
  const abc = (a: Partial<ClusterCandidate>, rest: Partial<ClusterCandidate> = {}) => [cluster('a', { current: undefined, ready: undefined, ...a }), cluster('b', { current: undefined, ready: undefined, ...rest }), cluster('c', { current: undefined, ready: undefined, ...rest })];
  const run = (clusters: ClusterCandidate[], policy: SchedulingPolicy = {}, preferences: ReplicaPreferences = even) => view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 6, policy, preferences })));
  const taint = (effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute', timeAdded?: number) => ({ key: 'dedicated', value: 'batch', effect, ...(timeAdded !== undefined ? { timeAdded: new Date(timeAdded).toISOString() } : {}) });

  it.each<[string, Partial<ClusterCandidate>, SchedulingPolicy, Record<string, number>, PlacementReason]>([
    // Round 1 of ceil(6/3) = 2: a is full at 0; round 2: ceil(2/2) = 1 each to b and c.
    ['NoSchedule, no copy there: nothing', { taints: [taint('NoSchedule')] }, {}, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['NoSchedule keeps what runs there', { taints: [taint('NoSchedule')], current: 2, ready: 2 }, {}, { a: 2, b: 2, c: 2 }, 'Tainted'],
    ['NoSchedule tolerated', { taints: [taint('NoSchedule')] }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch' }] }, { a: 2, b: 2, c: 2 }, 'Planned'],
    ['NoSchedule, toleration of another value', { taints: [taint('NoSchedule')] }, { tolerations: [{ key: 'dedicated', value: 'web' }] }, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['NoSchedule, toleration of everything', { taints: [taint('NoSchedule')] }, { tolerations: [{ operator: 'Exists' }] }, { a: 2, b: 2, c: 2 }, 'Planned'],
    ['NoSchedule, toleration of another effect', { taints: [taint('NoSchedule')] }, { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] }, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['PreferNoSchedule: not used while the others hold the workload', { taints: [taint('PreferNoSchedule')], current: 2, ready: 0 }, {}, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['PreferNoSchedule tolerated', { taints: [taint('PreferNoSchedule')] }, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, { a: 2, b: 2, c: 2 }, 'Planned'],
    ['NoExecute without toleration: evicted at once', { taints: [taint('NoExecute', NOW - 1)], current: 2, ready: 0 }, {}, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['NoExecute without timeAdded: evicted', { taints: [taint('NoExecute')], current: 2, ready: 0 }, {}, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['NoExecute tolerated for 60 s, added 30 s ago: kept, no new ones', { taints: [taint('NoExecute', NOW - 30_000)], current: 1, ready: 1 }, { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] }, { a: 1, b: 3, c: 2 }, 'Tainted'],
    ['NoExecute tolerated for 60 s, added 90 s ago: evicted', { taints: [taint('NoExecute', NOW - 90_000)], current: 1, ready: 0 }, { tolerations: [{ key: 'dedicated', operator: 'Exists', tolerationSeconds: 60 }] }, { a: 0, b: 3, c: 3 }, 'Tainted'],
    ['NoExecute tolerated without a limit: as if untainted', { taints: [taint('NoExecute', NOW - 90_000)] }, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, { a: 2, b: 2, c: 2 }, 'Planned'],
    ['NoExecute, two tolerations: the smaller limit counts', { taints: [taint('NoExecute', NOW - 90_000)], current: 1, ready: 0 }, { tolerations: [{ key: 'dedicated', operator: 'Exists' }, { operator: 'Exists', tolerationSeconds: 60 }] }, { a: 0, b: 3, c: 3 }, 'Tainted'],
  ])('%s', (_name, a, policy, want, reason) => {
    const v = run(abc(a), policy);
    expect(v.target).toEqual(want);
    expect(v.reason.a).toBe(reason);
  });

  it('PreferNoSchedule is used when the others cannot hold the workload', () => {
    // b and c hold 2 each at most: 2 unplaced without a; with it, round 1 gives 2 each.
    const prefs: ReplicaPreferences = { rebalance: true, clusters: { b: { maxReplicas: 2, weight: 1 }, c: { maxReplicas: 2, weight: 1 }, '*': { weight: 1 } } };
    const v = run(abc({ taints: [taint('PreferNoSchedule')] }), {}, prefs);
    expect(v.target).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('PreferNoSchedule with rebalance false keeps what runs there', () => {
    const v = run(abc({ taints: [taint('PreferNoSchedule')], current: 2, ready: 2 }, { current: 2, ready: 2 }), {}, { rebalance: false, clusters: { '*': { weight: 1 } } });
    expect(v.target).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('rechecks when a NoExecute toleration runs out', () => {
    const p = planWorkload(input(abc({ taints: [taint('NoExecute', NOW - 30_000)], current: 1, ready: 1 }), { key: 'ns/app', totalReplicas: 6, policy: { tolerations: [{ key: 'dedicated', operator: 'Exists', tolerationSeconds: 60 }] } }));
    expect(p.recheckAfterMs).toBe(30_000);
  });

  it('the workload\'s own toleration of the health taints replaces the default', () => {
    const offline = { phase: 'Offline' as const, phaseSince: NOW - 60_000, current: 2, ready: 2 };
    expect(run(abc(offline)).target.a).toBe(0);
    expect(run(abc(offline), { tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 }] }).target.a).toBe(2);
    expect(run(abc(offline), { tolerations: [{ key: TAINT_NOT_READY, operator: 'Exists', tolerationSeconds: 120 }] }).target.a).toBe(0);
    const short = planWorkload(input(abc({ phase: 'NotReady', phaseSince: NOW - 1_000, current: 2, ready: 2 }), { key: 'ns/app', totalReplicas: 6, policy: { tolerations: [{ key: TAINT_NOT_READY, operator: 'Exists', tolerationSeconds: 0 }] } }));
    expect(short.clusters.a!.target).toBe(0);
  });
});

describe('workload failover', () => {
  it('stuck unschedulable pods lower the capacity; one replica stays as a probe', () => {
    // a runs 4, 3 stuck: capacity 1. Division of 12 over a, b, c (hash order b, a, c): round 1
    // ceil(12/3) = 4: b 4, a 1 (full), c 4; round 2 over b, c: ceil(3/2) = 2: b 6, c 1 left → c 5.
    const clusters = [cluster('a', { current: 4, ready: 1, stuck: 3 }), cluster('b', { current: 4, ready: 4 }), cluster('c', { current: 4, ready: 4 })];
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 12 })));
    expect(v.target).toEqual({ a: 1, b: 6, c: 5 });
    // a: 3 not Ready go at once, the probe keeps one of them: min(4, 1 + 1) = 2.
    expect(v.write).toEqual({ a: 2, b: 6, c: 5 });
    expect(v.reason.a).toBe('Unschedulable');
  });

  it('a cluster whose replicas are all Ready again counts fully', () => {
    const clusters = [cluster('a', { current: 1, ready: 1 }), cluster('b', { current: 6, ready: 6 }), cluster('c', { current: 5, ready: 5 })];
    // floor(12/3) = 4: b keeps 4, c keeps 4, a keeps 1; 3 left. Rounds of 1 each: what is kept
    // counts first (a's 1 in round 1, b's and c's 4 in rounds 1-4); a takes +1 in rounds 2, 3, 4.
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 12 })));
    expect(v.target).toEqual({ a: 4, b: 4, c: 4 });
    // Ready 12, desired 12: b and c keep their surplus until a's replicas are Ready.
    expect(v.write).toEqual({ a: 4, b: 6, c: 5 });
  });
});

describe('make-before-break', () => {
  it('removes Ready replicas from the largest surplus first, never below the desired Ready total', () => {
    // Weights move 10 replicas from 5/5 to 8/2 (a 3, b 1). Ready 5 + 5 = 10 = desired: b keeps 5.
    const prefs: ReplicaPreferences = { rebalance: true, clusters: { a: { weight: 3 }, b: { weight: 1 } } };
    const clusters = [cluster('a', { current: 5, ready: 5 }), cluster('b', { current: 5, ready: 5 })];
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 10, preferences: prefs })));
    expect(v.target).toEqual({ a: 8, b: 2 });
    expect(v.write).toEqual({ a: 8, b: 5 });
    // a's new replicas Ready (8): 13 Ready, 3 may go: b down to 2.
    const w = view(planWorkload(input([cluster('a', { current: 8, ready: 8 }), cluster('b', { current: 5, ready: 5 })], { key: 'ns/app', totalReplicas: 10, preferences: prefs })));
    expect(w.write).toEqual({ a: 8, b: 2 });
  });
});

describe('rebalance', () => {
  const three = (over: Record<string, Partial<ClusterCandidate>> = {}) => ['a', 'b', 'c', 'd'].filter((n) => n !== 'd' || over.d).map((n) => cluster(n, { current: 2, ready: 2, ...over[n] }));

  it('rebalance true: a joined cluster gets its share', () => {
    // ideal over d, b, a, c: ceil(6/4) = 2 to d, b, a; floor share 1. b, a keep 2, c keeps 1,
    // the one left goes to d.
    const v = view(planWorkload(input(three({ d: { current: undefined, ready: undefined } }), { key: 'ns/app', totalReplicas: 6 })));
    expect(v.target).toEqual({ a: 2, b: 2, c: 1, d: 1 });
    expect(v.write).toEqual({ a: 2, b: 2, c: 2, d: 1 });
  });

  it('rebalance false: a joined cluster gets nothing; replicas stay where they run', () => {
    const v = view(planWorkload(input(three({ d: { current: undefined, ready: undefined } }), { key: 'ns/app', totalReplicas: 6, preferences: { rebalance: false, clusters: { '*': { weight: 1 } } } })));
    expect(v.target).toEqual({ a: 2, b: 2, c: 2, d: 0 });
  });

  it('rebalance false: replicas held for a failed cluster return to it, without borrowed they would not', () => {
    const prefs: ReplicaPreferences = { rebalance: false, clusters: { '*': { weight: 1 } } };
    // c evicted: b and a keep 2 each, then rounds of ceil(2/2) = 1: b 3, a 3. With c able to
    // take replicas the division is 2/2/2: each holds 1 on c's behalf.
    const down = planWorkload(input(three({ c: { phase: 'NotReady', phaseSince: NOW - 60_000, ready: 0 } }), { key: 'ns/app', totalReplicas: 6, preferences: prefs }));
    expect(view(down).target).toEqual({ a: 3, b: 3, c: 0 });
    expect(view(down).write).toEqual({ a: 3, b: 3, c: 0 });
    expect(down.borrowed).toEqual({ a: 1, b: 1 });
    const backClusters = three({ a: { current: 3, ready: 3 }, b: { current: 3, ready: 3 }, c: { current: 0, ready: 0 } });
    const back = planWorkload(input(backClusters, { key: 'ns/app', totalReplicas: 6, preferences: prefs, borrowed: down.borrowed }));
    expect(view(back).target).toEqual({ a: 2, b: 2, c: 2 });
    // Without what was borrowed, preallocation keeps 3 on b and 3 on a: c gets nothing.
    const stuck = planWorkload(input(backClusters, { key: 'ns/app', totalReplicas: 6, preferences: prefs }));
    expect(view(stuck).target).toEqual({ a: 3, b: 3, c: 0 });
  });

  it('rebalance false: the surplus kept until the replacements are Ready stays borrowed, so they are not taken back', () => {
    const prefs: ReplicaPreferences = { rebalance: false, clusters: { '*': { weight: 1 } } };
    const plan = (over: Record<string, Partial<ClusterCandidate>>, borrowed: Record<string, number>) => planWorkload(input(three(over), { key: 'ns/app', totalReplicas: 6, preferences: prefs, borrowed }));
    // c is back: 2 each, but a and b keep their Ready third replica until c's are Ready (6 Ready
    // must stay): 1 each held, for c.
    const back = plan({ a: { current: 3, ready: 3 }, b: { current: 3, ready: 3 }, c: { current: 0, ready: 0 } }, { a: 1, b: 1 });
    expect(view(back).write).toEqual({ a: 3, b: 3, c: 2 });
    expect(back.borrowed).toEqual({ a: 1, b: 1 });
    // c's replicas are starting: a and b count 3 - 1 = 2 as their own; c keeps its 2.
    const starting = plan({ a: { current: 3, ready: 3 }, b: { current: 3, ready: 3 }, c: { current: 2, ready: 0 } }, back.borrowed);
    expect(view(starting).target).toEqual({ a: 2, b: 2, c: 2 });
    expect(view(starting).write).toEqual({ a: 3, b: 3, c: 2 });
    // Taking a's and b's third replicas as their own (nothing borrowed) would plan c's back to 0.
    expect(view(plan({ a: { current: 3, ready: 3 }, b: { current: 3, ready: 3 }, c: { current: 2, ready: 0 } }, {})).target.c).toBeLessThan(2);
    // c's are Ready: the surplus goes, nothing is borrowed any more.
    const done = plan({ a: { current: 3, ready: 3 }, b: { current: 3, ready: 3 }, c: { current: 2, ready: 2 } }, starting.borrowed);
    expect(view(done).write).toEqual({ a: 2, b: 2, c: 2 });
    expect(done.borrowed).toEqual({});
  });

  it("rebalance false: replicas above the previous plan's target (a scale-down not written yet) are not the cluster's own", () => {
    const prefs: ReplicaPreferences = { rebalance: false, clusters: { '*': { weight: 1 } } };
    // The previous plan moved b from 4 to 2 and gave a 2; b's write has not landed, a's replicas
    // are starting. (Key "ns/app" orders b before a.)
    const clusters = [cluster('a', { current: 2, ready: 0, previousTarget: 2 }), cluster('b', { current: 4, ready: 0, previousTarget: 2 })];
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 4, preferences: prefs })));
    expect(v.target).toEqual({ a: 2, b: 2 });
    expect(v.write).toEqual({ a: 2, b: 2 });
    // Taking b's 4 as its own, the division without rebalancing keeps them (b comes first) and
    // plans a's 2 away: the flip this rule prevents.
    const own = view(planWorkload(input([cluster('a', { current: 2, ready: 0 }), cluster('b', { current: 4, ready: 0 })], { key: 'ns/app', totalReplicas: 4, preferences: prefs })));
    expect(own.target).toEqual({ a: 0, b: 4 });
  });
});

describe('never an empty placement', () => {
  it('keeps every reachable cluster as it is when nothing fits', () => {
    const clusters = [
      cluster('a', { phase: 'NotReady', phaseSince: NOW - 60_000, current: 3, ready: 0 }),
      cluster('b', { taints: [{ key: 'x', effect: 'NoExecute' }], current: 2, ready: 2 }),
      cluster('c', { taints: [{ key: 'x', effect: 'NoSchedule' }], current: 0, ready: 0 }),
      cluster('d', { phase: 'Offline', phaseSince: NOW - 60_000, current: 4, ready: 4 }),
      cluster('e', { taints: [{ key: 'x', effect: 'NoSchedule' }], current: undefined, ready: undefined }),
    ];
    const p = planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 6 }));
    expect(p.nothingFits).toBe(true);
    expect(p.unplaced).toBe(6);
    const v = view(p);
    expect(v.write).toEqual({ a: 3, b: 2, c: 0, d: undefined, e: undefined });
    expect(v.target).toEqual({ a: 0, b: 0, c: 0, d: 0, e: 0 });
  });

  it('an empty selection is "nothing fits"; zero replicas is not', () => {
    expect(planWorkload(input([], { totalReplicas: 3 })).nothingFits).toBe(true);
    const zero = planWorkload(input(nine(), { totalReplicas: 0 }));
    expect(zero.nothingFits).toBe(false);
    expect(view(zero).write).toEqual(Object.fromEntries(SHORT.map((s) => [s, 0])));
  });
});

describe('spread constraints', () => {
  const six = (over: Record<string, Partial<ClusterCandidate>> = {}) =>
    ['us-1', 'us-2', 'eu-1', 'eu-2', 'as-1', 'as-2'].map((n) => cluster(n, { region: n.slice(0, 2), zones: [n], current: undefined, ready: undefined, ...over[n] }));
  const run = (clusters: ClusterCandidate[], policy: SchedulingPolicy, total = 8) => {
    const p = planWorkload(input(clusters, { key: 'ns/app', totalReplicas: total, policy }));
    return { ...view(p), p };
  };

  it('maxGroups: the best groups by weight, then room, then name', () => {
    // Equal weights and unbounded room: as, eu by name. 8 over 4: 2 each.
    const v = run(six(), { spreadConstraints: [{ spreadByField: 'region', maxGroups: 2 }] });
    expect(v.target).toEqual({ 'us-1': 0, 'us-2': 0, 'eu-1': 2, 'eu-2': 2, 'as-1': 2, 'as-2': 2 });
    expect(v.reason['us-1']).toBe('Spread');
    expect(v.p.clusters['us-1']!.message).toContain('region us not chosen (maxGroups 2)');
  });

  it('maxGroups: a region with more weight wins over the name order', () => {
    const v = view(planWorkload(input(six(), { key: 'ns/app', totalReplicas: 8, policy: { spreadConstraints: [{ spreadByField: 'region', maxGroups: 1 }] }, preferences: { rebalance: true, clusters: { 'us-1': { weight: 3 }, '*': { weight: 1 } } } })));
    // us weighs 4: us-1 3, us-2 1 of 8: ceil(24/4) = 6, then 2.
    expect(v.target).toEqual({ 'us-1': 6, 'us-2': 2, 'eu-1': 0, 'eu-2': 0, 'as-1': 0, 'as-2': 0 });
  });

  it('maxGroups: groups running replicas are kept (stability)', () => {
    const v = run(six({ 'us-1': { current: 2, ready: 2 }, 'us-2': { current: 2, ready: 2 } }), { spreadConstraints: [{ spreadByField: 'region', maxGroups: 2 }] });
    expect(v.target).toEqual({ 'us-1': 2, 'us-2': 2, 'eu-1': 0, 'eu-2': 0, 'as-1': 2, 'as-2': 2 });
  });

  it('minGroups: a division that uses too few groups gets one replica per missing group', () => {
    // 3 replicas, 3 regions: the division alone puts them on us-1, eu-2, eu-1 (hash order):
    // 2 regions. Minimums: us-1 (us), eu-1 (the first eu by name, both have 1), as-1 (asia).
    const v = run(six(), { spreadConstraints: [{ spreadByField: 'region', minGroups: 3 }] }, 3);
    expect(v.target).toEqual({ 'us-1': 1, 'us-2': 0, 'eu-1': 1, 'eu-2': 0, 'as-1': 1, 'as-2': 0 });
  });

  it('minGroups that cannot be met: plan over what there is and say so', () => {
    const down = { phase: 'Offline' as const, phaseSince: NOW - 60_000 };
    const v = run(six({ 'eu-1': down, 'eu-2': down, 'as-1': down, 'as-2': down }), { spreadConstraints: [{ spreadByField: 'region', minGroups: 2 }] });
    expect(v.target).toEqual({ 'us-1': 4, 'us-2': 4, 'eu-1': 0, 'eu-2': 0, 'as-1': 0, 'as-2': 0 });
    expect(v.reason['us-1']).toBe('Spread');
    expect(v.p.clusters['us-1']!.message).toContain('only 1 region(s) can take replicas, minGroups is 2');
  });

  it('clusters without the field are left out; by cluster, maxGroups limits the clusters', () => {
    const v = run(six({ 'as-2': { region: undefined } }), { spreadConstraints: [{ spreadByField: 'region' }] }, 5);
    expect(v.target['as-2']).toBe(0);
    expect(v.p.clusters['as-2']!.message).toContain('has no region');
    // By cluster, at most 2: all rank equal, so by name: as-1, as-2.
    const w = run(six(), { spreadConstraints: [{ spreadByField: 'cluster', maxGroups: 2 }] });
    expect(w.target).toEqual({ 'us-1': 0, 'us-2': 0, 'eu-1': 0, 'eu-2': 0, 'as-1': 4, 'as-2': 4 });
  });

  it('by zone within regions', () => {
    // Regions: at most 1 (as, by name); zones within it: at most 1 (as-1).
    const v = run(six(), { spreadConstraints: [{ spreadByField: 'zone', maxGroups: 1 }, { spreadByField: 'region', maxGroups: 1 }] });
    expect(v.target).toEqual({ 'us-1': 0, 'us-2': 0, 'eu-1': 0, 'eu-2': 0, 'as-1': 8, 'as-2': 0 });
  });
});

describe('ordered affinity groups', () => {
  const policy: SchedulingPolicy = { clusterAffinities: [{ affinityName: 'primary', clusterNames: ['a', 'b'] }, { affinityName: 'backup', labelSelector: { matchLabels: { tier: 'backup' } } }] };
  const abc = (over: Record<string, Partial<ClusterCandidate>> = {}) => [
    cluster('a', { current: 2, ready: 2, ...over.a }),
    cluster('b', { current: 2, ready: 2, ...over.b }),
    cluster('c', { labels: { tier: 'backup' }, current: 0, ready: 0, ...over.c }),
    cluster('d', { current: 0, ready: 0, ...over.d }),
  ];
  const run = (clusters: ClusterCandidate[]) => view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 4, policy })));
  const down = { phase: 'Offline' as const, phaseSince: NOW - 60_000 };

  it('uses the first group that can hold the workload', () => {
    const v = run(abc());
    expect(v.target).toEqual({ a: 2, b: 2, c: 0, d: 0 });
    expect(v.reason.c).toBe('Affinity');
    expect(v.reason.d).toBe('Affinity');
  });

  it('fails over to the next group; the unreachable clusters are not written', () => {
    const v = run(abc({ a: down, b: down }));
    expect(v.target).toEqual({ a: 0, b: 0, c: 4, d: 0 });
    expect(v.write).toEqual({ a: undefined, b: undefined, c: 4, d: 0 });
    expect(v.reason.a).toBe('ClusterUnreachable');
  });

  it('a group that cannot hold the total is passed over', () => {
    // Only b is left in primary, with maxReplicas 3 < 4.
    const prefs: ReplicaPreferences = { rebalance: true, clusters: { b: { maxReplicas: 3, weight: 1 }, '*': { weight: 1 } } };
    const v = view(planWorkload(input(abc({ a: down }), { key: 'ns/app', totalReplicas: 4, policy, preferences: prefs })));
    expect(v.target).toEqual({ a: 0, b: 0, c: 4, d: 0 });
    // b's Ready 2 stay until c's replicas are Ready (Ready 2 of 4 desired).
    expect(v.write).toEqual({ a: undefined, b: 2, c: 4, d: 0 });
  });

  it('returns to the first group when it recovers, make-before-break', () => {
    // a and b were stopped (never written: 2 each), back and settled; c runs the 4.
    const back = abc({ a: { ready: 0 }, b: { ready: 0 }, c: { current: 4, ready: 4 } });
    const v = run(back);
    expect(v.target).toEqual({ a: 2, b: 2, c: 0, d: 0 });
    expect(v.write).toEqual({ a: 2, b: 2, c: 4, d: 0 });
    expect(v.reason.c).toBe('AwaitingReplacements');
    const ready = run(abc({ c: { current: 4, ready: 4 } }));
    expect(ready.write).toEqual({ a: 2, b: 2, c: 0, d: 0 });
  });
});

describe('dynamic weights', () => {
  const policy: SchedulingPolicy = { dynamicWeight: 'AvailableReplicas' };
  const fresh = { current: undefined, ready: undefined };

  it('weighs clusters by available replicas (unknown: the preference), within min and max', () => {
    // Weights a 6, b 2, c 1 (unknown). Mins first: c 3, 7 left. Round of D = 7 over 9: a
    // ceil(42/9) = 5 (its max), b ceil(14/9) = 2, nothing left for c.
    const prefs: ReplicaPreferences = { rebalance: true, clusters: { a: { maxReplicas: 5, weight: 1 }, c: { minReplicas: 3, weight: 1 }, '*': { weight: 1 } } };
    const clusters = [cluster('a', { ...fresh, availableReplicas: 6 }), cluster('b', { ...fresh, availableReplicas: 2 }), cluster('c', fresh)];
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 10, policy, preferences: prefs })));
    expect(v.target).toEqual({ a: 5, b: 2, c: 3 });
  });

  it('counts the replicas already there as available', () => {
    // a: 0 free + 4 running = 4; b: 4 free = 4: equal weights, 4 each of 8.
    const clusters = [cluster('a', { current: 4, ready: 4, availableReplicas: 0 }), cluster('b', { current: 0, ready: 0, availableReplicas: 4 })];
    const v = view(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 8, policy })));
    expect(v.target).toEqual({ a: 4, b: 4 });
    // Without dynamic weights it is 4/4 too; with a full b (0 free), a keeps all 8.
    const full = [cluster('a', { current: 4, ready: 4, availableReplicas: 10 }), cluster('b', { current: 0, ready: 0, availableReplicas: 0 })];
    expect(view(planWorkload(input(full, { key: 'ns/app', totalReplicas: 8, policy }))).target).toEqual({ a: 8, b: 0 });
  });
});

describe('recheckAfterMs', () => {
  it('is the earliest of a toleration running out, a cluster settling and replicas passing the threshold', () => {
    const clusters = [
      cluster('a', { phase: 'Offline', phaseSince: NOW - 2_000 }), // 3 s left
      cluster('b', { phaseSince: NOW - 4_000 }), // settles in 6 s
      cluster('c', { current: 2, ready: 1, notReadySince: NOW - 14_000 }), // 1 s left
    ];
    expect(planWorkload(input(clusters, { key: 'ns/app', totalReplicas: 4 })).recheckAfterMs).toBe(1_000);
    expect(planWorkload(input(clusters.slice(0, 2), { key: 'ns/app', totalReplicas: 4 })).recheckAfterMs).toBe(3_000);
    expect(planWorkload(input(clusters.slice(1, 2), { key: 'ns/app', totalReplicas: 4 })).recheckAfterMs).toBe(6_000);
    expect(planWorkload(input([cluster('d')], { key: 'ns/app', totalReplicas: 4 })).recheckAfterMs).toBeUndefined();
  });
});
