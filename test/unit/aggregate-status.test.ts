/** Aggregated workload status from member copies: table-driven cases with hand-computed sums. */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { aggregateStatus, type MemberCopy } from '../../src/federation/status/aggregate.js';

const deploy = (generation: number, replicas: number): KObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas } });

function copy(cluster: string, status: Record<string, unknown>, o: { reachable?: boolean; upToDate?: boolean; generation?: number } = {}): MemberCopy {
  return { cluster, obj: { metadata: { generation: o.generation ?? 1 }, status: { observedGeneration: o.generation ?? 1, ...status } }, upToDate: o.upToDate ?? true, reachable: o.reachable ?? true };
}

describe('aggregateStatus for a Deployment', () => {
  const cases: { name: string; fed: KObject; copies: MemberCopy[]; expected: number; unknown?: { cluster: string; phase: string }[]; want: Record<string, unknown>; reach?: RegExp }[] = [
    {
      name: 'every cluster reachable and ready',
      fed: deploy(1, 6),
      copies: [copy('a', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }), copy('b', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }), copy('c', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 })],
      expected: 3,
      want: { replicas: 6, readyReplicas: 6, availableReplicas: 6, updatedReplicas: 6, unavailableReplicas: 0, observedGeneration: 1 },
    },
    {
      name: 'an Offline cluster: its replicas exist, but are neither ready nor available',
      fed: deploy(1, 6),
      copies: [copy('a', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }), copy('b', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }), copy('c', { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }, { reachable: false })],
      expected: 2,
      unknown: [{ cluster: 'c', phase: 'Offline' }],
      want: { replicas: 6, readyReplicas: 4, availableReplicas: 4, updatedReplicas: 6, unavailableReplicas: 2, observedGeneration: 1 },
      reach: /^state unknown in c \(Offline\): the 2 replica\(s\) last reported there are not counted as ready or available$/,
    },
    {
      name: 'a new generation seen by the reachable clusters only',
      fed: deploy(2, 6),
      copies: [copy('a', { replicas: 2, readyReplicas: 2, availableReplicas: 2 }, { generation: 2 }), copy('b', { replicas: 2, readyReplicas: 2, availableReplicas: 2 }, { generation: 2 }), copy('c', { replicas: 2, readyReplicas: 2, availableReplicas: 2 }, { reachable: false, upToDate: false })],
      expected: 2,
      unknown: [{ cluster: 'c', phase: 'NotReady' }],
      want: { replicas: 6, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 2, observedGeneration: 2 },
      reach: /c \(NotReady\)/,
    },
    {
      name: 'a reachable cluster that has not seen the new generation holds observedGeneration back',
      fed: deploy(3, 4),
      copies: [copy('a', { replicas: 2, readyReplicas: 2, availableReplicas: 2 }, { generation: 3 }), copy('b', { replicas: 2, readyReplicas: 2, availableReplicas: 2 }, { generation: 2, upToDate: false })],
      expected: 2,
      want: { replicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0, observedGeneration: 2 },
    },
    {
      name: 'a selected cluster with no copy known yet: no sums from it, observed waits',
      fed: deploy(1, 4),
      copies: [copy('a', { replicas: 2, readyReplicas: 2, availableReplicas: 2 })],
      expected: 2,
      want: { replicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2, observedGeneration: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = aggregateStatus('apps/Deployment', c.fed, c.copies, c.expected, c.unknown ?? []) as Record<string, any>;
      const { conditions, ...sums } = s;
      expect(sums).toEqual(c.want);
      const reach = (conditions ?? []).find((x: { type: string }) => x.type === 'ClustersReachable');
      if (c.reach) {
        expect(reach).toMatchObject({ status: 'False', reason: 'ClustersUnreachable' });
        expect(reach.message).toMatch(c.reach);
      } else expect(reach).toBeUndefined();
    });
  }
});

describe('aggregateStatus for a Job', () => {
  const done = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }], completionTime: '2026-01-01T00:00:02Z', startTime: '2026-01-01T00:00:00Z' };
  it('is Complete only when every selected cluster completed and none is unknown', () => {
    const job: KObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', generation: 1 }, spec: {} };
    const all = aggregateStatus('batch/Job', job, [copy('a', done), copy('b', done)], 2) as Record<string, any>;
    expect(all.conditions.map((c: { type: string }) => c.type)).toEqual(['Complete']);
    expect(all.completionTime).toBe('2026-01-01T00:00:02Z');
    const oneUnknown = aggregateStatus('batch/Job', job, [copy('a', done), copy('b', done, { reachable: false })], 1, [{ cluster: 'b', phase: 'Offline' }]) as Record<string, any>;
    expect(oneUnknown.conditions.map((c: { type: string }) => c.type)).toEqual(['ClustersReachable']);
    expect(oneUnknown.completionTime).toBeUndefined();
    expect(oneUnknown.succeeded).toBe(2);
  });
});
