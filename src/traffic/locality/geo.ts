/**
 * A fallback source of client locations: a MaxMind-format database (GeoLite2 / GeoIP2 City or
 * Country, `.mmdb`), asked when no CIDR range of the location table matches (`Locator`'s
 * fallback). A database says where an address is on Earth, not which region serves it, so the
 * answer is the nearest of the `candidates` regions (the regions the federation runs in), by
 * haversine distance from:
 * 1. the record's `location` (latitude/longitude; City databases), else
 * 2. its `country` (or `registered_country`) via a built-in table of approximate population
 *    centres of about 60 countries with most Internet users, else
 * 3. its `continent`, via a built-in centre per continent.
 * The zone stays unknown. Equal distances go to the region first by name.
 *
 * The reader is the `maxmind` package (a pure-JavaScript MMDB reader with an LRU cache and
 * optional reload when the file changes); all that is ours is the mapping above, tested on its
 * own. No JavaScript library writes .mmdb files, so the reader is only exercised here on
 * failures (a missing or malformed file).
 */
import { open, Reader, type CityResponse } from 'maxmind';
import type { Location, RegionInfo } from '../model.js';
import { parseAddress, type LocationSource } from './locate.js';
import { RegionTable, haversineKm } from './regions.js';

/** The parts of a GeoIP2 City/Country record used here. */
export interface GeoRecord {
  location?: { latitude?: number; longitude?: number } | undefined;
  country?: { iso_code?: string } | undefined;
  registered_country?: { iso_code?: string } | undefined;
  continent?: { code?: string } | undefined;
}

const p = (latitude: number, longitude: number): RegionInfo => ({ latitude, longitude });

/** Approximate population centres (a main city, or a middle for the largest countries). */
export const COUNTRY_CENTRES: Readonly<Record<string, RegionInfo>> = Object.freeze({
  US: p(37.4, -92.2),
  CA: p(43.65, -79.38),
  MX: p(19.43, -99.13),
  BR: p(-23.55, -46.63),
  AR: p(-34.6, -58.38),
  CL: p(-33.45, -70.67),
  CO: p(4.71, -74.07),
  PE: p(-12.05, -77.04),
  VE: p(10.49, -66.88),
  GB: p(51.51, -0.13),
  IE: p(53.35, -6.26),
  FR: p(48.86, 2.35),
  DE: p(51.0, 10.0),
  NL: p(52.37, 4.9),
  BE: p(50.85, 4.35),
  LU: p(49.61, 6.13),
  CH: p(47.38, 8.54),
  AT: p(48.21, 16.37),
  IT: p(41.9, 12.5),
  ES: p(40.42, -3.7),
  PT: p(38.72, -9.14),
  DK: p(55.68, 12.57),
  NO: p(59.91, 10.75),
  SE: p(59.33, 18.07),
  FI: p(60.17, 24.94),
  PL: p(52.23, 21.01),
  CZ: p(50.08, 14.44),
  HU: p(47.5, 19.04),
  RO: p(44.43, 26.1),
  GR: p(37.98, 23.73),
  TR: p(41.01, 28.98),
  UA: p(50.45, 30.52),
  RU: p(55.76, 37.62),
  IL: p(32.09, 34.78),
  SA: p(24.71, 46.68),
  AE: p(25.2, 55.27),
  QA: p(25.29, 51.53),
  EG: p(30.04, 31.24),
  NG: p(6.52, 3.38),
  KE: p(-1.29, 36.82),
  ZA: p(-26.2, 28.05),
  MA: p(33.57, -7.59),
  IN: p(21.0, 78.0),
  PK: p(24.86, 67.0),
  BD: p(23.81, 90.41),
  CN: p(32.0, 116.0),
  HK: p(22.32, 114.17),
  TW: p(25.03, 121.57),
  JP: p(35.68, 139.69),
  KR: p(37.57, 126.98),
  SG: p(1.35, 103.82),
  MY: p(3.14, 101.69),
  TH: p(13.76, 100.5),
  VN: p(10.82, 106.63),
  PH: p(14.6, 120.98),
  ID: p(-6.21, 106.85),
  AU: p(-33.87, 151.21),
  NZ: p(-36.85, 174.76),
});

/** A centre per continent code (GeoIP2 `continent.code`). */
export const CONTINENT_CENTRES: Readonly<Record<string, RegionInfo>> = Object.freeze({
  AF: p(5, 20),
  AN: p(-80, 0),
  AS: p(30, 100),
  EU: p(50, 10),
  NA: p(40, -95),
  OC: p(-28, 145),
  SA: p(-15, -55),
});

const validPoint = (l: GeoRecord['location']): l is RegionInfo =>
  !!l && typeof l.latitude === 'number' && typeof l.longitude === 'number' && Math.abs(l.latitude) <= 90 && Math.abs(l.longitude) <= 180;

/** Where a record puts the address: its coordinates, else its country's centre, else its continent's. */
export function geoPoint(record: GeoRecord): RegionInfo | undefined {
  if (validPoint(record.location)) return { latitude: record.location.latitude, longitude: record.location.longitude };
  const country = record.country?.iso_code ?? record.registered_country?.iso_code;
  const byCountry = country === undefined ? undefined : COUNTRY_CENTRES[country.toUpperCase()];
  if (byCountry) return byCountry;
  const continent = record.continent?.code;
  return continent === undefined ? undefined : CONTINENT_CENTRES[continent.toUpperCase()];
}

/** The candidate region nearest to `point` (known coordinates only; ties by name). */
export function nearestRegion(point: RegionInfo, candidates: readonly string[], table: RegionTable): string | undefined {
  let best: string | undefined;
  let bestKm = Infinity;
  for (const region of candidates) {
    const c = table.coordinates(region);
    if (!c) continue;
    const km = haversineKm(point, c);
    if (km < bestKm || (km === bestKm && best !== undefined && region < best)) {
      best = region;
      bestKm = km;
    }
  }
  return best;
}

/**
 * A `LocationSource` over any GeoIP2-shaped lookup. IPv4-mapped addresses are looked up as IPv4;
 * what the lookup throws on (not an address) has no location.
 */
export function geoLocationSource(lookup: (ip: string) => GeoRecord | null | undefined, candidates: readonly string[], table: RegionTable = new RegionTable()): LocationSource {
  return (address: string): Location | undefined => {
    const ip = parseAddress(address);
    if (!ip) return undefined;
    const w = ip.words[0]!;
    const text = ip.family === 4 ? `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}` : address.split('%')[0]!;
    let record: GeoRecord | null | undefined;
    try {
      record = lookup(text);
    } catch {
      return undefined;
    }
    const point = record ? geoPoint(record) : undefined;
    const region = point && nearestRegion(point, candidates, table);
    return region === undefined ? undefined : { region };
  };
}

export interface MaxMindOptions {
  /** Records kept in the reader's LRU cache. Default 10,000. */
  cacheSize?: number;
  /** Reload the database when the file changes (e.g. a geoipupdate cron). Default true. */
  watch?: boolean;
}

/** A `LocationSource` over a MaxMind-format database file. Rejects when it cannot be read. */
export async function openMaxMindSource(path: string, candidates: readonly string[], table?: RegionTable, opts: MaxMindOptions = {}): Promise<LocationSource> {
  const watch = opts.watch ?? true;
  const reader = await open<CityResponse>(path, { cache: { max: opts.cacheSize ?? 10_000 }, watchForUpdates: watch, watchForUpdatesNonPersistent: watch });
  return geoLocationSource((ip) => reader.get(ip) as GeoRecord | null, candidates, table);
}

/** The same over a database already in memory. Throws when it is not one. */
export function maxMindSourceFromBuffer(db: Buffer, candidates: readonly string[], table?: RegionTable): LocationSource {
  const reader = new Reader<CityResponse>(db);
  return geoLocationSource((ip) => reader.get(ip) as GeoRecord | null, candidates, table);
}
