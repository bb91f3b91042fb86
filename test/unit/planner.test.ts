import { describe, expect, it } from 'vitest';
import { fnv1_32 } from '../../src/federation/planning/fnv.js';
import { plan, type PlanInput } from '../../src/federation/planning/planner.js';

describe('FNV-1 32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0x050c5d7e],
    ['foobar', 0x31f0b262],
  ])('hashes %j like Go hash/fnv New32', (s, h) => {
    expect(fnv1_32(s)).toBe(h);
  });
  it('hashes concatenated parts as one byte stream', () => {
    expect(fnv1_32('foo', 'bar')).toBe(fnv1_32('foobar'));
  });
});

const even = { clusters: { '*': { weight: 1 } } };
/*
 * Equal weights are ordered by the 32-bit FNV-1 hash of cluster + key, ascending. The hashes
 * below were computed apart from this repository (Python: h = 0x811c9dc5; for each UTF-8 byte
 * h = (h * 0x01000193) mod 2^32, then h ^= byte), checked against the vectors above:
 *   key "ns/app":      b 4142490148 < a 4221943119 < c 4263337313
 *   key "default/web": c7 55272101 < c3 96804985 < c6 1291185934 < c5 1837518327 < c1 1948759083
 *                      < c2 3426718530 < c4 3487751616 < c9 3614951907 < c8 3622915964
 */
const nine = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'];

interface Case {
  name: string;
  input: Omit<PlanInput, 'key'> & { key?: string };
  replicas: Record<string, number>;
  overflow?: Record<string, number>;
  unplaced?: number;
}

const cases: Case[] = [
  { name: 'nine replicas over nine equal clusters: one each', input: { totalReplicas: 9, clusters: nine, preferences: even }, replicas: Object.fromEntries(nine.map((c) => [c, 1])) },
  {
    // Hash order b, a, c. One round, D = 50: ceil(50/3) = 17 to b, 17 to a, the 16 left to c.
    name: '50 over three equal clusters: 17/17/16, the last in hash order getting 16',
    input: { totalReplicas: 50, clusters: ['a', 'b', 'c'], preferences: even },
    replicas: { b: 17, a: 17, c: 16 },
  },
  {
    // Hash order starts with c7: ceil(1/9) = 1 goes to it, nothing is left for the rest.
    name: 'one replica goes to the first cluster in hash order, not the alphabetical first',
    input: { totalReplicas: 1, clusters: nine, preferences: even, key: 'default/web' },
    replicas: { c1: 0, c2: 0, c3: 0, c4: 0, c5: 0, c6: 0, c7: 1, c8: 0, c9: 0 },
  },
  { name: 'zero replicas', input: { totalReplicas: 0, clusters: ['a', 'b'], preferences: even }, replicas: { a: 0, b: 0 } },
  { name: 'weights 3:1', input: { totalReplicas: 10, clusters: ['a', 'b'], preferences: { clusters: { a: { weight: 3 }, b: { weight: 1 } } } }, replicas: { a: 8, b: 2 } },
  {
    name: 'a cluster with no preference and no "*" gets nothing',
    input: { totalReplicas: 6, clusters: ['a', 'b', 'c'], preferences: { clusters: { a: { weight: 1 }, b: { weight: 1 } } } },
    replicas: { a: 3, b: 3, c: 0 },
  },
  {
    name: 'minimums and maximums of the seed annotation: what does not fit stays unplaced',
    input: { totalReplicas: 10, clusters: ['us-a', 'us-b'], preferences: { rebalance: true, clusters: { 'us-a': { minReplicas: 2, maxReplicas: 4, weight: 1 }, 'us-b': { minReplicas: 2, maxReplicas: 4, weight: 1 } } } },
    replicas: { 'us-a': 4, 'us-b': 4 },
    unplaced: 2,
  },
  {
    name: 'a full cluster leaves later rounds; the others take the rest',
    input: { totalReplicas: 10, clusters: ['a', 'b', 'c'], preferences: { clusters: { a: { weight: 1, maxReplicas: 2 }, '*': { weight: 1 } } } },
    replicas: { a: 2, b: 4, c: 4 },
  },
  {
    name: 'minimums beyond the total: higher weight, then hash order, first',
    input: { totalReplicas: 3, clusters: ['a', 'b'], preferences: { clusters: { a: { minReplicas: 2, weight: 2 }, b: { minReplicas: 2, weight: 1 } } } },
    replicas: { a: 2, b: 1 },
  },
  { name: 'zero weights: only minimums', input: { totalReplicas: 10, clusters: ['a', 'b'], preferences: { clusters: { '*': { minReplicas: 2 } } } }, replicas: { a: 2, b: 2 }, unplaced: 6 },
  {
    name: 'capacity caps a cluster; the overflow is reported when rebalancing',
    // Round 1, D = 6: 2 each, a capped at 1 (overflow 1, full); 1 left. Round 2 over b, c (hash
    // order b first), D = 1: ceil(1/2) = 1 to b, none to c.
    input: { totalReplicas: 6, clusters: ['a', 'b', 'c'], preferences: { rebalance: true, clusters: { '*': { weight: 1 } } }, capacity: { a: 1 } },
    replicas: { a: 1, b: 3, c: 2 },
    overflow: { a: 1 },
  },
  {
    name: 'without rebalancing, overflow is trimmed to what could not be placed elsewhere',
    input: { totalReplicas: 6, clusters: ['a', 'b', 'c'], preferences: even, capacity: { a: 1 } },
    replicas: { a: 1, b: 3, c: 2 },
    overflow: {},
  },
  {
    name: 'capacity below the minimum',
    input: { totalReplicas: 5, clusters: ['a', 'b'], preferences: { clusters: { a: { minReplicas: 5, weight: 1 }, b: { weight: 1 } } }, capacity: { a: 2 } },
    replicas: { a: 2, b: 3 },
  },
  {
    name: 'no capacity anywhere: everything unplaced, overflow kept',
    input: { totalReplicas: 4, clusters: ['a', 'b'], preferences: even, capacity: { a: 0, b: 0 } },
    replicas: { a: 0, b: 0 },
    overflow: { a: 2, b: 2 },
    unplaced: 4,
  },
  {
    name: 'without rebalancing, replicas already running stay put',
    input: { totalReplicas: 4, clusters: ['a', 'b'], preferences: even, current: { a: 4, b: 0 } },
    replicas: { a: 4, b: 0 },
  },
  {
    name: 'with rebalancing, the same replicas are spread evenly',
    input: { totalReplicas: 4, clusters: ['a', 'b'], preferences: { rebalance: true, clusters: { '*': { weight: 1 } } }, current: { a: 4, b: 0 } },
    replicas: { a: 2, b: 2 },
  },
  {
    name: 'preallocated replicas count first toward a cluster\'s share',
    input: { totalReplicas: 4, clusters: ['a', 'b'], preferences: even, current: { a: 3, b: 0 } },
    replicas: { a: 3, b: 1 },
  },
  {
    name: 'preallocation respects maxReplicas and capacity',
    input: { totalReplicas: 6, clusters: ['a', 'b'], preferences: { clusters: { a: { weight: 1, maxReplicas: 2 }, b: { weight: 1 } } }, current: { a: 6 }, capacity: { b: 10 } },
    replicas: { a: 2, b: 4 },
  },
  {
    name: 'a replica count growth keeps existing placement and adds by weight',
    input: { totalReplicas: 9, clusters: ['a', 'b', 'c'], preferences: even, current: { a: 1, b: 1, c: 1 } },
    replicas: { a: 3, b: 3, c: 3 },
  },
];

describe('replica planner', () => {
  it.each(cases)('$name', (c) => {
    const key = c.input.key ?? 'ns/app';
    const p = plan({ ...c.input, key });
    expect(p.replicas).toEqual(c.replicas);
    if (c.overflow !== undefined) expect(p.overflow).toEqual(c.overflow);
    expect(p.unplaced).toBe(c.unplaced ?? 0);
    // Never more than asked, never more than a cluster's max or capacity.
    const total = Object.values(p.replicas).reduce((a, b) => a + b, 0);
    expect(total + p.unplaced).toBe(c.input.totalReplicas);
  });

  it('does not depend on the order clusters are given in', () => {
    const a = plan({ totalReplicas: 50, clusters: ['x', 'y', 'z'], preferences: even, key: 'k' });
    const b = plan({ totalReplicas: 50, clusters: ['z', 'x', 'y'], preferences: even, key: 'k' });
    expect(a).toEqual(b);
  });
});
