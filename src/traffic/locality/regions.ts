/**
 * Where regions are, and how far apart: great-circle (haversine) distance between region
 * coordinates, from `EdgeConfig.regions` first and a built-in table of well-known cloud regions
 * second. Used to order remote regions nearest first ("waterfall by region").
 */
import type { RegionInfo } from '../model.js';

/** Mean Earth radius (IUGG), kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

const r = (latitude: number, longitude: number): RegionInfo => ({ latitude, longitude });

/**
 * Approximate coordinates (the city or metro area the provider names) of well-known cloud
 * regions. Good to a few tens of kilometres, which is all ordering by distance needs; a
 * deployment with other regions (or better numbers) puts them in `EdgeConfig.regions`.
 */
export const WELL_KNOWN_REGIONS: Readonly<Record<string, RegionInfo>> = Object.freeze({
  // Google Cloud
  'us-central1': r(41.26, -95.86), // Council Bluffs, Iowa
  'us-east1': r(33.2, -80.01), // Moncks Corner, South Carolina
  'us-east4': r(39.04, -77.49), // Ashburn, Virginia
  'us-east5': r(39.96, -83.0), // Columbus, Ohio
  'us-south1': r(32.78, -96.8), // Dallas
  'us-west1': r(45.59, -121.18), // The Dalles, Oregon
  'us-west2': r(34.05, -118.24), // Los Angeles
  'us-west3': r(40.76, -111.89), // Salt Lake City
  'us-west4': r(36.17, -115.14), // Las Vegas
  'northamerica-northeast1': r(45.5, -73.57), // Montréal
  'northamerica-northeast2': r(43.65, -79.38), // Toronto
  'northamerica-south1': r(20.59, -100.39), // Querétaro
  'southamerica-east1': r(-23.55, -46.63), // São Paulo
  'southamerica-west1': r(-33.45, -70.67), // Santiago
  'europe-west1': r(50.45, 3.82), // St. Ghislain, Belgium
  'europe-west2': r(51.51, -0.13), // London
  'europe-west3': r(50.11, 8.68), // Frankfurt
  'europe-west4': r(53.44, 6.83), // Eemshaven, Netherlands
  'europe-west6': r(47.38, 8.54), // Zurich
  'europe-west8': r(45.46, 9.19), // Milan
  'europe-west9': r(48.86, 2.35), // Paris
  'europe-west10': r(52.52, 13.4), // Berlin
  'europe-west12': r(45.07, 7.69), // Turin
  'europe-north1': r(60.57, 27.2), // Hamina, Finland
  'europe-north2': r(59.33, 18.07), // Stockholm
  'europe-central2': r(52.23, 21.01), // Warsaw
  'europe-southwest1': r(40.42, -3.7), // Madrid
  'me-west1': r(32.09, 34.78), // Tel Aviv
  'me-central1': r(25.29, 51.53), // Doha
  'me-central2': r(26.43, 50.1), // Dammam
  'africa-south1': r(-26.2, 28.05), // Johannesburg
  'asia-east1': r(24.07, 120.54), // Changhua County, Taiwan
  'asia-east2': r(22.32, 114.17), // Hong Kong
  'asia-northeast1': r(35.68, 139.69), // Tokyo
  'asia-northeast2': r(34.69, 135.5), // Osaka
  'asia-northeast3': r(37.57, 126.98), // Seoul
  'asia-south1': r(19.08, 72.88), // Mumbai
  'asia-south2': r(28.61, 77.21), // Delhi
  'asia-southeast1': r(1.35, 103.82), // Jurong West, Singapore
  'asia-southeast2': r(-6.21, 106.85), // Jakarta
  'australia-southeast1': r(-33.87, 151.21), // Sydney
  'australia-southeast2': r(-37.81, 144.96), // Melbourne

  // Amazon Web Services
  'us-east-1': r(39.04, -77.49), // N. Virginia
  'us-east-2': r(39.96, -83.0), // Ohio
  'us-west-1': r(37.77, -122.42), // N. California
  'us-west-2': r(45.84, -119.7), // Oregon
  'ca-central-1': r(45.5, -73.57), // Montréal
  'ca-west-1': r(51.05, -114.07), // Calgary
  'mx-central-1': r(20.59, -100.39), // Querétaro
  'sa-east-1': r(-23.55, -46.63), // São Paulo
  'eu-west-1': r(53.35, -6.26), // Dublin
  'eu-west-2': r(51.51, -0.13), // London
  'eu-west-3': r(48.86, 2.35), // Paris
  'eu-central-1': r(50.11, 8.68), // Frankfurt
  'eu-central-2': r(47.38, 8.54), // Zurich
  'eu-north-1': r(59.33, 18.07), // Stockholm
  'eu-south-1': r(45.46, 9.19), // Milan
  'eu-south-2': r(41.65, -0.88), // Aragón
  'il-central-1': r(32.09, 34.78), // Tel Aviv
  'me-south-1': r(26.07, 50.56), // Bahrain
  'me-central-1': r(24.47, 54.37), // UAE
  'af-south-1': r(-33.92, 18.42), // Cape Town
  'ap-east-1': r(22.32, 114.17), // Hong Kong
  'ap-south-1': r(19.08, 72.88), // Mumbai
  'ap-south-2': r(17.39, 78.49), // Hyderabad
  'ap-northeast-1': r(35.68, 139.69), // Tokyo
  'ap-northeast-2': r(37.57, 126.98), // Seoul
  'ap-northeast-3': r(34.69, 135.5), // Osaka
  'ap-southeast-1': r(1.35, 103.82), // Singapore
  'ap-southeast-2': r(-33.87, 151.21), // Sydney
  'ap-southeast-3': r(-6.21, 106.85), // Jakarta
  'ap-southeast-4': r(-37.81, 144.96), // Melbourne
  'ap-southeast-5': r(3.14, 101.69), // Malaysia
  'ap-southeast-7': r(13.76, 100.5), // Thailand

  // Microsoft Azure
  eastus: r(37.37, -79.82), // Virginia
  eastus2: r(36.67, -78.39), // Virginia
  centralus: r(41.59, -93.62), // Iowa
  northcentralus: r(41.88, -87.63), // Illinois
  southcentralus: r(29.42, -98.5), // Texas
  westcentralus: r(40.89, -110.23), // Wyoming
  westus: r(37.78, -122.42), // California
  westus2: r(47.23, -119.85), // Washington
  westus3: r(33.45, -112.07), // Arizona
  canadacentral: r(43.65, -79.38), // Toronto
  canadaeast: r(46.82, -71.22), // Quebec City
  mexicocentral: r(20.59, -100.39), // Querétaro
  brazilsouth: r(-23.55, -46.63), // São Paulo State
  northeurope: r(53.35, -6.26), // Ireland
  westeurope: r(52.37, 4.9), // Netherlands
  uksouth: r(50.94, -0.8), // London
  ukwest: r(53.43, -3.08), // Cardiff
  francecentral: r(46.38, 2.37), // Paris
  germanywestcentral: r(50.11, 8.68), // Frankfurt
  switzerlandnorth: r(47.45, 8.56), // Zurich
  norwayeast: r(59.91, 10.75), // Oslo
  swedencentral: r(60.67, 17.14), // Gävle
  polandcentral: r(52.23, 21.01), // Warsaw
  italynorth: r(45.47, 9.18), // Milan
  spaincentral: r(40.43, -3.72), // Madrid
  israelcentral: r(31.95, 34.8), // Israel
  uaenorth: r(25.27, 55.32), // Dubai
  qatarcentral: r(25.55, 51.44), // Doha
  southafricanorth: r(-25.73, 28.22), // Johannesburg
  eastasia: r(22.27, 114.19), // Hong Kong
  southeastasia: r(1.28, 103.83), // Singapore
  japaneast: r(35.68, 139.77), // Tokyo, Saitama
  japanwest: r(34.69, 135.5), // Osaka
  koreacentral: r(37.57, 126.98), // Seoul
  koreasouth: r(35.18, 129.08), // Busan
  centralindia: r(18.58, 73.92), // Pune
  southindia: r(12.98, 80.16), // Chennai
  westindia: r(19.09, 72.87), // Mumbai
  australiaeast: r(-33.86, 151.21), // New South Wales
  australiasoutheast: r(-37.81, 144.96), // Victoria
  australiacentral: r(-35.31, 149.12), // Canberra
});

const RAD = Math.PI / 180;

/** Great-circle distance in kilometres (haversine formula). */
export function haversineKm(a: RegionInfo, b: RegionInfo): number {
  const dLat = (b.latitude - a.latitude) * RAD;
  const dLon = (b.longitude - a.longitude) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface RegionError {
  region: string;
  message: string;
}

const validCoordinates = (info: RegionInfo | undefined): string | undefined => {
  if (!info || typeof info !== 'object') return 'coordinates must be an object with latitude and longitude';
  const { latitude, longitude } = info;
  if (typeof latitude !== 'number' || !Number.isFinite(latitude) || latitude < -90 || latitude > 90) return `latitude must be a number from -90 to 90, got ${String(latitude)}`;
  if (typeof longitude !== 'number' || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) return `longitude must be a number from -180 to 180, got ${String(longitude)}`;
  return undefined;
};

/** Problems in a region table (for the config source's events); such entries are ignored. */
export function validateRegions(regions: Readonly<Record<string, RegionInfo>>): RegionError[] {
  const errors: RegionError[] = [];
  for (const [region, info] of Object.entries(regions)) {
    if (!region) errors.push({ region, message: 'region name must not be empty' });
    const message = validCoordinates(info);
    if (message) errors.push({ region, message });
  }
  return errors;
}

/**
 * Region coordinates (configured entries over the built-in table; invalid configured entries
 * ignored) and distances between regions, memoised.
 */
export class RegionTable {
  private readonly coords = new Map<string, RegionInfo>();
  private readonly distances = new Map<string, number | undefined>();

  constructor(configured: Readonly<Record<string, RegionInfo>> = {}, builtIn: Readonly<Record<string, RegionInfo>> = WELL_KNOWN_REGIONS) {
    for (const [name, info] of Object.entries(builtIn)) this.coords.set(name, info);
    for (const [name, info] of Object.entries(configured)) if (name && !validCoordinates(info)) this.coords.set(name, { latitude: info.latitude, longitude: info.longitude });
  }

  coordinates(region: string): RegionInfo | undefined {
    return this.coords.get(region);
  }

  /** Kilometres between two regions; 0 for a region and itself; undefined when either has no coordinates. */
  distanceKm(a: string, b: string): number | undefined {
    if (a === b) return 0;
    const key = a < b ? `${a}\n${b}` : `${b}\n${a}`;
    if (this.distances.has(key)) return this.distances.get(key);
    const ca = this.coords.get(a);
    const cb = this.coords.get(b);
    const d = ca && cb ? haversineKm(ca, cb) : undefined;
    this.distances.set(key, d);
    return d;
  }

  /**
   * `regions` nearest to `client` first (the client's own region, if listed, leads), equal
   * distances by name, regions whose distance is unknown last by name. Duplicates dropped.
   */
  order(client: string | undefined, regions: Iterable<string>): string[] {
    const keyed = [...new Set(regions)].map((name) => ({ name, d: client === undefined ? undefined : this.distanceKm(client, name) }));
    keyed.sort((x, y) => {
      if (x.d === undefined || y.d === undefined) {
        if (x.d !== y.d) return x.d === undefined ? 1 : -1;
      } else if (x.d !== y.d) return x.d - y.d;
      return x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
    });
    return keyed.map((k) => k.name);
  }

  /**
   * The region of a zone named after the cloud conventions, when that region is known: GCP
   * `us-central1-a` -> `us-central1`, AWS `us-east-1a` -> `us-east-1`. Undefined otherwise (Azure
   * zones are plain numbers and say nothing).
   */
  regionOfZone(zone: string | undefined): string | undefined {
    if (!zone) return undefined;
    const gcp = /^(.+)-[a-z]$/.exec(zone);
    if (gcp && this.coords.has(gcp[1]!)) return gcp[1];
    const aws = /^(.+-\d+)[a-z]$/.exec(zone);
    if (aws && this.coords.has(aws[1]!)) return aws[1];
    return undefined;
  }
}

/** `regions` sorted nearest to `clientRegion` first; see `RegionTable.order`. */
export function regionOrder(clientRegion: string | undefined, regions: Iterable<string>, configured: Readonly<Record<string, RegionInfo>> = {}): string[] {
  return new RegionTable(configured).order(clientRegion, regions);
}
