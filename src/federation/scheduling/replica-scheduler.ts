/**
 * The replica scheduler: divides a workload's replicas (Deployment, ReplicaSet, StatefulSet)
 * over the clusters its placement selected, following health, taints, the readiness of its
 * replicas, capacity and the user's policy, with `planWorkload` (src/federation/planning).
 *
 * What it gathers for each plan:
 * - the total: the template's spec.replicas, or a ReplicaSchedulingPreference's totalReplicas;
 * - preferences and policy (tolerations, spread, affinity groups, dynamic weights): a Federation
 *   v1 annotation on a plain workload, else a ReplicaSchedulingPreference of the same name whose
 *   targetKind names the workload's kind, else an even split that follows the clusters; a
 *   Federated<Kind>'s spec.placement adds its tolerations, spread and affinity groups;
 * - per selected cluster: its phase and since when, its taints, the workload's copy there (spec
 *   replicas, ready replicas, and since when some were not ready), its pods stuck Unschedulable
 *   past the threshold, and, for dynamic weights, its room for more replicas.
 *
 * What it returns: the replicas to write per cluster (make-before-break: surplus is trimmed only
 * as replacements are Ready; an unreachable cluster is never written), each cluster's target and
 * reason (for status and events), and when to look again (tolerations expiring, clusters
 * settling, replicas passing the not-ready threshold). Re-plans are pushed (onReplan) when a
 * cluster changes, when pods pass the unschedulable threshold (polled per cluster), and when a
 * ReplicaSchedulingPreference changes; the division is written to the preference's status.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { labelSelectorMatches, labelSelectorString, type LabelSelector } from '../../apis/meta/labels.js';
import type { KubeClient, Informer } from '../client/kube-client.js';
import type { Intent, MemberCluster, MemberRegistry, ReplicaScheduler, SchedulingResult } from '../context.js';
import { SCHEDULING_GROUP } from '../crds/federation-crds.js';
import { EventRecorder } from '../events.js';
import { DEFAULT_PREFERENCES, rspWorkloadPreferences, v1WorkloadPreferences } from '../placement/preferences.js';
import { placementPolicy } from '../placement/scheduling-policy.js';
import { availableReplicas, specRequests } from '../planning/available-replicas.js';
import type { ReplicaPreferences } from '../planning/planner.js';
import type { ClusterCandidate, PlacementReason, SchedulingPolicy, SchedulingSettings, WorkloadPlan } from '../planning/scheduling-types.js';
import { planWorkload } from '../planning/workload-plan.js';
import { REPLICA_KINDS } from '../types.js';

export const RSP_API_VERSION = `${SCHEDULING_GROUP}/v1alpha1`;
export const RSP_KIND = 'ReplicaSchedulingPreference';

/** A workload to re-sync: its namespace, name and the kind of its source object (Federated<Kind> or the plain Kind). */
export interface WorkloadKey {
  namespace: string;
  name: string;
  kind: string;
}

export interface PlannerSchedulerOptions {
  federation: KubeClient;
  members: MemberRegistry;
  log: Logger;
  /** A pod Pending as Unschedulable this long counts against its cluster's capacity. Default 30 s. */
  unschedulableAfterMs?: number;
  /** Failover timings (tolerations, settling, not-ready threshold, freeze); defaults are WAN-safe. */
  settings?: Partial<SchedulingSettings>;
  /** How often clusters running planned replicas are checked for stuck pods. Default 5 s. */
  pollIntervalMs?: number;
  /** How long member reads (workload copies, pod lists) are reused. Default 2 s. */
  cacheTtlMs?: number;
  fieldManager?: string;
}

// --- pure parts ------------------------------------------------------------------------------------

export type PreferenceSource = 'annotation' | 'rsp' | 'default';

/** Defaults for a federation over WAN links; the playground passes faster ones. */
export const DEFAULT_SCHEDULING_SETTINGS: SchedulingSettings = { defaultTolerationSeconds: 30, settleMs: 30_000, notReadyAfterMs: 60_000, freezeFraction: 0.5 };

export interface SelectedPreferences {
  preferences: ReplicaPreferences;
  policy: SchedulingPolicy;
  totalReplicas: number;
  source: PreferenceSource;
  /** The ReplicaSchedulingPreference used, when source is "rsp". */
  rsp?: KObject;
  /** A preference that was present but invalid (and skipped). */
  error?: string;
}

type IntentShape = Pick<Intent, 'type' | 'source' | 'sourceStyle' | 'template'>;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The total to divide from the template: spec.replicas, default 1. */
export function templateReplicas(template: KObject): number {
  const r = template.spec?.replicas;
  return isCount(r) ? r : 1;
}

/**
 * Which preferences apply: for a Federated<Kind>, a ReplicaSchedulingPreference targeting
 * Federated<Kind>, else even; for a plain workload, its v1 annotation, else an RSP targeting
 * the plain Kind, else even. `rsp` is the RSP of the same namespace/name, if any.
 */
export function selectPreferences(intent: IntentShape, rsp: KObject | undefined, clusterNames: string[]): SelectedPreferences {
  const total = templateReplicas(intent.template);
  let error: string | undefined;
  // A Federated<Kind>'s placement carries tolerations, spread and affinity groups of its own.
  let placement: SchedulingPolicy = {};
  if (intent.sourceStyle === 'federated') {
    try {
      placement = placementPolicy(intent.source.spec?.placement);
    } catch (e) {
      error = `spec.placement ${(e as Error).message}`;
    }
  }
  if (intent.sourceStyle === 'plain') {
    try {
      const wp = v1WorkloadPreferences(intent.source, clusterNames);
      if (wp) return { preferences: wp.preferences, policy: wp.policy, totalReplicas: total, source: 'annotation' };
    } catch (e) {
      error = `preferences annotation ${(e as Error).message}`;
    }
  }
  const wantKind = intent.sourceStyle === 'federated' ? intent.type.federated.kind : intent.type.target.kind;
  if (rsp && !rsp.metadata?.deletionTimestamp && rsp.spec?.targetKind === wantKind) {
    try {
      const wp = rspWorkloadPreferences(rsp);
      const t = rsp.spec?.totalReplicas;
      return { preferences: wp.preferences, policy: { ...placement, ...wp.policy }, totalReplicas: isCount(t) ? t : total, source: 'rsp', rsp, ...(error ? { error } : {}) };
    } catch (e) {
      error = `ReplicaSchedulingPreference ${(e as Error).message}`;
    }
  }
  return { preferences: DEFAULT_PREFERENCES, policy: placement, totalReplicas: total, source: 'default', ...(error ? { error } : {}) };
}

/** When a pod became Unschedulable (ms since epoch), if it is Pending and unscheduled for that reason now. */
export function unschedulableSince(pod: KObject): number | undefined {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Pending' || pod.spec?.nodeName) return undefined;
  const c = (pod.status?.conditions ?? []).find((x: any) => x?.type === 'PodScheduled');
  if (!c || c.status !== 'False' || c.reason !== 'Unschedulable') return undefined;
  const t = Date.parse(c.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

export interface CapacityEstimate {
  /** Pods unschedulable for longer than the threshold. */
  stuck: number;
  /** current − stuck (not below 0) when anything is stuck; else no limit. */
  capacity?: number;
  /** When the next pod that is unschedulable but not yet stuck passes the threshold. */
  nextDueMs?: number;
}

/** KubeFed's estimate: a cluster can run its replicas minus the pods stuck unschedulable. */
export function estimateCapacity(current: number, pods: readonly KObject[], nowMs: number, afterMs: number): CapacityEstimate {
  let stuck = 0;
  let nextDueMs: number | undefined;
  for (const p of pods) {
    const since = unschedulableSince(p);
    if (since === undefined) continue;
    const due = since + afterMs;
    if (due < nowMs) stuck++;
    else nextDueMs = Math.min(nextDueMs ?? Infinity, due);
  }
  return { stuck, ...(stuck > 0 ? { capacity: Math.max(0, current - stuck) } : {}), ...(nextDueMs !== undefined ? { nextDueMs } : {}) };
}

/** The selector of a workload's pods: spec.selector, else its pod template's labels. */
export function podSelector(template: KObject): LabelSelector | undefined {
  const s = template.spec?.selector;
  if (s && typeof s === 'object' && (s.matchLabels || s.matchExpressions)) return s as LabelSelector;
  const labels = template.spec?.template?.metadata?.labels;
  return labels && Object.keys(labels).length ? { matchLabels: { ...labels } } : undefined;
}

export const workloadId = (k: WorkloadKey): string => `${k.kind}/${k.namespace}/${k.name}`;

// --- the scheduler ---------------------------------------------------------------------------------

interface Tracked {
  key: WorkloadKey;
  apiVersion: string;
  kind: string;
  selector?: LabelSelector;
  /** Clusters the placement selected (ready or not). */
  clusters: string[];
  /** What the last plan gave each cluster, and why. */
  targets: Record<string, { target: number; reason: PlacementReason }>;
  /** Stuck pods per cluster that the last plan counted. */
  stuck: Record<string, number>;
  borrowed: Record<string, number>;
  /** Since when (ms) some of the workload's replicas in a cluster have been continuously not ready. */
  notReadySince: Record<string, number>;
  frozen: boolean;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class PlannerScheduler implements ReplicaScheduler {
  private readonly federation: KubeClient;
  private readonly members: MemberRegistry;
  private readonly log: Logger;
  private readonly afterMs: number;
  private readonly pollMs: number;
  private readonly ttlMs: number;
  private readonly fieldManager: string;
  private readonly listeners = new Set<(key: WorkloadKey) => void>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly objects = new Map<string, Cached<KObject | undefined>>();
  private readonly pods = new Map<string, Cached<KObject[]>>();
  private readonly nodes = new Map<string, Cached<KObject[]>>();
  private readonly settings: SchedulingSettings;
  private readonly events: EventRecorder;
  private readonly phases = new Map<string, string>();
  /** Last seen spec of each RSP ("ns/name"), to react to spec changes only. */
  private readonly rspSeen = new Map<string, { spec: string; targetKind?: string }>();
  private rspInformer: Informer | undefined;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(opts: PlannerSchedulerOptions) {
    this.federation = opts.federation;
    this.members = opts.members;
    this.log = opts.log;
    this.afterMs = opts.unschedulableAfterMs ?? 30_000;
    this.settings = { ...DEFAULT_SCHEDULING_SETTINGS, ...(opts.settings ?? {}) };
    this.pollMs = opts.pollIntervalMs ?? Math.min(5_000, Math.max(100, this.afterMs));
    this.ttlMs = opts.cacheTtlMs ?? 2_000;
    this.fieldManager = opts.fieldManager ?? 'kubefed-controller-manager';
    this.events = new EventRecorder(opts.federation, 'kubefed-scheduler', opts.log);
  }

  /** Registers a callback for workloads whose division should be recomputed; returns its removal. */
  onReplan(fn: (key: WorkloadKey) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async start(): Promise<void> {
    this.stopped = false;
    for (const m of this.members.list()) this.phases.set(m.name, m.phase);
    this.unsubscribe = this.members.onChange((c) => this.clusterChanged(c));
    try {
      const inf = await this.federation.informer(RSP_API_VERSION, RSP_KIND);
      inf.on('add', (o) => this.rspChanged(o, false));
      inf.on('update', (o) => this.rspChanged(o, false));
      inf.on('delete', (o) => this.rspChanged(o, true));
      inf.on('error', (e) => this.log.debug({ err: e }, 'ReplicaSchedulingPreference watch failed; retrying'));
      await inf.start();
      this.rspInformer = inf;
    } catch (e) {
      this.log.warn({ err: e }, 'cannot watch ReplicaSchedulingPreferences; reading them on demand');
    }
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const inf = this.rspInformer;
    this.rspInformer = undefined;
    await inf?.stop().catch(() => undefined);
  }

  /** Stops tracking a workload (it was deleted). */
  forget(key: WorkloadKey): void {
    this.tracked.delete(workloadId(key));
  }

  async schedule(intent: Intent, clusters: MemberCluster[], copyOf: (cluster: string) => KObject | undefined): Promise<SchedulingResult | undefined> {
    const t = intent.type.target;
    if (!REPLICA_KINDS.has(`${t.group}/${t.kind}`)) return undefined;
    const key: WorkloadKey = { namespace: intent.namespace, name: intent.name, kind: intent.source.kind ?? (intent.sourceStyle === 'federated' ? intent.type.federated.kind : t.kind) };
    const id = workloadId(key);
    const rsp = await this.lookupRsp(intent.namespace, intent.name);
    const sel = selectPreferences(intent, rsp, clusters.map((m) => m.name));
    if (sel.error) this.log.warn({ workload: id }, `${sel.error}; using ${sel.source === 'default' ? 'an even split' : sel.source}`);
    // A Federated<Kind> is divided only under a ReplicaSchedulingPreference (as in KubeFed):
    // otherwise every selected cluster runs the template's replicas, overrides applied.
    if (intent.sourceStyle === 'federated' && sel.source !== 'rsp') {
      this.tracked.delete(id);
      return undefined;
    }
    const prev = this.tracked.get(id);
    const tracked: Tracked = {
      key,
      apiVersion: t.apiVersion,
      kind: t.kind,
      selector: podSelector(intent.template),
      clusters: [...intent.clusters],
      targets: prev?.targets ?? {},
      stuck: {},
      borrowed: prev?.borrowed ?? {},
      notReadySince: { ...(prev?.notReadySince ?? {}) },
      frozen: prev?.frozen ?? false,
    };
    const now = Date.now();
    const byName = new Map(clusters.map((m) => [m.name, m]));
    const selected = intent.clusters.map((c) => byName.get(c)).filter((m): m is MemberCluster => !!m);
    const candidates = await Promise.all(selected.map((m) => this.candidate(m, intent, tracked, sel.policy, copyOf(m.name), now)));
    const unhealthy = clusters.filter((m) => m.phase !== 'Ready').length;
    const planned = planWorkload({
      key: `${intent.namespace}/${intent.name}`,
      totalReplicas: sel.totalReplicas,
      preferences: sel.preferences,
      policy: sel.policy,
      clusters: candidates,
      unhealthyFraction: clusters.length ? unhealthy / clusters.length : 0,
      borrowed: tracked.borrowed,
      settings: this.settings,
      now,
    });
    tracked.borrowed = planned.borrowed;
    this.announce(intent, tracked, planned);
    if (!intent.deleting) this.tracked.set(id, tracked);
    else this.tracked.delete(id);
    const targets: Record<string, number> = {};
    for (const [c, d] of Object.entries(planned.clusters)) targets[c] = d.target;
    if (sel.source === 'rsp' && sel.rsp) await this.writeRspStatus(sel.rsp, targets, planned.unplaced);
    const replicas: SchedulingResult['replicas'] = {};
    for (const c of intent.clusters) {
      const d = planned.clusters[c];
      replicas[c] = d?.write ?? (d ? 'keep' : 0);
    }
    return {
      replicas,
      decisions: Object.fromEntries(Object.entries(planned.clusters).map(([c, d]) => [c, { target: d.target, reason: d.reason, ...(d.message ? { message: d.message } : {}) }])),
      ...(planned.frozen ? { frozen: true } : {}),
      ...(planned.recheckAfterMs !== undefined ? { recheckAfterMs: planned.recheckAfterMs } : {}),
    };
  }

  /** What is known of one selected cluster for the plan. */
  private async candidate(m: MemberCluster, intent: Intent, w: Tracked, policy: SchedulingPolicy, copy: KObject | undefined, now: number): Promise<ClusterCandidate> {
    const previous = w.targets[m.name]?.target;
    const c: ClusterCandidate = { name: m.name, ...(m.region ? { region: m.region } : {}), zones: m.zones, labels: m.labels, phase: m.phase, phaseSince: m.phaseSince ?? 0, taints: m.taints ?? [], ...(previous !== undefined ? { previousTarget: previous } : {}) };
    w.stuck[m.name] = 0;
    // Unreachable: what was last seen of its copy.
    const obj = copy ?? (m.phase === 'Ready' ? await this.readCopy(m, intent.namespace, intent.name, w) : undefined);
    if (!obj || obj.metadata?.deletionTimestamp) {
      delete w.notReadySince[m.name];
      return c;
    }
    const current = isCount(obj.spec?.replicas) ? obj.spec.replicas : 1;
    const ready = isCount(obj.status?.readyReplicas) ? obj.status.readyReplicas : 0;
    c.current = current;
    c.ready = ready;
    if (ready < current && m.phase === 'Ready') c.notReadySince = w.notReadySince[m.name] ??= now;
    else if (m.phase === 'Ready') delete w.notReadySince[m.name];
    else if (w.notReadySince[m.name] !== undefined) c.notReadySince = w.notReadySince[m.name]!;
    if (m.phase === 'Ready' && current > ready) {
      const stuck = await this.stuckPods(m, intent.namespace, w, now);
      if (stuck > 0) c.stuck = stuck;
    }
    if (policy.dynamicWeight === 'AvailableReplicas' && m.phase === 'Ready') {
      const room = await this.room(m, intent.template);
      if (room !== undefined) c.availableReplicas = room;
    }
    return c;
  }

  /** Events on the workload when a cluster's share changes, saying why; and when evictions freeze or thaw. */
  private announce(intent: Intent, w: Tracked, planned: WorkloadPlan): void {
    const changes: string[] = [];
    let warning = false;
    for (const [c, d] of Object.entries(planned.clusters).sort((a, b) => a[0].localeCompare(b[0]))) {
      const before = w.targets[c];
      if (before && before.target === d.target && before.reason === d.reason) continue;
      if (before || d.target > 0) changes.push(`${c}: ${before?.target ?? 0} -> ${d.target} (${d.reason}${d.message ? `: ${d.message}` : ''})`);
      if (d.reason !== 'Planned' && d.reason !== 'AwaitingReplacements' && d.reason !== 'NotSelected') warning = true;
    }
    w.targets = Object.fromEntries(Object.entries(planned.clusters).map(([c, d]) => [c, { target: d.target, reason: d.reason }]));
    if (changes.length && Object.keys(w.targets).length) this.events.record(intent.source, warning ? 'Warning' : 'Normal', 'Replanned', changes.join('; '));
    if (planned.frozen !== w.frozen) {
      w.frozen = planned.frozen;
      this.events.record(intent.source, planned.frozen ? 'Warning' : 'Normal', planned.frozen ? 'EvictionsFrozen' : 'EvictionsResumed', planned.frozen ? 'half or more of the clusters are unhealthy at once: no replica is moved away from an unhealthy cluster until they recover' : 'enough clusters are healthy again: replicas follow cluster health again');
    }
    if (planned.nothingFits) this.events.record(intent.source, 'Warning', 'NothingFits', 'no selected cluster can take replicas; every cluster keeps what it runs');
  }

  // --- inputs -----------------------------------------------------------------------------------

  private async lookupRsp(namespace: string, name: string): Promise<KObject | undefined> {
    if (this.rspInformer?.synced) return this.rspInformer.get(name, namespace);
    try {
      return await this.federation.get(RSP_API_VERSION, RSP_KIND, namespace, name);
    } catch (e) {
      this.log.debug({ err: e }, 'cannot read ReplicaSchedulingPreference');
      return undefined;
    }
  }

  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    map.set(key, { at: now, value });
    value.catch(() => map.get(key)?.value === value && map.delete(key));
    if (map.size > 10_000) for (const [k, v] of map) if (now - v.at >= this.ttlMs) map.delete(k);
    return value;
  }

  private invalidate(cluster: string, namespace?: string): void {
    for (const map of [this.objects, this.pods, this.nodes] as Map<string, unknown>[]) {
      for (const k of map.keys()) if (k.startsWith(`${cluster}|`) && (namespace === undefined || k.includes(`|${namespace}|`))) map.delete(k);
    }
  }

  /** The workload's copy in a member read directly (when the sync controller's cache has none yet). */
  private async readCopy(m: MemberCluster, namespace: string, name: string, w: Tracked): Promise<KObject | undefined> {
    try {
      return await this.cached(this.objects, `${m.name}|${w.apiVersion}|${w.kind}|${namespace}|${name}`, () => m.client.get(w.apiVersion, w.kind, namespace, name));
    } catch (e) {
      this.log.debug({ err: e, cluster: m.name }, 'cannot read the member copy; planning without it');
      return undefined;
    }
  }

  /** The workload's pods stuck Unschedulable past the threshold in a member. */
  private async stuckPods(m: MemberCluster, namespace: string, w: Tracked, now: number): Promise<number> {
    const selector = w.selector && labelSelectorString(w.selector);
    if (!selector) return 0;
    try {
      const pods = await this.cached(this.pods, `${m.name}|${namespace}|${selector}`, async () => (await m.client.list('v1', 'Pod', { namespace, labelSelector: selector })).items as KObject[]);
      const { stuck } = estimateCapacity(0, pods, now, this.afterMs);
      w.stuck[m.name] = stuck;
      return stuck;
    } catch (e) {
      this.log.debug({ err: e, cluster: m.name }, 'cannot list the workload\'s pods');
      return 0;
    }
  }

  /** How many more replicas of the template fit in a member (dynamic weights). */
  private async room(m: MemberCluster, template: KObject): Promise<number | undefined> {
    try {
      const [nodes, pods] = await Promise.all([
        this.cached(this.nodes, m.name, async () => (await m.client.list('v1', 'Node')).items as KObject[]),
        this.cached(this.pods, `${m.name}|*|bound`, async () => (await m.client.list('v1', 'Pod', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })).items as KObject[]),
      ]);
      return availableReplicas(nodes, pods, specRequests(template.spec?.template?.spec ?? {}), template.spec?.template?.spec?.tolerations ?? []);
    } catch (e) {
      this.log.debug({ err: e, cluster: m.name }, "cannot estimate the room in the member");
      return undefined;
    }
  }

  private async writeRspStatus(rsp: KObject, planned: Record<string, number>, unplaced: number): Promise<void> {
    const clusters: Record<string, { replicas: number }> = {};
    for (const c of Object.keys(planned).sort()) clusters[c] = { replicas: planned[c]! };
    const status = { ...(rsp.status ?? {}), clusters, unplaced };
    if (deepEqual(rsp.status?.clusters, clusters) && rsp.status?.unplaced === unplaced) return;
    try {
      await this.federation.patch(RSP_API_VERSION, RSP_KIND, rsp.metadata!.namespace, rsp.metadata!.name!, [{ op: 'add', path: '/status', value: status }], 'json', { fieldManager: this.fieldManager, subresource: 'status' });
    } catch (e) {
      this.log.warn({ err: e, rsp: `${rsp.metadata?.namespace}/${rsp.metadata?.name}` }, 'cannot write ReplicaSchedulingPreference status');
    }
  }

  // --- triggers ---------------------------------------------------------------------------------

  private emit(keys: Iterable<WorkloadKey>): void {
    const seen = new Set<string>();
    for (const k of keys) {
      const id = workloadId(k);
      if (seen.has(id)) continue;
      seen.add(id);
      for (const fn of this.listeners) {
        try {
          fn({ ...k });
        } catch (e) {
          this.log.error({ err: e }, 'replan listener failed');
        }
      }
    }
  }

  private clusterChanged(cluster: string): void {
    if (this.stopped) return;
    const phase = this.members.get(cluster)?.phase ?? 'Gone';
    if (this.phases.get(cluster) === phase) return;
    this.phases.set(cluster, phase);
    this.invalidate(cluster);
    const keys: WorkloadKey[] = [];
    for (const w of this.tracked.values()) {
      if (!w.clusters.includes(cluster)) continue;
      keys.push(w.key);
    }
    this.emit(keys);
  }

  private rspChanged(rsp: KObject, deleted: boolean): void {
    if (this.stopped) return;
    const namespace = rsp.metadata?.namespace ?? '';
    const name = rsp.metadata?.name ?? '';
    const id = `${namespace}/${name}`;
    const prev = this.rspSeen.get(id);
    const targetKind: string | undefined = rsp.spec?.targetKind;
    if (deleted) this.rspSeen.delete(id);
    else {
      const spec = JSON.stringify(rsp.spec ?? {}) + (rsp.metadata?.deletionTimestamp ? '/deleting' : '');
      if (prev?.spec === spec) return;
      this.rspSeen.set(id, { spec, ...(targetKind ? { targetKind } : {}) });
    }
    const keys: WorkloadKey[] = [];
    for (const k of new Set([targetKind, prev?.targetKind])) if (k) keys.push({ namespace, name, kind: k });
    for (const w of this.tracked.values()) if (w.key.namespace === namespace && w.key.name === name) keys.push(w.key);
    this.emit(keys);
  }

  /** Checks clusters running planned replicas for pods newly stuck Unschedulable. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const now = Date.now();
      const replan = new Map<string, WorkloadKey>();
      const byCluster = new Map<string, Tracked[]>();
      for (const w of this.tracked.values()) {
        for (const [c, { target: n }] of Object.entries(w.targets)) {
          if (n <= 0 || !w.selector) continue;
          const list = byCluster.get(c) ?? [];
          list.push(w);
          byCluster.set(c, list);
        }
      }
      await Promise.all(
        [...byCluster].map(async ([cluster, ws]) => {
          const member = this.members.get(cluster);
          if (!member || member.phase !== 'Ready') return;
          let pending: KObject[];
          try {
            pending = (await member.client.list('v1', 'Pod', { fieldSelector: 'status.phase=Pending' })).items as KObject[];
          } catch (e) {
            this.log.debug({ err: e, cluster }, 'cannot list pending pods');
            return;
          }
          for (const w of ws) {
            const mine = pending.filter((p) => p.metadata?.namespace === w.key.namespace && labelSelectorMatches(w.selector, p.metadata?.labels));
            const { stuck } = estimateCapacity(0, mine, now, this.afterMs);
            if (stuck > (w.stuck[cluster] ?? 0)) {
              this.invalidate(cluster, w.key.namespace);
              replan.set(workloadId(w.key), w.key);
            }
          }
        }),
      );
      if (!this.stopped) this.emit(replan.values());
    } finally {
      this.polling = false;
    }
  }
}
