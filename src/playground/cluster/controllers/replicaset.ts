/**
 * kube-controller-manager's ReplicaSet controller (pkg/controller/replicaset): keeps
 * spec.replicas pods that match the selector and are controlled by the ReplicaSet, adopting
 * matching orphans and releasing pods that stopped matching, and reports status.
 *
 * Expectations: the internal client's writes return only once the watch cache has them, and a
 * sync awaits all its creates and deletes, so the next sync always sees its own effects; the
 * per-ReplicaSet "expectations" of Kubernetes are therefore the sync itself.
 */
import { deepEqual, type KObject } from '../../../apis/object.js';
import { PODS, REPLICA_SETS } from '../client.js';
import { Controller, keyOf, splitKey, type ObjectEvent } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  claimObjects,
  controllerRefOf,
  errorMessage,
  findCondition,
  isNamespaceTerminating,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  newControllerRef,
  now,
  podFromTemplate,
  Requeuer,
  selectorMatches,
  slowStartBatch,
  sortForDeletion,
} from './workload-common.js';

const KIND = 'ReplicaSet';
const API_VERSION = 'apps/v1';
/** BurstReplicas: at most this many creates or deletes per sync. */
const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export class ReplicaSetController extends Controller {
  private readonly requeue: Requeuer;

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('replicaset-controller'), 'replicaset-controller');
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(REPLICA_SETS, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(PODS, (e) => this.onPod(e));
    for (const rs of this.client.list(REPLICA_SETS)) this.queue.add(keyOf(rs));
    // Informer resync: a periodic look at every ReplicaSet catches anything missed.
    this.every(30_000, () => {
      for (const rs of this.client.list(REPLICA_SETS)) this.queue.add(keyOf(rs));
    });
  }

  private onPod(e: ObjectEvent): void {
    const pod = e.obj;
    const ns = pod.metadata?.namespace ?? '';
    for (const ref of [controllerRefOf(pod), e.prev ? controllerRefOf(e.prev) : undefined]) {
      if (ref?.kind === KIND && ref.apiVersion?.startsWith('apps/')) this.queue.add(`${ns}/${ref.name}`);
    }
    if (e.type === 'DELETED') return;
    // Orphans (or pods whose labels changed) wake every ReplicaSet whose selector matches.
    const labelsChanged = e.prev && !deepEqual(e.prev.metadata?.labels, pod.metadata?.labels);
    if (!controllerRefOf(pod) || labelsChanged) {
      for (const rs of this.client.list(REPLICA_SETS, ns)) {
        if (selectorMatches(rs.spec?.selector, pod.metadata?.labels) || (labelsChanged && selectorMatches(rs.spec?.selector, e.prev!.metadata?.labels))) {
          this.queue.add(keyOf(rs));
        }
      }
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.client.get(REPLICA_SETS, namespace, name);
    if (!rs) return;
    const selector = rs.spec?.selector;
    const allPods = this.client.list(PODS, namespace);
    const active = allPods.filter(isPodActive);
    const pods = await claimObjects(active, {
      client: this.client,
      gr: PODS,
      owner: rs,
      ownerGR: REPLICA_SETS,
      ownerApiVersion: API_VERSION,
      ownerKind: KIND,
      match: (p) => selectorMatches(selector, p.metadata?.labels),
    });
    let manageError: unknown;
    if (!rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(pods, rs);
      } catch (e) {
        manageError = e;
      }
    }
    // Status from what is in the cache now (the sync's own creates and deletes included).
    const current = this.client.get(REPLICA_SETS, namespace, name);
    if (!current) return;
    const fresh = this.client
      .list(PODS, namespace)
      .filter((p) => isPodActive(p) && controllerRefOf(p)?.uid === current.metadata?.uid && selectorMatches(selector, p.metadata?.labels));
    await this.updateStatus(current, fresh, manageError, rs.metadata?.generation ?? 0);
    if (manageError) throw manageError;
  }

  private async manageReplicas(pods: KObject[], rs: KObject): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    let diff = pods.length - want;
    const ns = rs.metadata!.namespace!;
    if (diff < 0) {
      diff = Math.min(-diff, BURST_REPLICAS);
      const ref = newControllerRef(rs, API_VERSION, KIND);
      const { error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH, async () => {
        const pod = podFromTemplate(rs.spec?.template, rs, ref);
        pod.metadata!.namespace = ns;
        try {
          const created = await this.client.create(PODS, ns, pod);
          await this.client.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
        } catch (e) {
          if (isNamespaceTerminating(e)) return;
          await this.client.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
          throw e;
        }
      });
      if (error) throw error;
    } else if (diff > 0) {
      diff = Math.min(diff, BURST_REPLICAS);
      const toDelete = this.podsToDelete(rs, pods, diff);
      const results = await Promise.allSettled(
        toDelete.map(async (p) => {
          try {
            await this.client.delete(PODS, ns, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid! } });
            await this.client.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
          } catch (e) {
            await this.client.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
            throw e;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** getPodsToDelete: ranked by co-located pods of sibling ReplicaSets (same owner), then ActivePods order. */
  private podsToDelete(rs: KObject, pods: KObject[], diff: number): KObject[] {
    if (diff >= pods.length) return pods;
    const related = this.relatedPods(rs);
    const onNode = new Map<string, number>();
    for (const p of related) {
      if (!isPodActive(p)) continue;
      const n = p.spec?.nodeName ?? '';
      onNode.set(n, (onNode.get(n) ?? 0) + 1);
    }
    const ranks = new Map<KObject, number>();
    for (const p of pods) ranks.set(p, onNode.get(p.spec?.nodeName ?? '') ?? 0);
    return sortForDeletion(pods, ranks).slice(0, diff);
  }

  private relatedPods(rs: KObject): KObject[] {
    const ns = rs.metadata!.namespace!;
    const owner = controllerRefOf(rs);
    const siblings = owner ? this.client.list(REPLICA_SETS, ns).filter((x) => controllerRefOf(x)?.uid === owner.uid) : [rs];
    const seen = new Set<string>();
    const out: KObject[] = [];
    for (const s of siblings) {
      if (!s.spec?.selector) continue;
      for (const p of this.client.list(PODS, ns, s.spec.selector)) {
        if (seen.has(p.metadata!.uid!)) continue;
        seen.add(p.metadata!.uid!);
        out.push(p);
      }
    }
    return out;
  }

  /** calculateStatus + updateReplicaSetStatus; `generation` is the one this sync acted on. */
  private async updateStatus(rs: KObject, pods: KObject[], manageError: unknown, generation: number): Promise<void> {
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const t = Date.now();
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    let nextAvailable: number | undefined;
    for (const p of pods) {
      const labels = p.metadata?.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, t)) available++;
        else {
          const ms = msUntilAvailable(p, minReady, t);
          if (ms !== undefined) nextAvailable = Math.min(nextAvailable ?? ms, ms);
        }
      }
    }
    const want = rs.spec?.replicas ?? 1;
    const status: KObject = { replicas: pods.length };
    if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (generation) status.observedGeneration = generation;
    const conditions: KObject[] = (rs.status?.conditions ?? []).map((c: KObject) => ({ ...c }));
    const failure = findCondition(conditions, 'ReplicaFailure');
    let newConditions = conditions;
    if (manageError && !failure) {
      const d = pods.length - want;
      const reason = d < 0 ? 'FailedCreate' : d > 0 ? 'FailedDelete' : '';
      newConditions = [...conditions, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: now(), reason, message: errorMessage(manageError) }];
    } else if (!manageError && failure) {
      newConditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    if (newConditions.length) status.conditions = newConditions;
    const key = keyOf(rs);
    if (!deepEqual(rs.status ?? {}, status)) {
      await this.client.modify(
        REPLICA_SETS,
        rs.metadata!.namespace!,
        rs.metadata!.name!,
        (o) => {
          if (o.metadata?.uid !== rs.metadata?.uid) return false;
          if (deepEqual(o.status ?? {}, status)) return false;
          o.status = status;
        },
        { status: true },
      );
    }
    // Pods that are ready but not yet available for minReadySeconds: look again when they are.
    if (!manageError && minReady > 0 && nextAvailable !== undefined) this.requeue.after(key, nextAvailable + 50);
  }
}
