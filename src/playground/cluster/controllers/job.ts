/**
 * kube-controller-manager's Job controller (pkg/controller/job) as of Kubernetes 1.33: pods
 * (generateName `<job>-`, or `<job>-<index>-` for Indexed jobs with the completion index
 * annotation, label, hostname and JOB_COMPLETION_INDEX) until spec.completions succeed, at most
 * spec.parallelism at a time; pod tracking with the batch.kubernetes.io/job-tracking finalizer
 * and status.uncountedTerminatedPods, so counts survive pods being removed and controller
 * restarts; backoffLimit (exponential pod-failure backoff), activeDeadlineSeconds, suspend,
 * success policies; the interim SuccessCriteriaMet/FailureTarget conditions followed by
 * Complete/Failed once no pod is left terminating.
 *
 * Also the TTL-after-finished controller: finished Jobs with ttlSecondsAfterFinished are deleted
 * once it has passed.
 *
 * Differences: the pod-failure backoff starts at 1 s (Kubernetes: 10 s, at most 6 min) because
 * playground clusters run faster; podFailurePolicy and backoffLimitPerIndex are not evaluated
 * (failures count toward backoffLimit).
 */
import { deepClone, deepEqual, type KObject } from '../../../apis/object.js';
import { isNotFound, JOBS, PODS } from '../client.js';
import { Controller, keyOf, splitKey, type ObjectEvent } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  claimObjects,
  compareForDeletion,
  controllerRefOf,
  errorMessage,
  findCondition,
  isNamespaceTerminating,
  isPodActive,
  isPodReady,
  isPodTerminal,
  newControllerRef,
  now,
  podFromTemplate,
  podsPrefix,
  Requeuer,
  selectorMatches,
  slowStartBatch,
  sortForDeletion,
} from './workload-common.js';

const KIND = 'Job';
const API_VERSION = 'batch/v1';
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
const CONTROLLER_NAME = 'kubernetes.io/job-controller';
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
const ORPHAN_PREFIX = 'orphan-pod:';

const hasFinalizer = (p: KObject): boolean => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
const isIndexed = (job: KObject): boolean => job.spec?.completionMode === 'Indexed';
const isSuspended = (job: KObject): boolean => job.spec?.suspend === true;
const onlyReplaceFailedPods = (job: KObject): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;

function isJobFinished(job: KObject): boolean {
  return (job.status?.conditions ?? []).some((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** isPodFailed: Failed, or (unless only failed pods are replaced) deleted before succeeding. */
function isPodFailed(p: KObject, job: KObject): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

function completionIndex(p: KObject): number {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

function finishedTime(p: KObject): number {
  let latest: number | undefined;
  for (const s of p.status?.containerStatuses ?? []) {
    const t = Date.parse(s.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t)) latest = Math.max(latest ?? t, t);
  }
  if (latest !== undefined) return latest;
  const ready = (p.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready' && c.status === 'False');
  const rt = Date.parse(ready?.lastTransitionTime ?? '');
  if (!Number.isNaN(rt)) return rt;
  const dt = Date.parse(p.metadata?.deletionTimestamp ?? '');
  if (!Number.isNaN(dt)) return dt;
  return Date.parse(p.metadata?.creationTimestamp ?? '') || Date.now();
}

function newCondition(type: string, status: string, reason: string, message: string): KObject {
  const t = now();
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** ensureJobConditionStatus. */
function ensureCondition(status: KObject, type: string, condStatus: string, reason: string, message: string): boolean {
  const conds: KObject[] = status.conditions ?? [];
  const i = conds.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conds[i]!;
    if (c.status !== condStatus || c.reason !== reason || c.message !== message) {
      conds[i] = newCondition(type, condStatus, reason, message);
      status.conditions = conds;
      return true;
    }
    return false;
  }
  if (condStatus !== 'False') {
    status.conditions = [...conds, newCondition(type, condStatus, reason, message)];
    return true;
  }
  return false;
}

// --- completed indexes ("1,3-5,7") -----------------------------------------------------------------

type Intervals = [number, number][];

function parseIndexes(s: string | undefined, completions: number): Intervals {
  const out: Intervals = [];
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    let last = m[2] !== undefined ? Number(m[2]) : first;
    if (first >= completions) continue;
    last = Math.min(last, completions - 1);
    if (last < first) continue;
    const prev = out[out.length - 1];
    if (prev && prev[1] + 1 >= first) prev[1] = Math.max(prev[1], last);
    else out.push([first, last]);
  }
  return out;
}

function withIndexes(iv: Intervals, add: number[]): Intervals {
  const set = new Set<number>();
  for (const [a, b] of iv) for (let i = a; i <= b; i++) set.add(i);
  for (const i of add) set.add(i);
  const sorted = [...set].sort((a, b) => a - b);
  const out: Intervals = [];
  for (const i of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev[1] + 1 === i) prev[1] = i;
    else out.push([i, i]);
  }
  return out;
}

const intervalsTotal = (iv: Intervals): number => iv.reduce((n, [a, b]) => n + b - a + 1, 0);
const intervalsHas = (iv: Intervals, i: number): boolean => iv.some(([a, b]) => i >= a && i <= b);

function formatIndexes(iv: Intervals): string {
  return iv.map(([a, b]) => (a === b ? `${a}` : b === a + 1 ? `${a},${b}` : `${a}-${b}`)).join(',');
}

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

interface SyncCtx {
  job: KObject;
  pods: KObject[];
  activePods: KObject[];
  succeeded: number;
  failed: number;
  ready: number;
  terminating: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  finishedCondition?: KObject;
  prevSucceededIndexes: Intervals;
  succeededIndexes: Intervals;
  backoff: BackoffRecord;
}

export class JobController extends Controller {
  private readonly requeue: Requeuer;
  private readonly backoffs = new Map<string, BackoffRecord>();

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('job-controller'), 'job-controller');
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(JOBS, (e) => {
      this.queue.add(keyOf(e.obj));
      if (e.type === 'DELETED') this.backoffs.delete(keyOf(e.obj));
      // A job that finished or went away leaves its pods' finalizers to be removed.
      if (e.type === 'DELETED' || isJobFinished(e.obj)) this.enqueueOrphansOf(e.obj);
    });
    this.watch(PODS, (e) => this.onPod(e));
    for (const j of this.client.list(JOBS)) this.queue.add(keyOf(j));
    for (const p of this.client.list(PODS)) if (hasFinalizer(p)) this.checkOrphan(p);
    this.every(30_000, () => {
      for (const j of this.client.list(JOBS)) this.queue.add(keyOf(j));
    });
  }

  private enqueueOrphansOf(job: KObject): void {
    for (const p of this.client.list(PODS, job.metadata?.namespace)) {
      if (hasFinalizer(p) && controllerRefOf(p)?.uid === job.metadata?.uid) this.queue.add(ORPHAN_PREFIX + keyOf(p));
    }
  }

  private checkOrphan(pod: KObject): void {
    const ref = controllerRefOf(pod);
    const job = ref?.kind === KIND ? this.client.get(JOBS, pod.metadata?.namespace ?? '', ref.name) : undefined;
    if (!job || job.metadata?.uid !== ref?.uid || isJobFinished(job)) this.queue.add(ORPHAN_PREFIX + keyOf(pod));
  }

  private onPod(e: ObjectEvent): void {
    const pod = e.obj;
    const ns = pod.metadata?.namespace ?? '';
    for (const ref of [controllerRefOf(pod), e.prev ? controllerRefOf(e.prev) : undefined]) {
      if (ref?.kind === KIND) this.queue.add(`${ns}/${ref.name}`);
    }
    if (e.type === 'DELETED') return;
    if (hasFinalizer(pod)) this.checkOrphan(pod);
    if (controllerRefOf(pod) || pod.metadata?.deletionTimestamp) return;
    for (const j of this.client.list(JOBS, ns)) if (selectorMatches(j.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(j));
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_PREFIX)) return this.syncOrphanPod(key.slice(ORPHAN_PREFIX.length));
    return this.syncJob(key);
  }

  /** Removes the tracking finalizer from a pod whose job is gone or finished. */
  private async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.client.get(PODS, namespace, name);
    if (!pod || !hasFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== KIND || ref.apiVersion !== API_VERSION) return;
      const job = this.client.get(JOBS, namespace, ref.name);
      if (job && job.metadata?.uid === ref.uid) {
        if (job.spec?.managedBy && job.spec.managedBy !== CONTROLLER_NAME) return;
        if (!isJobFinished(job)) return;
      }
    }
    await this.removeFinalizer(pod);
  }

  private async removeFinalizer(pod: KObject): Promise<void> {
    await this.client.modify(PODS, pod.metadata!.namespace!, pod.metadata!.name!, (p) => {
      if (p.metadata?.uid !== pod.metadata?.uid || !hasFinalizer(p)) return false;
      const f = p.metadata!.finalizers!.filter((x: string) => x !== JOB_TRACKING_FINALIZER);
      if (f.length) p.metadata!.finalizers = f;
      else delete p.metadata!.finalizers;
    });
  }

  private async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const stored = this.client.get(JOBS, namespace, name);
    if (!stored) {
      this.backoffs.delete(key);
      return;
    }
    if (stored.spec?.managedBy && stored.spec.managedBy !== CONTROLLER_NAME) return;
    const job = deepClone(stored);
    if (isJobFinished(job)) {
      this.backoffs.delete(key);
      await this.cleanupFinishedJob(job);
      return;
    }
    const mode = job.spec?.completionMode ?? 'NonIndexed';
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      await this.client.event(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    job.status ??= {};
    job.status.uncountedTerminatedPods ??= {};

    const pods = await claimObjects(this.client.list(PODS, namespace), {
      client: this.client,
      gr: PODS,
      owner: job,
      ownerGR: JOBS,
      ownerApiVersion: API_VERSION,
      ownerKind: KIND,
      match: (p) => selectorMatches(job.spec?.selector, p.metadata?.labels),
      finalizers: [JOB_TRACKING_FINALIZER],
    });
    const activePods = pods.filter(isPodActive);
    const uncounted = job.status.uncountedTerminatedPods;
    const ctx: SyncCtx = {
      job,
      pods,
      activePods,
      succeeded: 0,
      failed: 0,
      ready: activePods.filter(isPodReady).length,
      terminating: pods.filter((p) => p.metadata?.deletionTimestamp && !isPodTerminal(p)).length,
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      prevSucceededIndexes: [],
      succeededIndexes: [],
      backoff: { failuresAfterLastSuccess: 0 },
    };
    let active = activePods.length;
    const valid = (p: KObject, set: Set<string>) => {
      if (!hasFinalizer(p) || set.has(p.metadata!.uid!)) return false;
      if (isIndexed(job)) {
        const ix = completionIndex(p);
        if (ix < 0 || ix >= (job.spec?.completions ?? 0)) return false;
      }
      return true;
    };
    const newSucceeded = pods.filter((p) => valid(p, ctx.uncountedSucceeded) && p.status?.phase === 'Succeeded');
    const newFailed = pods.filter((p) => valid(p, ctx.uncountedFailed) && isPodFailed(p, job));
    ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + ctx.uncountedSucceeded.size;
    ctx.failed = (job.status.failed ?? 0) + newFailed.length + ctx.uncountedFailed.size;

    if (!job.status.startTime && !isSuspended(job)) job.status.startTime = now();
    ctx.backoff = this.newBackoffRecord(key, newSucceeded, newFailed);

    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const exceedsBackoffLimit = ctx.failed > backoffLimit;
    const successMet = findCondition(job.status.conditions, 'SuccessCriteriaMet');
    if (successMet?.status === 'True') ctx.finishedCondition = successMet;
    if (!ctx.finishedCondition) {
      const target = findCondition(job.status.conditions, 'FailureTarget');
      if (target?.status === 'True') ctx.finishedCondition = newCondition('Failed', 'True', target.reason, target.message);
    }
    if (!ctx.finishedCondition) {
      if (exceedsBackoffLimit || this.pastBackoffLimitOnFailure(job, pods)) {
        ctx.finishedCondition = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      } else if (this.pastActiveDeadline(job)) {
        ctx.finishedCondition = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      } else if (job.spec?.activeDeadlineSeconds !== undefined && job.spec.activeDeadlineSeconds !== null && !isSuspended(job)) {
        const started = Date.parse(job.status.startTime);
        this.requeue.after(key, Math.max(0, started + job.spec.activeDeadlineSeconds * 1000 - Date.now()) + 50);
      }
    }

    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      ctx.prevSucceededIndexes = parseIndexes(job.status.completedIndexes, completions);
      const add: number[] = [];
      for (const p of pods) {
        const ix = completionIndex(p);
        if (p.status?.phase === 'Succeeded' && ix >= 0 && ix < completions && hasFinalizer(p)) add.push(ix);
      }
      ctx.succeededIndexes = withIndexes(ctx.prevSucceededIndexes, add);
      ctx.succeeded = intervalsTotal(ctx.succeededIndexes);
      if (!ctx.finishedCondition) {
        const msg = this.matchSuccessPolicy(job, ctx.succeededIndexes);
        if (msg) ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', msg);
      }
    }

    let manageError: unknown;
    let suspendCondChanged = false;
    if (ctx.finishedCondition) {
      const { deleted, deletedReady, error } = await this.deleteActivePods(job, activePods);
      if (deleted !== active) ctx.finishedCondition = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageError = error;
    } else {
      let manageCalled = false;
      if (!job.metadata?.deletionTimestamp) {
        try {
          active = await this.manageJob(job, ctx, key);
        } catch (e) {
          manageError = e;
          active = (e as { active?: number }).active ?? active;
        }
        manageCalled = true;
      }
      const completions = job.spec?.completions;
      const complete = completions === undefined || completions === null ? ctx.succeeded > 0 && active === 0 : ctx.succeeded >= completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
      } else if (manageCalled) {
        if (isSuspended(job)) {
          if (ensureCondition(job.status, 'Suspended', 'True', 'JobSuspended', 'Job suspended')) {
            suspendCondChanged = true;
            await this.client.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(job.status, 'Suspended', 'False', 'JobResumed', 'Job resumed')) {
          suspendCondChanged = true;
          await this.client.event(job, 'Normal', 'Resumed', 'Job resumed');
          job.status.startTime = now();
        }
      }
    }
    const needsStatusUpdate =
      suspendCondChanged || active !== (job.status.active ?? 0) || ctx.ready !== job.status.ready || ctx.terminating !== job.status.terminating || !stored.status?.startTime;
    if (active) job.status.active = active;
    else delete job.status.active;
    job.status.ready = ctx.ready;
    job.status.terminating = ctx.terminating;
    await this.trackStatusAndRemoveFinalizers(ctx, needsStatusUpdate);
    if (manageError) throw manageError;
  }

  /**
   * The TTL-after-finished controller's part: a finished Job with ttlSecondsAfterFinished is
   * deleted (foreground, so its pods go first) once the TTL has passed since it finished.
   */
  private async cleanupFinishedJob(job: KObject): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return;
    const finished = (job.status?.conditions ?? []).find((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const at = Date.parse(finished?.lastTransitionTime ?? '');
    if (Number.isNaN(at)) return;
    const remaining = at + ttl * 1000 - Date.now();
    if (remaining > 0) {
      this.requeue.after(keyOf(job), remaining + 50);
      return;
    }
    await this.client.delete(JOBS, job.metadata!.namespace!, job.metadata!.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata!.uid!, resourceVersion: job.metadata!.resourceVersion! } });
  }

  private pastActiveDeadline(job: KObject): boolean {
    const ads = job.spec?.activeDeadlineSeconds;
    if (ads === undefined || ads === null || !job.status?.startTime || isSuspended(job)) return false;
    return Date.now() - Date.parse(job.status.startTime) >= ads * 1000;
  }

  private pastBackoffLimitOnFailure(job: KObject, pods: KObject[]): boolean {
    if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const p of pods) {
      if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
      for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
    }
    const limit = job.spec?.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  /** matchSuccessPolicy: the message of the first rule the succeeded indexes satisfy. */
  private matchSuccessPolicy(job: KObject, succeeded: Intervals): string | undefined {
    const rules: KObject[] = job.spec?.successPolicy?.rules ?? [];
    const completions = job.spec?.completions ?? 0;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.succeededIndexes === undefined || r.succeededIndexes === null) {
        if (r.succeededCount !== undefined && intervalsTotal(succeeded) >= r.succeededCount) return `Matched rules at index ${i}`;
        continue;
      }
      const wanted = parseIndexes(r.succeededIndexes, completions);
      let matched = 0;
      for (const [a, b] of wanted) for (let x = a; x <= b; x++) if (intervalsHas(succeeded, x)) matched++;
      if (r.succeededCount === undefined || r.succeededCount === null ? matched === intervalsTotal(wanted) && matched > 0 : matched >= r.succeededCount) {
        return `Matched rules at index ${i}`;
      }
    }
    return undefined;
  }

  // --- backoff ----------------------------------------------------------------------------------

  private newBackoffRecord(key: string, succeeded: KObject[], failed: KObject[]): BackoffRecord {
    const old = this.backoffs.get(key);
    const rec: BackoffRecord = { failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
    const s = succeeded.map(finishedTime).sort((a, b) => a - b);
    const f = failed.map(finishedTime).sort((a, b) => a - b);
    if (!s.length) {
      if (!f.length) return rec;
      rec.failuresAfterLastSuccess += f.length;
      rec.lastFailureTime = f[f.length - 1];
      return rec;
    }
    rec.failuresAfterLastSuccess = 0;
    rec.lastFailureTime = undefined;
    const lastSuccess = s[s.length - 1]!;
    for (let i = f.length - 1; i >= 0; i--) {
      if (f[i]! <= lastSuccess) break;
      rec.lastFailureTime ??= f[i];
      rec.failuresAfterLastSuccess++;
    }
    return rec;
  }

  private remainingBackoff(rec: BackoffRecord): number {
    if (!rec.failuresAfterLastSuccess || rec.lastFailureTime === undefined) return 0;
    let d = BACKOFF_BASE_MS;
    for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
      d *= 2;
      if (d >= BACKOFF_MAX_MS) {
        d = BACKOFF_MAX_MS;
        break;
      }
    }
    const elapsed = Date.now() - rec.lastFailureTime;
    return d < elapsed ? 0 : d - elapsed;
  }

  // --- pods -------------------------------------------------------------------------------------

  private async manageJob(job: KObject, ctx: SyncCtx, key: string): Promise<number> {
    let active = ctx.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;
    if (isSuspended(job)) {
      const { removed, removedReady, error } = await this.deleteJobPods(job, ctx.activePods);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      active -= removed;
      if (error) throw Object.assign(error instanceof Error ? error : new Error(String(error)), { active });
      return active;
    }
    const completions = job.spec?.completions;
    let wantActive: number;
    if (completions === undefined || completions === null) wantActive = ctx.succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));

    const rmAtLeast = Math.max(0, active - wantActive);
    const toDelete = this.activePodsForRemoval(job, ctx.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length) {
      const { removed, removedReady, error } = await this.deleteJobPods(job, toDelete);
      active -= removed;
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      if (error) throw Object.assign(error instanceof Error ? error : new Error(String(error)), { active });
      return active;
    }

    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    const remaining = this.remainingBackoff(ctx.backoff);
    if (remaining > 0) {
      this.requeue.after(key, remaining + 20);
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = this.firstPendingIndexes(ctx, diff, completions ?? 0);
      diff = indexes.length;
    }
    if (!diff) return active;
    const template = deepClone(job.spec?.template ?? {});
    template.spec ??= {};
    if (isIndexed(job)) {
      for (const c of [...(template.spec.initContainers ?? []), ...(template.spec.containers ?? [])]) {
        if ((c.env ?? []).some((e: KObject) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
        c.env = [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }];
      }
    }
    template.metadata ??= {};
    if (!(template.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) template.metadata.finalizers = [...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
    const ns = job.metadata!.namespace!;
    const ref = newControllerRef(job, API_VERSION, KIND);
    const jobName = job.metadata!.name!;
    const { successes, error } = await slowStartBatch(diff, 1, async (i) => {
      let t = template;
      let generateName: string | undefined;
      if (indexes.length) {
        const ix = indexes[i]!;
        t = deepClone(template);
        t.metadata.annotations = { ...(t.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(ix) };
        t.metadata.labels = { ...(t.metadata.labels ?? {}), [JOB_COMPLETION_INDEX]: String(ix) };
        t.spec.hostname = `${jobName}-${ix}`;
        const prefix = `${jobName}-${ix}-`;
        generateName = prefix.length <= 58 ? prefix : podsPrefix(jobName);
      }
      const pod = podFromTemplate(t, job, ref, generateName);
      pod.metadata!.namespace = ns;
      try {
        const created = await this.client.create(PODS, ns, pod);
        await this.client.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        await this.client.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
        throw e;
      }
    });
    active += successes;
    if (error) throw Object.assign(error instanceof Error ? error : new Error(String(error)), { active });
    return active;
  }

  private firstPendingIndexes(ctx: SyncCtx, count: number, completions: number): number[] {
    const activeIx = new Set(ctx.activePods.map(completionIndex));
    const out: number[] = [];
    for (let i = 0; i < completions && out.length < count; i++) {
      if (intervalsHas(ctx.succeededIndexes, i) || activeIx.has(i)) continue;
      out.push(i);
    }
    return out;
  }

  private activePodsForRemoval(job: KObject, pods: KObject[], rmAtLeast: number): KObject[] {
    let rm: KObject[] = [];
    let left: KObject[] = pods;
    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      left = [];
      const byIndex = new Map<number, KObject[]>();
      for (const p of pods) {
        const ix = completionIndex(p);
        if (ix < 0 || ix >= completions) rm.push(p);
        else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
      }
      for (const group of byIndex.values()) {
        const sorted = sortForDeletion(group);
        rm.push(...sorted.slice(0, -1));
        left.push(sorted[sorted.length - 1]!);
      }
    }
    if (rm.length < rmAtLeast) {
      const t = Date.now();
      const sorted = [...left].sort((a, b) => compareForDeletion(a, b, 0, 0, t));
      rm = [...rm, ...sorted.slice(0, rmAtLeast - rm.length)];
    }
    return rm;
  }

  /** deleteJobPods: finalizer first (such pods are not counted as failed), then the pod. */
  private async deleteJobPods(job: KObject, pods: KObject[]): Promise<{ removed: number; removedReady: number; error?: unknown }> {
    let removed = 0;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          if (hasFinalizer(p)) await this.removeFinalizer(p);
          await this.client.delete(PODS, p.metadata!.namespace!, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid! } });
          await this.client.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
        } catch (e) {
          if (!isNotFound(e)) {
            error ??= e;
            return;
          }
        }
        removed++;
        if (isPodReady(p)) removedReady++;
      }),
    );
    return { removed, removedReady, error };
  }

  /** deleteActivePods: deletion keeping the finalizers (the pods are then counted as failed). */
  private async deleteActivePods(job: KObject, pods: KObject[]): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (p) => {
        try {
          const gone = await this.client.delete(PODS, p.metadata!.namespace!, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid! } });
          if (gone) await this.client.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
          deleted++;
        } catch (e) {
          error ??= e;
        }
        if (isPodReady(p)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, error };
  }

  // --- status -----------------------------------------------------------------------------------

  private cleanUncounted(status: KObject, withFinalizer: Set<string>): boolean {
    let updated = false;
    const u = status.uncountedTerminatedPods;
    for (const k of ['succeeded', 'failed'] as const) {
      const list: string[] = u[k] ?? [];
      const keep = list.filter((uid) => withFinalizer.has(uid));
      if (keep.length !== list.length) {
        updated = true;
        status[k] = (status[k] ?? 0) + list.length - keep.length;
        if (!status[k]) delete status[k];
        if (keep.length) u[k] = keep;
        else delete u[k];
      }
    }
    return updated;
  }

  private async trackStatusAndRemoveFinalizers(ctx: SyncCtx, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = ctx.job;
    const status = job.status;
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const pods = indexed ? [...ctx.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : ctx.pods;
    const withFinalizer = new Set(pods.filter(hasFinalizer).map((p) => p.metadata!.uid!));
    if (this.cleanUncounted(status, withFinalizer)) needsFlush = true;
    const u = status.uncountedTerminatedPods;
    const toRemove: KObject[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      if (!hasFinalizer(pod)) continue;
      const uid = pod.metadata!.uid!;
      const considerFailed = isPodFailed(pod, job);
      const canRemove = !!job.metadata?.deletionTimestamp || !!ctx.finishedCondition || pod.status?.phase === 'Succeeded' || considerFailed;
      if (!canRemove) continue;
      toRemove.push(pod);
      if (pod.status?.phase === 'Succeeded' && !ctx.uncountedFailed.has(uid)) {
        if (indexed) {
          const ix = completionIndex(pod);
          if (ix >= 0 && ix < completions && !intervalsHas(ctx.prevSucceededIndexes, ix)) newSucceededIndexes.push(ix);
        } else if (!ctx.uncountedSucceeded.has(uid)) {
          needsFlush = true;
          u.succeeded = [...(u.succeeded ?? []), uid];
          ctx.uncountedSucceeded.add(uid);
        }
      } else if (considerFailed || (ctx.finishedCondition && ctx.finishedCondition.type !== 'SuccessCriteriaMet')) {
        const ix = completionIndex(pod);
        if (!ctx.uncountedFailed.has(uid) && (!indexed || (ix >= 0 && ix < completions))) {
          needsFlush = true;
          u.failed = [...(u.failed ?? []), uid];
          ctx.uncountedFailed.add(uid);
        }
      }
      if (newSucceededIndexes.length + (u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      ctx.succeededIndexes = withIndexes(ctx.succeededIndexes, newSucceededIndexes);
      const str = formatIndexes(ctx.succeededIndexes);
      if (str !== (status.completedIndexes ?? '')) needsFlush = true;
      const total = intervalsTotal(ctx.succeededIndexes);
      if (total) status.succeeded = total;
      else delete status.succeeded;
      if (str) status.completedIndexes = str;
      else delete status.completedIndexes;
    }
    let finished = ctx.finishedCondition;
    if (finished?.type === 'FailureTarget') {
      status.conditions = [...(status.conditions ?? []), finished];
      needsFlush = true;
      finished = newCondition('Failed', 'True', finished.reason, finished.message);
    }
    if (finished?.type === 'SuccessCriteriaMet') {
      if (findCondition(status.conditions, 'SuccessCriteriaMet')?.status !== 'True') {
        status.conditions = [...(status.conditions ?? []), finished];
        needsFlush = true;
      }
      finished = newCondition('Complete', 'True', finished.reason, finished.message);
    }

    // Flush the uncounted pods before their finalizers go, then count them.
    if (needsFlush) {
      await this.writeStatus(job);
      this.backoffs.set(keyOf(job), ctx.backoff);
      needsFlush = false;
    } else this.backoffs.set(keyOf(job), ctx.backoff);
    let rmError: unknown;
    for (const p of toRemove) {
      try {
        await this.removeFinalizer(p);
        withFinalizer.delete(p.metadata!.uid!);
      } catch (e) {
        rmError ??= e;
      }
    }
    if (this.cleanUncounted(status, withFinalizer)) needsFlush = true;
    if (rmError) {
      if (needsFlush) await this.writeStatus(job);
      throw rmError;
    }
    // enactJobFinished: once nothing is uncounted or still terminating.
    let jobFinished = false;
    if (!reachedMax && finished) {
      const uncountedLeft = (u.succeeded?.length ?? 0) + (u.failed?.length ?? 0);
      if (!uncountedLeft && ctx.terminating === 0) {
        ensureCondition(status, finished.type, finished.status, finished.reason, finished.message);
        if (finished.type === 'Complete') status.completionTime = findCondition(status.conditions, 'Complete')!.lastTransitionTime;
        jobFinished = true;
        needsFlush = true;
      }
    }
    if (needsFlush) {
      await this.writeStatus(job);
      if (jobFinished) {
        if (finished!.type === 'Complete') {
          if (job.spec?.completions !== undefined && job.spec?.completions !== null && (status.succeeded ?? 0) > job.spec.completions) {
            await this.client.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          }
          await this.client.event(job, 'Normal', 'Completed', 'Job completed');
        } else await this.client.event(job, 'Warning', finished!.reason, finished!.message);
      }
    }
  }

  private async writeStatus(job: KObject): Promise<void> {
    const status = deepClone(job.status);
    await this.client.modify(
      JOBS,
      job.metadata!.namespace!,
      job.metadata!.name!,
      (o) => {
        if (o.metadata?.uid !== job.metadata?.uid || deepEqual(o.status ?? {}, status)) return false;
        o.status = status;
      },
      { status: true },
    );
  }
}
