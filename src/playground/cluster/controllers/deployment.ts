/**
 * kube-controller-manager's Deployment controller (pkg/controller/deployment): one ReplicaSet
 * per pod template, named `<deployment>-<pod-template-hash>`, with revision annotations; rolling
 * updates within maxSurge/maxUnavailable, Recreate, proportional scaling of a rollout in
 * progress, pausing, history trimming, rollbacks (a template that matches an old ReplicaSet
 * makes it the new one again), and the Available/Progressing conditions `kubectl rollout status`
 * reads.
 *
 * One difference from Kubernetes: its Deployment status strategy accepts metadata changes, so
 * the controller records the deployment.kubernetes.io/revision annotation together with the
 * status without bumping metadata.generation. When this API server drops metadata from status
 * writes, the annotation is written through the main resource instead (one extra generation,
 * observed right away).
 */
import { deepClone, deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../client.js';
import { Controller, keyOf, splitKey, type ObjectEvent } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  byCreation,
  claimObjects,
  computeHash,
  controllerRefOf,
  errorMessage,
  findCondition,
  isEmptySelector,
  isNamespaceTerminating,
  newControllerRef,
  now,
  Requeuer,
  scaledValue,
  selectorMatches,
  semanticEqual,
} from './workload-common.js';

const KIND = 'Deployment';
const API_VERSION = 'apps/v1';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SKIP_ANNOTATIONS = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);
const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;
const MAX_INT32 = 2147483647;

// Progressing condition reasons (pkg/controller/deployment/util).
const NEW_RS_REASON = 'NewReplicaSetCreated';
const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
const RS_UPDATED_REASON = 'ReplicaSetUpdated';
const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
const PAUSED_REASON = 'DeploymentPaused';
const RESUMED_REASON = 'DeploymentResumed';

type RS = KObject;
type Deployment = KObject;

const replicasOf = (o: KObject | undefined): number => (o ? (o.spec?.replicas ?? 1) : 0);
const statusReplicas = (rs: RS | undefined) => rs?.status?.replicas ?? 0;
const sum = (rss: (RS | undefined)[], f: (rs: RS) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
const replicaCount = (rss: (RS | undefined)[]) => sum(rss, (rs) => replicasOf(rs));
const actualCount = (rss: (RS | undefined)[]) => sum(rss, statusReplicas);
const availableCount = (rss: (RS | undefined)[]) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
const readyCount = (rss: (RS | undefined)[]) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
const activeRSs = (rss: (RS | undefined)[]): RS[] => rss.filter((rs): rs is RS => !!rs && replicasOf(rs) > 0);

function revisionOf(o: KObject | undefined): number {
  const v = o?.metadata?.annotations?.[REVISION];
  if (v === undefined) return 0;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}

const isRollingUpdate = (d: Deployment) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
const hasProgressDeadline = (d: Deployment) => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== null && d.spec.progressDeadlineSeconds !== MAX_INT32;
const hasRevisionHistoryLimit = (d: Deployment) =>
  d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== null && d.spec.revisionHistoryLimit !== MAX_INT32;

/** ResolveFenceposts: surge rounds up, unavailability down; both zero means one unavailable. */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): [surge: number, unavailable: number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d))[0];
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const u = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas)[1];
  return Math.min(u, replicas);
}

/** EqualIgnoreHash: pod templates equal once the pod-template-hash label is dropped. */
export function equalIgnoreHash(a: KObject | undefined, b: KObject | undefined): boolean {
  const strip = (t: KObject | undefined) => {
    const c = deepClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
    return c;
  };
  return semanticEqual(strip(a), strip(b));
}

function newCondition(type: string, status: string, reason: string, message: string): KObject {
  const t = now();
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: same status and reason keeps the condition; same status keeps lastTransitionTime. */
function setCondition(status: KObject, cond: KObject): void {
  const conds: KObject[] = status.conditions ?? [];
  const cur = conds.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...conds.filter((c) => c.type !== cond.type), cond];
}

function removeCondition(status: KObject, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: KObject) => c.type !== type);
  if (!status.conditions.length) delete status.conditions;
}

/** DeploymentStatus as Go serializes it: every counter omitempty. */
function makeStatus(s: {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  conditions?: KObject[];
  collisionCount?: number;
}): KObject {
  const out: KObject = {};
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
    if (s[k]) out[k] = s[k];
  }
  if (s.conditions?.length) out.conditions = s.conditions.map((c) => ({ ...c }));
  if (s.collisionCount !== undefined && s.collisionCount !== null) out.collisionCount = s.collisionCount;
  return out;
}

function deploymentComplete(d: Deployment, s: KObject): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

function deploymentProgressing(d: Deployment, s: KObject): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function deploymentTimedOut(d: Deployment, s: KObject): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = findCondition(s.conditions, 'Progressing');
  if (!c) return false;
  if (c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + d.spec.progressDeadlineSeconds * 1000 < Date.now();
}

export class DeploymentController extends Controller {
  private readonly requeue: Requeuer;

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('deployment-controller'), 'deployment-controller');
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(DEPLOYMENTS, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(REPLICA_SETS, (e) => this.onReplicaSet(e));
    this.watch(PODS, (e) => this.onPod(e));
    for (const d of this.client.list(DEPLOYMENTS)) this.queue.add(keyOf(d));
    this.every(30_000, () => {
      for (const d of this.client.list(DEPLOYMENTS)) this.queue.add(keyOf(d));
    });
  }

  private onReplicaSet(e: ObjectEvent): void {
    const rs = e.obj;
    const ns = rs.metadata?.namespace ?? '';
    const ref = controllerRefOf(rs);
    const prevRef = e.prev ? controllerRefOf(e.prev) : undefined;
    for (const r of [ref, prevRef]) if (r?.kind === KIND) this.queue.add(`${ns}/${r.name}`);
    if (e.type === 'DELETED' || ref) return;
    for (const d of this.client.list(DEPLOYMENTS, ns)) {
      if (selectorMatches(d.spec?.selector, rs.metadata?.labels)) this.queue.add(keyOf(d));
    }
  }

  /** Pods going away matter to Recreate rollouts (which wait for old pods to be gone). */
  private onPod(e: ObjectEvent): void {
    if (e.type !== 'DELETED') return;
    const ns = e.obj.metadata?.namespace ?? '';
    const ref = controllerRefOf(e.obj);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.client.get(REPLICA_SETS, ns, ref.name);
    const dref = controllerRefOf(rs);
    if (dref?.kind === KIND) this.queue.add(`${ns}/${dref.name}`);
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const stored = this.client.get(DEPLOYMENTS, namespace, name);
    if (!stored) return;
    const d = deepClone(stored);
    if (isEmptySelector(d.spec?.selector)) {
      await this.client.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata!.generation };
        await this.writeStatus(d);
      }
      return;
    }
    const rsList = await this.getReplicaSetsForDeployment(d);
    if (d.metadata?.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.syncScale(d, rsList);
    if (this.isScalingEvent(d, rsList)) return this.syncScale(d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  // --- ReplicaSets ------------------------------------------------------------------------------

  private async getReplicaSetsForDeployment(d: Deployment): Promise<RS[]> {
    const ns = d.metadata!.namespace!;
    const claimed = await claimObjects(this.client.list(REPLICA_SETS, ns), {
      client: this.client,
      gr: REPLICA_SETS,
      owner: d,
      ownerGR: DEPLOYMENTS,
      ownerApiVersion: API_VERSION,
      ownerKind: KIND,
      match: (rs) => selectorMatches(d.spec?.selector, rs.metadata?.labels),
    });
    return claimed.map((rs) => deepClone(rs));
  }

  /** FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's. */
  private findNewReplicaSet(d: Deployment, rsList: RS[]): RS | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  }

  private findOldReplicaSets(d: Deployment, rsList: RS[]): RS[] {
    const newRS = this.findNewReplicaSet(d, rsList);
    return rsList.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid);
  }

  private async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: RS[], create: boolean): Promise<{ newRS: RS | undefined; oldRSs: RS[] }> {
    const oldRSs = this.findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: Deployment, rsList: RS[], oldRSs: RS[], create: boolean): Promise<RS | undefined> {
    const existing = this.findNewReplicaSet(d, rsList);
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = String(maxOldRevision + 1);
    const ns = d.metadata!.namespace!;

    if (existing) {
      const copy = deepClone(existing);
      const annotationsUpdated = this.setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyNeedsUpdate = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.spec.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        if (!copy.spec.minReadySeconds) delete copy.spec.minReadySeconds;
        return deepClone(await this.client.update(REPLICA_SETS, copy));
      }
      let needsUpdate = this.setDeploymentRevision(d, copy.metadata?.annotations?.[REVISION]);
      d.status ??= {};
      if (hasProgressDeadline(d) && !findCondition(d.status.conditions, 'Progressing')) {
        setCondition(d.status, newCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set "${copy.metadata!.name}"`));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus(d);
      return copy;
    }
    if (!create) return undefined;

    const template = deepClone(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = deepClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rsName = `${d.metadata!.name}-${hash}`;
    const newRS: RS = {
      apiVersion: API_VERSION,
      kind: 'ReplicaSet',
      metadata: { name: rsName, namespace: ns, ownerReferences: [newControllerRef(d, API_VERSION, KIND)], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds) newRS.spec.minReadySeconds = d.spec.minReadySeconds;
    newRS.spec.replicas = this.newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    this.setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: RS | undefined;
    let alreadyExists = false;
    try {
      created = deepClone(await this.client.create(REPLICA_SETS, ns, newRS));
    } catch (e) {
      if (e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists') {
        alreadyExists = true;
        const rs = this.client.get(REPLICA_SETS, ns, rsName);
        if (!rs) throw e;
        if (controllerRefOf(rs)?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
          created = deepClone(rs);
        } else {
          // A hash collision: bump collisionCount, which changes the next hash.
          d.status ??= {};
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.writeStatus(d);
          throw e;
        }
      } else if (isNamespaceTerminating(e)) {
        throw e;
      } else {
        const msg = `Failed to create new replica set "${rsName}": ${errorMessage(e)}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg));
          await this.writeStatus(d).catch(() => undefined);
        }
        await this.client.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw e;
      }
    }
    if (!alreadyExists && replicasOf(newRS) > 0) {
      await this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created!.metadata!.name} from 0 to ${replicasOf(newRS)}`);
    }
    let needsUpdate = this.setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition('Progressing', 'True', NEW_RS_REASON, `Created new replica set "${created!.metadata!.name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d);
    return created;
  }

  /** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
  private newRSNewReplicas(d: Deployment, allRSs: RS[], newRS: RS): number {
    if (!isRollingUpdate(d)) return replicasOf(d);
    const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicasOf(d), true);
    const current = replicaCount(allRSs);
    const maxTotal = replicasOf(d) + surge;
    if (current >= maxTotal) return replicasOf(newRS);
    const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
    return replicasOf(newRS) + up;
  }

  /** SetNewReplicaSetAnnotations: copies the Deployment's annotations and advances the revision. */
  private setNewReplicaSetAnnotations(d: Deployment, rs: RS, newRevision: string, exists: boolean): boolean {
    let changed = this.copyDeploymentAnnotations(d, rs);
    rs.metadata!.annotations ??= {};
    const ann = rs.metadata!.annotations!;
    const oldRevision = ann[REVISION];
    let oldRevisionInt = 0;
    if (oldRevision !== undefined && oldRevision !== '') {
      if (!/^-?\d+$/.test(oldRevision)) return false;
      oldRevisionInt = Number(oldRevision);
    }
    const newRevisionInt = Number(newRevision);
    if (oldRevisionInt < newRevisionInt) {
      ann[REVISION] = newRevision;
      changed = true;
    }
    if (oldRevision !== undefined && oldRevisionInt < newRevisionInt) {
      // Becoming the new ReplicaSet again (a rollback): remember the revisions it had.
      const history = ann[REVISION_HISTORY] ?? '';
      let old = history.split(',');
      if (!old[0]) ann[REVISION_HISTORY] = oldRevision;
      else {
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_LENGTH_IN_CHARS && start < old.length) {
          total -= old[start]!.length + 1;
          start++;
        }
        if (total <= MAX_REV_HISTORY_LENGTH_IN_CHARS) {
          old = [...old.slice(start), oldRevision];
          ann[REVISION_HISTORY] = old.join(',');
        }
      }
    }
    if (!exists && this.setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
    return changed;
  }

  private copyDeploymentAnnotations(d: Deployment, rs: RS): boolean {
    rs.metadata!.annotations ??= {};
    const ann = rs.metadata!.annotations!;
    let changed = false;
    for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
      if (SKIP_ANNOTATIONS.has(k) || ann[k] === v) continue;
      ann[k] = v as string;
      changed = true;
    }
    return changed;
  }

  private setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
    rs.metadata!.annotations ??= {};
    const ann = rs.metadata!.annotations!;
    let changed = false;
    if (ann[DESIRED_REPLICAS] !== String(desired)) {
      ann[DESIRED_REPLICAS] = String(desired);
      changed = true;
    }
    if (ann[MAX_REPLICAS] !== String(max)) {
      ann[MAX_REPLICAS] = String(max);
      changed = true;
    }
    return changed;
  }

  private replicasAnnotationsNeedUpdate(rs: RS, desired: number, max: number): boolean {
    const ann = rs.metadata?.annotations ?? {};
    return ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max);
  }

  /** SetDeploymentRevision: the Deployment carries its new ReplicaSet's revision. */
  private setDeploymentRevision(d: Deployment, revision: string | undefined): boolean {
    if (revision === undefined) return false;
    d.metadata!.annotations ??= {};
    if (d.metadata!.annotations![REVISION] === revision) return false;
    d.metadata!.annotations![REVISION] = revision;
    return true;
  }

  // --- scaling ----------------------------------------------------------------------------------

  /** scaleReplicaSetAndRecordEvent. Returns whether the size changed and the stored ReplicaSet. */
  private async scaleReplicaSetAndRecordEvent(rs: RS, newScale: number, d: Deployment): Promise<[boolean, RS]> {
    if (replicasOf(rs) === newScale) return [false, rs];
    return this.scaleReplicaSet(rs, newScale, d, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  private async scaleReplicaSet(rs: RS, newScale: number, d: Deployment, op: string): Promise<[boolean, RS]> {
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !this.replicasAnnotationsNeedUpdate(rs, desired, max)) return [false, rs];
    const oldScale = replicasOf(rs);
    const copy = deepClone(rs);
    copy.spec.replicas = newScale;
    this.setReplicasAnnotations(copy, desired, max);
    const updated = deepClone(await this.client.update(REPLICA_SETS, copy));
    if (sizeNeedsUpdate) {
      await this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata!.name} from ${oldScale} to ${newScale}`);
    }
    return [sizeNeedsUpdate, updated];
  }

  private isScalingEvent(d: Deployment, rsList: RS[]): boolean {
    const newRS = this.findNewReplicaSet(d, rsList);
    const oldRSs = this.findOldReplicaSets(d, rsList);
    for (const rs of activeRSs([...oldRSs, newRS])) {
      const v = rs.metadata?.annotations?.[DESIRED_REPLICAS];
      if (v === undefined || !/^\d+$/.test(v)) continue;
      if (Number(v) !== replicasOf(d)) return true;
    }
    return false;
  }

  /** sync: scaling and paused deployments (no rollout). */
  private async syncScale(d: Deployment, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    const { newRS: n2, oldRSs: o2 } = await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused) await this.cleanupDeployment(o2, d);
    await this.syncDeploymentStatus([...o2, n2], n2, d);
  }

  /** Proportional scaling of every active ReplicaSet (deployment.scale). */
  private async scale(d: Deployment, newRS: RS | undefined, oldRSs: RS[]): Promise<{ newRS: RS | undefined; oldRSs: RS[] }> {
    const byUid = new Map<string, RS>();
    const put = (rs: RS) => byUid.set(rs.metadata!.uid!, rs);
    const result = () => ({
      newRS: newRS ? byUid.get(newRS.metadata!.uid!) ?? newRS : undefined,
      oldRSs: oldRSs.map((rs) => byUid.get(rs.metadata!.uid!) ?? rs),
    });

    const activeOrLatest = this.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) !== replicasOf(d)) put((await this.scaleReplicaSetAndRecordEvent(activeOrLatest, replicasOf(d), d))[1]);
      return result();
    }
    if (this.isSaturated(d, newRS)) {
      for (const old of activeRSs(oldRSs)) put((await this.scaleReplicaSetAndRecordEvent(old, 0, d))[1]);
      return result();
    }
    if (isRollingUpdate(d)) {
      const all = activeRSs([...oldRSs, newRS]);
      const allReplicas = replicaCount(all);
      const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
      const toAdd = allowed - allReplicas;
      let op = '';
      if (toAdd > 0) {
        // ReplicaSetsBySizeNewer: larger first, then newer first.
        all.sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(b, a));
        op = 'up';
      } else if (toAdd < 0) {
        // ReplicaSetsBySizeOlder: larger first, then older first.
        all.sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(a, b));
        op = 'down';
      }
      let added = 0;
      const sizes = new Map<string, number>();
      for (const rs of all) {
        if (toAdd !== 0) {
          const p = this.getProportion(rs, d, toAdd, added);
          sizes.set(rs.metadata!.name!, replicasOf(rs) + p);
          added += p;
        } else sizes.set(rs.metadata!.name!, replicasOf(rs));
      }
      for (let i = 0; i < all.length; i++) {
        const rs = all[i]!;
        const n = rs.metadata!.name!;
        if (i === 0 && toAdd !== 0) {
          const leftover = toAdd - added;
          sizes.set(n, Math.max(0, sizes.get(n)! + leftover));
        }
        put((await this.scaleReplicaSet(rs, sizes.get(n)!, d, op))[1]);
      }
    }
    return result();
  }

  private findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
    if (!newRS && !oldRSs.length) return undefined;
    const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
    const all = activeRSs([...sortedOld, newRS]);
    if (all.length === 0) return newRS ?? sortedOld[0];
    if (all.length === 1) return all[0];
    return undefined;
  }

  private isSaturated(d: Deployment, rs: RS | undefined): boolean {
    if (!rs) return false;
    const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS];
    if (desired === undefined || !/^-?\d+$/.test(desired)) return false;
    const r = replicasOf(d);
    return replicasOf(rs) === r && Number(desired) === r && (rs.status?.availableReplicas ?? 0) === r;
  }

  private getProportion(rs: RS, d: Deployment, toAdd: number, added: number): number {
    if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    const fraction = this.getReplicaSetFraction(rs, d);
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private getReplicaSetFraction(rs: RS, d: Deployment): number {
    if (replicasOf(d) === 0) return -replicasOf(rs);
    const maxReplicas = replicasOf(d) + maxSurge(d);
    const ann = rs.metadata?.annotations?.[MAX_REPLICAS];
    let before = ann !== undefined && /^\d+$/.test(ann) ? Number(ann) : 0;
    if (!before) before = d.status?.replicas ?? 0;
    if (!before) return 0;
    const size = (replicasOf(rs) * maxReplicas) / before;
    // integer.RoundToInt32: math.Round, halves away from zero.
    const rounded = size < 0 ? -Math.round(-size) : Math.round(size);
    return rounded - replicasOf(rs);
  }

  // --- rolling update ---------------------------------------------------------------------------

  private async rolloutRolling(d: Deployment, rsList: RS[]): Promise<void> {
    const got = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    let newRS = got.newRS!;
    let oldRSs = got.oldRSs;
    const [scaledUp, updatedNew] = await this.reconcileNewReplicaSet([...oldRSs, newRS], newRS, d);
    newRS = updatedNew;
    if (scaledUp) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    const [scaledDown, updatedOld] = await this.reconcileOldReplicaSets([...oldRSs, newRS], oldRSs, newRS, d);
    oldRSs = updatedOld;
    if (scaledDown) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  private async reconcileNewReplicaSet(allRSs: RS[], newRS: RS, d: Deployment): Promise<[boolean, RS]> {
    if (replicasOf(newRS) === replicasOf(d)) return [false, newRS];
    if (replicasOf(newRS) > replicasOf(d)) return this.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d), d);
    return this.scaleReplicaSetAndRecordEvent(newRS, this.newRSNewReplicas(d, allRSs, newRS), d);
  }

  private async reconcileOldReplicaSets(allRSs: RS[], oldRSs: RS[], newRS: RS, d: Deployment): Promise<[boolean, RS[]]> {
    const active = activeRSs(oldRSs);
    const oldPods = replicaCount(active);
    if (oldPods === 0) return [false, oldRSs];
    const allPods = replicaCount(allRSs);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return [false, oldRSs];

    const updated = new Map<string, RS>();
    // Unhealthy replicas first: scaling them down costs no availability.
    const sorted = [...active].sort(byCreation);
    let cleanup = 0;
    for (let i = 0; i < sorted.length; i++) {
      const rs = sorted[i]!;
      if (cleanup >= maxScaledDown) break;
      if (replicasOf(rs) === 0) continue;
      const avail = rs.status?.availableReplicas ?? 0;
      if (replicasOf(rs) === avail) continue;
      const down = Math.min(maxScaledDown - cleanup, replicasOf(rs) - avail);
      const target = replicasOf(rs) - down;
      if (target > replicasOf(rs)) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata!.name} ${replicasOf(rs)} -> ${target}`);
      const [, u] = await this.scaleReplicaSetAndRecordEvent(rs, target, d);
      sorted[i] = u;
      updated.set(u.metadata!.uid!, u);
      cleanup += down;
    }
    // Then as far as availability allows.
    const all2 = [...sorted, newRS];
    const minAvail2 = replicasOf(d) - maxUnavailable(d);
    const availablePods = availableCount(all2);
    let scaledDown = 0;
    if (availablePods > minAvail2) {
      const total = availablePods - minAvail2;
      const sorted2 = [...sorted].sort(byCreation);
      for (const rs of sorted2) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const down = Math.min(replicasOf(rs), total - scaledDown);
        const target = replicasOf(rs) - down;
        const [, u] = await this.scaleReplicaSetAndRecordEvent(rs, target, d);
        updated.set(u.metadata!.uid!, u);
        scaledDown += down;
      }
    }
    return [cleanup + scaledDown > 0, oldRSs.map((rs) => updated.get(rs.metadata!.uid!) ?? rs)];
  }

  // --- recreate ---------------------------------------------------------------------------------

  private async rolloutRecreate(d: Deployment, rsList: RS[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let scaledDown = false;
    const updated = new Map<string, RS>();
    for (const rs of activeRSs(oldRSs)) {
      const [scaled, u] = await this.scaleReplicaSetAndRecordEvent(rs, 0, d);
      updated.set(u.metadata!.uid!, u);
      if (scaled) scaledDown = true;
    }
    oldRSs = oldRSs.map((rs) => updated.get(rs.metadata!.uid!) ?? rs);
    if (scaledDown) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (this.oldPodsRunning(d, newRS, oldRSs, rsList)) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    const [, u] = await this.scaleReplicaSetAndRecordEvent(newRS!, replicasOf(d), d);
    newRS = u;
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  private oldPodsRunning(d: Deployment, newRS: RS | undefined, oldRSs: RS[], rsList: RS[]): boolean {
    if (actualCount(oldRSs) > 0) return true;
    const uids = new Set(rsList.map((rs) => rs.metadata!.uid!));
    for (const pod of this.client.list(PODS, d.metadata!.namespace!, d.spec?.selector)) {
      const ref = controllerRefOf(pod);
      if (!ref || !uids.has(ref.uid)) continue;
      if (newRS && ref.uid === newRS.metadata?.uid) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
    return false;
  }

  // --- history ----------------------------------------------------------------------------------

  /** cleanupDeployment: deletes the oldest unused ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(oldRSs: RS[], d: Deployment): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - d.spec.revisionHistoryLimit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if (statusReplicas(rs) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
      await this.client.delete(REPLICA_SETS, rs.metadata!.namespace!, rs.metadata!.name!, { preconditions: { uid: rs.metadata!.uid! } });
    }
  }

  // --- status -----------------------------------------------------------------------------------

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    d.status ??= {};
    const cond = findCondition(d.status.conditions, 'Progressing');
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedExists = cond?.reason === PAUSED_REASON;
    if (d.spec?.paused && !pausedExists) setCondition(d.status, newCondition('Progressing', 'Unknown', PAUSED_REASON, 'Deployment is paused'));
    else if (!d.spec?.paused && pausedExists) setCondition(d.status, newCondition('Progressing', 'Unknown', RESUMED_REASON, 'Deployment is resumed'));
    else return;
    await this.writeStatus(d);
  }

  private async syncStatusOnly(d: Deployment, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async syncDeploymentStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: Deployment): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (deepEqual(d.status ?? {}, status)) return;
    d.status = status;
    await this.writeStatus(d);
  }

  private calculateStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: Deployment): KObject {
    const available = availableCount(allRSs);
    const total = replicaCount(allRSs);
    const status = makeStatus({
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: actualCount(allRSs),
      updatedReplicas: actualCount([newRS]),
      readyReplicas: readyCount(allRSs),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      conditions: (d.status?.conditions ?? []).map((c: KObject) => ({ ...c })),
      collisionCount: d.status?.collisionCount,
    });
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
    } else {
      setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    }
    return status;
  }

  private async syncRolloutStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: Deployment): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const currentCond = findCondition(d.status?.conditions, 'Progressing');
    const isCompleteDeployment = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && currentCond?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !isCompleteDeployment) {
      if (deploymentComplete(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
        setCondition(status, newCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
        const cond = newCondition('Progressing', 'True', RS_UPDATED_REASON, msg);
        if (currentCond) {
          if (currentCond.status === 'True') cond.lastTransitionTime = currentCond.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
        setCondition(status, newCondition('Progressing', 'False', TIMED_OUT_REASON, msg));
      }
    }
    const failures = this.getReplicaFailures(allRSs, newRS);
    if (failures.length) setCondition(status, failures[0]!);
    else removeCondition(status, 'ReplicaFailure');

    if (deepEqual(d.status ?? {}, status)) {
      this.requeueStuckDeployment(d, status);
      return;
    }
    d.status = status;
    await this.writeStatus(d);
  }

  private getReplicaFailures(allRSs: (RS | undefined)[], newRS: RS | undefined): KObject[] {
    const toDeployment = (c: KObject): KObject => ({
      type: c.type,
      status: c.status,
      lastUpdateTime: c.lastTransitionTime,
      lastTransitionTime: c.lastTransitionTime,
      reason: c.reason,
      message: c.message,
    });
    const of = (rs: RS | undefined) => (rs?.status?.conditions ?? []).filter((c: KObject) => c.type === 'ReplicaFailure').map(toDeployment);
    const fromNew = of(newRS);
    if (fromNew.length) return fromNew;
    return allRSs.flatMap(of);
  }

  private requeueStuckDeployment(d: Deployment, status: KObject): void {
    const cond = findCondition(d.status?.conditions, 'Progressing');
    if (!hasProgressDeadline(d) || !cond) return;
    if (deploymentComplete(d, status) || cond.reason === TIMED_OUT_REASON) return;
    const last = Date.parse(cond.lastUpdateTime ?? '');
    if (Number.isNaN(last)) return;
    const after = last + d.spec.progressDeadlineSeconds * 1000 - Date.now();
    this.requeue.after(keyOf(d), after < 1000 ? 1000 : after + 1000);
  }

  /** Writes d.status (and the revision annotation) if the stored Deployment differs. */
  private async writeStatus(d: Deployment): Promise<void> {
    const ns = d.metadata!.namespace!;
    const name = d.metadata!.name!;
    const uid = d.metadata!.uid;
    const status = d.status ?? {};
    const revision = d.metadata?.annotations?.[REVISION];
    const res = await this.client.modify(
      DEPLOYMENTS,
      ns,
      name,
      (o) => {
        if (o.metadata?.uid !== uid) return false;
        const sameStatus = deepEqual(o.status ?? {}, status);
        const sameRevision = revision === undefined || o.metadata?.annotations?.[REVISION] === revision;
        if (sameStatus && sameRevision) return false;
        o.status = deepClone(status);
        if (!sameRevision) o.metadata!.annotations = { ...(o.metadata!.annotations ?? {}), [REVISION]: revision! };
      },
      { status: true },
    );
    if (res && revision !== undefined && res.metadata?.annotations?.[REVISION] !== revision) {
      await this.client.modify(DEPLOYMENTS, ns, name, (o) => {
        if (o.metadata?.uid !== uid || o.metadata?.annotations?.[REVISION] === revision) return false;
        o.metadata!.annotations = { ...(o.metadata!.annotations ?? {}), [REVISION]: revision };
      });
    }
  }
}
