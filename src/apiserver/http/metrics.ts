/**
 * The API server's /metrics: kube-apiserver's common set, with its names, labels and buckets,
 * so the dashboards and alerts written for kube-apiserver (kubernetes-mixin and the like) work:
 *
 * - `apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}`
 *   and `apiserver_request_duration_seconds{verb,dry_run,group,version,resource,subresource,scope,component}`
 *   (STABLE): every request, counted when it ends (a WATCH when its stream closes). Verbs as
 *   upstream reports them: the HTTP method upper-cased, GET on a collection as LIST, watches as
 *   WATCH, server-side apply as APPLY. A non-resource request has its path as `subresource` and
 *   empty group, version, resource, scope and component, as upstream;
 * - `apiserver_response_sizes` (STABLE) for GET and LIST;
 * - `apiserver_current_inflight_requests{request_kind=readOnly|mutating}` (STABLE): the most
 *   requests being served at once in the last second (max-in-flight's watermark), watches
 *   excluded as long-running;
 * - `apiserver_longrunning_requests` (open watches, longrunning-metrics.ts);
 * - `apiserver_storage_objects{resource}` (STABLE; `resource.group`) and its successor
 *   `apiserver_resource_objects{group,resource}`, counted in the watch cache when scraped;
 * - `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_start_time_seconds`;
 * - `apiserver_storage_revision` (ours): the storage revision the cache holds.
 *
 * The registry may be shared (the federation control plane adds its controllers' metrics).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import type { RequestInfo } from '../request-info.js';
import { LongRunningRequests } from './longrunning-metrics.js';

/** kube-apiserver's apiserver_request_duration_seconds buckets. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
/** kube-apiserver's apiserver_response_sizes buckets: ExponentialBuckets(1000, 10, 8), 1 kB to 10 GB. */
export const RESPONSE_SIZE_BUCKETS = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type RequestLabel = (typeof REQUEST_LABELS)[number];
const SIZE_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
/** max-in-flight's read-only verbs; every other verb is mutating. */
const READ_ONLY_VERBS = new Set(['get', 'list', 'watch', 'head', 'options']);
const APPLY_PATCH = 'application/apply-patch+yaml';

export interface ApiServerMetricsSources {
  /** The storage revision the cache holds. */
  revision(): number;
  /** Stored objects of every resource (group '' for core). */
  objectCounts(): Iterable<{ group: string; resource: string; count: number }>;
}

/** upstream CleanScope: resource (a name, or a create), namespace, cluster; '' for non-resource requests. */
export function requestScope(info: RequestInfo): string {
  if (info.name || info.verb === 'create') return 'resource';
  if (info.namespace) return 'namespace';
  return info.isResourceRequest ? 'cluster' : '';
}

/** The verb kube-apiserver's metrics report for a request. */
export function reportedVerb(method: string, info: RequestInfo | undefined, contentType: string | undefined): string {
  const m = method.toUpperCase();
  if (!info?.isResourceRequest) return m;
  if (info.verb === 'watch') return 'WATCH';
  if (m === 'GET' || m === 'HEAD') return requestScope(info) === 'resource' ? 'GET' : 'LIST';
  if (m === 'PATCH' && contentType?.split(';')[0]?.trim().toLowerCase() === APPLY_PATCH) return 'APPLY';
  return m;
}

/** upstream cleanDryRun: the sorted, distinct dryRun values ("All"), "invalid" for any other. */
export function dryRunLabel(query: URLSearchParams): string {
  const values = [...new Set(query.getAll('dryRun'))].sort();
  if (values.some((v) => v !== 'All')) return 'invalid';
  return values.join(',');
}

/** Requests being served now and the most at once since the window began, per kind. */
class Watermark {
  current = 0;
  private high = 0;
  private lastSecondHigh = 0;
  private windowStart = 0;

  inc(now: number): void {
    this.roll(now);
    if (++this.current > this.high) this.high = this.current;
  }

  dec(now: number): void {
    this.roll(now);
    this.current--;
  }

  /** The most in flight during the last full second (or now, if more). */
  read(now: number): number {
    this.roll(now);
    return Math.max(this.lastSecondHigh, this.current);
  }

  private roll(now: number): void {
    const second = Math.floor(now / 1000);
    if (second === this.windowStart) return;
    this.lastSecondHigh = second === this.windowStart + 1 ? this.high : this.current;
    this.high = this.current;
    this.windowStart = second;
  }
}

export class ApiServerMetrics {
  readonly longRunning: LongRunningRequests;
  private readonly requests: client.Counter<RequestLabel | 'code'>;
  private readonly durations: client.Histogram<RequestLabel>;
  private readonly sizes: client.Histogram<(typeof SIZE_LABELS)[number]>;
  private readonly inflight = { readOnly: new Watermark(), mutating: new Watermark() };

  readonly registry: client.Registry;

  constructor(registry: client.Registry | undefined, sources: ApiServerMetricsSources) {
    this.registry = registry ??= new client.Registry();
    const registers = [registry];
    this.requests = new client.Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
    });
    this.durations = new client.Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: REQUEST_LABELS,
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.sizes = new client.Histogram({
      name: 'apiserver_response_sizes',
      help: 'Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.',
      labelNames: SIZE_LABELS,
      buckets: RESPONSE_SIZE_BUCKETS,
      registers,
    });
    const inflight = this.inflight;
    new client.Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      labelNames: ['request_kind'],
      registers,
      collect() {
        const now = Date.now();
        this.set({ request_kind: 'readOnly' }, inflight.readOnly.read(now));
        this.set({ request_kind: 'mutating' }, inflight.mutating.read(now));
      },
    });
    this.longRunning = new LongRunningRequests(registry);
    new client.Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.objectCounts()) this.set({ resource: c.group ? `${c.resource}.${c.group}` : c.resource }, c.count);
      },
    });
    new client.Gauge({
      name: 'apiserver_resource_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['group', 'resource'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.objectCounts()) this.set({ group: c.group, resource: c.resource }, c.count);
      },
    });
    new client.Gauge({
      name: 'apiserver_storage_revision',
      help: 'Current storage revision.',
      registers,
      collect() {
        this.set(sources.revision());
      },
    });
    processMetrics(registry);
  }

  /**
   * A request was parsed: counts it as in flight (readOnly or mutating) until the returned
   * function is called (watches are long-running and not counted, as upstream), and measures the
   * body of a read's response.
   */
  begin(info: RequestInfo, res: ServerResponse): () => void {
    if (info.isResourceRequest && info.verb === 'watch') return () => undefined;
    if (info.verb === 'get' || info.verb === 'list') measureBody(res);
    const w = READ_ONLY_VERBS.has(info.verb) ? this.inflight.readOnly : this.inflight.mutating;
    w.inc(Date.now());
    let done = false;
    return () => {
      if (done) return;
      done = true;
      w.dec(Date.now());
    };
  }

  /**
   * Records a request that was answered (`info` undefined: it failed before it was parsed, e.g.
   * unauthenticated). A watch whose stream is still open is recorded when it closes.
   */
  record(req: IncomingMessage, res: ServerResponse, info: RequestInfo | undefined, query: URLSearchParams | undefined, startedNs: bigint): void {
    const verb = reportedVerb(req.method ?? '', info, req.headers['content-type']);
    const resource = info?.isResourceRequest ?? false;
    const labels: Record<RequestLabel, string> = {
      verb,
      dry_run: query ? dryRunLabel(query) : '',
      group: resource ? info!.apiGroup : '',
      version: resource ? info!.apiVersion : '',
      resource: resource ? info!.resource : '',
      subresource: resource ? info!.subresource : res.statusCode === 404 || !info ? '' : info.path,
      scope: info ? requestScope(info) : '',
      component: resource ? 'apiserver' : '',
    };
    const done = () => {
      this.requests.inc({ ...labels, code: String(res.statusCode) });
      this.durations.observe(labels, Number(process.hrtime.bigint() - startedNs) / 1e9);
      const size = bodyBytes.get(res);
      if (size !== undefined && (verb === 'GET' || verb === 'LIST')) {
        const { dry_run: _dryRun, ...sizeLabels } = labels;
        this.sizes.observe(sizeLabels, size);
      }
    };
    if (verb === 'WATCH' && res.headersSent && !res.writableEnded && !res.destroyed) res.once('close', done);
    else done();
  }

  /** Answers GET /metrics. */
  async serve(res: ServerResponse): Promise<void> {
    const text = await this.registry.metrics();
    res.writeHead(200, { 'Content-Type': this.registry.contentType });
    res.end(text);
  }
}

/** Bytes of body written to a response being measured. */
const bodyBytes = new WeakMap<ServerResponse, number>();
const chunkBytes = (c: unknown) => (typeof c === 'string' ? Buffer.byteLength(c) : c instanceof Uint8Array ? c.length : 0);

/** Counts what is written to the response's body (apiserver_response_sizes). */
function measureBody(res: ServerResponse): void {
  bodyBytes.set(res, 0);
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    bodyBytes.set(res, (bodyBytes.get(res) ?? 0) + chunkBytes(chunk));
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') bodyBytes.set(res, (bodyBytes.get(res) ?? 0) + chunkBytes(chunk));
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
}

/** The process_* metrics every Kubernetes component exports (those dashboards use). */
export function processMetrics(registry: client.Registry): void {
  if (registry.getSingleMetric('process_cpu_seconds_total')) return;
  const registers = [registry];
  new client.Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new client.Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const start = Math.round(Date.now() / 1000 - process.uptime());
  new client.Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers,
    collect() {
      this.set(start);
    },
  });
}
