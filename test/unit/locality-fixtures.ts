/** Shared by the locality tests: endpoints shaped like the playground's, and a seeded RNG. */
import type { Backend, Endpoint } from '../../src/traffic/model.js';

/** `count` endpoints of cluster `gce-<zone>` (zone like `us-central1-a`; region from the zone unless given). */
export function endpoints(zone: string, count: number, region: string | null = zone.replace(/-[a-z]$/, '')): Endpoint[] {
  const cluster = `gce-${zone}`;
  return Array.from({ length: count }, (_, i) => {
    const ep: Endpoint = { id: `${cluster}/10.0.0.${i}:8080`, cluster, zone, address: `10.0.0.${i}`, port: 8080, ready: true };
    if (region !== null) ep.region = region;
    return ep;
  });
}

/** The playground's nine clusters (three regions of three zones), `perZone` endpoints each. */
export function playgroundEndpoints(perZone: number): Endpoint[] {
  const zones = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'europe-west1-b', 'europe-west1-c', 'europe-west1-d', 'asia-east1-a', 'asia-east1-b', 'asia-east1-c'];
  return zones.flatMap((z) => endpoints(z, perZone));
}

export function backend(eps: Endpoint[], maxRatePerEndpoint?: number, key = 'shop/web:80'): Backend {
  const b: Backend = { key, namespace: 'shop', service: 'web', port: 80, endpoints: eps };
  if (maxRatePerEndpoint !== undefined) b.maxRatePerEndpoint = maxRatePerEndpoint;
  return b;
}

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
