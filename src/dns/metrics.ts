/**
 * The DNS server's Prometheus metrics, in a registry of its own. The query path counts into typed
 * arrays; the prom-client metrics read them when scraped (a labelled prom-client inc() and
 * observe() per query would cost more than answering from the cache).
 *
 * - kubefed_dns_queries_total{type, rcode, transport}: answered queries (type "other" for types
 *   without a name here, "none" when the question could not be read);
 * - kubefed_dns_dropped_total{reason}: messages that got no answer (short, response, unanswerable:
 *   a sender dgram cannot send to, such as source port 0);
 * - kubefed_dns_query_duration_seconds: from a message read to its answer handed to the socket;
 * - kubefed_dns_tcp_connections: open TCP connections;
 * - kubefed_dns_zones, kubefed_dns_zone_problems, kubefed_dns_answer_cache_entries;
 * - kubefed_dns_answer_cache_hits_total, kubefed_dns_answer_cache_misses_total.
 */
import client from 'prom-client';
import type { CacheCounters } from './responder.js';
import { RCODE, TYPE, rcodeName } from './wire.js';

/** Latency buckets (seconds): answers take microseconds. */
export const DURATION_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];

const NAMED_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'PTR', 'TXT', 'AAAA', 'SRV', 'ANY'] as const;
const TYPE_LABELS = [...NAMED_TYPES, 'other', 'none'];
const OTHER = NAMED_TYPES.length;
const NONE = OTHER + 1;
const RCODES = 24;
const TRANSPORTS = ['udp', 'tcp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

const typeIndex = new Uint8Array(65536).fill(OTHER);
NAMED_TYPES.forEach((t, i) => (typeIndex[TYPE[t]] = i));

export class DnsMetrics {
  readonly registry = new client.Registry();
  /** [transport][type][rcode] counts. */
  private readonly queries = new Float64Array(TRANSPORTS.length * TYPE_LABELS.length * RCODES);
  private readonly buckets = new Float64Array(DURATION_BUCKETS.length);
  private durationSum = 0;
  private durationCount = 0;
  private readonly drops = new Map<string, number>();

  constructor(gauges: { tcpConnections: () => number; zones: () => number; problems: () => number; cacheEntries: () => number; cache: CacheCounters }) {
    const counts = this.queries;
    const reported = new Float64Array(counts.length);
    new client.Counter({
      name: 'kubefed_dns_queries_total',
      help: 'Queries answered, by question type, response code and transport.',
      labelNames: ['type', 'rcode', 'transport'],
      registers: [this.registry],
      collect() {
        for (let i = 0; i < counts.length; i++) {
          const d = counts[i]! - reported[i]!;
          if (d === 0) continue;
          reported[i] = counts[i]!;
          const rcode = i % RCODES;
          const type = Math.floor(i / RCODES) % TYPE_LABELS.length;
          const transport = Math.floor(i / RCODES / TYPE_LABELS.length);
          this.inc({ type: TYPE_LABELS[type]!, rcode: rcodeName(rcode), transport: TRANSPORTS[transport]! }, d);
        }
      },
    });
    const drops = this.drops;
    const dropsReported = new Map<string, number>();
    new client.Counter({
      name: 'kubefed_dns_dropped_total',
      help: 'Messages that got no answer: shorter than a header, responses, or from a sender no answer can go to.',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        for (const [reason, n] of drops) {
          const d = n - (dropsReported.get(reason) ?? 0);
          if (d > 0) this.inc({ reason }, d);
          dropsReported.set(reason, n);
        }
      },
    });
    this.registry.registerMetric(new DurationHistogram(this) as unknown as client.Metric);
    const gauge = (name: string, help: string, read: () => number) =>
      new client.Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('kubefed_dns_tcp_connections', 'Open TCP connections.', gauges.tcpConnections);
    gauge('kubefed_dns_zones', 'Zones served.', gauges.zones);
    gauge('kubefed_dns_zone_problems', 'Records of the current zones that cannot be served (see the log).', gauges.problems);
    gauge('kubefed_dns_answer_cache_entries', 'Encoded answers cached for the current zones.', gauges.cacheEntries);
    for (const [which, help] of [
      ['hits', 'Answers copied from the answer cache.'],
      ['misses', 'Answers resolved and encoded (not in the cache).'],
    ] as const) {
      let reported = 0;
      new client.Counter({
        name: `kubefed_dns_answer_cache_${which}_total`,
        help,
        registers: [this.registry],
        collect() {
          this.inc(gauges.cache[which] - reported);
          reported = gauges.cache[which];
        },
      });
    }
  }

  /** One answered query (qtype -1: no question read). */
  query(transport: Transport, qtype: number, rcode: number, seconds: number): void {
    const t = qtype < 0 ? NONE : typeIndex[qtype]!;
    this.queries[((transport === 'udp' ? 0 : 1) * TYPE_LABELS.length + t) * RCODES + (rcode < RCODES ? rcode : RCODE.SERVFAIL)]!++;
    this.durationSum += seconds;
    this.durationCount++;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) {
        this.buckets[i]!++;
        return;
      }
    }
  }

  dropped(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  /** The histogram's cells (cumulative per bucket), for the scrape. */
  histogram(): { buckets: number[]; sum: number; count: number } {
    let acc = 0;
    return { buckets: Array.from(this.buckets, (n) => (acc += n)), sum: this.durationSum, count: this.durationCount };
  }
}

const DURATION = 'kubefed_dns_query_duration_seconds';

/** The latency histogram, read from the counts at scrape (a prom-client metric in shape). */
class DurationHistogram {
  readonly name = DURATION;
  readonly help = 'Time from reading a query to handing its answer to the socket.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly m: DnsMetrics) {}

  get() {
    const h = this.m.histogram();
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = DURATION_BUCKETS.map((le, i) => ({
      value: h.buckets[i]!,
      labels: { le },
      metricName: `${DURATION}_bucket`,
    }));
    values.push({ value: h.count, labels: { le: '+Inf' }, metricName: `${DURATION}_bucket` });
    values.push({ value: h.sum, labels: {}, metricName: `${DURATION}_sum` });
    values.push({ value: h.count, labels: {}, metricName: `${DURATION}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
