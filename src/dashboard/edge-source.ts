/**
 * What the dashboard shows of a running global edge, from its admin endpoint: the split of
 * recent requests per cluster and locality tier (/split), endpoints per cluster and state,
 * retries and ejections (/metrics). The edge is a separate process; the dashboard only reads.
 */
import type { Split } from '../traffic/edge/split.js';

export interface EdgeView {
  admin: string;
  split: Split;
  /** Per cluster: endpoints by state (healthy, not_ready, failing, ejected), ejections so far. */
  clusters: Record<string, { endpoints: Record<string, number>; ejections: number }>;
  retries: number;
  /** Requests answered since the edge started, per cluster ("" for the edge's own answers). */
  requests: Record<string, number>;
}

/** Samples of the text exposition format: name, labels, value (comments and malformed lines skipped). */
export function metricSamples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function edgeView(admin: string, split: Split, metricsText: string): EdgeView {
  const clusters: EdgeView['clusters'] = {};
  const at = (c: string) => (clusters[c] ??= { endpoints: {}, ejections: 0 });
  const requests: Record<string, number> = {};
  let retries = 0;
  for (const s of metricSamples(metricsText)) {
    if (s.name === 'kubefed_edge_endpoints' && s.labels.cluster) at(s.labels.cluster).endpoints[s.labels.state ?? '?'] = s.value;
    else if (s.name === 'kubefed_edge_ejections_total' && s.labels.cluster) at(s.labels.cluster).ejections += s.value;
    else if (s.name === 'kubefed_edge_retries_total') retries += s.value;
    else if (s.name === 'kubefed_edge_requests_total') requests[s.labels.cluster ?? ''] = (requests[s.labels.cluster ?? ''] ?? 0) + s.value;
  }
  return { admin, split, clusters, retries, requests };
}

/** Reads the edge at `admin` (host:port): the split over the last `seconds` and its metrics. */
export async function readEdge(admin: string, seconds: number, signal?: AbortSignal): Promise<EdgeView> {
  const base = `http://${admin}`;
  const get = async (path: string) => {
    const res = await fetch(base + path, { ...(signal ? { signal } : {}) });
    if (!res.ok) throw new Error(`the edge's admin address ${admin} answered ${res.status} for ${path}`);
    return res;
  };
  const [split, metrics] = await Promise.all([get(`/split?seconds=${seconds}`).then((r) => r.json() as Promise<Split>), get('/metrics').then((r) => r.text())]);
  return edgeView(admin, split, metrics);
}
