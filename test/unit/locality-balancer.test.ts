import { describe, expect, it } from 'vitest';
import type { Endpoint, Location } from '../../src/traffic/model.js';
import type { Avoid, Tier } from '../../src/traffic/locality/balancer-api.js';
import { LocalityBalancer, priorityLoads } from '../../src/traffic/locality/balancer.js';
import { RateWindow, TokenBucket } from '../../src/traffic/locality/rate.js';
import { backend, endpoints, seeded } from './locality-fixtures.js';

describe('priorityLoads (Envoy, overprovisioning 1.4)', () => {
  it.each<[string, [number, number][], number[]]>([
    ['one healthy tier', [[3, 3]], [100]],
    ['a healthy first tier takes everything', [[3, 3], [6, 6]], [100, 0]],
    ['5 of 7 healthy is still 100%', [[5, 7], [1, 1]], [100, 0]], // 140*5/7 = 100
    ['half healthy: 70% stays, 30% spills', [[5, 10], [6, 6]], [70, 30]],
    ['a third healthy: 46.67% stays', [[1, 3], [6, 6]], [46.6667, 53.3333]], // 140/3
    ['spills past an empty tier', [[0, 3], [3, 6], [9, 9]], [0, 70, 30]],
    ['spills one tier at a time', [[3, 6], [3, 6], [3, 6]], [70, 30, 0]],
    ['under 100 in total: normalised', [[1, 3], [1, 3]], [50, 50]], // 46.67 each of 93.33
    ['normalised, one tier with nothing', [[6, 10], [0, 1]], [100, 0]], // 84 of 84
    ['half and half', [[1, 2], [1, 2]], [70, 30]],
    ['nothing healthy: all to the first', [[0, 3], [0, 3]], [100, 0]],
  ])('%s', (_name, tiers, want) => {
    const got = priorityLoads(tiers.map(([healthy, total]) => ({ healthy, total })));
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 3));
  });

  it('follows the factor', () => {
    expect(priorityLoads([{ healthy: 1, total: 2 }, { healthy: 2, total: 2 }], 1)).toEqual([50, 50]);
  });
});

describe('RateWindow', () => {
  it.each<[string, [number, number][], number, number]>([
    ['nothing yet', [], 500, 0],
    ['10 in the first window, seen half way', [[0, 10]], 500, 10],
    ['steady 100/s, read mid-window: half of the previous and the current half', [[0, 100], [1000, 50]], 1500, 100], // 100*0.5 + 50
    ['a window skipped: the previous is empty', [[0, 100], [2000, 10]], 2500, 10],
    ['long idle', [[0, 100]], 10_000, 0],
  ])('%s', (_name, adds, at, want) => {
    const w = new RateWindow(1000);
    for (const [t, n] of adds) w.add(t, n);
    expect(w.rate(at)).toBeCloseTo(want, 6);
  });
});

describe('TokenBucket', () => {
  it('starts full, refills at the given rate up to the burst, and runs into bounded debt', () => {
    const b = new TokenBucket(0.05, 0, 200); // burst 10
    expect(b.tokens).toBe(10);
    for (let i = 0; i < 10; i++) b.take();
    expect(b.available()).toBe(false);
    b.refill(4, 200); // 4 ms at 200/s: 0.8
    expect(b.tokens).toBeCloseTo(0.8, 9);
    expect(b.available()).toBe(false);
    b.refill(5, 200); // +0.2
    expect(b.available()).toBe(true);
    for (let i = 0; i < 30; i++) b.take();
    expect(b.tokens).toBe(-10); // debt bounded by the burst
    b.refill(1000, 200);
    expect(b.tokens).toBe(10);
    b.refill(1000, 20); // capacity fell: the burst follows (at least two tokens)
    expect(b.tokens).toBe(2);
  });

  it('loses nothing to its cap under overload, even with the smallest burst', () => {
    // 8/s, a try every 62.5 ms (16/s): 0.5 token earned between tries.
    const b = new TokenBucket(0.05, 0, 8); // 0.4 s of burst is under the minimum: 2 tokens
    let taken = 0;
    for (let t = 0; t < 10_000; t += 62.5) {
      b.refill(t, 8);
      if (b.available()) {
        b.take();
        taken++;
      }
    }
    expect(taken).toBe(81); // 8/s for 10 s, plus the full bucket's extra token at the start
  });
});

const CLIENT_A: Location = { region: 'us-central1', zone: 'us-central1-a' };

/** Share of `picks` per locality and tier, with a fixed health map (all in-flight finished at once). */
function distribution(lb: LocalityBalancer, eps: Endpoint[], healthyIds: Set<string>, picks: number, client: Location = CLIENT_A, rate?: number) {
  const b = backend(eps, rate);
  const byLocality: Record<string, number> = {};
  const byTier: Partial<Record<Tier, number>> = {};
  for (let i = 0; i < picks; i++) {
    const p = lb.pick(b, client, (ep) => healthyIds.has(ep.id), undefined, i)!;
    lb.started(p.endpoint, i);
    lb.finished(p.endpoint);
    byLocality[p.locality] = (byLocality[p.locality] ?? 0) + 1 / picks;
    byTier[p.tier] = (byTier[p.tier] ?? 0) + 1 / picks;
  }
  return { byLocality, byTier };
}

describe('LocalityBalancer without declared capacity', () => {
  // 10 endpoints in each of us-central1-a, -b, -c, europe-west1-b, asia-east1-a: 50 in all.
  const eps = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'europe-west1-b', 'asia-east1-a'].flatMap((z) => endpoints(z, 10));
  const healthyIn = (counts: Record<string, number>) => new Set(Object.entries(counts).flatMap(([zone, n]) => eps.filter((e) => e.zone === zone).slice(0, n).map((e) => e.id)));
  const all = { 'us-central1-a': 10, 'us-central1-b': 10, 'us-central1-c': 10, 'europe-west1-b': 10, 'asia-east1-a': 10 };

  it.each<[string, Record<string, number>, Record<string, number>, Partial<Record<Tier, number>>]>([
    ['all healthy: all in the zone', all, { 'us-central1-a': 1 }, { zone: 1 }],
    ['8 of 10 healthy (over 71%): all in the zone', { ...all, 'us-central1-a': 8 }, { 'us-central1-a': 1 }, { zone: 1 }],
    // 140*5/10 = 70% stays; 30% to the region tier, evenly over its 20 healthy endpoints.
    ['5 of 10 healthy: 70% stays', { ...all, 'us-central1-a': 5 }, { 'us-central1-a': 0.7, 'us-central1-b': 0.15, 'us-central1-c': 0.15 }, { zone: 0.7, region: 0.3 }],
    // Zone empty; region tier 10 of 20 healthy: 70%; Europe the next 30%. 30 of 50 healthy: no panic.
    ['zone down, region half: 70% region, 30% Europe', { ...all, 'us-central1-a': 0, 'us-central1-c': 0 }, { 'us-central1-b': 0.7, 'europe-west1-b': 0.3 }, { region: 0.7, remote: 0.3 }],
    // 20 of 50 healthy (40% < 50%): panic, evenly over the healthy ones whatever their place.
    ['panic: evenly over the healthy', { 'europe-west1-b': 10, 'asia-east1-a': 10 }, { 'europe-west1-b': 0.5, 'asia-east1-a': 0.5 }, { panic: 1 }],
    // Nothing healthy: every endpoint.
    ['nothing healthy: everything', {}, { 'us-central1-a': 0.2, 'us-central1-b': 0.2, 'us-central1-c': 0.2, 'europe-west1-b': 0.2, 'asia-east1-a': 0.2 }, { panic: 1 }],
  ])('%s', (_name, healthy, wantLocality, wantTier) => {
    const lb = new LocalityBalancer({ random: seeded(1) });
    const got = distribution(lb, eps, healthyIn(healthy), 20_000);
    expect(Object.keys(got.byLocality).sort()).toEqual(Object.keys(wantLocality).sort());
    for (const [k, v] of Object.entries(wantLocality)) expect(Math.abs(got.byLocality[k]! - v), k).toBeLessThan(0.015);
    for (const [k, v] of Object.entries(wantTier)) expect(Math.abs(got.byTier[k as Tier]! - v), k).toBeLessThan(0.015);
  });

  it("panics with unhealthy endpoints too when asked to (Envoy's behaviour)", () => {
    const lb = new LocalityBalancer({ random: seeded(2), panicIncludesUnhealthy: true });
    const got = distribution(lb, eps, healthyIn({ 'europe-west1-b': 10, 'asia-east1-a': 10 }), 20_000);
    for (const z of Object.keys(all)) expect(Math.abs(got.byLocality[z]! - 0.2), z).toBeLessThan(0.015);
  });

  it('takes a configured panic threshold', () => {
    // 20 of 50 healthy is above 30%: no panic; zone, region and Europe are empty, so Asia takes all.
    const lb = new LocalityBalancer({ random: seeded(3), panicThreshold: 0.3 });
    const got = distribution(lb, eps, healthyIn({ 'asia-east1-a': 10, 'europe-west1-b': 10 }), 2000);
    expect(got.byTier).toEqual({ remote: expect.closeTo(1, 6) });
    expect(Object.keys(got.byLocality)).toEqual(['europe-west1-b']); // Europe is nearer than Asia
  });

  it('sends a client of unknown location anywhere, or by its default region', () => {
    const even = distribution(new LocalityBalancer({ random: seeded(4) }), eps, healthyIn(all), 20_000, {});
    for (const z of Object.keys(all)) expect(Math.abs(even.byLocality[z]! - 0.2), z).toBeLessThan(0.015);
    const asia = distribution(new LocalityBalancer({ random: seeded(4), defaultRegion: 'asia-east1' }), eps, healthyIn(all), 1000, {});
    expect(asia.byLocality).toEqual({ 'asia-east1-a': expect.closeTo(1, 6) });
    expect(asia.byTier).toEqual({ remote: expect.closeTo(1, 6) });
  });

  it('has nothing to pick without endpoints', () => {
    expect(new LocalityBalancer().pick(backend([]), CLIENT_A, () => true)).toBeUndefined();
  });
});

describe('LocalityBalancer within a tier: least requests of two random choices', () => {
  const four = endpoints('us-central1-a', 4);
  const b = backend(four);

  it('compares two distinct endpoints and takes the one with fewer tries in flight', () => {
    // random() = 0 twice: first choice index 0, second index 0 of the 3 others, i.e. endpoint 1.
    const lb = new LocalityBalancer({ random: () => 0 });
    expect(lb.pick(b, CLIENT_A, () => true, undefined, 0)!.endpoint.id).toBe(four[0]!.id); // tie: the first
    lb.started(four[0]!, 0);
    expect(lb.pick(b, CLIENT_A, () => true, undefined, 0)!.endpoint.id).toBe(four[1]!.id);
    lb.started(four[1]!, 0);
    lb.started(four[1]!, 0);
    expect(lb.pick(b, CLIENT_A, () => true, undefined, 0)!.endpoint.id).toBe(four[0]!.id);
    lb.finished(four[1]!);
    lb.finished(four[1]!);
    expect(lb.pick(b, CLIENT_A, () => true, undefined, 0)!.endpoint.id).toBe(four[1]!.id);
  });

  it('never picks the busiest endpoint while others are less busy, and keeps them even', () => {
    const lb = new LocalityBalancer({ random: seeded(5) });
    for (let i = 0; i < 5; i++) lb.started(four[0]!, 0);
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const p = lb.pick(b, CLIENT_A, () => true, undefined, 0)!;
      lb.started(p.endpoint, 0); // never finished
      counts.set(p.endpoint.id, (counts.get(p.endpoint.id) ?? 0) + 1);
    }
    // 305 in flight over 4: 5 + x0 and the others stay within 2 of each other.
    const inflight = four.map((e) => (counts.get(e.id) ?? 0) + (e === four[0] ? 5 : 0));
    expect(Math.max(...inflight) - Math.min(...inflight)).toBeLessThanOrEqual(2);
  });

  it('only picks healthy endpoints of the chosen tier', () => {
    const lb = new LocalityBalancer({ random: seeded(6) });
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(lb.pick(b, CLIENT_A, (ep) => ep !== four[2], undefined, i)!.endpoint.id);
    expect([...seen].sort()).toEqual([four[0]!.id, four[1]!.id, four[3]!.id]);
  });
});

describe('LocalityBalancer retries (avoid)', () => {
  const eps = [...endpoints('us-central1-a', 2), ...endpoints('us-central1-b', 2), ...endpoints('europe-west1-b', 2)];
  const [a0, a1, b0, b1, e0, e1] = eps.map((e) => e.id) as [string, string, string, string, string, string];
  const A = 'gce-us-central1-a';
  const B = 'gce-us-central1-b';
  const E = 'gce-europe-west1-b';

  it.each<[string, string[], string[], string[], Tier[], number | undefined]>([
    ['first try: the zone', [], [], [a0, a1], ['zone'], undefined],
    ['the zone cluster failed: one tier further', [a0], [A], [b0, b1], ['region'], undefined],
    ['zone and region clusters failed: Europe', [a0, b0], [A, B], [e0, e1], ['remote'], undefined],
    ['every cluster tried: another endpoint of the nearest, never the same one', [a0, b0, e0], [A, B, E], [a1], ['zone'], undefined],
    ['every endpoint tried: the nearest again', eps.map((e) => e.id), [A, B, E], [a0, a1], ['zone'], undefined],
    // 2 of 6 healthy: panic, which also prefers an untried endpoint.
    ['only the tried cluster is healthy: another endpoint of it', [a0], [A], [a1], ['panic'], 2],
    ['with declared capacity: one tier further too', [a0], [A], [b0, b1], ['region'], 100],
    ['with declared capacity: Europe after both', [a0, b1], [A, B], [e0, e1], ['remote'], 100],
  ])('%s', (_name, triedEndpoints, triedClusters, want, wantTiers, variant) => {
    const rate = variant === 100 ? 100 : undefined;
    const healthy = variant === 2 ? (ep: Endpoint) => ep.cluster === A : () => true;
    const lb = new LocalityBalancer({ random: seeded(7) });
    const avoid: Avoid = { endpoints: new Set(triedEndpoints), clusters: new Set(triedClusters) };
    const ids = new Set<string>();
    const tiers = new Set<Tier>();
    for (let i = 0; i < 100; i++) {
      const p = lb.pick(backend(eps, rate), CLIENT_A, healthy, avoid, i)!;
      ids.add(p.endpoint.id);
      tiers.add(p.tier);
    }
    expect([...ids].sort()).toEqual([...want].sort());
    expect([...tiers]).toEqual(wantTiers);
  });

  it('all unhealthy: panic, still avoiding the tried cluster', () => {
    const lb = new LocalityBalancer({ random: seeded(8) });
    const avoid: Avoid = { endpoints: new Set([a0]), clusters: new Set([A]) };
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = lb.pick(backend(eps), CLIENT_A, () => false, avoid, i)!;
      expect(p.tier).toBe('panic');
      ids.add(p.endpoint.id);
    }
    expect([...ids].sort()).toEqual([b0, b1, e0, e1].sort());
  });
});

describe('LocalityBalancer.report and state', () => {
  it('reports health, capacity, rate and share per locality', () => {
    const eps = [...endpoints('us-central1-a', 2), ...endpoints('us-central1-b', 3)];
    const lb = new LocalityBalancer({ random: seeded(9) });
    const b = backend(eps, 4);
    const healthy = (ep: Endpoint) => ep.id !== eps[4]!.id;
    // 1 second at 16 tries/s from us-central1-a; the zone holds 8/s (2 x 4), its bucket 2 tokens.
    // Tokens before each try: 2, 1.5, 1, 0.5, 1, 0.5, ...: tries 0, 1, 2, then every other one to
    // the zone: 9 there, 7 to us-central1-b (the next tier, also 8/s).
    for (let i = 0; i < 16; i++) {
      const p = lb.pick(b, CLIENT_A, healthy, undefined, i * 62.5)!;
      lb.started(p.endpoint, i * 62.5);
    }
    const [rep] = lb.report(1000);
    expect(rep).toMatchObject({ key: 'shop/web:80', mode: 'capacity', maxRatePerEndpoint: 4, rate: 16 });
    expect(rep!.localities).toEqual([
      { locality: 'us-central1-a', region: 'us-central1', healthy: 2, total: 2, capacity: 8, rate: 9, share: 9 / 16, inflight: 9 },
      { locality: 'us-central1-b', region: 'us-central1', healthy: 2, total: 3, capacity: 8, rate: 7, share: 7 / 16, inflight: 7 },
    ]);

    const plain = new LocalityBalancer({ random: seeded(9) });
    plain.pick(backend(eps), CLIENT_A, () => true, undefined, 0);
    const [r2] = plain.report(0);
    expect(r2!.mode).toBe('overprovisioning');
    expect(r2!.localities[0]).toEqual({ locality: 'us-central1-a', region: 'us-central1', healthy: 2, total: 2, rate: 0, share: 0, inflight: 0 });
  });

  it('forgets endpoints, localities and backends gone from the config', () => {
    const lb = new LocalityBalancer({ random: seeded(10), forgetAfterMs: 60_000 });
    const v1 = backend([...endpoints('us-central1-a', 3), ...endpoints('us-central1-b', 1)]);
    const other = backend(endpoints('europe-west1-b', 2), undefined, 'shop/other:80');
    for (const ep of v1.endpoints) lb.started(ep, 0);
    lb.pick(v1, CLIENT_A, () => true, undefined, 0);
    lb.pick(other, CLIENT_A, () => true, undefined, 0);
    expect(lb.size).toEqual({ backends: 2, localities: 3, endpoints: 6 });
    // A new snapshot of the backend: one endpoint of a, and zone b, are gone.
    const v2 = backend(v1.endpoints.slice(0, 2));
    for (let t = 0; t <= 200_000; t += 10_000) lb.pick(v2, CLIENT_A, () => true, undefined, t);
    // `other` unused and the old endpoints gone for over a minute: dropped.
    expect(lb.size).toEqual({ backends: 1, localities: 1, endpoints: 2 });
    expect(lb.report(200_000).map((r) => r.key)).toEqual(['shop/web:80']);
    // The old snapshot object still works (a retry of an older request), on fresh state.
    expect(lb.pick(v1, CLIENT_A, () => true, undefined, 200_001)).toBeDefined();
  });

  it('keeps endpoint state bounded', () => {
    const lb = new LocalityBalancer({ random: seeded(11), maxEndpointStates: 150 });
    for (let v = 0; v < 10; v++) {
      const eps = endpoints('us-central1-a', 100).map((e) => ({ ...e, id: `${e.id}#${v}` }));
      lb.pick(backend(eps), CLIENT_A, () => true, undefined, v);
      expect(lb.size.endpoints).toBeLessThanOrEqual(150);
    }
    // Each new snapshot brings 100: the oldest that no backend holds go down to the bound.
    expect(lb.size.endpoints).toBe(150);
  });

  it('recomputes tiers when region coordinates change', () => {
    const eps = [...endpoints('europe-west1-b', 1), ...endpoints('asia-east1-a', 1)];
    const lb = new LocalityBalancer({ random: seeded(12) });
    const client = { region: 'mars-1' };
    const b = backend(eps);
    // Unknown coordinates: one tier with both.
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(lb.pick(b, client, () => true, undefined, i)!.locality);
    expect(seen.size).toBe(2);
    lb.setRegions({ 'mars-1': { latitude: 25, longitude: 121 } }); // next to Taiwan
    for (let i = 0; i < 50; i++) expect(lb.pick(b, client, () => true, undefined, i)!.locality).toBe('asia-east1-a');
  });
});
