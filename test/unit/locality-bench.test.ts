/**
 * pick() cost on the hot path: a backend of 30 endpoints in 9 zones (3 regions). Prints the cost
 * per call; asserts nothing about time (machines differ), only that picks were made.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { Endpoint, Location } from '../../src/traffic/model.js';
import type { Avoid } from '../../src/traffic/locality/balancer-api.js';
import { LocalityBalancer } from '../../src/traffic/locality/balancer.js';
import { Locator } from '../../src/traffic/locality/locate.js';
import { backend, endpoints, seeded } from './locality-fixtures.js';

const ZONES: [string, number][] = [
  ['us-central1-a', 4],
  ['us-central1-b', 4],
  ['us-central1-c', 4],
  ['europe-west1-b', 3],
  ['europe-west1-c', 3],
  ['europe-west1-d', 3],
  ['asia-east1-a', 3],
  ['asia-east1-b', 3],
  ['asia-east1-c', 3],
];
const EPS: Endpoint[] = ZONES.flatMap(([z, n]) => endpoints(z, n));
const CLIENT: Location = { region: 'us-central1', zone: 'us-central1-a' };

function bench(name: string, run: (i: number) => unknown, n = 200_000): number {
  for (let i = 0; i < 20_000; i++) run(i); // warm up
  const start = performance.now();
  let made = 0;
  for (let i = 0; i < n; i++) if (run(i)) made++;
  const ns = ((performance.now() - start) * 1e6) / n;
  console.log(`${name}: ${ns.toFixed(0)} ns per call`);
  return made;
}

describe('pick() cost (prints, never asserts time)', () => {
  it('30 endpoints in 9 zones', () => {
    const healthySet = new Set(EPS.map((e) => e.id));
    const healthy = (ep: Endpoint) => healthySet.has(ep.id);
    const plain = backend(EPS);
    const capacity = backend(EPS, 100);
    const lb = new LocalityBalancer({ random: seeded(1) });
    const cycle = (b: typeof plain, avoid?: Avoid) => (i: number) => {
      const now = i * 0.1; // 10,000 tries/s: over the zone's 400/s when capacity is declared
      const p = lb.pick(b, CLIENT, healthy, avoid, now);
      if (p) {
        lb.started(p.endpoint, now);
        lb.finished(p.endpoint);
      }
      return p;
    };
    const results = [
      bench('overprovisioning, all healthy: pick+started+finished', cycle(plain)),
      bench('declared capacity, overloaded (waterfall and overflow): pick+started+finished', cycle(capacity)),
      bench('retry avoiding a cluster and an endpoint', cycle(plain, { endpoints: new Set([EPS[0]!.id]), clusters: new Set(['gce-us-central1-a']) })),
    ];
    healthySet.delete(EPS[0]!.id);
    healthySet.delete(EPS[1]!.id);
    healthySet.delete(EPS[2]!.id);
    results.push(bench('overprovisioning, zone 1 of 4 healthy (spilling)', cycle(plain)));
    for (const r of results) expect(r).toBe(200_000);
  });

  it('locate() over 4,096 ranges', () => {
    const ranges = [];
    for (let n = 0; n < 4096; n++) ranges.push({ cidr: `10.${n >> 8}.${n & 255}.0/24`, location: { zone: `z${n}` } });
    for (let n = 0; n < 4096; n++) ranges.push({ cidr: `2001:db8:${n.toString(16)}::/48`, location: { zone: `v6-${n}` } });
    const locator = new Locator(ranges);
    const v4 = Array.from({ length: 256 }, (_, i) => `10.${i & 15}.${i}.${i}`);
    const mapped = v4.map((a) => `::ffff:${a}`);
    const v6 = Array.from({ length: 256 }, (_, i) => `2001:db8:${i.toString(16)}::${i.toString(16)}`);
    expect(bench('locate IPv4', (i) => locator.locate(v4[i & 255]!))).toBe(200_000);
    expect(bench('locate IPv4-mapped', (i) => locator.locate(mapped[i & 255]!))).toBe(200_000);
    expect(bench('locate IPv6', (i) => locator.locate(v6[i & 255]!))).toBe(200_000);
  });
});
