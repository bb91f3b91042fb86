/**
 * kube-controller-manager's DaemonSet controller (pkg/controller/daemon): one pod per node that
 * matches the template's nodeSelector / required node affinity and whose NoSchedule/NoExecute
 * taints the pod tolerates (DaemonSet pods get the standard daemon tolerations). Pods are
 * created with a required node affinity on metadata.name, so the scheduler binds them to their
 * node. Rolling updates honour maxUnavailable (or maxSurge); every template revision is a
 * ControllerRevision whose hash labels the pods (controller-revision-hash), which is what
 * `kubectl rollout history/undo ds` use.
 */
import { deepClone, deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../client.js';
import { Controller, keyOf, splitKey, type ObjectEvent } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  claimObjects,
  computeHash,
  CONTROLLER_REVISION_HASH,
  controllerRefOf,
  errorMessage,
  isEmptySelector,
  isNamespaceTerminating,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  msUntilAvailable,
  newControllerRef,
  podFromTemplate,
  Requeuer,
  scaledValue,
  selectorMatches,
  semanticEqual,
  slowStartBatch,
  templatePatch,
} from './workload-common.js';

const KIND = 'DaemonSet';
const API_VERSION = 'apps/v1';
const BURST_REPLICAS = 250;
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

// --- node matching (component-helpers nodeaffinity, v1helper taints) ------------------------------

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** FindMatchingUntoleratedTaint. */
export function untoleratedTaint(taints: Taint[], tolerations: Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

function requirementMatches(req: KObject, value: string | undefined): boolean {
  const has = value !== undefined;
  const values: string[] = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(value!) || !/^-?\d+$/.test(values[0]!)) return false;
      return req.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

function nodeSelectorTermMatches(term: KObject, node: KObject): boolean {
  const exprs: KObject[] = term.matchExpressions ?? [];
  const fields: KObject[] = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata?.labels ?? {};
  for (const e of exprs) if (!requirementMatches(e, Object.prototype.hasOwnProperty.call(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!requirementMatches(f, node.metadata?.name)) return false;
  }
  return true;
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector and required node affinity terms. */
export function podFitsNode(spec: KObject | undefined, node: KObject): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms: KObject[] = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => nodeSelectorTermMatches(t, node))) return false;
  }
  return true;
}

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** AddOrUpdateDaemonPodTolerations. */
export function addDaemonTolerations(spec: KObject): void {
  const tolerations: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const wanted = spec.hostNetwork ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE] : DAEMON_TOLERATIONS;
  for (const w of wanted) {
    const i = tolerations.findIndex((t) => (t.key ?? '') === w.key && (t.effect ?? '') === w.effect && (t.operator ?? 'Equal') === w.operator && (t.value ?? '') === '');
    if (i >= 0) tolerations[i] = { ...w };
    else tolerations.push({ ...w });
  }
  spec.tolerations = tolerations;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity. */
export function replaceNodeNameAffinity(spec: KObject, nodeName: string): void {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  const na = spec.affinity.nodeAffinity;
  if (!na.requiredDuringSchedulingIgnoredDuringExecution) na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  else na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms = [term];
}

/** GetTargetNodeName: spec.nodeName, or the node named by the daemon pod's node affinity. */
export function targetNodeName(pod: KObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms: KObject[] = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** NodeShouldRunDaemonPod: [shouldRun, shouldContinueRunning]. */
export function nodeShouldRunDaemonPod(node: KObject, ds: KObject): [boolean, boolean] {
  const spec = deepClone(ds.spec?.template?.spec ?? {});
  spec.nodeName = node.metadata!.name;
  addDaemonTolerations(spec);
  const templateNode = ds.spec?.template?.spec?.nodeName;
  if (templateNode && templateNode !== node.metadata!.name) return [false, false];
  if (!podFitsNode(spec, node)) return [false, false];
  const taints: Taint[] = node.spec?.taints ?? [];
  const tolerations: Toleration[] = spec.tolerations ?? [];
  if (untoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule')) {
    return [false, !untoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute')];
  }
  return [true, true];
}

/** podByCreationTimestampAndPhase: scheduled first, then older, then by name. */
function byCreationAndPhase(a: KObject, b: KObject): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta === tb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  return Date.parse(ta) - Date.parse(tb);
}

function templateGeneration(ds: KObject): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^-?\d+$/.test(v) ? v : undefined;
}

function isPodUpdated(pod: KObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation) || (!!hash && labels[CONTROLLER_REVISION_HASH] === hash);
}

export class DaemonSetController extends Controller {
  private readonly requeue: Requeuer;
  /** failedPodsBackoff: per DaemonSet and node, how long to wait before killing another failed pod. */
  private readonly failedBackoff = new Map<string, { until: number; delay: number }>();

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('daemonset-controller'), 'daemonset-controller');
    this.requeue = new Requeuer(
      (ms, fn) => this.after(ms, fn),
      (k) => this.queue.add(k),
    );
  }

  start(): void {
    this.watch(DAEMON_SETS, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(PODS, (e) => this.onPod(e));
    this.watch(NODES, (e) => this.onNode(e));
    this.watch(CONTROLLER_REVISIONS, (e) => {
      const ref = controllerRefOf(e.obj);
      if (ref?.kind === KIND) this.queue.add(`${e.obj.metadata?.namespace}/${ref.name}`);
    });
    this.enqueueAll();
    this.every(30_000, () => this.enqueueAll());
  }

  private enqueueAll(): void {
    for (const ds of this.client.list(DAEMON_SETS)) this.queue.add(keyOf(ds));
  }

  private onPod(e: ObjectEvent): void {
    const pod = e.obj;
    const ns = pod.metadata?.namespace ?? '';
    for (const ref of [controllerRefOf(pod), e.prev ? controllerRefOf(e.prev) : undefined]) {
      if (ref?.kind === KIND) this.queue.add(`${ns}/${ref.name}`);
    }
    if (e.type === 'DELETED' || controllerRefOf(pod)) return;
    for (const ds of this.client.list(DAEMON_SETS, ns)) {
      if (selectorMatches(ds.spec?.selector, pod.metadata?.labels)) this.queue.add(keyOf(ds));
    }
  }

  private onNode(e: ObjectEvent): void {
    if (e.type === 'MODIFIED' && e.prev) {
      const conds = (n: KObject) =>
        (n.status?.conditions ?? [])
          .map((c: KObject) => `${c.type}=${c.status}`)
          .sort()
          .join(',');
      if (deepEqual(e.prev.metadata?.labels, e.obj.metadata?.labels) && deepEqual(e.prev.spec, e.obj.spec) && conds(e.prev) === conds(e.obj)) return;
    }
    this.enqueueAll();
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const stored = this.client.get(DAEMON_SETS, namespace, name);
    if (!stored) return;
    const ds = deepClone(stored);
    if (isEmptySelector(ds.spec?.selector)) {
      await this.client.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const nodes = this.client.list(NODES);
    const { cur, old } = await this.constructHistory(ds);
    const hash = cur.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    let err: unknown;
    try {
      await this.manage(ds, nodes, hash);
      if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await this.rollingUpdate(ds, nodes, hash);
      await this.cleanupHistory(ds, old);
    } catch (e) {
      err = e;
    }
    await this.updateStatus(ds, nodes, hash);
    if (err) throw err;
  }

  // --- pods -------------------------------------------------------------------------------------

  private async daemonPods(ds: KObject): Promise<KObject[]> {
    const ns = ds.metadata!.namespace!;
    return claimObjects(this.client.list(PODS, ns), {
      client: this.client,
      gr: PODS,
      owner: ds,
      ownerGR: DAEMON_SETS,
      ownerApiVersion: API_VERSION,
      ownerKind: KIND,
      match: (p) => selectorMatches(ds.spec?.selector, p.metadata?.labels),
    });
  }

  /** getNodesToDaemonPods. */
  private async nodesToDaemonPods(ds: KObject, includeDeletedTerminal = false): Promise<Map<string, KObject[]>> {
    const out = new Map<string, KObject[]>();
    for (const pod of await this.daemonPods(ds)) {
      if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
      const node = targetNodeName(pod);
      if (!node) continue;
      const l = out.get(node) ?? [];
      l.push(pod);
      out.set(node, l);
    }
    for (const l of out.values()) l.sort(byCreationAndPhase);
    return out;
  }

  private async manage(ds: KObject, nodes: KObject[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds);
    const needing: string[] = [];
    const toDelete: KObject[] = [];
    for (const node of nodes) {
      const [n, d] = this.podsShouldBeOnNode(node, nodeToPods, ds, hash);
      needing.push(...n);
      toDelete.push(...d);
    }
    // Unscheduled pods aimed at nodes that no longer exist would never be scheduled.
    const names = new Set(nodes.map((n) => n.metadata!.name!));
    for (const [node, pods] of nodeToPods) {
      if (names.has(node)) continue;
      for (const p of pods) if (!p.spec?.nodeName) toDelete.push(p);
    }
    await this.syncNodes(ds, toDelete, needing, hash);
  }

  private podsShouldBeOnNode(node: KObject, nodeToPods: Map<string, KObject[]>, ds: KObject, hash: string): [string[], KObject[]] {
    const [shouldRun, shouldContinue] = nodeShouldRunDaemonPod(node, ds);
    const nodeName = node.metadata!.name!;
    const pods = nodeToPods.get(nodeName);
    const needing: string[] = [];
    const toDelete: KObject[] = [];
    if (shouldRun && !pods?.length) {
      needing.push(nodeName);
    } else if (shouldContinue) {
      const running: KObject[] = [];
      for (const pod of pods ?? []) {
        if (pod.metadata?.deletionTimestamp) continue;
        const phase = pod.status?.phase;
        if (phase === 'Failed') {
          const bkey = `${keyOf(ds)}/${nodeName}`;
          const b = this.failedBackoff.get(bkey);
          const t = Date.now();
          if (b && t < b.until) {
            this.requeue.after(keyOf(ds), b.until - t);
            continue;
          }
          const delay = Math.min((b?.delay ?? 500) * 2, 15 * 60_000);
          this.failedBackoff.set(bkey, { until: t + delay, delay });
          void this.client.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata!.namespace}/${pod.metadata!.name} on node ${nodeName}, will try to kill it`);
          toDelete.push(pod);
        } else if (phase === 'Succeeded') {
          toDelete.push(pod);
        } else running.push(pod);
      }
      if (!this.allowsSurge(ds)) {
        if (running.length > 1) toDelete.push(...running.slice(1));
      } else if (running.length <= 1) {
        if (running.length === 0 && shouldRun) needing.push(nodeName);
      } else {
        let oldestNew: KObject | undefined;
        let oldestOld: KObject | undefined;
        for (const pod of running) {
          if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) {
            if (!oldestNew) {
              oldestNew = pod;
              continue;
            }
          } else if (!oldestOld) {
            oldestOld = pod;
            continue;
          }
          toDelete.push(pod);
        }
        if (oldestNew && oldestOld) {
          if (!isPodReady(oldestOld)) toDelete.push(oldestOld);
          else if (isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0)) toDelete.push(oldestOld);
        }
      }
    } else if (pods?.length) {
      for (const pod of pods) if (!pod.metadata?.deletionTimestamp) toDelete.push(pod);
    }
    return [needing, toDelete];
  }

  private allowsSurge(ds: KObject): boolean {
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !ru) return false;
    return scaledValue(ru.maxSurge ?? 0, 1, true) > 0;
  }

  private async syncNodes(ds: KObject, toDelete: KObject[], needing: string[], hash: string): Promise<void> {
    const ns = ds.metadata!.namespace!;
    const creates = needing.slice(0, BURST_REPLICAS);
    const deletes = toDelete.slice(0, BURST_REPLICAS);
    const template = deepClone(ds.spec?.template ?? {});
    template.spec ??= {};
    addDaemonTolerations(template.spec);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}) };
    const gen = templateGeneration(ds);
    if (gen !== undefined) template.metadata.labels[TEMPLATE_GENERATION_LABEL] = gen;
    if (hash) template.metadata.labels[CONTROLLER_REVISION_HASH] = hash;
    const ref = newControllerRef(ds, API_VERSION, KIND);
    const errors: unknown[] = [];
    const { error } = await slowStartBatch(creates.length, 1, async (i) => {
      const t = deepClone(template);
      replaceNodeNameAffinity(t.spec, creates[i]!);
      const pod = podFromTemplate(t, ds, ref);
      pod.metadata!.namespace = ns;
      try {
        const created = await this.client.create(PODS, ns, pod);
        await this.client.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        await this.client.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
        throw e;
      }
    });
    if (error) errors.push(error);
    const results = await Promise.allSettled(
      deletes.map(async (p) => {
        try {
          await this.client.delete(PODS, ns, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid! } });
          await this.client.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
        } catch (e) {
          if (e instanceof StatusError && e.code === 404) return;
          await this.client.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
          throw e;
        }
      }),
    );
    for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
    if (errors.length) throw errors[0];
  }

  // --- rolling update ---------------------------------------------------------------------------

  private async rollingUpdate(ds: KObject, nodes: KObject[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds);
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds)[0]) continue;
      desired++;
      if (!nodeToPods.has(node.metadata!.name!)) nodeToPods.set(node.metadata!.name!, []);
    }
    const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
    let maxUnavailable = scaledValue(ru.maxUnavailable ?? 0, desired, true);
    const maxSurge = scaledValue(ru.maxSurge ?? 0, desired, true);
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const gen = templateGeneration(ds);
    const t = Date.now();
    const entries = [...nodeToPods.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    const findUpdated = (pods: KObject[]): { newPod?: KObject; oldPod?: KObject; ok: boolean } => {
      let newPod: KObject | undefined;
      let oldPod: KObject | undefined;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue;
        if (isPodUpdated(pod, hash, gen)) {
          if (newPod) return { ok: false };
          newPod = pod;
        } else {
          if (oldPod) return { ok: false };
          oldPod = pod;
        }
      }
      return { newPod, oldPod, ok: true };
    };

    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowed: KObject[] = [];
      const candidates: KObject[] = [];
      for (const [, pods] of entries) {
        const { newPod, oldPod, ok } = findUpdated(pods);
        if (!ok) {
          numUnavailable++;
          continue;
        }
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!isPodAvailable(newPod, minReady, t)) numUnavailable++;
        } else if (!isPodAvailable(oldPod!, minReady, t)) {
          allowed.push(oldPod!);
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidates.push(oldPod!);
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.syncNodes(ds, [...allowed, ...candidates.slice(0, remaining)], [], hash);
      return;
    }

    let numSurge = 0;
    const allowedNodes: string[] = [];
    const candidateNodes: string[] = [];
    const oldToDelete: KObject[] = [];
    for (const [node, pods] of entries) {
      const { newPod, oldPod, ok } = findUpdated(pods);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (!oldPod) continue;
      if (!newPod) {
        if (!isPodAvailable(oldPod, minReady, t)) allowedNodes.push(node);
        else if (numSurge < maxSurge) candidateNodes.push(node);
      } else if (!isPodAvailable(newPod, minReady, t)) {
        numSurge++;
      } else oldToDelete.push(oldPod);
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
    await this.syncNodes(ds, oldToDelete, [...allowedNodes, ...candidateNodes.slice(0, remaining)], hash);
  }

  // --- history ----------------------------------------------------------------------------------

  private async controlledHistories(ds: KObject): Promise<KObject[]> {
    return claimObjects(this.client.list(CONTROLLER_REVISIONS, ds.metadata!.namespace!), {
      client: this.client,
      gr: CONTROLLER_REVISIONS,
      owner: ds,
      ownerGR: DAEMON_SETS,
      ownerApiVersion: API_VERSION,
      ownerKind: KIND,
      match: (r) => selectorMatches(ds.spec?.selector, r.metadata?.labels),
    });
  }

  private async constructHistory(ds: KObject): Promise<{ cur: KObject; old: KObject[] }> {
    const patch = templatePatch(ds);
    const current: KObject[] = [];
    const old: KObject[] = [];
    for (let h of await this.controlledHistories(ds)) {
      if (!h.metadata?.labels?.[CONTROLLER_REVISION_HASH]) {
        const copy = deepClone(h);
        copy.metadata!.labels = { ...(copy.metadata!.labels ?? {}), [CONTROLLER_REVISION_HASH]: copy.metadata!.name! };
        h = await this.client.update(CONTROLLER_REVISIONS, copy);
      }
      if (semanticEqual(h.data, patch)) current.push(h);
      else old.push(h);
    }
    const nextRevision = Math.max(0, ...old.map((h) => h.revision ?? 0)) + 1;
    let cur: KObject;
    if (!current.length) {
      cur = await this.snapshot(ds, nextRevision);
    } else {
      cur = await this.dedupCurHistories(ds, current);
      if ((cur.revision ?? 0) < nextRevision) {
        const copy = deepClone(cur);
        copy.revision = nextRevision;
        cur = await this.client.update(CONTROLLER_REVISIONS, copy);
      }
    }
    return { cur, old };
  }

  private async snapshot(ds: KObject, revision: number): Promise<KObject> {
    const ns = ds.metadata!.namespace!;
    const hash = computeHash(ds.spec?.template ?? {}, ds.status?.collisionCount);
    const name = `${ds.metadata!.name}-${hash}`;
    const history: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
        ...(ds.metadata?.annotations && Object.keys(ds.metadata.annotations).length ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, API_VERSION, KIND)],
      },
      data: templatePatch(ds),
      revision,
    };
    try {
      return await this.client.create(CONTROLLER_REVISIONS, ns, history);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      const existing = this.client.get(CONTROLLER_REVISIONS, ns, name);
      if (existing && semanticEqual(existing.data, history.data)) return existing;
      // A hash collision: count it, which changes the next hash.
      const fresh = this.client.get(DAEMON_SETS, ns, ds.metadata!.name!);
      if (!fresh || !deepEqual(fresh.status?.collisionCount, ds.status?.collisionCount)) throw new Error(`found a stale collision count of DaemonSet ${ds.metadata!.name}; will retry`);
      await this.client.modify(
        DAEMON_SETS,
        ns,
        ds.metadata!.name!,
        (o) => {
          o.status = { ...(o.status ?? {}), collisionCount: (o.status?.collisionCount ?? 0) + 1 };
        },
        { status: true },
      );
      throw e;
    }
  }

  private async dedupCurHistories(ds: KObject, current: KObject[]): Promise<KObject> {
    if (current.length === 1) return current[0]!;
    const keep = current.reduce((a, b) => ((b.revision ?? 0) > (a.revision ?? 0) ? b : a));
    const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH];
    for (const dup of current) {
      if (dup === keep) continue;
      const dupHash = dup.metadata?.labels?.[CONTROLLER_REVISION_HASH];
      for (const pod of await this.daemonPods(ds)) {
        if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] !== dupHash) continue;
        await this.client.modify(PODS, pod.metadata!.namespace!, pod.metadata!.name!, (p) => {
          p.metadata!.labels = { ...(p.metadata!.labels ?? {}), [CONTROLLER_REVISION_HASH]: keepHash! };
        });
      }
      await this.client.delete(CONTROLLER_REVISIONS, dup.metadata!.namespace!, dup.metadata!.name!);
    }
    return keep;
  }

  private async cleanupHistory(ds: KObject, old: KObject[]): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds, true);
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of nodeToPods.values()) for (const p of pods) if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH]) live.add(p.metadata.labels[CONTROLLER_REVISION_HASH]);
    for (const h of [...old].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))) {
      if (toKill <= 0) break;
      if (live.has(h.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '')) continue;
      await this.client.delete(CONTROLLER_REVISIONS, h.metadata!.namespace!, h.metadata!.name!);
      toKill--;
    }
  }

  // --- status -----------------------------------------------------------------------------------

  private async updateStatus(ds: KObject, nodes: KObject[], hash: string): Promise<void> {
    const nodeToPods = await this.nodesToDaemonPods(ds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    let nextAvailable: number | undefined;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const gen = templateGeneration(ds);
    const t = Date.now();
    for (const node of nodes) {
      const [shouldRun] = nodeShouldRunDaemonPod(node, ds);
      const pods = nodeToPods.get(node.metadata!.name!) ?? [];
      if (shouldRun) {
        desired++;
        if (!pods.length) continue;
        current++;
        const pod = pods[0]!;
        if (isPodReady(pod)) {
          ready++;
          if (isPodAvailable(pod, minReady, t)) available++;
          else {
            const ms = msUntilAvailable(pod, minReady, t);
            if (ms !== undefined) nextAvailable = Math.min(nextAvailable ?? ms, ms);
          }
        }
        if (isPodUpdated(pod, hash, gen)) updated++;
      } else if (pods.length) misscheduled++;
    }
    const unavailable = desired - available;
    const status: KObject = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
    };
    const observed = ds.metadata?.generation ?? 0;
    if (observed) status.observedGeneration = observed;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (unavailable) status.numberUnavailable = unavailable;
    const fresh = this.client.get(DAEMON_SETS, ds.metadata!.namespace!, ds.metadata!.name!);
    if (fresh?.status?.collisionCount !== undefined) status.collisionCount = fresh.status.collisionCount;
    if (fresh?.status?.conditions) status.conditions = fresh.status.conditions;
    await this.client.modify(
      DAEMON_SETS,
      ds.metadata!.namespace!,
      ds.metadata!.name!,
      (o) => {
        if (o.metadata?.uid !== ds.metadata?.uid || deepEqual(o.status ?? {}, status)) return false;
        o.status = status;
      },
      { status: true },
    );
    if (minReady > 0 && nextAvailable !== undefined) this.requeue.after(keyOf(ds), nextAvailable + 50);
  }
}
