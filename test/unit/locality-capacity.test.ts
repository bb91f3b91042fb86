/**
 * Declared capacity, simulated on a virtual clock: evenly spaced tries from one or more client
 * locations, each finishing 20 ms after it started; counts per virtual second and locality.
 * Capacity per endpoint R = 100 requests/s throughout.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Endpoint, Location } from '../../src/traffic/model.js';
import type { Tier } from '../../src/traffic/locality/balancer-api.js';
import { LocalityBalancer } from '../../src/traffic/locality/balancer.js';
import { backend, endpoints, seeded } from './locality-fixtures.js';

interface Flow {
  client: Location;
  perSecond: number;
}

interface Counts {
  /** Tries per virtual second, per locality. */
  locality: Record<string, number[]>;
  tier: Partial<Record<Tier, number[]>>;
  /** Tries per endpoint from `since` on. */
  endpointSince: Map<string, number>;
}

function simulate(b: Backend, flows: Flow[], seconds: number, healthyAt: (ep: Endpoint, t: number) => boolean, since = 0, capacityShare = 1): Counts {
  const lb = new LocalityBalancer({ random: seeded(42), capacityShare });
  const arrivals: { t: number; client: Location }[] = [];
  for (const f of flows) for (let k = 0; (k * 1000) / f.perSecond < seconds * 1000; k++) arrivals.push({ t: (k * 1000) / f.perSecond, client: f.client });
  arrivals.sort((x, y) => x.t - y.t);
  const finishing: { t: number; ep: Endpoint }[] = [];
  let head = 0;
  const counts: Counts = { locality: {}, tier: {}, endpointSince: new Map() };
  const bump = (rec: Record<string, number[]>, key: string, s: number) => ((rec[key] ??= new Array<number>(seconds).fill(0))[s]! += 1);
  for (const { t, client } of arrivals) {
    while (head < finishing.length && finishing[head]!.t <= t) lb.finished(finishing[head++]!.ep);
    const p = lb.pick(b, client, (ep) => healthyAt(ep, t), undefined, t)!;
    lb.started(p.endpoint, t);
    finishing.push({ t: t + 20, ep: p.endpoint });
    const s = Math.floor(t / 1000);
    bump(counts.locality, p.locality, s);
    bump(counts.tier as Record<string, number[]>, p.tier, s);
    if (t >= since) counts.endpointSince.set(p.endpoint.id, (counts.endpointSince.get(p.endpoint.id) ?? 0) + 1);
  }
  return counts;
}

const A: Location = { region: 'us-central1', zone: 'us-central1-a' };
const B: Location = { region: 'us-central1', zone: 'us-central1-b' };

/** Every second in [from, to) within 10% of `want`. */
function within10(series: number[] | undefined, want: number, from: number, to: number, label: string) {
  for (let s = from; s < to; s++) {
    const got = series?.[s] ?? 0;
    expect(Math.abs(got - want), `${label} in second ${s}: ${got}, want ${want} ± 10%`).toBeLessThanOrEqual(want * 0.1);
  }
}

/**
 * The next tier takes all the rest, every second; within 10% of `want` from the second second on.
 * In the first, each of the `buckets` localities before it may also take its bucket's start
 * (0.05 s of its capacity, 25 at 500/s): at least `want - 25 * buckets`.
 */
function rest(c: Counts, next: string, offered: number, want: number, buckets: number, from: number, to: number) {
  const others = Object.keys(c.locality).filter((k) => k !== next);
  for (let s = from; s < to; s++) expect(c.locality[next]![s], `${next} in second ${s}`).toBe(offered - others.reduce((acc, k) => acc + c.locality[k]![s]!, 0));
  within10(c.locality[next], want, Math.max(1, from), to, next);
  if (from === 0) expect(c.locality[next]![0]).toBeGreaterThanOrEqual(want - 25 * buckets);
}

const sum = (...xs: (number[] | undefined)[]) => xs[0]!.map((_, i) => xs.reduce((acc, x) => acc + (x?.[i] ?? 0), 0));

// Zones of 5 endpoints (500/s) in us-central1, 20 (2,000/s) in Europe and Asia.
const EPS = [...endpoints('us-central1-a', 5), ...endpoints('us-central1-b', 5), ...endpoints('us-central1-c', 5), ...endpoints('europe-west1-b', 20), ...endpoints('asia-east1-a', 20)];

describe('declared capacity: the waterfall holds each locality to its capacity', () => {
  it('2,000/s from us-central1-a for 10 s: 500 in the zone, 1,000 in the region, 500 in Europe', () => {
    const c = simulate(backend(EPS, 100), [{ client: A, perSecond: 2000 }], 10, () => true);
    console.log('steady 2000/s', JSON.stringify(c.locality));
    within10(c.locality['us-central1-a'], 500, 0, 10, 'zone a');
    within10(c.locality['us-central1-b'], 500, 0, 10, 'zone b');
    within10(c.locality['us-central1-c'], 500, 0, 10, 'zone c');
    rest(c, 'europe-west1-b', 2000, 500, 3, 0, 10);
    expect(c.locality['asia-east1-a']).toBeUndefined();
    within10(c.tier.zone, 500, 0, 10, 'tier zone');
    within10(c.tier.region, 1000, 0, 10, 'tier region');
    within10(c.tier.remote, 500, 1, 10, 'tier remote');
    expect(c.tier.overflow).toBeUndefined();
  });

  it('follows capacity as endpoints turn unhealthy', () => {
    // From 5 s two endpoints of zone a are down (300/s left); from 7 s all of zone b.
    const down = new Set(EPS.filter((e) => e.zone === 'us-central1-a').slice(0, 2).map((e) => e.id));
    const healthy = (ep: Endpoint, t: number) => !(t >= 5000 && down.has(ep.id)) && !(t >= 7000 && ep.zone === 'us-central1-b');
    const c = simulate(backend(EPS, 100), [{ client: A, perSecond: 2000 }], 10, healthy, 5000);
    console.log('capacity changing', JSON.stringify(c.locality));
    within10(c.locality['us-central1-a'], 500, 0, 5, 'zone a, all healthy');
    within10(c.locality['us-central1-a'], 300, 5, 10, 'zone a, 3 of 5 healthy');
    within10(c.locality['us-central1-b'], 500, 0, 7, 'zone b');
    expect(c.locality['us-central1-b']!.slice(7)).toEqual([0, 0, 0]);
    within10(c.locality['us-central1-c'], 500, 0, 10, 'zone c');
    rest(c, 'europe-west1-b', 2000, 500, 3, 0, 5);
    rest(c, 'europe-west1-b', 2000, 700, 3, 5, 7);
    rest(c, 'europe-west1-b', 2000, 1200, 2, 7, 10);
    for (const id of down) expect(c.endpointSince.get(id), id).toBeUndefined();
    expect(c.locality['asia-east1-a']).toBeUndefined();
  });

  it('shares a locality among all clients of the edge', () => {
    // 400/s from zone a and 800/s from zone b: b keeps 500, its 300 more go to a and c; a is
    // full at 500, so c takes 200.
    const c = simulate(
      backend(EPS, 100),
      [
        { client: A, perSecond: 400 },
        { client: B, perSecond: 800 },
      ],
      10,
      () => true,
    );
    console.log('two client zones', JSON.stringify(c.locality));
    within10(c.locality['us-central1-a'], 500, 0, 10, 'zone a');
    within10(c.locality['us-central1-b'], 500, 0, 10, 'zone b');
    within10(c.locality['us-central1-c'], 200, 0, 10, 'zone c');
    expect(c.locality['europe-west1-b']).toBeUndefined();
  });

  it('holds its share of capacity when several edge replicas serve the address', () => {
    // One of two replicas (capacityShare 0.5) with 1,000/s of the 2,000/s: 250 per zone.
    const c = simulate(backend(EPS, 100), [{ client: A, perSecond: 1000 }], 5, () => true, 0, 0.5);
    within10(c.locality['us-central1-a'], 250, 0, 5, 'zone a');
    within10(sum(c.locality['us-central1-b'], c.locality['us-central1-c']), 500, 0, 5, 'region');
    within10(c.locality['europe-west1-b'], 250, 1, 5, 'Europe');
  });

  it('spreads what exceeds every capacity in proportion to capacity (overflow)', () => {
    // 500 + 500 + 1,000 = 2,000/s of capacity, 3,000/s offered: every locality at 1.5 times its own.
    const eps = [...endpoints('us-central1-a', 5), ...endpoints('us-central1-b', 5), ...endpoints('europe-west1-b', 10)];
    const c = simulate(backend(eps, 100), [{ client: A, perSecond: 3000 }], 10, () => true);
    console.log('overflow 3000/s', JSON.stringify(c.locality), JSON.stringify(c.tier));
    within10(c.locality['us-central1-a'], 750, 0, 10, 'zone a');
    within10(c.locality['us-central1-b'], 750, 0, 10, 'zone b');
    within10(c.locality['europe-west1-b'], 1500, 0, 10, 'Europe');
    within10(c.tier.overflow, 1000, 1, 10, 'overflow');
    within10(sum(c.tier.zone, c.tier.region, c.tier.remote), 2000, 1, 10, 'within capacity');
  });
});
