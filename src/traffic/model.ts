/**
 * What the global edge knows: routes compiled from the federation's Ingresses and HTTPRoutes,
 * the backends they point at (one Service port, its endpoints in every cluster), TLS
 * certificates, and where clients and regions are. The edge receives it as immutable snapshots
 * (`EdgeConfig`) from the config source (src/traffic/config) and keeps its own per-endpoint
 * state (health checks, ejections, rates) keyed by `Endpoint.id` across snapshots.
 */

/** Where something is. Either part may be unknown. */
export interface Location {
  region?: string;
  zone?: string;
}

/** One endpoint of a Service in one member cluster, as the edge can reach it. */
export interface Endpoint {
  /** Stable identity across snapshots: `<cluster>/<address>:<port>`. */
  id: string;
  cluster: string;
  region?: string;
  zone?: string;
  /** IP address (or host name) and port the edge connects to. */
  address: string;
  port: number;
  /** Ready in its cluster (EndpointSlice condition), and the cluster is Ready. */
  ready: boolean;
}

export const endpointId = (cluster: string, address: string, port: number) => `${cluster}/${address.includes(':') ? `[${address}]` : address}:${port}`;

/** A Service port across every cluster: what a route sends requests to. */
export interface Backend {
  /** `<namespace>/<service>:<port>` (the port as the route names it: number or name). */
  key: string;
  namespace: string;
  service: string;
  port: number | string;
  endpoints: Endpoint[];
  /**
   * Requests per second one ready endpoint can take (`kubefed.io/max-rate-per-endpoint` or
   * GKE's `networking.gke.io/max-rate-per-endpoint` on the Service). Undefined: no declared
   * capacity; locality then follows Envoy's overprovisioning arithmetic.
   */
  maxRatePerEndpoint?: number;
  /** Path of the edge's active health checks (default "/"). */
  healthCheckPath?: string;
  /** Backend speaks TLS (Service port appProtocol https). */
  tls?: boolean;
}

export interface PathMatch {
  /** Ingress Exact/Prefix (ImplementationSpecific is compiled to Prefix); Gateway API adds RegularExpression. */
  type: 'Exact' | 'Prefix' | 'RegularExpression';
  value: string;
}

export interface HeaderMatch {
  /** Header name, lower case. */
  name: string;
  type: 'Exact' | 'RegularExpression';
  value: string;
}

export interface WeightedBackend {
  backend: Backend;
  /** Relative share of requests (Gateway API backendRef weight; 1 for Ingress). 0 = none. */
  weight: number;
}

/** One routing rule. */
export interface Route {
  /**
   * Host names it applies to: exact (`shop.example.com`) or wildcard (`*.example.com`, matching
   * exactly one more label). Empty: every host.
   */
  hosts: string[];
  path: PathMatch;
  headers?: HeaderMatch[];
  /** HTTP method (Gateway API match); undefined: any. */
  method?: string;
  backends: WeightedBackend[];
  /** Where it came from, for logs, metrics and status: `Ingress shop/web`, `HTTPRoute shop/web`. */
  source: string;
}

export interface TlsCertificate {
  /** Host names (exact or `*.` wildcard) it serves; empty: the default certificate. */
  hosts: string[];
  certPem: string;
  keyPem: string;
  /** `Secret ns/name`, for logs and errors. */
  source: string;
}

/** A CIDR (IPv4 or IPv6) whose clients are at `location`. */
export interface LocationRange {
  cidr: string;
  location: Location;
}

export interface RegionInfo {
  latitude: number;
  longitude: number;
}

export interface EdgeConfig {
  /**
   * Routes in precedence order: for a request, the first route whose hosts, path, method and
   * headers match wins. The compiler orders them as the Ingress and Gateway API specifications
   * say (exact hosts before wildcards before any host; then Exact paths, then longer Prefix
   * paths; then more header matches; then older objects).
   */
  routes: Route[];
  /** Where a request no route matches goes (Ingress defaultBackend); undefined: 404. */
  defaultBackend?: Backend;
  certificates: TlsCertificate[];
  /** Client locations by source address; the longest matching prefix wins. */
  locations: LocationRange[];
  /** Region coordinates, for ordering remote regions by distance. */
  regions: Record<string, RegionInfo>;
  /** Proxies whose X-Forwarded-For is believed (CIDRs). */
  trustedProxies: string[];
}

export const emptyEdgeConfig = (): EdgeConfig => ({ routes: [], certificates: [], locations: [], regions: {}, trustedProxies: [] });
