/**
 * The federation controllers' metrics, in the registry the federation API server serves at
 * /metrics (controllers and API server run in one process): the names dashboards already use.
 *
 * - client-go's work queue metrics, one series per queue `name` (the controller): depth, adds,
 *   retries, time waiting, time working, unfinished work, longest-running processor;
 * - client-go's `leader_election_master_status{name}` per lease (1 while this replica leads it,
 *   0 while it stands by): `kubefed-controller-manager` (propagation), `kubefed-traffic-controllers`;
 * - per member cluster: `cluster_ready_state{cluster_name}` (Karmada's name), KubeFed's
 *   `kubefedcluster_total{state,cluster}` and `joined_cluster_total`, and the health probes:
 *   `cluster_health_probe_duration_seconds{cluster_name}` and `cluster_health_probe_total`
 *   (Karmada's), `cluster_health_status_duration_seconds` (KubeFed's, one observation a probe);
 * - member writes: `kubefed_member_writes_total{cluster_name,verb,result}` and KubeFed's
 *   `dispatch_operation_duration_seconds{action}`; every request of the controllers' clients in
 *   client-go's `rest_client_requests_total{code,host,method}`;
 * - propagation latency: `kubefed_propagation_latency_seconds{type}`, from a change of an
 *   object at the federation to its copy written in a member.
 */
import { createHash } from 'node:crypto';
import client from 'prom-client';
import type { KObject } from '../apis/object.js';
import type { WorkInProgress, WorkQueueMetrics, WorkQueueMetricsProvider } from '../util/work-queue.js';
import type { MemberRegistry } from './context.js';

/** client-go's workqueue buckets: 10 ns to 10 s, by tens (prometheus.ExponentialBuckets(10e-9, 10, 10)). */
export const WORKQUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
/** Karmada's cluster_health_probe_duration_seconds buckets. */
export const PROBE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** KubeFed's buckets (cluster_health_status_duration_seconds, dispatch_operation_duration_seconds). */
export const KUBEFED_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0, 22.5, 25.0, 27.5, 30.0, 50.0, 75.0, 100.0, 1000.0];
/** From a change at the federation to the copy in a member: milliseconds in a healthy federation, minutes while a cluster is away. */
export const PROPAGATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** What a request of a controller's client reports (KubeClientOptions.onResponse). */
export interface ClientResponse {
  method: string;
  /** The HTTP status; 0 when no response came (connection refused, reset, timeout). */
  status: number;
  seconds: number;
}

const WRITE_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** success (2xx, or 404 on a delete: already gone), conflict (409: a stale write or AlreadyExists, read and retried), error. */
export function writeResult(method: string, status: number): 'success' | 'conflict' | 'error' {
  if (status >= 200 && status < 300) return 'success';
  if (status === 404 && method === 'DELETE') return 'success';
  return status === 409 ? 'conflict' : 'error';
}

export class FederationMetrics implements WorkQueueMetricsProvider {
  readonly propagation: PropagationLatency;
  private readonly queues = new Map<string, () => WorkInProgress>();
  private readonly depth: client.Gauge<'name'>;
  private readonly adds: client.Counter<'name'>;
  private readonly retries: client.Counter<'name'>;
  private readonly queueDuration: client.Histogram<'name'>;
  private readonly workDuration: client.Histogram<'name'>;
  private readonly leader: client.Gauge<'name'>;
  private readonly probeDuration: client.Histogram<'cluster_name'>;
  private readonly probes: client.Counter<'cluster_name' | 'result'>;
  private readonly healthStatusDuration: client.Histogram;
  private readonly memberWrites: client.Counter<'cluster_name' | 'verb' | 'result'>;
  private readonly dispatchDuration: client.Histogram<'action'>;
  private readonly restRequests: client.Counter<'code' | 'host' | 'method'>;
  private members?: MemberRegistry;

  constructor(readonly registry: client.Registry = new client.Registry()) {
    const registers = [registry];
    const queues = this.queues;
    this.depth = new client.Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers });
    this.adds = new client.Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
    this.retries = new client.Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
    this.queueDuration = new client.Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: WORKQUEUE_BUCKETS, registers });
    this.workDuration = new client.Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: WORKQUEUE_BUCKETS, registers });
    new client.Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work in progress has not been observed by work_duration yet. Large values indicate stuck threads; the rate at which it grows is the number of stuck threads.',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, read] of queues) this.set({ name }, read().totalSeconds);
      },
    });
    new client.Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds the longest running processor for workqueue has been running.',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, read] of queues) this.set({ name }, read().longestSeconds);
      },
    });
    this.leader = new client.Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    });

    const members = () => this.members?.list() ?? [];
    new client.Gauge({
      name: 'cluster_ready_state',
      help: 'State of the member cluster (1 if Ready, 0 otherwise).',
      labelNames: ['cluster_name'],
      registers,
      collect() {
        this.reset();
        for (const m of members()) this.set({ cluster_name: m.name }, m.phase === 'Ready' ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'kubefedcluster_total',
      help: 'Number of total kubefed cluster in a specific state.',
      labelNames: ['state', 'cluster'],
      registers,
      collect() {
        this.reset();
        for (const m of members()) {
          const state = m.phase === 'Ready' ? 'ready' : m.phase === 'NotReady' ? 'notready' : 'offline';
          for (const s of ['ready', 'notready', 'offline']) this.set({ state: s, cluster: m.name }, s === state ? 1 : 0);
        }
      },
    });
    new client.Gauge({
      name: 'joined_cluster_total',
      help: 'Number of total joined clusters.',
      registers,
      collect() {
        this.set(members().length);
      },
    });
    this.probeDuration = new client.Histogram({ name: 'cluster_health_probe_duration_seconds', help: 'Duration in seconds of the health probe to the member cluster.', labelNames: ['cluster_name'], buckets: PROBE_BUCKETS, registers });
    this.probes = new client.Counter({ name: 'cluster_health_probe_total', help: 'Total number of health probes to the member cluster, by result (success, error).', labelNames: ['cluster_name', 'result'], registers });
    this.healthStatusDuration = new client.Histogram({ name: 'cluster_health_status_duration_seconds', help: 'Time taken for the cluster health check (one observation per member probe).', buckets: KUBEFED_BUCKETS, registers });

    this.memberWrites = new client.Counter({
      name: 'kubefed_member_writes_total',
      help: 'Writes to member clusters by cluster, verb (create, update, patch, delete) and result (success, conflict, error).',
      labelNames: ['cluster_name', 'verb', 'result'],
      registers,
    });
    this.dispatchDuration = new client.Histogram({ name: 'dispatch_operation_duration_seconds', help: 'Time taken to run dispatch operation (a write to a member cluster), by action.', labelNames: ['action'], buckets: KUBEFED_BUCKETS, registers });
    this.restRequests = new client.Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests, partitioned by status code, method, and host.', labelNames: ['code', 'host', 'method'], registers });
    const latency = new client.Histogram({
      name: 'kubefed_propagation_latency_seconds',
      help: 'From the creation or change of an object at the federation to its copy being created or updated in a member cluster, per federated type (one observation per cluster and change).',
      labelNames: ['type'],
      buckets: PROPAGATION_BUCKETS,
      registers,
    });
    this.propagation = new PropagationLatency((type, seconds) => latency.observe({ type }, seconds));
  }

  // --- work queues -------------------------------------------------------------------------------

  queueMetrics(name: string, inProgress: () => WorkInProgress): WorkQueueMetrics {
    this.queues.set(name, inProgress);
    const depth = this.depth.labels({ name });
    const adds = this.adds.labels({ name });
    const retries = this.retries.labels({ name });
    const waited = this.queueDuration.labels({ name });
    const worked = this.workDuration.labels({ name });
    depth.set(0);
    return {
      added: () => {
        adds.inc();
        depth.inc();
      },
      started: (s) => {
        depth.dec();
        waited.observe(s);
      },
      finished: (s) => worked.observe(s),
      retried: () => retries.inc(),
      closed: () => {
        if (this.queues.get(name) === inProgress) this.queues.delete(name);
        depth.set(0);
      },
    };
  }

  // --- leader election ----------------------------------------------------------------------------

  /** Whether this process holds the lease `name` (leader election sets it on every change). */
  setLeader(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }

  // --- clusters ------------------------------------------------------------------------------------

  /** The member clusters whose state the cluster gauges report; a cluster's probe series go when it leaves. */
  watchMembers(members: MemberRegistry): () => void {
    this.members = members;
    return members.onChange((name) => {
      if (members.get(name)) return;
      this.probeDuration.remove({ cluster_name: name });
      for (const result of ['success', 'error']) this.probes.remove({ cluster_name: name, result });
    });
  }

  /** One health probe of a member: how long it took and whether /healthz answered ok. */
  probed(cluster: string, seconds: number, ok: boolean): void {
    this.probeDuration.observe({ cluster_name: cluster }, seconds);
    this.healthStatusDuration.observe(seconds);
    this.probes.inc({ cluster_name: cluster, result: ok ? 'success' : 'error' });
  }

  // --- requests ------------------------------------------------------------------------------------

  /** The onResponse hook of a client: every request counted per host, writes also per member cluster. */
  clientObserver(server: string, cluster?: string): (r: ClientResponse) => void {
    let host = server;
    try {
      host = new URL(server).host;
    } catch {
      // not a URL: the label keeps it as given
    }
    return (r) => {
      this.restRequests.inc({ code: r.status ? String(r.status) : '<error>', host, method: r.method });
      const verb = WRITE_VERBS[r.method];
      if (cluster === undefined || verb === undefined) return;
      this.memberWrites.inc({ cluster_name: cluster, verb, result: writeResult(r.method, r.status) });
      this.dispatchDuration.observe({ action: verb }, r.seconds);
    };
  }
}

/** A change of an object at the federation, and the clusters its copy reached since. */
interface Change {
  version: string;
  /** ms since epoch; undefined: the object predates the controller and this version is not timed. */
  at?: number;
  reached: Set<string>;
}

/**
 * Propagation latency: the sync controller's informers report every source object they see
 * (`observed`), and the controller every successful create or update of a member copy
 * (`written`). The time from the change (a new generation, or for kinds without one a change of
 * anything but status) to the first write of each cluster after it is observed, once per cluster
 * and change; writes that only follow a re-plan, or repair a copy changed in the member, are not
 * counted. Objects that existed before the controller started are timed from their next change.
 */
export class PropagationLatency {
  private readonly changes = new Map<string, Change>();
  private readonly since = Date.now();

  constructor(private readonly observe: (type: string, seconds: number) => void) {}

  observed(obj: KObject): void {
    const m = obj.metadata;
    const uid = m?.uid;
    if (!uid) return;
    const version = objectVersion(obj);
    const cur = this.changes.get(uid);
    if (cur?.version === version) return;
    let at: number | undefined = Date.now();
    // First seen: created before this controller started (its copies may well be in place).
    if (!cur && !(Date.parse(m.creationTimestamp ?? '') >= this.since - 1000)) at = undefined;
    this.changes.set(uid, { version, ...(at !== undefined ? { at } : {}), reached: new Set() });
  }

  forget(obj: KObject): void {
    const uid = obj.metadata?.uid;
    if (uid) this.changes.delete(uid);
  }

  /** A copy of `source` was created or updated in `cluster`. */
  written(type: string, source: KObject, cluster: string): void {
    const c = source.metadata?.uid ? this.changes.get(source.metadata.uid) : undefined;
    if (!c || c.at === undefined || c.reached.has(cluster)) return;
    c.reached.add(cluster);
    this.observe(type, Math.max(0, Date.now() - c.at) / 1000);
  }
}

/** What identifies a version of an object's desired state: its generation, or a hash of all but status and server fields. */
function objectVersion(o: KObject): string {
  const m = o.metadata ?? {};
  if (typeof m.generation === 'number') return `g${m.generation}`;
  const { status: _status, metadata: _metadata, ...rest } = o as KObject & { status?: unknown };
  return `h${createHash('sha1').update(JSON.stringify([rest, m.labels ?? {}, m.annotations ?? {}, m.deletionTimestamp ?? ''])).digest('base64')}`;
}
