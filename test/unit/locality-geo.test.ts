import { describe, expect, it } from 'vitest';
import type { LocationRange } from '../../src/traffic/model.js';
import { geoLocationSource, geoPoint, maxMindSourceFromBuffer, nearestRegion, openMaxMindSource, type GeoRecord } from '../../src/traffic/locality/geo.js';
import { Locator } from '../../src/traffic/locality/locate.js';
import { RegionTable } from '../../src/traffic/locality/regions.js';

const PLAYGROUND = ['us-central1', 'europe-west1', 'asia-east1'];

describe('geoPoint', () => {
  it.each<[string, GeoRecord, { latitude: number; longitude: number } | undefined]>([
    ['coordinates first', { location: { latitude: 48.86, longitude: 2.35 }, country: { iso_code: 'JP' } }, { latitude: 48.86, longitude: 2.35 }],
    ['else the country', { country: { iso_code: 'JP' }, continent: { code: 'EU' } }, { latitude: 35.68, longitude: 139.69 }],
    ['lower-case codes too', { country: { iso_code: 'jp' } }, { latitude: 35.68, longitude: 139.69 }],
    ['else the registered country', { registered_country: { iso_code: 'BR' } }, { latitude: -23.55, longitude: -46.63 }],
    ['else the continent', { country: { iso_code: 'TV' }, continent: { code: 'OC' } }, { latitude: -28, longitude: 145 }],
    ['out-of-range coordinates are ignored', { location: { latitude: 91, longitude: 0 }, continent: { code: 'EU' } }, { latitude: 50, longitude: 10 }],
    ['nothing', {}, undefined],
  ])('%s', (_name, record, want) => {
    expect(geoPoint(record)).toEqual(want);
  });
});

describe('nearestRegion', () => {
  const table = new RegionTable({ west: { latitude: 0, longitude: -10 }, east: { latitude: 0, longitude: 10 } });
  it.each<[string, { latitude: number; longitude: number }, string[], string | undefined]>([
    // Paris: Belgium ~250 km.
    ['Paris', { latitude: 48.86, longitude: 2.35 }, PLAYGROUND, 'europe-west1'],
    // Tokyo: Taiwan ~2,200 km.
    ['Tokyo', { latitude: 35.68, longitude: 139.69 }, PLAYGROUND, 'asia-east1'],
    // São Paulo: Iowa ~8,400 km, Belgium ~9,500 km.
    ['São Paulo', { latitude: -23.55, longitude: -46.63 }, PLAYGROUND, 'us-central1'],
    ['halfway: by name', { latitude: 0, longitude: 0 }, ['west', 'east'], 'east'],
    ['unknown candidates are skipped', { latitude: 0, longitude: 0 }, ['mars-1', 'west'], 'west'],
    ['no candidate', { latitude: 0, longitude: 0 }, ['mars-1'], undefined],
  ])('%s', (_name, point, candidates, want) => {
    expect(nearestRegion(point, candidates, table)).toBe(want);
  });
});

describe('geoLocationSource', () => {
  const db: Record<string, GeoRecord> = {
    '81.2.69.142': { location: { latitude: 51.51, longitude: -0.13 }, country: { iso_code: 'GB' } },
    '1.0.16.1': { country: { iso_code: 'JP' }, continent: { code: 'AS' } },
    '2001:218::1': { registered_country: { iso_code: 'JP' } },
    '175.16.199.1': { continent: { code: 'NA' } },
    '10.0.0.1': {},
  };
  const asked: string[] = [];
  const source = geoLocationSource(
    (ip) => {
      asked.push(ip);
      if (ip === 'boom') throw new Error('not an address');
      return db[ip] ?? null;
    },
    PLAYGROUND,
    new RegionTable(),
  );

  it.each([
    ['81.2.69.142', { region: 'europe-west1' }],
    ['::ffff:81.2.69.142', { region: 'europe-west1' }],
    ['1.0.16.1', { region: 'asia-east1' }],
    ['2001:218::1', { region: 'asia-east1' }],
    ['175.16.199.1', { region: 'us-central1' }],
    ['10.0.0.1', undefined],
    ['8.8.8.8', undefined],
    ['not-an-address', undefined],
  ])('%s -> %j', (address, want) => {
    expect(source(address)).toEqual(want);
  });

  it('looks IPv4-mapped addresses up as IPv4, and drops an IPv6 zone', () => {
    asked.length = 0;
    source('::ffff:81.2.69.142');
    source('2001:218::1%eth0');
    expect(asked).toEqual(['81.2.69.142', '2001:218::1']);
  });

  it('is the Locator fallback: ranges first', () => {
    const ranges: LocationRange[] = [{ cidr: '81.2.0.0/16', location: { region: 'asia-east1', zone: 'asia-east1-a' } }];
    const locator = new Locator(ranges, source);
    expect(locator.locate('81.2.69.142')).toEqual({ region: 'asia-east1', zone: 'asia-east1-a' });
    expect(locator.locate('1.0.16.1')).toEqual({ region: 'asia-east1' });
    expect(locator.locate('175.16.199.1')).toEqual({ region: 'us-central1' });
  });
});

describe('MaxMind reader', () => {
  it('rejects a missing file and a buffer that is no database', async () => {
    await expect(openMaxMindSource('/nonexistent/GeoLite2-City.mmdb', PLAYGROUND)).rejects.toThrow();
    expect(() => maxMindSourceFromBuffer(Buffer.from('not a database'), PLAYGROUND)).toThrow();
  });
});
