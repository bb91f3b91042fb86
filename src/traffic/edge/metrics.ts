/**
 * The edge's Prometheus metrics (own registry, served on the admin address). Counting on the
 * request path goes into plain maps and arrays, and the prom-client metrics are filled from them
 * when scraped: prom-client's labelled inc() and observe() cost about 0.4 us each, a few
 * percent of the proxy's whole budget per request.
 */
import client from 'prom-client';
import type { EndpointState } from './endpoints.js';
import type { TryOutcome } from './retry.js';

/** Request duration buckets (seconds). */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class HistogramCells {
  readonly counts = new Float64Array(DURATION_BUCKETS.length);
  sum = 0;
  count = 0;

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (v <= DURATION_BUCKETS[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

const DURATION = 'kubefed_edge_request_duration_seconds';

/** The duration histogram by cluster, read from the counts at scrape (a prom-client metric in shape). */
class DurationHistogram {
  readonly name = DURATION;
  readonly help = 'Time from a request head to the end of its response, by the cluster that served it ("" when the edge answered itself).';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly clusters: Map<string, ClusterCounts>) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] } {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const [cluster, { duration: c }] of this.clusters) {
      if (c.count === 0) continue;
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += c.counts[i]!;
        values.push({ value: acc, labels: { cluster, le }, metricName: `${DURATION}_bucket` });
      });
      values.push({ value: c.count, labels: { cluster, le: '+Inf' }, metricName: `${DURATION}_bucket` });
      values.push({ value: c.sum, labels: { cluster }, metricName: `${DURATION}_sum` });
      values.push({ value: c.count, labels: { cluster }, metricName: `${DURATION}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

const TIERS = ['', 'zone', 'region', 'remote', 'panic', 'overflow'];
const TIER_INDEX: Record<string, number> = Object.fromEntries(TIERS.map((t, i) => [t, i]));

/** What is counted per cluster; requests keyed by status x 8 + tier index (no strings built per request). */
class ClusterCounts {
  readonly requests = new Map<number, number>();
  readonly tries = new Map<string, number>();
  readonly duration = new HistogramCells();
  ejections = 0;
}

export class EdgeMetrics {
  readonly registry = new client.Registry();
  private readonly clusters = new Map<string, ClusterCounts>();
  private retries = 0;

  constructor(opts: { endpoints: () => Iterable<EndpointState>; connections: () => number; inFlight: () => number; configGeneration: () => number }) {
    const registers = [this.registry];
    const clusters = this.clusters;
    const retries = () => this.retries;
    new client.Counter({
      name: 'kubefed_edge_requests_total',
      help: 'Requests answered, by serving cluster ("" when the edge answered itself), status code and locality tier.',
      labelNames: ['cluster', 'code', 'tier'],
      registers,
      collect() {
        this.reset();
        for (const [cluster, c] of clusters) for (const [k, v] of c.requests) this.inc({ cluster, code: String(Math.floor(k / 8)), tier: TIERS[k % 8]! }, v);
      },
    });
    new client.Counter({
      name: 'kubefed_edge_upstream_tries_total',
      help: 'Tries sent to endpoints, by cluster and outcome (success, retried_status, connect_error, connect_timeout, reset, timeout, abandoned, protocol_error, aborted).',
      labelNames: ['cluster', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [cluster, c] of clusters) for (const [outcome, v] of c.tries) this.inc({ cluster, outcome }, v);
      },
    });
    new client.Counter({
      name: 'kubefed_edge_retries_total',
      help: 'Tries that were retries of an earlier failed try.',
      registers,
      collect() {
        this.reset();
        this.inc(retries());
      },
    });
    new client.Counter({
      name: 'kubefed_edge_ejections_total',
      help: 'Endpoints ejected by outlier detection, by cluster.',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const [cluster, c] of clusters) if (c.ejections > 0) this.inc({ cluster }, c.ejections);
      },
    });
    new client.Gauge({
      name: 'kubefed_edge_endpoints',
      help: 'Endpoints of the current configuration by cluster and state (healthy, not_ready, failing active checks, ejected).',
      labelNames: ['cluster', 'state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const st of opts.endpoints()) {
          const k = `${st.ep.cluster}\t${st.condition}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        for (const [k, v] of counts) {
          const [cluster, state] = k.split('\t');
          this.set({ cluster: cluster!, state: state! }, v);
        }
      },
    });
    new client.Gauge({
      name: 'kubefed_edge_upstream_connections',
      help: 'Open connections to endpoints, by cluster and state (idle or active).',
      labelNames: ['cluster', 'state'],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, [number, number]>();
        for (const st of opts.endpoints()) {
          const c = counts.get(st.ep.cluster) ?? [0, 0];
          c[0] += st.pool.idleCount;
          c[1] += st.pool.size - st.pool.idleCount;
          counts.set(st.ep.cluster, c);
        }
        for (const [cluster, [idle, active]] of counts) {
          this.set({ cluster, state: 'idle' }, idle);
          this.set({ cluster, state: 'active' }, active);
        }
      },
    });
    new client.Gauge({
      name: 'kubefed_edge_client_connections',
      help: 'Open client connections.',
      registers,
      collect() {
        this.set(opts.connections());
      },
    });
    new client.Gauge({
      name: 'kubefed_edge_requests_in_flight',
      help: 'Requests being served.',
      registers,
      collect() {
        this.set(opts.inFlight());
      },
    });
    new client.Gauge({
      name: 'kubefed_edge_config_generation',
      help: 'Configuration snapshots applied since start.',
      registers,
      collect() {
        this.set(opts.configGeneration());
      },
    });
    this.registry.registerMetric(new DurationHistogram(clusters) as unknown as client.Metric);
  }

  private of(cluster: string): ClusterCounts {
    let c = this.clusters.get(cluster);
    if (c === undefined) this.clusters.set(cluster, (c = new ClusterCounts()));
    return c;
  }

  /** One answered request. `cluster` '' when the edge answered itself. */
  request(cluster: string, status: number, tier: string, seconds: number): void {
    const c = this.of(cluster);
    const k = status * 8 + (TIER_INDEX[tier] ?? 0);
    c.requests.set(k, (c.requests.get(k) ?? 0) + 1);
    c.duration.observe(seconds);
  }

  tryEnded(cluster: string, outcome: TryOutcome): void {
    const t = this.of(cluster).tries;
    t.set(outcome, (t.get(outcome) ?? 0) + 1);
  }

  retried(): void {
    this.retries++;
  }

  ejected(cluster: string): void {
    this.of(cluster).ejections++;
  }

  /** Requests answered with `code` by `cluster` ('' for the edge itself) at `tier`, for tests and status. */
  requests(cluster: string, code: number, tier: string): number {
    return this.clusters.get(cluster)?.requests.get(code * 8 + (TIER_INDEX[tier] ?? 0)) ?? 0;
  }

  tries(cluster: string, outcome: TryOutcome): number {
    return this.clusters.get(cluster)?.tries.get(outcome) ?? 0;
  }

  ejections(cluster: string): number {
    return this.clusters.get(cluster)?.ejections ?? 0;
  }

  get retriesTotal(): number {
    return this.retries;
  }
}
