/**
 * The replica scheduler: divides a workload's replicas (Deployment, ReplicaSet, StatefulSet)
 * between the Ready clusters its placement selected, with the KubeFed planner.
 *
 * Inputs, as KubeFed gathered them:
 * - the total: the template's spec.replicas, or a ReplicaSchedulingPreference's totalReplicas;
 * - preferences: a Federation v1 annotation on a plain workload, else a
 *   ReplicaSchedulingPreference of the same name whose targetKind names the workload's kind,
 *   else an even split;
 * - per cluster, the replicas it runs now (spec.replicas of its copy) and an estimated capacity:
 *   its replicas minus its pods of the workload that have been Pending as Unschedulable for
 *   longer than `unschedulableAfterMs`.
 *
 * Beyond KubeFed:
 * - replicas a cluster took over because another was not Ready or short of capacity are
 *   remembered as borrowed: they do not count as "running in place" once the owner is back,
 *   so they return to it (KubeFed kept them where they were);
 * - a capacity estimate is remembered for `capacityMemoryMs`, so replicas moved away from a
 *   full cluster do not flow straight back when its pending pods disappear;
 * - replans are pushed (onReplan) when a cluster changes phase, when pods pass the
 *   unschedulable threshold (polled per cluster), and when a ReplicaSchedulingPreference
 *   changes; the planned division is written to the preference's status.clusters.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { labelSelectorMatches, labelSelectorString, type LabelSelector } from '../../apis/meta/labels.js';
import type { KubeClient, Informer } from '../client/kube-client.js';
import type { Intent, MemberRegistry, ReplicaScheduler } from '../context.js';
import { SCHEDULING_GROUP } from '../crds/federation-crds.js';
import { DEFAULT_PREFERENCES, rspPreferences, v1Preferences } from '../placement/preferences.js';
import { plan, type PlanInput, type ReplicaPreferences } from '../planning/planner.js';
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
  /** A pod Pending as Unschedulable this long counts against its cluster's capacity. Default 60 s. */
  unschedulableAfterMs?: number;
  /** How often clusters running planned replicas are checked for stuck pods. Default 5 s. */
  pollIntervalMs?: number;
  /** How long member reads (workload copies, pod lists) are reused. Default 2 s. */
  cacheTtlMs?: number;
  /** How long a capacity estimate holds after its pods are gone. Default 5 min. */
  capacityMemoryMs?: number;
  fieldManager?: string;
}

// --- pure parts ------------------------------------------------------------------------------------

export type PreferenceSource = 'annotation' | 'rsp' | 'default';

export interface SelectedPreferences {
  preferences: ReplicaPreferences;
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
  if (intent.sourceStyle === 'plain') {
    try {
      const prefs = v1Preferences(intent.source, clusterNames);
      if (prefs !== DEFAULT_PREFERENCES) return { preferences: prefs, totalReplicas: total, source: 'annotation' };
    } catch (e) {
      error = `preferences annotation ${(e as Error).message}`;
    }
  }
  const wantKind = intent.sourceStyle === 'federated' ? intent.type.federated.kind : intent.type.target.kind;
  if (rsp && !rsp.metadata?.deletionTimestamp && rsp.spec?.targetKind === wantKind) {
    try {
      const preferences = rspPreferences(rsp);
      const t = rsp.spec?.totalReplicas;
      return { preferences, totalReplicas: isCount(t) ? t : total, source: 'rsp', rsp, ...(error ? { error } : {}) };
    } catch (e) {
      error = `ReplicaSchedulingPreference ${(e as Error).message}`;
    }
  }
  return { preferences: DEFAULT_PREFERENCES, totalReplicas: total, source: 'default', ...(error ? { error } : {}) };
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

export interface ClusterState {
  /** spec.replicas of the cluster's copy (absent: no copy). */
  current?: number;
  /** Estimated capacity (absent: unlimited). */
  capacity?: number;
}

/**
 * The planner's input: only the considered clusters; current replicas (minus what a cluster
 * holds on another's behalf) only when not rebalancing; capacities where estimated.
 */
export function plannerInput(a: { key: string; totalReplicas: number; preferences: ReplicaPreferences; clusters: string[]; states: Record<string, ClusterState>; borrowed?: Record<string, number> }): PlanInput {
  const current: Record<string, number> = {};
  const capacity: Record<string, number> = {};
  for (const c of a.clusters) {
    const s = a.states[c] ?? {};
    if (s.current !== undefined && !a.preferences.rebalance) current[c] = Math.max(0, s.current - (a.borrowed?.[c] ?? 0));
    if (s.capacity !== undefined) capacity[c] = s.capacity;
  }
  return { totalReplicas: a.totalReplicas, clusters: [...a.clusters], preferences: a.preferences, current, capacity, key: a.key };
}

/**
 * Replicas each considered cluster holds beyond what it would hold if every selected cluster
 * were Ready with room: what it holds on behalf of the others. Empty when rebalancing (the
 * planner then follows the preferences anyway).
 */
export function borrowedReplicas(input: PlanInput, planned: Record<string, number>, selected: string[]): Record<string, number> {
  if (input.preferences.rebalance) return {};
  const clusters = [...input.clusters, ...selected.filter((c) => !input.clusters.includes(c))];
  const baseline = plan({ ...input, clusters, capacity: {} }).replicas;
  const out: Record<string, number> = {};
  for (const c of input.clusters) {
    const extra = (planned[c] ?? 0) - (baseline[c] ?? 0);
    if (extra > 0) out[c] = extra;
  }
  return out;
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
  planned: Record<string, number>;
  /** Stuck pods per cluster that the last plan counted. */
  stuck: Record<string, number>;
  borrowed: Record<string, number>;
  /** Remembered capacity estimates. */
  memory: Record<string, { capacity: number; at: number }>;
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
  private readonly memoryMs: number;
  private readonly fieldManager: string;
  private readonly listeners = new Set<(key: WorkloadKey) => void>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly objects = new Map<string, Cached<KObject | undefined>>();
  private readonly pods = new Map<string, Cached<KObject[]>>();
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
    this.afterMs = opts.unschedulableAfterMs ?? 60_000;
    this.pollMs = opts.pollIntervalMs ?? Math.min(5_000, Math.max(100, this.afterMs));
    this.ttlMs = opts.cacheTtlMs ?? 2_000;
    this.memoryMs = opts.capacityMemoryMs ?? 300_000;
    this.fieldManager = opts.fieldManager ?? 'kubefed-controller-manager';
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

  async schedule(intent: Intent, readyClusters: string[]): Promise<Record<string, number> | undefined> {
    const t = intent.type.target;
    if (!REPLICA_KINDS.has(`${t.group}/${t.kind}`)) return undefined;
    const key: WorkloadKey = { namespace: intent.namespace, name: intent.name, kind: intent.source.kind ?? (intent.sourceStyle === 'federated' ? intent.type.federated.kind : t.kind) };
    const id = workloadId(key);
    const ready = new Set(readyClusters);
    const considered = intent.clusters.filter((c) => ready.has(c));
    const rsp = await this.lookupRsp(intent.namespace, intent.name);
    const sel = selectPreferences(intent, rsp, this.members.list().map((m) => m.name));
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
      planned: {},
      stuck: {},
      borrowed: prev?.borrowed ?? {},
      memory: { ...(prev?.memory ?? {}) },
    };
    const now = Date.now();
    const states: Record<string, ClusterState> = {};
    await Promise.all(considered.map(async (c) => (states[c] = await this.clusterState(c, intent.namespace, intent.name, tracked, now))));
    const input = plannerInput({ key: `${intent.namespace}/${intent.name}`, totalReplicas: sel.totalReplicas, preferences: sel.preferences, clusters: considered, states, borrowed: tracked.borrowed });
    const result = plan(input);
    const planned: Record<string, number> = {};
    for (const c of considered) planned[c] = result.replicas[c] ?? 0;
    tracked.planned = planned;
    tracked.borrowed = borrowedReplicas(input, planned, intent.clusters);
    if (!intent.deleting) this.tracked.set(id, tracked);
    else this.tracked.delete(id);
    if (sel.source === 'rsp' && sel.rsp) await this.writeRspStatus(sel.rsp, planned, result.unplaced);
    // Selected clusters that are not Ready get nothing (0, so nothing ever reads "unset" as "all").
    const out: Record<string, number> = {};
    for (const c of intent.clusters) out[c] = planned[c] ?? 0;
    return out;
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
    for (const map of [this.objects, this.pods] as Map<string, unknown>[]) {
      for (const k of map.keys()) if (k.startsWith(`${cluster}|`) && (namespace === undefined || k.includes(`|${namespace}|`))) map.delete(k);
    }
  }

  private async clusterState(cluster: string, namespace: string, name: string, w: Tracked, now: number): Promise<ClusterState> {
    const member = this.members.get(cluster);
    w.stuck[cluster] = 0;
    if (!member) return {};
    try {
      const obj = await this.cached(this.objects, `${cluster}|${w.apiVersion}|${w.kind}|${namespace}|${name}`, () => member.client.get(w.apiVersion, w.kind, namespace, name));
      if (!obj || obj.metadata?.deletionTimestamp) return {};
      const current = isCount(obj.spec?.replicas) ? obj.spec.replicas : 1;
      let capacity: number | undefined;
      const selector = w.selector && labelSelectorString(w.selector);
      if (current > 0 && selector) {
        const pods = await this.cached(this.pods, `${cluster}|${namespace}|${selector}`, async () => (await member.client.list('v1', 'Pod', { namespace, labelSelector: selector })).items as KObject[]);
        const est = estimateCapacity(current, pods, now, this.afterMs);
        w.stuck[cluster] = est.stuck;
        if (est.capacity !== undefined) {
          capacity = est.capacity;
          w.memory[cluster] = { capacity, at: now };
        }
      }
      const remembered = w.memory[cluster];
      if (capacity === undefined && remembered) {
        if (now - remembered.at < this.memoryMs) capacity = remembered.capacity;
        else delete w.memory[cluster];
      }
      return { current, ...(capacity !== undefined ? { capacity } : {}) };
    } catch (e) {
      this.log.debug({ err: e, cluster }, 'cannot read the member copy; planning without its current replicas');
      return {};
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
      // A cluster back from an outage starts with a clean slate.
      if (phase === 'Ready') delete w.memory[cluster];
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

  /** Checks clusters running planned replicas for pods newly stuck, and capacity memories that expired. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const now = Date.now();
      const replan = new Map<string, WorkloadKey>();
      const byCluster = new Map<string, Tracked[]>();
      for (const [id, w] of this.tracked) {
        for (const [c, m] of Object.entries(w.memory)) {
          if (now - m.at < this.memoryMs) continue;
          delete w.memory[c];
          replan.set(id, w.key);
        }
        for (const [c, n] of Object.entries(w.planned)) {
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
