import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { affinityTermMatches, chooseAffinityGroup } from '../../src/federation/planning/affinity.js';
import { availableReplicas, requestsFromQuantities, specRequests } from '../../src/federation/planning/available-replicas.js';
import { makeBeforeBreak, type MbbCluster } from '../../src/federation/planning/make-before-break.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type Taint, type Toleration } from '../../src/federation/planning/scheduling-types.js';
import { spreadGroupKey } from '../../src/federation/planning/spread.js';
import { clusterTaints, noExecuteDeadline, noExecuteToleranceMs, tolerationMatches, toleratesTaint } from '../../src/federation/planning/taints.js';

describe('taints and tolerations (Kubernetes semantics)', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it.each<[string, Toleration, boolean]>([
    ['Equal, same key and value', { key: 'dedicated', operator: 'Equal', value: 'gpu' }, true],
    ['operator defaults to Equal', { key: 'dedicated', value: 'gpu' }, true],
    ['Equal, another value', { key: 'dedicated', operator: 'Equal', value: 'cpu' }, false],
    ['Equal without value against a value', { key: 'dedicated' }, false],
    ['Exists, same key, any value', { key: 'dedicated', operator: 'Exists' }, true],
    ['Exists, another key', { key: 'other', operator: 'Exists' }, false],
    ['Exists, empty key: everything', { operator: 'Exists' }, true],
    ['same effect', { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, true],
    ['another effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    ['empty effect: every effect', { operator: 'Exists', effect: undefined }, true],
    ['an unknown operator', { key: 'dedicated', operator: 'Near' as never }, false],
  ])('%s', (_name, t, want) => {
    expect(tolerationMatches(t, taint)).toBe(want);
    expect(toleratesTaint([{ key: 'unrelated', operator: 'Exists' }, t], taint)).toBe(want);
  });

  it('a taint without value matches Equal without value', () => {
    expect(tolerationMatches({ key: 'k' }, { key: 'k', effect: 'NoSchedule' })).toBe(true);
    expect(toleratesTaint(undefined, { key: 'k', effect: 'NoSchedule' })).toBe(false);
  });

  it('NoExecute: the smallest tolerationSeconds of the matching tolerations; none with seconds: for ever', () => {
    const t: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' };
    expect(noExecuteToleranceMs([{ key: 'maintenance', operator: 'Exists', tolerationSeconds: 30 }, { operator: 'Exists', tolerationSeconds: 10 }], t, 99)).toBe(10_000);
    expect(noExecuteToleranceMs([{ key: 'maintenance', operator: 'Exists' }, { operator: 'Exists', tolerationSeconds: 10 }], t, 99)).toBe(10_000);
    expect(noExecuteToleranceMs([{ key: 'maintenance', operator: 'Exists' }], t, 99)).toBe(Infinity);
    expect(noExecuteToleranceMs([{ key: 'maintenance', operator: 'Exists', tolerationSeconds: -5 }, { operator: 'Exists' }], t, 99)).toBe(0);
    // Not tolerated: 0 for a user's taint, the default for the federation's health taints.
    expect(noExecuteToleranceMs([{ key: 'other', operator: 'Exists', tolerationSeconds: 30 }], t, 99)).toBe(0);
    expect(noExecuteToleranceMs([], { ...t, key: TAINT_UNREACHABLE }, 7)).toBe(7_000);
    expect(noExecuteToleranceMs([], { ...t, key: TAINT_NOT_READY }, 7)).toBe(7_000);
    expect(noExecuteDeadline([{ operator: 'Exists', tolerationSeconds: 10 }], t, 0)).toBe(Date.parse('2024-05-01T12:00:10Z'));
    expect(noExecuteDeadline([{ operator: 'Exists' }], t, 0)).toBe(Infinity);
    expect(noExecuteDeadline([], { key: 'x', effect: 'NoExecute' }, 0)).toBe(-Infinity);
  });

  it('a NotReady or Offline phase implies the health taint since phaseSince, unless the list has it', () => {
    const since = Date.parse('2024-05-01T12:00:00Z');
    expect(clusterTaints({ phase: 'Ready', phaseSince: since, taints: [] })).toEqual([]);
    expect(clusterTaints({ phase: 'NotReady', phaseSince: since, taints: [] })).toEqual([{ key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00.000Z' }]);
    expect(clusterTaints({ phase: 'Offline', phaseSince: since, taints: [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }] })).toEqual([
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00.000Z' },
    ]);
    const own = { key: TAINT_UNREACHABLE, effect: 'NoExecute' as const, timeAdded: '2024-05-01T11:00:00Z' };
    expect(clusterTaints({ phase: 'Offline', phaseSince: since, taints: [own] })).toEqual([own]);
  });
});

describe('make-before-break', () => {
  const c = (name: string, target: number, current: number | undefined, ready: number | undefined, extra: Partial<MbbCluster> = {}): MbbCluster => ({ name, target, current, ready, reachable: true, ...extra });

  it.each<[string, MbbCluster[], number, Record<string, number | undefined>]>([
    ['growth at once', [c('a', 3, 1, 1), c('b', 0, undefined, undefined)], 3, { a: 3, b: 0 }],
    ['not Ready replicas go freely', [c('a', 1, 3, 1), c('b', 2, 0, 0)], 3, { a: 1, b: 2 }],
    ['Ready ones only above the desired Ready total', [c('a', 1, 3, 3), c('b', 2, 0, 0)], 3, { a: 3, b: 2 }],
    // Ready 3 + 2 = 5, desired 3: 2 may go.
    ['part of the Ready surplus', [c('a', 1, 3, 3), c('b', 2, 2, 2)], 3, { a: 1, b: 2 }],
    // Ready 3 + 3 + 1 = 7, desired 5: 2 may go; a (surplus 2) and b (surplus 2): one each, a first by name.
    ['the largest surplus first, ties by name', [c('b', 1, 3, 3), c('a', 1, 3, 3), c('c', 3, 1, 1)], 5, { a: 2, b: 2, c: 3 }],
    // Ready 4 + 1 + 2 = 7, desired 6: one may go, from a (surplus 3) rather than b (1).
    ['from the cluster with the most surplus', [c('a', 1, 4, 4), c('b', 0, 1, 1), c('c', 5, 2, 2)], 6, { a: 3, b: 1, c: 5 }],
    ['an unreachable cluster is never written and its Ready do not count', [c('a', 0, 2, 2, { reachable: false }), c('b', 2, 2, 2), c('c', 0, 1, 1)], 2, { a: undefined, b: 2, c: 0 }],
    ['a probe stays', [c('a', 0, 3, 0, { probe: true }), c('b', 3, 3, 3)], 3, { a: 1, b: 3 }],
    ['the probe never raises a write above current', [c('a', 0, 1, 0, { probe: true })], 0, { a: 1 }],
    ['a probe over a surplus held anyway', [c('a', 1, 3, 3, { probe: true }), c('b', 2, 0, 0)], 3, { a: 3, b: 2 }],
  ])('%s', (_name, clusters, total, want) => {
    const { write } = makeBeforeBreak(clusters, total);
    expect(write).toEqual(want);
    for (const x of clusters) {
      const w = write[x.name];
      if (w === undefined) continue;
      expect(w).toBeGreaterThanOrEqual(x.target);
      expect(w).toBeLessThanOrEqual(Math.max(x.target, x.current ?? 0));
    }
  });
});

describe('affinity terms', () => {
  it('match by names and labels, both when both are given', () => {
    expect(affinityTermMatches({ affinityName: 'x', clusterNames: ['a'] }, { name: 'a', labels: {} })).toBe(true);
    expect(affinityTermMatches({ affinityName: 'x', clusterNames: ['a'] }, { name: 'b', labels: {} })).toBe(false);
    expect(affinityTermMatches({ affinityName: 'x', labelSelector: { matchLabels: { tier: 'gold' } } }, { name: 'b', labels: { tier: 'gold' } })).toBe(true);
    expect(affinityTermMatches({ affinityName: 'x', clusterNames: ['a'], labelSelector: { matchLabels: { tier: 'gold' } } }, { name: 'a', labels: {} })).toBe(false);
    expect(affinityTermMatches({ affinityName: 'x' }, { name: 'a', labels: {} })).toBe(true);
  });

  it('the first group with room for all; otherwise the roomiest', () => {
    const clusters = [{ name: 'a', labels: {} }, { name: 'b', labels: {} }, { name: 'c', labels: {} }];
    const terms = [{ affinityName: 'one', clusterNames: ['a'] }, { affinityName: 'two', clusterNames: ['b', 'c'] }];
    const room = (r: Record<string, number>) => (n: string) => r[n] ?? 0;
    expect(chooseAffinityGroup(terms, clusters, room({ a: 5, b: 1, c: 1 }), 5).name).toBe('one');
    expect(chooseAffinityGroup(terms, clusters, room({ a: 4, b: 3, c: 3 }), 5).name).toBe('two');
    const none = chooseAffinityGroup(terms, clusters, room({ a: 3, b: 1, c: 1 }), 5);
    expect([none.name, none.holds]).toEqual(['one', false]);
    expect(chooseAffinityGroup(undefined, clusters, room({}), 5).members).toEqual(new Set(['a', 'b', 'c']));
  });
});

describe('spread groups', () => {
  it.each<['region' | 'zone' | 'cluster', { region?: string; zones: string[] }, string | undefined]>([
    ['region', { region: 'us', zones: ['us-a'] }, 'us'],
    ['region', { zones: ['us-a'] }, undefined],
    ['zone', { zones: ['us-b', 'us-a', 'us-b'] }, 'us-a,us-b'],
    ['zone', { zones: [] }, undefined],
    ['cluster', { zones: [] }, 'c1'],
  ])('%s of %j', (field, c, want) => {
    expect(spreadGroupKey(field, { name: 'c1', ...c })).toBe(want);
  });
});

describe('availableReplicas', () => {
  const node = (name: string, allocatable: Record<string, string>, extra: { ready?: boolean; unschedulable?: boolean; taints?: Taint[] } = {}): KObject => ({
    kind: 'Node',
    metadata: { name },
    spec: { ...(extra.unschedulable ? { unschedulable: true } : {}), ...(extra.taints ? { taints: extra.taints } : {}) },
    status: { allocatable, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  });
  const pod = (nodeName: string, containers: Record<string, string>[], phase = 'Running', extra: Record<string, unknown> = {}): KObject => ({
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { nodeName, containers: containers.map((requests, i) => ({ name: `c${i}`, resources: { requests } })), ...extra },
    status: { phase },
  });
  const want = requestsFromQuantities({ cpu: '500m', memory: '512Mi' });

  it('sums, per schedulable Ready node, the pods that still fit', () => {
    const nodes = [
      node('n1', { cpu: '4', memory: '8Gi', pods: '110' }),
      node('n2', { cpu: '4', memory: '8Gi', pods: '110' }, { unschedulable: true }),
      node('n3', { cpu: '4', memory: '8Gi', pods: '110' }, { ready: false }),
      node('n4', { cpu: '2', memory: '1Gi', pods: '3' }),
    ];
    const pods = [
      pod('n1', [{ cpu: '1', memory: '1Gi' }, { cpu: '500m' }]),
      pod('n1', [{ cpu: '2' }], 'Succeeded'),
      pod('n4', [{}]),
      pod('n4', [{}]),
      pod('', [{ cpu: '3' }], 'Pending'),
    ];
    // n1: cpu (4 − 1.5) / 0.5 = 5, memory 7Gi / 512Mi = 14, pods 109: 5.
    // n4: cpu 2 / 0.5 = 4, memory 1Gi / 512Mi = 2, pods 3 − 2 = 1: 1.
    expect(availableReplicas(nodes, pods, want)).toBe(6);
  });

  it('a resource the node does not offer fits nothing; pods count when nothing else is asked', () => {
    expect(availableReplicas([node('n', { cpu: '4', pods: '10' })], [], want)).toBe(0);
    expect(availableReplicas([node('n', { pods: '10' })], [pod('n', [{}])], {})).toBe(9);
    expect(availableReplicas([node('n', { cpu: '1', memory: '1Gi', pods: '10' })], [pod('n', [{ cpu: '2' }])], want)).toBe(0);
  });

  it('skips nodes with NoSchedule or NoExecute taints the pods do not tolerate', () => {
    const tainted = node('n', { cpu: '4', memory: '8Gi', pods: '110' }, { taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
    const soft = node('m', { cpu: '1', memory: '8Gi', pods: '110' }, { taints: [{ key: 'gpu', effect: 'PreferNoSchedule' }] });
    expect(availableReplicas([tainted, soft], [], want)).toBe(2);
    expect(availableReplicas([tainted, soft], [], want, [{ key: 'gpu', operator: 'Exists' }])).toBe(10);
  });

  it('counts pod requests as the scheduler does: limits alone, init containers, sidecars, overhead', () => {
    const spec = {
      containers: [{ resources: { requests: { cpu: '100m' } } }, { resources: { limits: { cpu: '200m', memory: '64Mi' } } }],
      initContainers: [{ resources: { requests: { cpu: '1' } } }, { restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }],
      overhead: { cpu: '10m' },
    };
    // Containers 300m + sidecar 50m = 350m; the init container alone 1 (no sidecar before it) > 350m; + 10m.
    const r = specRequests(spec);
    expect(r.cpu).toBe(1_010_000_000n);
    expect(r.memory).toBe(64n * 1024n * 1024n * 1_000_000_000n);
  });
});
