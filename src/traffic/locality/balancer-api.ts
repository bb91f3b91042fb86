/**
 * The contract between the edge's proxy (src/traffic/edge) and the locality-aware balancer
 * (src/traffic/locality): for one try of one request, which endpoint.
 */
import type { Backend, Endpoint, Location } from '../model.js';

/**
 * How close the chosen endpoint is to the client:
 * - `zone`: the client's own zone;
 * - `region`: another zone of the client's region;
 * - `remote`: another region (the next closest that can take the request);
 * - `panic`: too few endpoints are healthy anywhere, locality was ignored;
 * - `overflow`: every locality is at its declared capacity; sent where the overload is least.
 */
export type Tier = 'zone' | 'region' | 'remote' | 'panic' | 'overflow';

export interface Pick {
  endpoint: Endpoint;
  tier: Tier;
  /** The locality it belongs to: its zone (or region when zones are unknown). */
  locality: string;
}

/** What earlier tries of the same request used: avoided while anything else can serve. */
export interface Avoid {
  endpoints: ReadonlySet<string>;
  /** Clusters already tried: a retry prefers another cluster (Envoy's previous_priorities). */
  clusters: ReadonlySet<string>;
}

export interface Balancer {
  /**
   * The endpoint for one try of a request from `client` to `backend`, or undefined when the
   * backend has no endpoint at all. `healthy(ep)` is the edge's combined view: ready in the
   * member, passing the edge's active checks, not ejected by outlier detection.
   */
  pick(backend: Backend, client: Location, healthy: (ep: Endpoint) => boolean, avoid?: Avoid, now?: number): Pick | undefined;
  /** A try was sent to `ep` (rate and in-flight accounting). */
  started(ep: Endpoint, now?: number): void;
  /** That try ended. */
  finished(ep: Endpoint): void;
}
