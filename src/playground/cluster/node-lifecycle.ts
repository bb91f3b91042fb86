/**
 * The node lifecycle controller of a simulated cluster (kube-controller-manager's
 * node-lifecycle-controller with taint-based eviction):
 *
 * - A node whose Lease (kube-node-lease/<node>) was not renewed for timing.nodeMonitorGraceMs
 *   gets its Ready, MemoryPressure, DiskPressure and PIDPressure conditions set to Unknown
 *   (reason NodeStatusUnknown, "Kubelet stopped posting node status."), and its pods are marked
 *   Ready=False and ContainersReady=False (phase untouched), so endpoints drop them.
 * - Taints follow the Ready condition: Unknown -> node.kubernetes.io/unreachable, False ->
 *   node.kubernetes.io/not-ready, both with NoSchedule and NoExecute (timeAdded set); True ->
 *   neither. spec.unschedulable (kubectl cordon) adds node.kubernetes.io/unschedulable:NoSchedule.
 *   The kubelet brings Ready back to True once it heartbeats again, and the taints go.
 * - Pods on a node with NoExecute taints are evicted (deleted gracefully) once their tolerations
 *   run out: at once without a matching toleration, after tolerationSeconds with one (300 s for
 *   the default not-ready/unreachable tolerations), never with one without tolerationSeconds.
 *   With the kubelet gone, an evicted pod stays Terminating, as in Kubernetes; controllers
 *   count it as gone and create replacements elsewhere.
 */
import { nowTimestamp, type KObject } from '../../apis/object.js';
import { LEASES, NODES, PODS, isConflict, isNotFound, type InternalClient } from './client.js';
import { Controller, keyOf } from './controller.js';
import { NODE_LEASE_NAMESPACE } from './kubelet.js';
import type { ClusterRuntime } from './runtime.js';
import { NOT_READY_TAINT, UNREACHABLE_TAINT, UNSCHEDULABLE_TAINT, toleratesTaint, tolerationsOf, type Taint } from './scheduler.js';

const NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
const CONTROLLER_TAINTS = new Set([NOT_READY_TAINT, UNREACHABLE_TAINT]);

const parseTime = (s: unknown): number | undefined => {
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
};

export class NodeLifecycleController extends Controller {
  private readonly events: InternalClient;
  private startedAt = 0;
  /** Pods already given a NodeNotReady event in the current outage (by uid). */
  private readonly notReadyNotified = new Set<string>();
  private readonly evictionNotified = new Set<string>();

  constructor(private readonly runtime: ClusterRuntime) {
    super(runtime.client('kube-controller-manager'), 'node-lifecycle', { concurrency: 2 });
    this.events = runtime.client('node-controller');
  }

  private get period(): number {
    return Math.max(50, Math.min(1000, Math.floor(this.runtime.timing.nodeMonitorGraceMs / 4)));
  }

  start(): void {
    this.startedAt = Date.now();
    this.watch(NODES, (e) => {
      if (e.type !== 'DELETED') this.queue.add(e.obj.metadata!.name!);
    });
    this.watch(LEASES, (e) => {
      if (e.obj.metadata?.namespace === NODE_LEASE_NAMESPACE && e.type !== 'DELETED') {
        // A lease renewed after a silence: look at the node at once.
        const before = parseTime(e.prev?.spec?.renewTime);
        if (before === undefined || Date.now() - before > this.runtime.timing.nodeMonitorGraceMs) this.queue.add(e.obj.metadata.name!);
      }
    });
    this.watch(PODS, (e) => {
      // A pod bound to a node that is not ready (or tainted NoExecute) needs a look too.
      if (e.type === 'DELETED') {
        this.notReadyNotified.delete(e.obj.metadata?.uid ?? '');
        this.evictionNotified.delete(e.obj.metadata?.uid ?? '');
        return;
      }
      const node = e.obj.spec?.nodeName;
      if (node && !e.prev?.spec?.nodeName) this.queue.add(node);
    });
    this.every(this.period, () => {
      for (const n of this.client.list(NODES)) this.queue.add(n.metadata!.name!);
    });
    for (const n of this.client.list(NODES)) this.queue.add(n.metadata!.name!);
  }

  /** When the node last heartbeat: its Lease, else its Ready condition's heartbeat, else its creation. */
  private lastHeartbeat(node: KObject): number {
    const name = node.metadata!.name!;
    const lease = this.client.get(LEASES, NODE_LEASE_NAMESPACE, name);
    const renew = parseTime(lease?.spec?.renewTime);
    const ready = (node.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready');
    const hb = parseTime(ready?.lastHeartbeatTime);
    const created = parseTime(node.metadata?.creationTimestamp) ?? 0;
    return Math.max(renew ?? 0, hb ?? 0, created);
  }

  protected async sync(name: string): Promise<void> {
    let node = this.client.get(NODES, '', name);
    if (!node) return;
    const now = Date.now();
    const grace = this.runtime.timing.nodeMonitorGraceMs;
    // Like the real controller, give kubelets a full grace period after this controller starts.
    const stale = now - this.lastHeartbeat(node) > grace && now - this.startedAt > grace;

    if (stale) node = (await this.markUnknown(node)) ?? node;
    const ready = readyStatus(node);
    node = (await this.reconcileTaints(node, ready)) ?? node;

    if (ready !== 'True') await this.markPodsNotReady(node);
    else this.clearNotified(name);
    await this.evict(node, now);
  }

  private async markUnknown(node: KObject): Promise<KObject | undefined> {
    const name = node.metadata!.name!;
    const cur = (node.status?.conditions ?? []) as KObject[];
    if (NODE_CONDITIONS.every((t) => cur.find((c) => c.type === t)?.status === 'Unknown')) return undefined;
    const wasReady = readyStatus(node) === 'True';
    const updated = await this.client.modify(
      NODES,
      '',
      name,
      (n) => {
        const conds: KObject[] = [...(n.status?.conditions ?? [])];
        const ts = nowTimestamp();
        let changed = false;
        for (const type of NODE_CONDITIONS) {
          const i = conds.findIndex((c) => c.type === type);
          if (i < 0) {
            conds.push({ type, status: 'Unknown', lastHeartbeatTime: ts, lastTransitionTime: ts, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
            changed = true;
          } else if (conds[i]!.status !== 'Unknown') {
            conds[i] = { ...conds[i], status: 'Unknown', lastTransitionTime: ts, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
            changed = true;
          }
        }
        if (!changed) return false;
        n.status = { ...(n.status ?? {}), conditions: conds };
        return true;
      },
      { status: true },
    );
    if (updated && wasReady) {
      this.runtime.log.debug({ node: name }, 'node stopped posting status');
      await this.events.event(nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    return updated;
  }

  private async reconcileTaints(node: KObject, ready: string): Promise<KObject | undefined> {
    const want: Taint[] = [];
    if (ready === 'Unknown') want.push({ key: UNREACHABLE_TAINT, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT, effect: 'NoExecute' });
    else if (ready === 'False') want.push({ key: NOT_READY_TAINT, effect: 'NoSchedule' }, { key: NOT_READY_TAINT, effect: 'NoExecute' });
    if (node.spec?.unschedulable) want.push({ key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' });
    const ours = (t: Taint) => CONTROLLER_TAINTS.has(t.key) || t.key === UNSCHEDULABLE_TAINT;
    const has: Taint[] = (node.spec?.taints ?? []).filter(ours);
    const same = has.length === want.length && want.every((w) => has.some((h) => h.key === w.key && h.effect === w.effect));
    if (same) return undefined;
    return this.client.modify(NODES, '', node.metadata!.name!, (n) => {
      const taints: Taint[] = n.spec?.taints ?? [];
      const ts = nowTimestamp();
      const kept = taints.filter((t) => !ours(t) || want.some((w) => w.key === t.key && w.effect === t.effect));
      for (const w of want) if (!kept.some((t) => t.key === w.key && t.effect === w.effect)) kept.push({ ...w, timeAdded: ts });
      if (kept.length === taints.length && kept.every((t, i) => t === taints[i])) return false;
      n.spec = { ...(n.spec ?? {}) };
      if (kept.length) n.spec.taints = kept;
      else delete n.spec.taints;
      return true;
    });
  }

  /** MarkPodsNotReady: the node's pods stop being Ready (their phase is left alone). */
  private async markPodsNotReady(node: KObject): Promise<void> {
    const name = node.metadata!.name!;
    for (const pod of this.client.list(PODS)) {
      if (pod.spec?.nodeName !== name) continue;
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const conds: KObject[] = pod.status?.conditions ?? [];
      if (!conds.some((c) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True')) continue;
      const m = pod.metadata!;
      await this.client.modify(
        PODS,
        m.namespace!,
        m.name!,
        (p) => {
          if (p.metadata?.uid !== m.uid) return false;
          const ts = nowTimestamp();
          let changed = false;
          const next = (p.status?.conditions ?? []).map((c: KObject) => {
            if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True') {
              changed = true;
              return { ...c, status: 'False', lastTransitionTime: ts };
            }
            return c;
          });
          if (!changed) return false;
          // As Kubernetes does, only the conditions change: containerStatuses keep what the kubelet last said.
          p.status = { ...p.status, conditions: next };
          return true;
        },
        { status: true },
      );
      if (!this.notReadyNotified.has(m.uid!)) {
        this.notReadyNotified.add(m.uid!);
        await this.events.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      }
    }
  }

  private clearNotified(node: string): void {
    if (this.notReadyNotified.size === 0) return;
    for (const p of this.client.list(PODS)) if (p.spec?.nodeName === node) this.notReadyNotified.delete(p.metadata!.uid!);
  }

  /** Taint-based eviction: pods that do not tolerate the node's NoExecute taints (long enough) are deleted. */
  private async evict(node: KObject, now: number): Promise<void> {
    const taints: Taint[] = (node.spec?.taints ?? []).filter((t: Taint) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const name = node.metadata!.name!;
    for (const pod of this.client.list(PODS)) {
      if (pod.spec?.nodeName !== name || pod.metadata?.deletionTimestamp) continue;
      const deadline = evictionDeadline(pod, taints);
      if (deadline === undefined) continue;
      // Not yet: the periodic pass (at most a second apart) looks again.
      if (deadline > now) continue;
      const m = pod.metadata!;
      if (!this.evictionNotified.has(m.uid!)) {
        this.evictionNotified.add(m.uid!);
        await this.events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${m.namespace}/${m.name}`);
      }
      try {
        await this.client.delete(PODS, m.namespace!, m.name!, { preconditions: { uid: m.uid! } });
        this.runtime.log.debug({ pod: keyOf(pod), node: name }, 'evicted pod from tainted node');
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
  }
}

function readyStatus(node: KObject): string {
  return (node.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready')?.status ?? 'Unknown';
}

function nodeRef(node: KObject): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata!.name, uid: node.metadata!.name } };
}

/**
 * When a pod must leave a node with these NoExecute taints (ms since epoch), or undefined when
 * it tolerates them forever: every taint needs a matching toleration; the shortest
 * tolerationSeconds among the matching ones counts from when the taint was added.
 */
export function evictionDeadline(pod: KObject, taints: Taint[]): number | undefined {
  const tolerations = tolerationsOf(pod);
  let deadline: number | undefined;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => (!t.effect || t.effect === 'NoExecute') && toleratesTaint(t, taint));
    if (matching.length === 0) return 0;
    const seconds = matching.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
    // Only tolerations without tolerationSeconds: tolerated for ever.
    if (seconds.length === 0) continue;
    const min = Math.min(...seconds);
    const added = parseTime(taint.timeAdded) ?? Date.now();
    const d = added + Math.max(0, min) * 1000;
    deadline = deadline === undefined ? d : Math.min(deadline, d);
  }
  return deadline;
}
