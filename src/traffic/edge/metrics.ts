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

/** A histogram by cluster whose cells are filled on the request path and read at scrape. */
class ClusterHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly cells = new Map<string, HistogramCells>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  observe(cluster: string, v: number): void {
    let c = this.cells.get(cluster);
    if (c === undefined) this.cells.set(cluster, (c = new HistogramCells()));
    c.observe(v);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] } {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const [cluster, c] of this.cells) {
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += c.counts[i]!;
        values.push({ value: acc, labels: { cluster, le }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: c.count, labels: { cluster, le: '+Inf' }, metricName: `${this.name}_bucket` });
      values.push({ value: c.sum, labels: { cluster }, metricName: `${this.name}_sum` });
      values.push({ value: c.count, labels: { cluster }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.cells.clear();
  }
}

/** Counts keyed by joined label values, copied into a prom-client Counter at scrape. */
class Tally {
  readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  /** Sets `counter` to these counts; keys are label values joined with "\t" in `labelNames` order. */
  copyTo(counter: client.Counter<string>, labelNames: readonly string[]): void {
    counter.reset();
    for (const [k, v] of this.counts) {
      const parts = k.split('\t');
      const labels: Record<string, string> = {};
      labelNames.forEach((n, i) => (labels[n] = parts[i] ?? ''));
      counter.inc(labels, v);
    }
  }
}

export class EdgeMetrics {
  readonly registry = new client.Registry();
  private readonly requests = new Tally();
  private readonly tries = new Tally();
  private readonly ejections = new Tally();
  private retries = 0;
  private readonly duration = new ClusterHistogram('kubefed_edge_request_duration_seconds', 'Time from a request head to the end of its response, by the cluster that served it.');

  constructor(opts: { endpoints: () => Iterable<EndpointState>; connections: () => number; inFlight: () => number; configGeneration: () => number }) {
    const registers = [this.registry];
    const requests = this.requests;
    const tries = this.tries;
    const ejections = this.ejections;
    const retries = () => this.retries;
    new client.Counter({
      name: 'kubefed_edge_requests_total',
      help: 'Requests answered, by serving cluster ("" when the edge answered itself), status code and locality tier.',
      labelNames: ['cluster', 'code', 'tier'],
      registers,
      collect() {
        requests.copyTo(this, ['cluster', 'code', 'tier']);
      },
    });
    new client.Counter({
      name: 'kubefed_edge_upstream_tries_total',
      help: 'Tries sent to endpoints, by cluster and outcome (success, retried_status, connect_error, connect_timeout, reset, timeout, protocol_error, aborted).',
      labelNames: ['cluster', 'outcome'],
      registers,
      collect() {
        tries.copyTo(this, ['cluster', 'outcome']);
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
        ejections.copyTo(this, ['cluster']);
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
    this.registry.registerMetric(this.duration as unknown as client.Metric);
  }

  /** One answered request. `cluster` '' when the edge answered itself. */
  request(cluster: string, status: number, tier: string, seconds: number): void {
    this.requests.add(`${cluster}\t${status}\t${tier}`);
    this.duration.observe(cluster, seconds);
  }

  tryEnded(cluster: string, outcome: TryOutcome): void {
    this.tries.add(`${cluster}\t${outcome}`);
  }

  retried(): void {
    this.retries++;
  }

  ejected(cluster: string): void {
    this.ejections.add(cluster);
  }

  /** The value of a counter by its labels, for tests and status: e.g. ('requests', {cluster, code, tier}). */
  count(which: 'requests' | 'tries' | 'ejections', labels: string[]): number {
    const t = which === 'requests' ? this.requests : which === 'tries' ? this.tries : this.ejections;
    return t.counts.get(labels.join('\t')) ?? 0;
  }

  get retriesTotal(): number {
    return this.retries;
  }
}
