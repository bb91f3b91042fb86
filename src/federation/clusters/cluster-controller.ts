/**
 * The cluster controller: the federation's registry of member clusters.
 *
 * It watches KubeFedCluster objects and Secrets in the federation namespace and the cluster-scoped
 * Cluster objects. For every KubeFedCluster it keeps a client of the member (endpoint, CA bundle
 * and the token of the Secret it names; rebuilt when any of them changes), probes the member's
 * /healthz every period, and reports health with KubeFed's semantics:
 * - cannot connect or times out: Offline; answers non-200: NotReady; answers 200: Ready;
 * - the phase moves only after `failureThreshold` consecutive failures or `successThreshold`
 *   consecutive successes, except the first probe of a newly joined cluster, which sets it;
 * - status (conditions Ready/Offline, phase, region and zones from the member's node labels,
 *   kubernetesVersion) is written to the KubeFedCluster and to the Cluster object of the same name
 *   (created, kept in step and deleted with the KubeFedCluster), only when something changed.
 *
 * MemberCluster.labels are the KubeFedCluster's labels overlaid with the Cluster object's (so
 * `kubectl label clusters NAME k=v` wins). onChange fires on join, leave, phase, labels, region,
 * zones and client changes.
 */
import type { Logger } from 'pino';
import type { KObject } from '../../apis/object.js';
import { isAlreadyExists, isNotFound, KubeClient, kubeConfigFor, type Informer, type KubeClientOptions } from '../client/kube-client.js';
import type { MemberCluster, MemberRegistry } from '../context.js';
import { WorkQueue } from '../../util/work-queue.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type Taint } from '../planning/scheduling-types.js';
import type { FederationMetrics } from '../metrics.js';

export type ClusterPhase = MemberCluster['phase'];

export interface ClusterControllerOptions {
  /** Client of the federation API. */
  federation: KubeClient;
  log: Logger;
  /** Namespace of the KubeFedClusters and their Secrets. Default kube-federation-system. */
  namespace?: string;
  /** Time between health probes of a cluster. Default 10 s. */
  probePeriodMs?: number;
  /** Timeout of one probe. Default 3 s. */
  probeTimeoutMs?: number;
  /** Consecutive failed probes before a Ready cluster turns NotReady/Offline. Default 3. */
  failureThreshold?: number;
  /** Consecutive successful probes before a failing cluster turns Ready. Default 1. */
  successThreshold?: number;
  /** How often region/zones are re-read from a Ready member's nodes. Default 30 s. */
  topologyRefreshMs?: number;
  /** Options of the member clients (request cap, timeout). */
  memberClientOptions?: KubeClientOptions;
  /**
   * Whether this replica may write (Cluster objects, status, taints): with several control-plane
   * replicas only the leader writes; every replica keeps probing, so a standby that takes over
   * knows the clusters at once. Default: always.
   */
  writer?: () => boolean;
  /** Probe latency, member writes, the work queue's metrics. */
  metrics?: FederationMetrics;
}

const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** KubeFed's condition reasons and messages. */
export const ClusterConditions = {
  ready: { reason: 'ClusterReady', message: '/healthz responded with ok' },
  notReady: { reason: 'ClusterNotReady', message: '/healthz responded without ok' },
  noReadyNodes: { reason: 'ClusterNotReady', message: 'no node of the cluster is Ready' },
  offline: { reason: 'ClusterNotReachable', message: 'cluster is not reachable' },
  malformed: { reason: 'ClusterConfigMalformed' },
} as const;

export interface ClusterCondition {
  type: 'Ready' | 'Offline';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

export interface ClusterStatus {
  conditions: ClusterCondition[];
  phase: ClusterPhase;
  region?: string;
  zones: string[];
  kubernetesVersion?: string;
}

/** Probe bookkeeping of one cluster (for diagnostics and tests). */
export interface ProbeState {
  /** What the last probe observed. */
  lastResult?: ClusterPhase;
  /** Consecutive probes with the same outcome (success or failure) as the last one. */
  consecutive: number;
  /** Probes done since the cluster was first seen. */
  probes: number;
}

interface Entry {
  name: string;
  kfc: KObject;
  client?: KubeClient;
  clientKey?: string;
  /** Why no client could be built from the KubeFedCluster and its Secret. */
  configError?: string;
  phase?: ClusterPhase;
  probe: ProbeState;
  probing: boolean;
  /** Something asked for a probe while one ran. */
  probeAgain?: boolean;
  refreshing: boolean;
  topologyAt: number;
  region?: string;
  zones: string[];
  kubernetesVersion?: string;
  lastProbeTime?: string;
  transitions: Map<string, { status: string; time: string }>;
  /** When the cluster entered its current phase (ms since epoch). */
  phaseSince?: number;
  /** The member's Nodes (a heartbeat signal: the watch failing, or no node Ready). */
  nodes?: Informer;
  nodesClient?: KubeClient;
  /** The member answers, but none of its nodes is Ready. */
  noReadyNodes: boolean;
  labels: Record<string, string>;
  member?: MemberCluster;
  memberKey?: string;
  /** Status keys last written to the KubeFedCluster and the Cluster object. */
  writtenKfc?: string;
  writtenCluster?: string;
  writes: Promise<void>;
  removed: boolean;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The next phase after a probe observed `observed`: KubeFed's threshold-adjusted status. The
 * counter of consecutive outcomes (success = Ready, failure = NotReady/Offline) is in `probe`.
 */
export function nextPhase(current: ClusterPhase | undefined, probe: ProbeState, observed: ClusterPhase, thresholds: { failure: number; success: number }): ClusterPhase | undefined {
  const success = observed === 'Ready';
  const sameOutcome = probe.lastResult !== undefined && (probe.lastResult === 'Ready') === success;
  probe.consecutive = sameOutcome ? probe.consecutive + 1 : 1;
  probe.lastResult = observed;
  probe.probes++;
  if (current === undefined) return observed;
  if ((current === 'Ready') === success) return success ? current : probe.consecutive >= thresholds.failure ? observed : current;
  return probe.consecutive >= (success ? thresholds.success : thresholds.failure) ? observed : current;
}

export class ClusterController implements MemberRegistry {
  private readonly federation: KubeClient;
  private readonly log: Logger;
  private readonly namespace: string;
  private readonly periodMs: number;
  private readonly timeoutMs: number;
  private readonly thresholds: { failure: number; success: number };
  private readonly topologyRefreshMs: number;
  private readonly memberClientOptions: KubeClientOptions;
  private readonly writer: () => boolean;
  private readonly metrics: FederationMetrics | undefined;

  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(cluster: string) => void>();
  private kfcs?: Informer;
  private secrets?: Informer;
  private clusters?: Informer;
  private timer?: NodeJS.Timeout;
  private synced = false;
  private stopped = false;
  /** Cluster names to reconcile: one run per name at a time, failures retried with backoff. */
  private readonly queue: WorkQueue;

  constructor(opts: ClusterControllerOptions) {
    this.federation = opts.federation;
    this.log = opts.log.child({ component: 'cluster-controller' });
    this.namespace = opts.namespace ?? KUBEFED_NAMESPACE;
    this.periodMs = opts.probePeriodMs ?? 10_000;
    this.timeoutMs = opts.probeTimeoutMs ?? 3_000;
    this.thresholds = { failure: Math.max(1, opts.failureThreshold ?? 3), success: Math.max(1, opts.successThreshold ?? 1) };
    this.topologyRefreshMs = opts.topologyRefreshMs ?? 30_000;
    this.memberClientOptions = opts.memberClientOptions ?? {};
    this.writer = opts.writer ?? (() => true);
    this.metrics = opts.metrics;
    this.queue = new WorkQueue((name) => this.reconcile(name), {
      name: 'cluster',
      metrics: opts.metrics,
      concurrency: 8,
      baseDelayMs: 250,
      maxDelayMs: 30_000,
      onError: (name, err) => this.log.warn({ cluster: name, err: errMsg(err) }, 'syncing cluster failed; retrying'),
    });
  }

  // --- MemberRegistry -----------------------------------------------------------------------------

  list(): MemberCluster[] {
    return [...this.entries.values()].flatMap((e) => (e.member ? [e.member] : []));
  }

  get(name: string): MemberCluster | undefined {
    return this.entries.get(name)?.member;
  }

  onChange(fn: (cluster: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** This replica may write now (it became the leader): bring every cluster's objects up to date. */
  writerChanged(): void {
    for (const e of this.entries.values()) {
      e.writtenKfc = undefined;
      e.writtenCluster = undefined;
      this.enqueue(e.name);
    }
  }

  /** Probe bookkeeping of a cluster, or undefined if it is not known. */
  probeState(name: string): Readonly<ProbeState> | undefined {
    const e = this.entries.get(name);
    return e ? { ...e.probe } : undefined;
  }

  /** The status the controller last computed for a cluster. */
  status(name: string): ClusterStatus | undefined {
    const e = this.entries.get(name);
    return e ? this.statusOf(e) : undefined;
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.stopped = false;
    const ns = this.namespace;
    this.secrets = await this.federation.informer('v1', 'Secret', { namespace: ns });
    this.clusters = await this.federation.informer(CORE_API_VERSION, 'Cluster');
    this.kfcs = await this.federation.informer(CORE_API_VERSION, 'KubeFedCluster', { namespace: ns });
    for (const ev of ['add', 'update', 'delete'] as const) {
      this.kfcs.on(ev, (o) => this.enqueue(o.metadata?.name));
      this.clusters.on(ev, (o) => this.enqueue(o.metadata?.name));
      this.secrets.on(ev, (o) => this.secretChanged(o));
    }
    for (const [what, inf] of [['KubeFedClusters', this.kfcs], ['Clusters', this.clusters], ['Secrets', this.secrets]] as const) {
      inf.on('error', (err) => {
        if (!this.stopped) this.log.warn({ err: errMsg(err) }, `watch of ${what} failed; relisting`);
      });
    }
    await Promise.all([this.secrets.start(), this.clusters.start(), this.kfcs.start()]);
    this.synced = true;
    for (const k of this.kfcs.list(ns)) this.enqueue(k.metadata?.name);
    // Cluster objects of KubeFedClusters that went while the controller was not running.
    for (const c of this.clusters.list()) if (this.ownsCluster(c)) this.enqueue(c.metadata?.name);
    this.timer = setInterval(() => this.probeAll(), this.periodMs);
    this.timer.unref();
    this.log.info({ namespace: ns }, 'cluster controller started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.queue.shutdown();
    await Promise.allSettled([this.kfcs?.stop(), this.clusters?.stop(), this.secrets?.stop()]);
    await this.queue.idle();
    await Promise.allSettled([...this.entries.values()].map((e) => e.writes));
    await Promise.allSettled([...this.entries.values()].map((e) => e.nodes?.stop()));
    for (const e of this.entries.values()) e.client?.close();
    this.entries.clear();
  }

  // --- reconciling ----------------------------------------------------------------------------------

  private secretChanged(secret: KObject): void {
    const name = secret.metadata?.name;
    if (!name || !this.kfcs) return;
    for (const k of this.kfcs.list(this.namespace)) if (k.spec?.secretRef?.name === name) this.enqueue(k.metadata?.name);
  }

  private enqueue(name: string | undefined): void {
    if (name && !this.stopped && this.synced) this.queue.add(name);
  }

  private ownsCluster(c: KObject): boolean {
    return c.spec?.kubeFedCluster?.namespace === this.namespace;
  }

  private async reconcile(name: string): Promise<void> {
    const kfc = this.kfcs!.get(name, this.namespace);
    if (!kfc || kfc.metadata?.deletionTimestamp) {
      this.remove(name);
      const c = this.clusters!.get(name);
      if (c && this.ownsCluster(c) && this.writer()) {
        await this.federation.delete(CORE_API_VERSION, 'Cluster', undefined, name, { preconditions: { uid: c.metadata!.uid! } });
        this.log.info({ cluster: name }, 'deleted Cluster object of a KubeFedCluster that is gone');
      }
      return;
    }
    let e = this.entries.get(name);
    if (!e) {
      e = this.newEntry(name, kfc);
      this.entries.set(name, e);
      this.log.info({ cluster: name, endpoint: kfc.spec?.apiEndpoint }, 'cluster joined');
    }
    e.kfc = kfc;
    const oldClient = this.updateClient(e);
    const cluster = this.clusters!.get(name);
    e.labels = { ...(kfc.metadata?.labels ?? {}), ...(cluster?.metadata?.labels ?? {}) };
    this.publish(e);
    oldClient?.close();
    // A new member, or new credentials: probe now rather than a period later.
    if (e.client && (e.probe.probes === 0 || oldClient)) void this.probe(e);
    if (e.client && e.nodesClient !== e.client) this.watchNodes(e, e.client);
    await this.syncClusterObject(e, cluster);
    this.writeStatus(e);
    this.writeTaints(e);
  }

  /**
   * The member's own heartbeat signals: a watch on its Nodes. The watch failing (the API went
   * away) or the last Ready node going (every node lost power) calls for a probe at once rather
   * than a period later; no Ready node makes an answering cluster NotReady.
   */
  private watchNodes(e: Entry, client: KubeClient): void {
    const old = e.nodes;
    e.nodes = undefined;
    e.nodesClient = client;
    void old?.stop().catch(() => undefined);
    void (async () => {
      try {
        const inf = await client.informer('v1', 'Node');
        const check = () => {
          const nodes = inf.list();
          const none = nodes.length > 0 && !nodes.some((n) => (n.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True'));
          if (none !== e.noReadyNodes) {
            e.noReadyNodes = none;
            this.probeSoon(e);
          }
        };
        for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, check);
        inf.on('error', () => {
          if (!this.stopped && !e.removed) this.probeSoon(e);
        });
        await inf.start();
        if (this.stopped || e.removed || e.nodesClient !== client) {
          await inf.stop();
          return;
        }
        e.nodes = inf;
        check();
      } catch (err) {
        // Probes still tell; the next reconcile of the cluster tries again.
        if (e.nodesClient === client) e.nodesClient = undefined;
        this.log.debug({ cluster: e.name, err: errMsg(err) }, 'cannot watch the member\'s nodes');
      }
    })();
  }

  /** A probe now, or right after the one running. */
  private probeSoon(e: Entry): void {
    if (!e.probing) void this.probe(e);
    else e.probeAgain = true;
  }

  private newEntry(name: string, kfc: KObject): Entry {
    const e: Entry = { name, kfc, probe: { consecutive: 0, probes: 0 }, probing: false, refreshing: false, topologyAt: 0, zones: [], transitions: new Map(), noReadyNodes: false, labels: {}, writes: Promise.resolve(), removed: false };
    // A cluster the controller finds with a status (e.g. after a restart) keeps its phase until
    // the thresholds say otherwise.
    const s = kfc.status as Partial<ClusterStatus> | undefined;
    if (s?.phase === 'Ready' || s?.phase === 'NotReady' || s?.phase === 'Offline') {
      e.phase = s.phase;
      if (s.region) e.region = s.region;
      e.zones = Array.isArray(s.zones) ? [...s.zones] : [];
      if (s.kubernetesVersion) e.kubernetesVersion = s.kubernetesVersion;
      for (const c of s.conditions ?? []) if (c.type && c.status && c.lastTransitionTime) e.transitions.set(c.type, { status: c.status, time: c.lastTransitionTime });
      e.lastProbeTime = s.conditions?.[0]?.lastProbeTime;
      e.probe.lastResult = s.phase;
      const since = Date.parse(e.transitions.get('Ready')?.time ?? '');
      if (!Number.isNaN(since)) e.phaseSince = since;
    }
    return e;
  }

  /** Builds or rebuilds the member client; returns the client it replaced (to close). */
  private updateClient(e: Entry): KubeClient | undefined {
    const spec = e.kfc.spec ?? {};
    let problem: string | undefined;
    let token: string | undefined;
    let caPem: string | undefined;
    const secretName: string | undefined = spec.secretRef?.name;
    if (!spec.apiEndpoint) problem = 'spec.apiEndpoint is empty';
    else if (!secretName) problem = 'spec.secretRef.name is empty';
    else {
      const secret = this.secrets!.get(secretName, this.namespace);
      const data = secret?.data as Record<string, string> | undefined;
      if (!secret) problem = `secret "${secretName}" not found`;
      else if (!data?.token) problem = `secret "${secretName}" has no token`;
      else token = Buffer.from(data.token, 'base64').toString('utf8').trim();
    }
    if (spec.caBundle) caPem = Buffer.from(String(spec.caBundle), 'base64').toString('utf8');
    if (problem) {
      if (e.configError !== problem) this.log.warn({ cluster: e.name, problem }, e.client ? 'cluster config is malformed; keeping the current client' : 'cluster config is malformed');
      e.configError = problem;
      return undefined;
    }
    e.configError = undefined;
    const insecure = Array.isArray(spec.disabledTLSValidations) && spec.disabledTLSValidations.includes('*');
    const key = JSON.stringify([spec.apiEndpoint, caPem ?? '', token, insecure]);
    if (key === e.clientKey && e.client) return undefined;
    const old = e.client;
    const onResponse = this.metrics?.clientObserver(spec.apiEndpoint, e.name);
    e.client = new KubeClient(kubeConfigFor(e.name, { server: spec.apiEndpoint, ...(caPem ? { caPem } : {}), token: token!, ...(insecure ? { insecureSkipTlsVerify: true } : {}) }), { ...this.memberClientOptions, ...(onResponse ? { onResponse } : {}) });
    e.clientKey = key;
    if (old) this.log.info({ cluster: e.name }, 'cluster credentials or endpoint changed; client rebuilt');
    return old;
  }

  private remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.removed = true;
    this.entries.delete(name);
    this.log.info({ cluster: name }, 'cluster left');
    if (e.member) this.emit(name);
    void e.nodes?.stop().catch(() => undefined);
    e.client?.close();
  }

  /** Creates the Cluster object if missing and keeps its spec in step. */
  private async syncClusterObject(e: Entry, cluster: KObject | undefined): Promise<void> {
    if (!this.writer()) return;
    const spec = { apiEndpoint: e.kfc.spec?.apiEndpoint ?? '', kubeFedCluster: { namespace: this.namespace, name: e.name } };
    if (!cluster) {
      try {
        await this.federation.create({ apiVersion: CORE_API_VERSION, kind: 'Cluster', metadata: { name: e.name }, spec });
        this.log.info({ cluster: e.name }, 'created Cluster object');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      e.writtenCluster = undefined;
      return;
    }
    if (cluster.spec?.apiEndpoint !== spec.apiEndpoint || cluster.spec?.kubeFedCluster?.namespace !== spec.kubeFedCluster.namespace || cluster.spec?.kubeFedCluster?.name !== e.name) {
      await this.federation.patch(CORE_API_VERSION, 'Cluster', undefined, e.name, { spec }, 'merge');
    }
    if (JSON.stringify(statusKey(cluster.status)) !== e.writtenCluster) e.writtenCluster = undefined;
  }

  // --- membership snapshot ----------------------------------------------------------------------------

  private publish(e: Entry): void {
    if (e.removed) return;
    if (!e.client || e.phase === undefined) return;
    const taints = (this.clusters?.get(e.name)?.spec?.taints ?? []) as Taint[];
    const member: MemberCluster = {
      name: e.name,
      labels: { ...e.labels },
      ...(e.region ? { region: e.region } : {}),
      zones: [...e.zones],
      phase: e.phase,
      ...(e.phaseSince !== undefined ? { phaseSince: e.phaseSince } : {}),
      taints: taints.map((t) => ({ ...t })),
      client: e.client,
    };
    const key = JSON.stringify([member.labels, member.region, member.zones, member.phase, member.phaseSince, member.taints, e.clientKey]);
    if (key === e.memberKey) return;
    const first = !e.member;
    if (e.member && e.member.phase !== member.phase) this.log.info({ cluster: e.name, from: e.member.phase, to: member.phase }, 'cluster phase changed');
    e.member = member;
    e.memberKey = key;
    if (first) this.log.info({ cluster: e.name, phase: member.phase }, 'cluster is a member');
    this.emit(e.name);
  }

  private emit(name: string): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(name);
      } catch (err) {
        this.log.error({ err, cluster: name }, 'cluster change listener failed');
      }
    }
  }

  // --- probing ------------------------------------------------------------------------------------------

  private probeAll(): void {
    if (this.stopped) return;
    for (const e of this.entries.values()) if (e.client && !e.probing) void this.probe(e);
  }

  private async probe(e: Entry): Promise<void> {
    const client = e.client;
    if (!client || e.probing || this.stopped) return;
    e.probing = true;
    try {
      let observed: ClusterPhase;
      try {
        const t0 = performance.now();
        const r = await client.probe('/healthz', this.timeoutMs);
        this.metrics?.probed(e.name, (performance.now() - t0) / 1000, r.ok);
        observed = r.error !== undefined ? 'Offline' : r.ok ? 'Ready' : 'NotReady';
      } catch {
        observed = 'Offline';
      }
      if (e.removed || this.stopped || e.client !== client) return;
      // The API answers, but nothing can run: every node is down. The member says so itself (its
      // node lifecycle controller has already waited out its grace period), so this is not a
      // probe that may have been unlucky: NotReady at once, without the failure threshold.
      const noNodes = observed === 'Ready' && e.noReadyNodes;
      if (noNodes) observed = 'NotReady';
      const before = e.phase;
      e.phase = nextPhase(before, e.probe, observed, this.thresholds);
      if (noNodes) e.phase = 'NotReady';
      // A cluster's first phase has no "since" (it is not recovering from anything).
      if (e.phase !== before) e.phaseSince = before === undefined ? 0 : Date.now();
      e.lastProbeTime = now();
      this.publish(e);
      if (e.phase !== before) this.writeTaints(e);
      if (e.phase === 'Ready' && (before !== 'Ready' || Date.now() - e.topologyAt >= this.topologyRefreshMs || !e.kubernetesVersion)) {
        // A cluster's first Ready status comes with its region and zones, never without.
        if (!e.kubernetesVersion) await this.refreshInfo(e, client);
        else void this.refreshInfo(e, client);
      }
      this.writeStatus(e);
    } finally {
      e.probing = false;
      if (e.probeAgain && !this.stopped && !e.removed) {
        e.probeAgain = false;
        void this.probe(e);
      }
    }
  }

  /** Reads region and zones from the member's nodes and its version. */
  private async refreshInfo(e: Entry, client: KubeClient): Promise<void> {
    if (e.refreshing) return;
    e.refreshing = true;
    try {
      const [version, nodes] = await Promise.all([client.request<{ gitVersion?: string }>('GET', '/version'), client.list('v1', 'Node')]);
      if (e.removed || e.client !== client) return;
      e.topologyAt = Date.now();
      if (version?.gitVersion) e.kubernetesVersion = version.gitVersion;
      const regions = new Map<string, number>();
      const zones = new Set<string>();
      for (const n of nodes.items as KObject[]) {
        const l = n.metadata?.labels ?? {};
        if (l[REGION_LABEL]) regions.set(l[REGION_LABEL], (regions.get(l[REGION_LABEL]) ?? 0) + 1);
        if (l[ZONE_LABEL]) zones.add(l[ZONE_LABEL]);
      }
      // The region most nodes are in (ties: alphabetical).
      const region = [...regions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
      if (region) e.region = region;
      else delete e.region;
      e.zones = [...zones].sort();
      this.publish(e);
      this.writeStatus(e);
    } catch (err) {
      e.topologyAt = Date.now();
      if (!e.removed) this.log.warn({ cluster: e.name, err: errMsg(err) }, 'reading region, zones and version of the cluster failed');
    } finally {
      e.refreshing = false;
    }
  }

  // --- status ---------------------------------------------------------------------------------------------

  private condition(e: Entry, type: ClusterCondition['type'], status: ClusterCondition['status'], reason: string, message: string, probeTime: string): ClusterCondition {
    const prev = e.transitions.get(type);
    let time = prev?.time ?? probeTime;
    if (!prev || prev.status !== status) {
      time = probeTime;
      e.transitions.set(type, { status, time });
    }
    return { type, status, reason, message, lastProbeTime: probeTime, lastTransitionTime: time };
  }

  private statusOf(e: Entry): ClusterStatus | undefined {
    const t = e.lastProbeTime ?? now();
    let phase = e.phase;
    const conditions: ClusterCondition[] = [];
    if (e.configError && !e.client) {
      phase = 'Offline';
      conditions.push(this.condition(e, 'Ready', 'False', ClusterConditions.notReady.reason, `cannot build a client for the cluster: ${e.configError}`, t));
      conditions.push(this.condition(e, 'Offline', 'True', ClusterConditions.malformed.reason, e.configError, t));
    } else if (phase === 'Ready') {
      conditions.push(this.condition(e, 'Ready', 'True', ClusterConditions.ready.reason, ClusterConditions.ready.message, t));
      e.transitions.delete('Offline');
    } else if (phase === 'NotReady') {
      conditions.push(this.condition(e, 'Ready', 'False', ClusterConditions.notReady.reason, e.noReadyNodes ? ClusterConditions.noReadyNodes.message : ClusterConditions.notReady.message, t));
      e.transitions.delete('Offline');
    } else if (phase === 'Offline') {
      conditions.push(this.condition(e, 'Ready', 'False', ClusterConditions.notReady.reason, ClusterConditions.offline.message, t));
      conditions.push(this.condition(e, 'Offline', 'True', ClusterConditions.offline.reason, ClusterConditions.offline.message, t));
    } else return undefined;
    return { conditions, phase: phase!, ...(e.region ? { region: e.region } : {}), zones: [...e.zones], ...(e.kubernetesVersion ? { kubernetesVersion: e.kubernetesVersion } : {}) };
  }

  /** Queues a status write of the KubeFedCluster and the Cluster object if the status changed. */
  private writeStatus(e: Entry): void {
    e.writes = e.writes.then(() => this.doWriteStatus(e)).catch((err: unknown) => {
      if (!this.stopped && !e.removed) this.log.warn({ cluster: e.name, err: errMsg(err) }, 'writing cluster status failed; retrying after the next probe');
    });
  }

  /** Queues bringing the Cluster object's automatic taints in line with the phase. */
  private writeTaints(e: Entry): void {
    e.writes = e.writes.then(() => this.doWriteTaints(e)).catch((err: unknown) => {
      if (!this.stopped && !e.removed) this.log.warn({ cluster: e.name, err: errMsg(err) }, 'writing cluster taints failed; retrying');
      if (!this.stopped && !e.removed) this.enqueue(e.name);
    });
  }

  private async doWriteTaints(e: Entry): Promise<void> {
    if (e.removed || this.stopped || e.phase === undefined || !this.writer()) return;
    const cluster = this.clusters?.get(e.name);
    if (!cluster) return;
    const current = (cluster.spec?.taints ?? []) as Taint[];
    const desired = withAutomaticTaints(current, e.phase, new Date(e.phaseSince ?? Date.now()));
    if (JSON.stringify(desired) === JSON.stringify(current)) return;
    try {
      await this.federation.replace({ ...cluster, spec: { ...(cluster.spec ?? {}), taints: desired } } as KObject);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err; // a conflict: requeued, read again
    }
  }

  private async doWriteStatus(e: Entry): Promise<void> {
    if (e.removed || this.stopped || !this.writer()) return;
    const status = this.statusOf(e);
    if (!status) return;
    const key = JSON.stringify(statusKey(status));
    const body = { status: { region: null, kubernetesVersion: null, ...status } };
    if (key !== e.writtenKfc) {
      try {
        await this.federation.patch(CORE_API_VERSION, 'KubeFedCluster', this.namespace, e.name, body, 'merge', { subresource: 'status' });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      e.writtenKfc = key;
    }
    if (key !== e.writtenCluster) {
      try {
        await this.federation.patch(CORE_API_VERSION, 'Cluster', undefined, e.name, body, 'merge', { subresource: 'status' });
        e.writtenCluster = key;
      } catch (err) {
        // Not created yet or deleted by someone: the next sync recreates it and writes status.
        if (isNotFound(err)) this.enqueue(e.name);
        else throw err;
      }
    }
  }
}

/** What counts as a status change: everything but probe times. */
function statusKey(s: Partial<ClusterStatus> | undefined): unknown {
  if (!s) return undefined;
  return [s.phase, s.region ?? null, s.zones ?? [], s.kubernetesVersion ?? null, (s.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime])];
}

/** The federation's own taints for a phase: NotReady and Offline clusters are not-ready / unreachable, NoSchedule and NoExecute. */
export function automaticTaints(phase: ClusterPhase, since: Date): Taint[] {
  const key = phase === 'NotReady' ? TAINT_NOT_READY : phase === 'Offline' ? TAINT_UNREACHABLE : undefined;
  if (!key) return [];
  const timeAdded = since.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    { key, effect: 'NoSchedule', timeAdded },
    { key, effect: 'NoExecute', timeAdded },
  ];
}

/** `taints` with the federation's own replaced by those of the phase (users' taints kept, in order). */
export function withAutomaticTaints(taints: readonly Taint[], phase: ClusterPhase, since: Date): Taint[] {
  const own = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);
  const kept = taints.filter((t) => !own.has(t.key));
  const wanted = automaticTaints(phase, since);
  // An automatic taint already there keeps its timeAdded (tolerations count from the first one).
  const out = wanted.map((w) => taints.find((t) => t.key === w.key && t.effect === w.effect) ?? w);
  return [...kept, ...out];
}
