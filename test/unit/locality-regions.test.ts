import { describe, expect, it } from 'vitest';
import { defaultTopology } from '../../src/playground/topology.js';
import { EARTH_RADIUS_KM, RegionTable, WELL_KNOWN_REGIONS, haversineKm, regionOrder, validateRegions } from '../../src/traffic/locality/regions.js';

const at = (latitude: number, longitude: number) => ({ latitude, longitude });

describe('haversineKm', () => {
  // R = 6371.0088 km: one degree of arc is R*pi/180 = 111.1951 km.
  it.each([
    [at(0, 0), at(0, 0), 0],
    [at(0, 0), at(0, 1), 111.1951],
    [at(0, 0), at(1, 0), 111.1951],
    [at(0, 0), at(60, 0), 6671.7048], // R*pi/3
    [at(0, 0), at(0, 90), 10007.5572], // R*pi/2
    [at(0, 0), at(0, 180), 20015.1144], // R*pi
    [at(90, 0), at(-90, 0), 20015.1144],
    [at(90, 10), at(90, -170), 0], // the pole, whatever the longitude
    [at(0, 179.5), at(0, -179.5), 111.1951], // across the antimeridian
  ])('%j to %j is %s km', (a, b, km) => {
    expect(haversineKm(a, b)).toBeCloseTo(km, 3);
  });

  it('uses the mean Earth radius', () => expect(EARTH_RADIUS_KM).toBe(6371.0088));
});

describe('built-in region table', () => {
  it('knows every region of the playground topology', () => {
    const regions = new Set(defaultTopology(33).clusters.map((c) => c.region)); // 33 = every zone slot once
    expect(regions.size).toBe(11);
    for (const r of regions) expect(WELL_KNOWN_REGIONS[r], r).toBeDefined();
  });

  it.each(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'westeurope', 'eastus', 'japaneast', 'australiaeast'])('knows %s', (r) => {
    expect(WELL_KNOWN_REGIONS[r]).toBeDefined();
  });

  it('has valid coordinates only', () => {
    expect(validateRegions(WELL_KNOWN_REGIONS)).toEqual([]);
  });
});

describe('regionOrder', () => {
  it.each([
    // Council Bluffs: Moncks Corner ~1,500 km, St. Ghislain ~7,000 km, Changhua ~12,000 km.
    ['us-central1', ['asia-east1', 'europe-west1', 'us-central1', 'us-east1'], ['us-central1', 'us-east1', 'europe-west1', 'asia-east1']],
    // St. Ghislain: Eemshaven ~350 km, Hamina ~1,800 km, Iowa ~7,000 km, Taiwan ~9,600 km.
    ['europe-west1', ['us-central1', 'asia-east1', 'europe-west4', 'europe-north1'], ['europe-west4', 'europe-north1', 'us-central1', 'asia-east1']],
    // Changhua: Tokyo ~2,200 km, Singapore ~3,200 km, Sydney ~7,300 km, Belgium ~9,600 km, Iowa ~12,000 km.
    [
      'asia-east1',
      ['us-central1', 'europe-west1', 'australia-southeast1', 'asia-southeast1', 'asia-northeast1', 'asia-east1'],
      ['asia-east1', 'asia-northeast1', 'asia-southeast1', 'australia-southeast1', 'europe-west1', 'us-central1'],
    ],
    // Unknown coordinates last, by name.
    ['us-central1', ['mars-1', 'europe-west1', 'atlantis'], ['europe-west1', 'atlantis', 'mars-1']],
    // A client region of unknown coordinates: itself first, the rest by name.
    ['mars-1', ['b', 'europe-west1', 'mars-1', 'a'], ['mars-1', 'a', 'b', 'europe-west1']],
    [undefined, ['us-east1', 'asia-east1', 'us-east1'], ['asia-east1', 'us-east1']],
  ])('from %s', (client, regions, want) => {
    expect(regionOrder(client, regions)).toEqual(want);
  });

  it('breaks equal distances by name', () => {
    const regions = { o: at(0, 0), x: at(0, 10), y: at(0, -10), w: at(10, 0) };
    // w, x and y are all ten degrees of arc from o.
    expect(regionOrder('o', ['y', 'x', 'w'], regions)).toEqual(['w', 'x', 'y']);
  });

  it('takes configured coordinates over the built-in ones, and ignores invalid ones', () => {
    const configured = { 'us-central1': at(50.45, 3.82), 'asia-east1': at(100, 0) };
    expect(regionOrder('europe-west1', ['asia-east1', 'us-central1', 'europe-west4'], configured)).toEqual(['us-central1', 'europe-west4', 'asia-east1']);
    expect(validateRegions(configured)).toEqual([{ region: 'asia-east1', message: 'latitude must be a number from -90 to 90, got 100' }]);
    expect(validateRegions({ x: at(0, -181), y: { latitude: 0 } as never })).toEqual([
      { region: 'x', message: 'longitude must be a number from -180 to 180, got -181' },
      { region: 'y', message: 'longitude must be a number from -180 to 180, got undefined' },
    ]);
  });
});

describe('RegionTable', () => {
  const table = new RegionTable({ 'mars-1': at(10, 10) });

  it.each([
    ['us-central1-a', 'us-central1'],
    ['europe-west1-b', 'europe-west1'],
    ['us-east-1a', 'us-east-1'],
    ['ap-southeast-2c', 'ap-southeast-2'],
    ['mars-1a', 'mars-1'],
    ['mars-2a', undefined],
    ['1', undefined],
    ['eastus-1', undefined],
    [undefined, undefined],
  ])('region of zone %s is %s', (zone, region) => {
    expect(table.regionOfZone(zone)).toBe(region);
  });

  it('measures distances both ways, 0 to itself, undefined when unknown', () => {
    expect(table.distanceKm('mars-1', 'mars-1')).toBe(0);
    expect(table.distanceKm('pluto', 'pluto')).toBe(0);
    expect(table.distanceKm('pluto', 'mars-1')).toBeUndefined();
    expect(table.distanceKm('us-east-1', 'us-east4')).toBe(0); // both Ashburn
    expect(table.distanceKm('mars-1', 'us-central1')).toBe(table.distanceKm('us-central1', 'mars-1'));
  });
});
