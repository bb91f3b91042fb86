/**
 * Which route a request takes: the first route of the EdgeConfig (already in precedence order)
 * whose hosts, path, method and headers match. Routes are indexed by host so a lookup only walks
 * the routes that can match the request's host (its exact routes, the wildcard routes of its
 * parent domain, the any-host routes), merged back into configuration order so precedence holds.
 */
import type { Backend, EdgeConfig, HeaderMatch, Route, WeightedBackend } from '../model.js';

/** Reads a request header (lower-case name); several fields joined with ",". */
export interface HeaderLookup {
  get(name: string): string | undefined;
}

interface CompiledHeader {
  name: string;
  exact?: string;
  re?: RegExp;
}

/** A route with its matchers compiled. */
export interface CompiledRoute {
  route: Route;
  /** Position in EdgeConfig.routes: lower wins. */
  index: number;
  /** Path test: exact path, prefix (`/foo` matches `/foo`, `/foo/...`), or regular expression. */
  exact?: string;
  prefix?: string;
  /** `prefix + '/'`, or '' when the prefix is `/` (matches everything). */
  prefixSlash?: string;
  re?: RegExp;
  /** A path expression that does not compile never matches. */
  never: boolean;
  method?: string;
  headers?: CompiledHeader[];
  /** Backends with weight > 0 and their cumulative weights. */
  backends: Backend[];
  cumulative: number[];
  totalWeight: number;
}

/** The normalized host of a request: lower case, port and a trailing dot removed. */
export function normalizeHost(host: string): string {
  let h = host;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  // Host names are mostly lower case already; toLowerCase allocates only when it must change.
  return h.toLowerCase();
}

function anchored(expr: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${expr})$`);
  } catch {
    return undefined;
  }
}

function compileHeader(m: HeaderMatch): CompiledHeader {
  const name = m.name.toLowerCase();
  if (m.type === 'Exact') return { name, exact: m.value };
  return { name, re: anchored(m.value) ?? /(?!)/ };
}

export function compileRoute(route: Route, index: number): CompiledRoute {
  const live = route.backends.filter((b: WeightedBackend) => b.weight > 0);
  const cumulative: number[] = [];
  let total = 0;
  for (const b of live) cumulative.push((total += b.weight));
  const c: CompiledRoute = { route, index, never: false, backends: live.map((b) => b.backend), cumulative, totalWeight: total };
  const v = route.path.value;
  switch (route.path.type) {
    case 'Exact':
      c.exact = v;
      break;
    case 'Prefix': {
      // Ingress and Gateway API: a trailing slash is ignored; elements match whole.
      const p = v.replace(/\/+$/, '');
      c.prefix = p;
      c.prefixSlash = p === '' ? '' : `${p}/`;
      break;
    }
    case 'RegularExpression': {
      const re = anchored(v);
      if (re) c.re = re;
      else c.never = true;
      break;
    }
  }
  if (route.method) c.method = route.method.toUpperCase();
  if (route.headers?.length) c.headers = route.headers.map(compileHeader);
  return c;
}

export function pathMatches(c: CompiledRoute, path: string): boolean {
  if (c.never) return false;
  if (c.exact !== undefined) return path === c.exact;
  if (c.prefixSlash !== undefined) return c.prefixSlash === '' || path === c.prefix || path.startsWith(c.prefixSlash);
  return c.re!.test(path);
}

function matches(c: CompiledRoute, path: string, method: string, header: HeaderLookup): boolean {
  if (!pathMatches(c, path)) return false;
  if (c.method !== undefined && c.method !== method) return false;
  if (c.headers !== undefined) {
    for (const h of c.headers) {
      const v = header.get(h.name);
      if (v === undefined) return false;
      if (h.exact !== undefined ? v !== h.exact : !h.re!.test(v)) return false;
    }
  }
  return true;
}

/** Merges lists that are each in configuration order into one, in configuration order. */
function mergeOrdered(...lists: CompiledRoute[][]): CompiledRoute[] {
  const all = lists.flat();
  all.sort((a, b) => a.index - b.index);
  return all;
}

/** The part of a host a `*.` wildcard stands for is its first label; the rest is the suffix. */
const parentDomain = (host: string): string | undefined => {
  const dot = host.indexOf('.');
  return dot > 0 && dot < host.length - 1 ? host.slice(dot + 1) : undefined;
};

export class Router {
  /** Routes that can match a host named by some route: its exact routes, the wildcard routes of its parent, any-host routes. */
  private readonly byHost = new Map<string, CompiledRoute[]>();
  /** For other hosts: wildcard routes by the domain they cover, plus any-host routes. */
  private readonly byWildcard = new Map<string, CompiledRoute[]>();
  private readonly anyHost: CompiledRoute[];
  readonly defaultBackend: Backend | undefined;

  constructor(cfg: Pick<EdgeConfig, 'routes' | 'defaultBackend'>) {
    this.defaultBackend = cfg.defaultBackend;
    const exact = new Map<string, CompiledRoute[]>();
    const wildcard = new Map<string, CompiledRoute[]>();
    const any: CompiledRoute[] = [];
    cfg.routes.forEach((r, i) => {
      const c = compileRoute(r, i);
      if (r.hosts.length === 0) any.push(c);
      const seen = new Set<string>();
      for (const raw of r.hosts) {
        const h = normalizeHost(raw);
        if (seen.has(h)) continue;
        seen.add(h);
        if (h.startsWith('*.')) push(wildcard, h.slice(2), c);
        else push(exact, h, c);
      }
    });
    this.anyHost = any;
    for (const [domain, list] of wildcard) this.byWildcard.set(domain, mergeOrdered(list, any));
    for (const [host, list] of exact) {
      const parent = parentDomain(host);
      this.byHost.set(host, mergeOrdered(list, (parent !== undefined && wildcard.get(parent)) || [], any));
    }
  }

  /** The routes a request for `host` (normalized) may take, in precedence order. */
  candidates(host: string): CompiledRoute[] {
    const exact = this.byHost.get(host);
    if (exact !== undefined) return exact;
    if (this.byWildcard.size > 0) {
      const parent = parentDomain(host);
      const w = parent !== undefined ? this.byWildcard.get(parent) : undefined;
      if (w !== undefined) return w;
    }
    return this.anyHost;
  }

  /** The first matching route, or undefined. `host` is normalized; `path` has no query. */
  match(host: string, path: string, method: string, header: HeaderLookup): CompiledRoute | undefined {
    const list = this.candidates(host);
    for (let i = 0; i < list.length; i++) if (matches(list[i]!, path, method, header)) return list[i];
    return undefined;
  }
}

function push(m: Map<string, CompiledRoute[]>, k: string, c: CompiledRoute): void {
  const l = m.get(k);
  if (l) l.push(c);
  else m.set(k, [c]);
}

/**
 * One backend of a route for one request, by weight (Gateway API backendRef weights); undefined
 * when every weight is 0. `random` is in [0, 1).
 */
export function pickBackend(c: CompiledRoute, random: number = Math.random()): Backend | undefined {
  const n = c.backends.length;
  if (n <= 1) return c.backends[0];
  const x = random * c.totalWeight;
  for (let i = 0; i < n; i++) if (x < c.cumulative[i]!) return c.backends[i];
  return c.backends[n - 1];
}

/** The path of a request target, without its query. */
export function targetPath(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
