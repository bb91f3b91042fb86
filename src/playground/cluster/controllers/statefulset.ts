/**
 * kube-controller-manager's StatefulSet controller (pkg/controller/statefulset), the parts a
 * playground needs: pods `<name>-<ordinal>` with stable identity (hostname, subdomain from
 * serviceName, statefulset.kubernetes.io/pod-name and apps.kubernetes.io/pod-index labels),
 * created in order and only when every predecessor is Running and Ready (OrderedReady) or all
 * at once (Parallel), removed from the highest ordinal down on scale down; ControllerRevisions
 * per template (the pods' controller-revision-hash label is the revision's name); RollingUpdate
 * from the highest ordinal down to the partition, OnDelete; status and revision history.
 *
 * Not simulated: persistent volumes. The playground's API server does not serve
 * PersistentVolumeClaims, so volumeClaimTemplates only give the pods their volumes (referring to
 * claims `<template>-<pod>`, as in Kubernetes); no claims are created. The MaxUnavailable
 * rolling update (alpha in Kubernetes) is not implemented.
 */
import { deepClone, deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { CONTROLLER_REVISIONS, PODS, STATEFUL_SETS } from '../client.js';
import { Controller, keyOf, splitKey, type ObjectEvent } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  claimObjects,
  CONTROLLER_REVISION_HASH,
  controllerRefOf,
  errorMessage,
  isEmptySelector,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  newControllerRef,
  podFromTemplate,
  Requeuer,
  safeEncodeString,
  selectorMatches,
  semanticEqual,
  sortRevisions,
  templateOfRevision,
  templatePatch,
  canonicalJson,
} from './workload-common.js';

const KIND = 'StatefulSet';
const API_VERSION = 'apps/v1';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

function parentAndOrdinal(pod: KObject): [string, number] {
  const m = ORDINAL_RE.exec(pod.metadata?.name ?? '');
  if (!m) return ['', -1];
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? [m[1]!, n] : ['', -1];
}

const ordinalOf = (pod: KObject): number => parentAndOrdinal(pod)[1];
const isMemberOf = (set: KObject, pod: KObject): boolean => parentAndOrdinal(pod)[0] === set.metadata?.name;
const startOrdinal = (set: KObject): number => set.spec?.ordinals?.start ?? 0;
const podName = (set: KObject, ordinal: number): string => `${set.metadata!.name}-${ordinal}`;

const isCreated = (p: KObject): boolean => !!p.status?.phase;
const isFailed = (p: KObject): boolean => p.status?.phase === 'Failed';
const isSucceeded = (p: KObject): boolean => p.status?.phase === 'Succeeded';
const isTerminating = (p: KObject): boolean => !!p.metadata?.deletionTimestamp;
const isRunningAndReady = (p: KObject): boolean => p.status?.phase === 'Running' && isPodReady(p);
const isRunningAndAvailable = (p: KObject, minReady: number): boolean => p.status?.phase === 'Running' && isPodAvailable(p, minReady);
const isHealthy = (p: KObject): boolean => isRunningAndReady(p) && !isTerminating(p);
const podRevision = (p: KObject): string | undefined => p.metadata?.labels?.[CONTROLLER_REVISION_HASH];

/** FNV-1 (not 1a): what history.HashControllerRevision uses. */
function fnv32(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= data[i]!;
  }
  return h >>> 0;
}

function hashControllerRevision(data: unknown, probe: number | undefined): string {
  const enc = new TextEncoder();
  let h = fnv32(enc.encode(canonicalJson(data)));
  if (probe !== undefined) h = fnv32(enc.encode(String(probe)), h);
  return safeEncodeString(String(h));
}

function claimName(template: KObject, pod: KObject): string {
  return `${template.metadata?.name ?? ''}-${pod.metadata!.name}`;
}

/** The set with the revision's template (ApplyRevision). */
function applyRevision(set: KObject, revision: KObject): KObject {
  const clone = deepClone(set);
  const t = templateOfRevision(revision);
  if (t) clone.spec.template = t;
  return clone;
}

function updateIdentity(set: KObject, pod: KObject): void {
  const ordinal = ordinalOf(pod);
  pod.metadata!.name = podName(set, ordinal);
  pod.metadata!.namespace = set.metadata!.namespace;
  pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), [POD_NAME_LABEL]: pod.metadata!.name!, [POD_INDEX_LABEL]: String(ordinal) };
}

function identityMatches(set: KObject, pod: KObject): boolean {
  const [parent, ordinal] = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata!.name &&
    pod.metadata!.name === podName(set, ordinal) &&
    pod.metadata!.namespace === set.metadata!.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata!.name &&
    pod.metadata?.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** updateStorage: a volume per claim template, referring to the claim `<template>-<pod>`. */
function updateStorage(set: KObject, pod: KObject): void {
  const templates: KObject[] = set.spec?.volumeClaimTemplates ?? [];
  if (!templates.length) return;
  const names = new Set(templates.map((t) => t.metadata?.name));
  const volumes: KObject[] = templates.map((t) => ({ name: t.metadata?.name, persistentVolumeClaim: { claimName: claimName(t, pod) } }));
  for (const v of pod.spec?.volumes ?? []) if (!names.has(v.name)) volumes.push(v);
  pod.spec.volumes = volumes;
}

function newStatefulSetPod(set: KObject, ordinal: number): KObject {
  const pod = podFromTemplate(set.spec?.template, set, newControllerRef(set, API_VERSION, KIND));
  delete pod.metadata!.generateName;
  pod.metadata!.name = podName(set, ordinal);
  updateIdentity(set, pod);
  pod.spec.hostname = pod.metadata!.name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  return pod;
}

function newVersionedPod(currentSet: KObject, updateSet: KObject, currentRevision: string, updateRevision: string, ordinal: number): KObject {
  const us = currentSet.spec?.updateStrategy ?? {};
  const useCurrent =
    ((us.type ?? 'RollingUpdate') === 'RollingUpdate' && !us.rollingUpdate && ordinal < (currentSet.status?.currentReplicas ?? 0)) ||
    (!!us.rollingUpdate && ordinal < (us.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels![CONTROLLER_REVISION_HASH] = useCurrent ? currentRevision : updateRevision;
  return pod;
}

interface Counts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

function computeCounts(minReady: number, currentRevision: string, updateRevision: string, ...lists: KObject[][]): Counts {
  const c: Counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const list of lists) {
    for (const pod of list) {
      if (isCreated(pod)) c.replicas++;
      if (isRunningAndReady(pod)) {
        c.readyReplicas++;
        if (isRunningAndAvailable(pod, minReady)) c.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = podRevision(pod);
        if (rev === currentRevision) c.currentReplicas++;
        if (rev === updateRevision) c.updatedReplicas++;
      }
    }
  }
  return c;
}

interface SetStatus extends Counts {
  observedGeneration: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

export class StatefulSetController extends Controller {
  private readonly requeue: Requeuer;

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('statefulset-controller'), 'statefulset-controller');
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(STATEFUL_SETS, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(PODS, (e) => this.onPod(e));
    this.watch(CONTROLLER_REVISIONS, (e) => {
      const ref = controllerRefOf(e.obj);
      if (ref?.kind === KIND) this.queue.add(`${e.obj.metadata?.namespace}/${ref.name}`);
    });
    for (const s of this.client.list(STATEFUL_SETS)) this.queue.add(keyOf(s));
    this.every(30_000, () => {
      for (const s of this.client.list(STATEFUL_SETS)) this.queue.add(keyOf(s));
    });
  }

  private onPod(e: ObjectEvent): void {
    const pod = e.obj;
    const ns = pod.metadata?.namespace ?? '';
    for (const ref of [controllerRefOf(pod), e.prev ? controllerRefOf(e.prev) : undefined]) {
      if (ref?.kind === KIND) this.queue.add(`${ns}/${ref.name}`);
    }
    if (e.type === 'DELETED' || controllerRefOf(pod)) return;
    for (const s of this.client.list(STATEFUL_SETS, ns)) {
      if (selectorMatches(s.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(s));
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const stored = this.client.get(STATEFUL_SETS, namespace, name);
    if (!stored) return;
    const set = deepClone(stored);
    if (isEmptySelector(set.spec?.selector)) {
      await this.client.event(set, 'Warning', 'SelectingAll', 'This statefulset is selecting all pods. A non-empty selector is required.');
      return;
    }
    const claim = (gr: typeof PODS, extra: (o: KObject) => boolean) =>
      claimObjects(this.client.list(gr, namespace), {
        client: this.client,
        gr,
        owner: set,
        ownerGR: STATEFUL_SETS,
        ownerApiVersion: API_VERSION,
        ownerKind: KIND,
        match: (o) => selectorMatches(set.spec?.selector, o.metadata?.labels) && extra(o),
      });
    const revisions = await claim(CONTROLLER_REVISIONS, () => true);
    const pods = await claim(PODS, (p) => isMemberOf(set, p));
    await this.performUpdate(set, pods, revisions);
  }

  private async performUpdate(set: KObject, pods: KObject[], revisions: KObject[]): Promise<void> {
    const { current, update, collisionCount } = await this.getRevisions(set, revisions);
    const { status, error } = await this.updateStatefulSet(set, current, update, collisionCount, pods);
    await this.updateStatus(set, status);
    await this.truncateHistory(set, pods, revisions, current, update);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== (set.spec?.replicas ?? 1)) {
      let next = minReady * 1000;
      for (const p of this.client.list(PODS, set.metadata!.namespace!)) {
        if (controllerRefOf(p)?.uid !== set.metadata?.uid) continue;
        const ms = msUntilAvailable(p, minReady);
        if (ms) next = Math.min(next, ms);
      }
      this.requeue.after(keyOf(set), next + 50);
    }
    if (error) throw error;
  }

  // --- revisions --------------------------------------------------------------------------------

  private newRevision(set: KObject, revision: number, collisionCount: number): KObject {
    const data = templatePatch(set);
    const hash = hashControllerRevision(data, collisionCount);
    const annotations = { ...(set.metadata?.annotations ?? {}) };
    return {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${set.metadata!.name!.slice(0, 223)}-${hash}`,
        namespace: set.metadata!.namespace,
        labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [newControllerRef(set, API_VERSION, KIND)],
      },
      data,
      revision,
    };
  }

  private async getRevisions(set: KObject, revisions: KObject[]): Promise<{ current: KObject; update: KObject; collisionCount: number }> {
    const sorted = sortRevisions(revisions);
    let collisionCount = set.status?.collisionCount ?? 0;
    const next = sorted.length ? (sorted[sorted.length - 1]!.revision ?? 0) + 1 : 1;
    let update = this.newRevision(set, next, collisionCount);
    const equal = sorted.filter((r) => semanticEqual(r.data, update.data));
    const ns = set.metadata!.namespace!;
    if (equal.length && sorted[sorted.length - 1] === equal[equal.length - 1]) {
      update = sorted[sorted.length - 1]!;
    } else if (equal.length) {
      // Back to an earlier template: that revision becomes the newest.
      const copy = deepClone(equal[equal.length - 1]!);
      copy.revision = update.revision;
      update = await this.client.update(CONTROLLER_REVISIONS, copy);
    } else {
      for (;;) {
        const candidate = this.newRevision(set, next, collisionCount);
        try {
          update = await this.client.create(CONTROLLER_REVISIONS, ns, candidate);
          break;
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 409)) throw e;
          const exists = this.client.get(CONTROLLER_REVISIONS, ns, candidate.metadata!.name!);
          if (exists && semanticEqual(exists.data, candidate.data)) {
            update = exists;
            break;
          }
          collisionCount++;
        }
      }
    }
    const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async truncateHistory(set: KObject, pods: KObject[], revisions: KObject[], current: KObject, update: KObject): Promise<void> {
    const live = new Set<string>([current.metadata!.name!, update.metadata!.name!]);
    for (const p of pods) {
      const r = podRevision(p);
      if (r) live.add(r);
    }
    const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata!.name!));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) {
      await this.client.delete(CONTROLLER_REVISIONS, r.metadata!.namespace!, r.metadata!.name!);
    }
  }

  // --- pods -------------------------------------------------------------------------------------

  private async updateStatefulSet(
    set: KObject,
    currentRevision: KObject,
    updateRevision: KObject,
    collisionCount: number,
    pods: KObject[],
  ): Promise<{ status: SetStatus; error?: unknown }> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const cur = currentRevision.metadata!.name!;
    const upd = updateRevision.metadata!.name!;
    const minReady = set.spec?.minReadySeconds ?? 0;
    const replicaCount = set.spec?.replicas ?? 1;
    const start = startOrdinal(set);
    const end = start + replicaCount - 1;
    const replicas: KObject[] = new Array(replicaCount);
    const condemned: KObject[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(pod);
      if (ord >= start && ord <= end) replicas[ord - start] = pod;
      else if (ord >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= end; ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedPod(currentSet, updateSet, cur, upd, ord);
    }
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    let firstUnhealthy: KObject | undefined;
    for (const p of replicas) if (!isHealthy(p) && !firstUnhealthy) firstUnhealthy = p;
    for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i]!) && !firstUnhealthy) firstUnhealthy = condemned[i];

    const status = (): SetStatus => ({
      observedGeneration: set.metadata?.generation ?? 0,
      currentRevision: cur,
      updateRevision: upd,
      collisionCount,
      ...computeCounts(minReady, cur, upd, replicas, condemned),
    });
    if (set.metadata?.deletionTimestamp) return { status: status() };
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

    try {
      for (let i = 0; i < replicas.length; i++) {
        const exit = await this.processReplica(set, currentSet, updateSet, cur, upd, monotonic, replicas, i);
        if (exit && monotonic) return { status: status() };
      }
      for (let i = 0; i < condemned.length; i++) {
        const exit = await this.processCondemned(set, firstUnhealthy, monotonic, condemned, i);
        if (exit && monotonic) return { status: status() };
      }
    } catch (error) {
      return { status: status(), error };
    }
    const s = status();
    const us = set.spec?.updateStrategy ?? {};
    if (us.type === 'OnDelete') return { status: s };
    const updateMin = us.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= updateMin; target--) {
      const pod = replicas[target]!;
      if (podRevision(pod) !== upd && !isTerminating(pod)) {
        try {
          await this.deletePod(set, pod);
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) return { status: s, error };
        }
        s.currentReplicas--;
        return { status: s };
      }
      if (!isHealthy(pod)) return { status: s };
    }
    return { status: s };
  }

  private async processReplica(
    set: KObject,
    currentSet: KObject,
    updateSet: KObject,
    cur: string,
    upd: string,
    monotonic: boolean,
    replicas: KObject[],
    i: number,
  ): Promise<boolean> {
    const ns = set.metadata!.namespace!;
    let pod = replicas[i]!;
    if (isCreated(pod) && (isFailed(pod) || isSucceeded(pod))) {
      if (isFailed(pod)) await this.client.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${ns}/${set.metadata!.name} is recreating failed Pod ${pod.metadata!.name}`);
      else await this.client.event(set, 'Normal', 'RecreatingTerminatedPod', `StatefulSet ${ns}/${set.metadata!.name} is recreating terminated Pod ${pod.metadata!.name}`);
      await this.deletePod(set, pod);
      pod = replicas[i] = newVersionedPod(currentSet, updateSet, cur, upd, i + startOrdinal(set));
    }
    if (!isCreated(pod)) {
      await this.createPod(set, pod);
      if (monotonic) return true;
    }
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0) && monotonic) return true;
    if (!isCreated(pod) || identityMatches(set, pod)) return false;
    await this.client.modify(PODS, ns, pod.metadata!.name!, (p) => {
      if (identityMatches(updateSet, p)) return false;
      updateIdentity(updateSet, p);
    });
    await this.client.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
    return false;
  }

  private async processCondemned(set: KObject, firstUnhealthy: KObject | undefined, monotonic: boolean, condemned: KObject[], i: number): Promise<boolean> {
    const pod = condemned[i]!;
    if (isTerminating(pod)) return monotonic;
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0) && monotonic && pod !== firstUnhealthy) return true;
    await this.deletePod(set, pod);
    return true;
  }

  private async createPod(set: KObject, pod: KObject): Promise<void> {
    const ns = set.metadata!.namespace!;
    try {
      await this.client.create(PODS, ns, pod);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) throw e;
      await this.client.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${errorMessage(e)}`);
      throw e;
    }
    await this.client.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
  }

  private async deletePod(set: KObject, pod: KObject): Promise<void> {
    try {
      await this.client.delete(PODS, set.metadata!.namespace!, pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid! } });
    } catch (e) {
      await this.client.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${errorMessage(e)}`);
      throw e;
    }
    await this.client.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
  }

  // --- status -----------------------------------------------------------------------------------

  private async updateStatus(set: KObject, s: SetStatus): Promise<void> {
    // completeRollingUpdate
    if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
      s.currentReplicas = s.updatedReplicas;
      s.currentRevision = s.updateRevision;
    }
    const fresh = this.client.get(STATEFUL_SETS, set.metadata!.namespace!, set.metadata!.name!);
    const status: KObject = {};
    if (s.observedGeneration) status.observedGeneration = s.observedGeneration;
    status.replicas = s.replicas;
    if (s.readyReplicas) status.readyReplicas = s.readyReplicas;
    if (s.currentReplicas) status.currentReplicas = s.currentReplicas;
    if (s.updatedReplicas) status.updatedReplicas = s.updatedReplicas;
    if (s.currentRevision) status.currentRevision = s.currentRevision;
    if (s.updateRevision) status.updateRevision = s.updateRevision;
    status.collisionCount = s.collisionCount;
    if (fresh?.status?.conditions) status.conditions = fresh.status.conditions;
    status.availableReplicas = s.availableReplicas;
    await this.client.modify(
      STATEFUL_SETS,
      set.metadata!.namespace!,
      set.metadata!.name!,
      (o) => {
        if (o.metadata?.uid !== set.metadata?.uid || deepEqual(o.status ?? {}, status)) return false;
        o.status = status;
      },
      { status: true },
    );
  }
}
