/**
 * Route precedence, as the Ingress and Gateway API specifications order matches: the most
 * specific host first (exact, then wildcards with longer suffixes, then any host), then Exact
 * paths, then Prefix paths longest first, then regular expressions, then routes that also match a
 * method, then more header matches. Ties keep the compiler's order (older objects first).
 */
import type { Route } from '../model.js';

/** 0 exact host, 1 wildcard, 2 any host; with the host length for wildcards (longer first). */
function hostRank(r: Route): [number, number] {
  const h = r.hosts[0];
  if (!h) return [2, 0];
  if (h.startsWith('*.')) return [1, -h.length];
  return [0, 0];
}

const PATH_RANK = { Exact: 0, Prefix: 1, RegularExpression: 2 } as const;

export function compareRoutes(a: Route, b: Route): number {
  const [ha, la] = hostRank(a);
  const [hb, lb] = hostRank(b);
  if (ha !== hb) return ha - hb;
  if (la !== lb) return la - lb;
  const pa = PATH_RANK[a.path.type];
  const pb = PATH_RANK[b.path.type];
  if (pa !== pb) return pa - pb;
  if (a.path.type === 'Prefix' && a.path.value.length !== b.path.value.length) return b.path.value.length - a.path.value.length;
  const ma = a.method ? 0 : 1;
  const mb = b.method ? 0 : 1;
  if (ma !== mb) return ma - mb;
  return (b.headers?.length ?? 0) - (a.headers?.length ?? 0);
}
