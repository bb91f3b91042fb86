import { describe, expect, it } from 'vitest';
import type { Endpoint, Location } from '../../src/traffic/model.js';
import { RegionTable } from '../../src/traffic/locality/regions.js';
import { clientRegion, clientTiers, type LocalityTier } from '../../src/traffic/locality/tiers.js';
import { endpoints, playgroundEndpoints } from './locality-fixtures.js';

/** A tier as `kind region: locality+locality`. */
const show = (tiers: LocalityTier[]) => tiers.map((t) => `${t.kind} ${t.region ?? '?'}: ${t.localities.map((l) => l.name).join('+')}`);

const US = 'us-central1-a+us-central1-b+us-central1-c';
const EU = 'europe-west1-b+europe-west1-c+europe-west1-d';
const ASIA = 'asia-east1-a+asia-east1-b+asia-east1-c';
const PLAYGROUND = playgroundEndpoints(2);

describe('clientTiers over the playground', () => {
  it.each<[string, Location, string | undefined, string[]]>([
    [
      'a client in us-central1-a',
      { region: 'us-central1', zone: 'us-central1-a' },
      undefined,
      ['zone us-central1: us-central1-a', 'region us-central1: us-central1-b+us-central1-c', `remote europe-west1: ${EU}`, `remote asia-east1: ${ASIA}`],
    ],
    [
      'a client in asia-east1-b (Europe is nearer than Iowa)',
      { region: 'asia-east1', zone: 'asia-east1-b' },
      undefined,
      ['zone asia-east1: asia-east1-b', 'region asia-east1: asia-east1-a+asia-east1-c', `remote europe-west1: ${EU}`, `remote us-central1: ${US}`],
    ],
    [
      'a zone without its region: the region comes from the endpoints there',
      { zone: 'us-central1-b' },
      undefined,
      ['zone us-central1: us-central1-b', 'region us-central1: us-central1-a+us-central1-c', `remote europe-west1: ${EU}`, `remote asia-east1: ${ASIA}`],
    ],
    ['a region without a zone', { region: 'europe-west1' }, undefined, [`region europe-west1: ${EU}`, `remote us-central1: ${US}`, `remote asia-east1: ${ASIA}`]],
    [
      'a zone with no endpoints',
      { region: 'us-central1', zone: 'us-central1-f' },
      undefined,
      [`region us-central1: ${US}`, `remote europe-west1: ${EU}`, `remote asia-east1: ${ASIA}`],
    ],
    ['unknown location, no default region: one tier', {}, undefined, [`remote ?: ${ASIA}+${EU}+${US}`]],
    ['unknown location, default region asia-east1', {}, 'asia-east1', [`remote asia-east1: ${ASIA}`, `remote europe-west1: ${EU}`, `remote us-central1: ${US}`]],
    ['a region of unknown coordinates: the others are equally far', { region: 'mars-1' }, undefined, [`remote ?: ${ASIA}+${EU}+${US}`]],
    [
      'a near region beyond the playground (us-east1 is nearer to Iowa than Europe)',
      { region: 'us-east1', zone: 'us-east1-b' },
      undefined,
      [`remote us-central1: ${US}`, `remote europe-west1: ${EU}`, `remote asia-east1: ${ASIA}`],
    ],
  ])('%s', (_name, client, defaultRegion, want) => {
    const opts = defaultRegion ? { defaultRegion } : {};
    expect(show(clientTiers(client, PLAYGROUND, opts))).toEqual(want);
  });

  it('keeps every endpoint exactly once, in the backend order within a locality', () => {
    const tiers = clientTiers({ region: 'us-central1', zone: 'us-central1-a' }, PLAYGROUND);
    const all = tiers.flatMap((t) => t.localities.flatMap((l) => l.endpoints));
    expect(all.length).toBe(PLAYGROUND.length);
    expect(new Set(all).size).toBe(PLAYGROUND.length);
    expect(tiers[0]!.localities[0]!.endpoints.map((e) => e.id)).toEqual(['gce-us-central1-a/10.0.0.0:8080', 'gce-us-central1-a/10.0.0.1:8080']);
  });
});

describe('clientTiers with partial endpoint locations', () => {
  const onprem: Endpoint = { id: 'onprem/192.168.1.1:80', cluster: 'onprem', address: '192.168.1.1', port: 80, ready: true };
  const regionOnly: Endpoint = { id: 'dc/10.9.9.9:80', cluster: 'dc', region: 'us-east1', address: '10.9.9.9', port: 80, ready: true };
  const eps = [
    ...endpoints('us-central1-a', 1, null), // region from the GCP zone name
    ...endpoints('us-central1-b', 1, null),
    ...endpoints('europe-west1-b', 1, null),
    ...endpoints('moon-a', 1, null), // a zone of no known region
    onprem,
    regionOnly,
  ];

  it('derives regions from zone names, and puts what has no known region last, together', () => {
    expect(show(clientTiers({ region: 'us-central1', zone: 'us-central1-a' }, eps))).toEqual([
      'zone us-central1: us-central1-a',
      'region us-central1: us-central1-b',
      'remote us-east1: us-east1', // locality named after the region when the zone is unknown
      'remote europe-west1: europe-west1-b',
      'remote ?: moon-a+onprem', // and after the cluster when both are
    ]);
  });

  it('takes configured coordinates for regions the built-in table lacks', () => {
    const regions = new RegionTable({ moon: { latitude: 41, longitude: -96 } }); // right next to Iowa
    const moon = endpoints('moon-a', 1, 'moon');
    expect(show(clientTiers({ region: 'us-central1' }, [...eps.slice(0, 3), ...moon], { regions }))).toEqual([
      'region us-central1: us-central1-a+us-central1-b',
      'remote moon: moon-a',
      'remote europe-west1: europe-west1-b',
    ]);
  });

  it.each<[Location, string | undefined]>([
    [{ region: 'x' }, 'x'],
    [{ zone: 'us-central1-b' }, 'us-central1'], // from the zone's name (endpoints there have no region)
    [{ zone: 'moon-a' }, undefined],
    [{}, undefined],
  ])('client region of %j is %s', (client, want) => {
    expect(clientRegion(client, eps, new RegionTable())).toBe(want);
  });

  it('has no tiers without endpoints', () => {
    expect(clientTiers({ region: 'us-central1' }, [])).toEqual([]);
  });
});
