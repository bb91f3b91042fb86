/**
 * kube-controller-manager's CronJob controller (pkg/controller/cronjob, "v2"): at each
 * schedule time (robfig/cron standard schedules, descriptors and `@every`, in spec.timeZone)
 * a Job named `<cronjob>-<scheduled unix minutes>` from spec.jobTemplate, with the
 * batch.kubernetes.io/cronjob-scheduled-timestamp annotation; concurrencyPolicy
 * Allow/Forbid/Replace, suspend, startingDeadlineSeconds, history limits, and status.active /
 * lastScheduleTime / lastSuccessfulTime.
 */
import { parseCronSchedule, wallClock, type CronSchedule } from '../../../apis/batch/cron.js';
import { deepClone, deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { JOBS, type GR } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import { controllerRefOf, errorMessage, isNamespaceTerminating, newControllerRef, Requeuer } from './workload-common.js';

const CRON_JOBS: GR = ['batch', 'cronjobs'];
const KIND = 'CronJob';
const API_VERSION = 'batch/v1';
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** mostRecentScheduleTime: the latest activation in (earliest, now], and how many were missed. */
export function mostRecentScheduleTime(earliest: number, now: number, sched: CronSchedule): { time?: number; missed: number } {
  const t1 = sched.next(earliest);
  if (t1 === undefined || now < t1) return { missed: 0 };
  const t2 = sched.next(t1);
  if (t2 === undefined || now < t2) return { time: t1, missed: 1 };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const missed = Math.floor((now - t1) / 1000 / between) + 1;
  let recent: number | undefined;
  let t = sched.next(t1 + (missed - 2) * between * 1000);
  for (let i = 0; t !== undefined && t <= now && i < 100_000; i++) {
    recent = t;
    t = sched.next(t);
  }
  return { time: recent, missed };
}

const rfc3339 = (t: number, tz?: string): string => {
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const wall = wallClock(t, tz).getTime();
  const off = Math.round((wall - t) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return new Date(wall).toISOString().replace(/\.\d{3}Z$/, `${sign}${hh}:${mm}`);
};
const ts = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

function jobFinished(job: KObject): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

export class CronJobController extends Controller {
  private readonly requeue: Requeuer;
  private readonly now: () => number;

  constructor(runtime: ClusterRuntime, opts: { now?: () => number } = {}) {
    super(runtime.client('cronjob-controller'), 'cronjob-controller');
    this.now = opts.now ?? Date.now;
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(CRON_JOBS, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(JOBS, (e) => {
      for (const o of [e.obj, e.prev]) {
        const ref = controllerRefOf(o);
        if (ref?.kind === KIND) this.queue.add(`${o!.metadata?.namespace}/${ref.name}`);
      }
    });
    for (const cj of this.client.list(CRON_JOBS)) this.queue.add(keyOf(cj));
    this.every(10_000, () => {
      for (const cj of this.client.list(CRON_JOBS)) this.queue.add(keyOf(cj));
    });
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const stored = this.client.get(CRON_JOBS, namespace, name);
    if (!stored) return;
    const cj = deepClone(stored);
    cj.status ??= {};
    const jobs = this.client.list(JOBS, namespace).filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);
    const before = deepClone(cj.status);
    await this.cleanupFinishedJobs(cj, jobs);
    let error: unknown;
    let requeueMs: number | undefined;
    try {
      requeueMs = await this.syncCronJob(cj, jobs);
    } catch (e) {
      error = e;
    }
    if (!deepEqual(before, cj.status)) {
      const status = cj.status;
      if (!status.active?.length) delete status.active;
      await this.client.modify(
        CRON_JOBS,
        namespace,
        name,
        (o) => {
          if (o.metadata?.uid !== cj.metadata?.uid || deepEqual(o.status ?? {}, status)) return false;
          o.status = status;
        },
        { status: true },
      );
    }
    if (requeueMs !== undefined) this.requeue.after(key, requeueMs);
    if (error) throw error;
  }

  private inActive(cj: KObject, uid: string | undefined): boolean {
    return (cj.status.active ?? []).some((r: KObject) => r.uid === uid);
  }

  private removeActive(cj: KObject, uid: string | undefined): void {
    cj.status.active = (cj.status.active ?? []).filter((r: KObject) => r.uid !== uid);
  }

  /** Returns ms until the next schedule time (when there is one to wait for). */
  private async syncCronJob(cj: KObject, jobs: KObject[]): Promise<number | undefined> {
    const now = this.now();
    const ns = cj.metadata!.namespace!;
    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata!.uid!);
      const found = this.inActive(cj, j.metadata?.uid);
      const finished = jobFinished(j);
      if (!found && !finished) {
        await this.client.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
      } else if (found && finished) {
        this.removeActive(cj, j.metadata?.uid);
        await this.client.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${finished}`);
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        const last = Date.parse(cj.status.lastSuccessfulTime ?? '');
        if (Number.isNaN(last) || Date.parse(j.status.completionTime) > last) cj.status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    for (const ref of [...(cj.status.active ?? [])]) {
      if (children.has(ref.uid)) continue;
      if (!this.client.get(JOBS, ref.namespace ?? ns, ref.name)) {
        await this.client.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        this.removeActive(cj, ref.uid);
      }
    }
    if (cj.metadata?.deletionTimestamp) return undefined;
    const tz: string | undefined = cj.spec?.timeZone ?? undefined;
    if (tz) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
      } catch (e) {
        await this.client.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": ${errorMessage(e)}`);
        return undefined;
      }
    }
    if (cj.spec?.suspend) return undefined;
    let sched: CronSchedule;
    try {
      sched = parseCronSchedule(cj.spec?.schedule ?? '', tz);
    } catch (e) {
      await this.client.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${errorMessage(e)}`);
      return undefined;
    }
    const untilNext = (): number | undefined => {
      const n = sched.next(now);
      return n === undefined ? undefined : n - now + 100;
    };
    let earliest = Date.parse(cj.status.lastScheduleTime ?? cj.metadata!.creationTimestamp!);
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    let recent: { time?: number; missed: number };
    try {
      recent = mostRecentScheduleTime(earliest, now, sched);
    } catch (e) {
      await this.client.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${errorMessage(e)}`);
      return undefined;
    }
    if (recent.missed > 100) {
      await this.client.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const scheduled = recent.time;
    if (scheduled === undefined) return untilNext();
    if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
      await this.client.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString()}`);
      return untilNext();
    }
    const jobName = `${cj.metadata!.name}-${Math.floor(scheduled / 60_000)}`;
    if ((cj.status.active ?? []).some((r: KObject) => r.name === jobName) || (cj.status.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) === scheduled)) {
      return untilNext();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status.active ?? []).length > 0) {
      await this.client.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return untilNext();
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status.active ?? [])]) {
        const job = this.client.get(JOBS, ref.namespace ?? ns, ref.name);
        if (job) await this.deleteJob(cj, job);
        else this.removeActive(cj, ref.uid);
      }
    }
    const template = cj.spec?.jobTemplate ?? {};
    const job: KObject = {
      apiVersion: API_VERSION,
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace: ns,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduled, tz) },
        ownerReferences: [newControllerRef(cj, API_VERSION, KIND)],
      },
      spec: deepClone(template.spec ?? {}),
    };
    if (!Object.keys(job.metadata!.labels!).length) delete job.metadata!.labels;
    let created: KObject;
    try {
      created = await this.client.create(JOBS, ns, job);
      await this.client.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    } catch (e) {
      if (isNamespaceTerminating(e)) throw e;
      if (e instanceof StatusError && e.code === 409) {
        const existing = this.client.get(JOBS, ns, jobName);
        if (!existing) throw e;
        if (controllerRefOf(existing)?.uid !== cj.metadata?.uid) throw new Error(`job ${jobName} already exists and is not owned by CronJob ${cj.metadata!.name}`);
        created = existing;
      } else {
        await this.client.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(e)}`);
        throw e;
      }
    }
    if (!this.inActive(cj, created.metadata?.uid)) {
      cj.status.active = [
        ...(cj.status.active ?? []),
        { apiVersion: API_VERSION, kind: 'Job', name: created.metadata!.name, namespace: ns, uid: created.metadata!.uid, resourceVersion: created.metadata!.resourceVersion },
      ];
    }
    cj.status.lastScheduleTime = ts(scheduled);
    return untilNext();
  }

  private async deleteJob(cj: KObject, job: KObject): Promise<void> {
    try {
      await this.client.delete(JOBS, job.metadata!.namespace!, job.metadata!.name!, { propagationPolicy: 'Background' });
    } catch (e) {
      await this.client.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(e)}`);
      throw e;
    }
    this.removeActive(cj, job.metadata?.uid);
    await this.client.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata!.name}`);
  }

  private async cleanupFinishedJobs(cj: KObject, jobs: KObject[]): Promise<void> {
    const byStart = (a: KObject, b: KObject) => {
      const sa = a.status?.startTime;
      const sb = b.status?.startTime;
      if (!sa && !sb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
      if (!sa) return 1;
      if (!sb) return -1;
      return Date.parse(sa) - Date.parse(sb) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1);
    };
    for (const [kind, limit] of [
      ['Complete', cj.spec?.successfulJobsHistoryLimit],
      ['Failed', cj.spec?.failedJobsHistoryLimit],
    ] as const) {
      if (limit === undefined || limit === null) continue;
      const finished = jobs.filter((j) => jobFinished(j) === kind && !j.metadata?.deletionTimestamp).sort(byStart);
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) await this.deleteJob(cj, j);
    }
  }
}
