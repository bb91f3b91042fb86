/**
 * Locality tiers: for a client and a backend's endpoints, the order in which localities are
 * tried. Tier 0 is the client's zone, tier 1 the other zones of the client's region, then one
 * tier per other region, nearest first (Google's "waterfall by region"). Within a tier the
 * endpoints are grouped by locality (zone; region when the zone is unknown; cluster when both
 * are).
 *
 * Unknown client location (neither region nor zone, e.g. an address in no CIDR range): every
 * region is equally far from it. With a default region configured, the client is treated as
 * standing in that region, without a zone: tiers are the default region, then the others by
 * distance from it, all of kind `remote` (nothing is local to the client). Without one, there is
 * a single `remote` tier holding every endpoint, so traffic spreads over all of them; the
 * balancer's overprovisioning and capacity rules then work over the whole backend.
 *
 * Regions whose distance cannot be known (no coordinates for them or for the origin), and
 * endpoints whose region is unknown, form one last tier together: equally far means no order.
 */
import type { Endpoint, Location } from '../model.js';
import { RegionTable } from './regions.js';

export type LocalityTierKind = 'zone' | 'region' | 'remote';

export interface Locality {
  /** Zone; the region when the zone is unknown; the cluster when both are. */
  name: string;
  region?: string;
  endpoints: Endpoint[];
}

export interface LocalityTier {
  kind: LocalityTierKind;
  /** The region of every endpoint of the tier; undefined for the last tier of unknown distance. */
  region?: string;
  /** Sorted by name; endpoints in the backend's order. */
  localities: Locality[];
}

export interface TierOptions {
  regions?: RegionTable;
  /** Where a client of unknown location is taken to be (see the module comment). */
  defaultRegion?: string;
}

/** The locality an endpoint's capacity and traffic are counted in. */
export const localityName = (ep: Endpoint): string => ep.zone ?? ep.region ?? ep.cluster;

/** An endpoint's region: declared, else derived from its zone's name when that region is known. */
export const endpointRegion = (ep: Endpoint, table: RegionTable): string | undefined => ep.region ?? table.regionOfZone(ep.zone);

/**
 * The client's region: declared, else the region of endpoints in the client's zone, else derived
 * from the zone's name.
 */
export function clientRegion(client: Location, endpoints: readonly Endpoint[], table: RegionTable): string | undefined {
  if (client.region !== undefined) return client.region;
  if (client.zone === undefined) return undefined;
  for (const ep of endpoints) if (ep.zone === client.zone && ep.region !== undefined) return ep.region;
  return table.regionOfZone(client.zone);
}

function tier(kind: LocalityTierKind, region: string | undefined, endpoints: readonly Endpoint[], regionOf: (ep: Endpoint) => string | undefined): LocalityTier {
  const byName = new Map<string, Locality>();
  for (const ep of endpoints) {
    const name = localityName(ep);
    let loc = byName.get(name);
    if (!loc) {
      loc = { name, endpoints: [] };
      const r = regionOf(ep);
      if (r !== undefined) loc.region = r;
      byName.set(name, loc);
    }
    loc.endpoints.push(ep);
  }
  const t: LocalityTier = { kind, localities: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  if (region !== undefined) t.region = region;
  return t;
}

/** Tiers for `client`, in order; empty tiers are left out. */
export function clientTiers(client: Location, endpoints: readonly Endpoint[], opts: TierOptions = {}): LocalityTier[] {
  if (endpoints.length === 0) return [];
  const table = opts.regions ?? new RegionTable();
  const regionCache = new Map<Endpoint, string | undefined>();
  const regionOf = (ep: Endpoint) => {
    if (!regionCache.has(ep)) regionCache.set(ep, endpointRegion(ep, table));
    return regionCache.get(ep);
  };
  const region = clientRegion(client, endpoints, table);
  const zone = client.zone;
  const tiers: LocalityTier[] = [];
  let rest: Endpoint[] = [...endpoints];
  if (zone !== undefined) {
    const inZone = new Set(rest.filter((ep) => ep.zone === zone && (region === undefined || regionOf(ep) === undefined || regionOf(ep) === region)));
    if (inZone.size) tiers.push(tier('zone', region, [...inZone], regionOf));
    rest = rest.filter((ep) => !inZone.has(ep));
  }
  if (region !== undefined) {
    const inRegion = rest.filter((ep) => regionOf(ep) === region);
    if (inRegion.length) tiers.push(tier('region', region, inRegion, regionOf));
    rest = rest.filter((ep) => regionOf(ep) !== region);
  }
  const origin = region ?? opts.defaultRegion;
  if (origin === undefined) {
    if (rest.length) tiers.push(tier('remote', undefined, rest, regionOf));
    return tiers;
  }
  const byRegion = new Map<string, Endpoint[]>();
  const unknown: Endpoint[] = [];
  for (const ep of rest) {
    const r = regionOf(ep);
    if (r === undefined || table.distanceKm(origin, r) === undefined) unknown.push(ep);
    else {
      const list = byRegion.get(r);
      if (list) list.push(ep);
      else byRegion.set(r, [ep]);
    }
  }
  for (const r of table.order(origin, byRegion.keys())) tiers.push(tier('remote', r, byRegion.get(r)!, regionOf));
  if (unknown.length) tiers.push(tier('remote', undefined, unknown, regionOf));
  return tiers;
}
