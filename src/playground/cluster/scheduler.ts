/**
 * The default scheduler of a simulated cluster: binds pods without a node (schedulerName
 * default-scheduler) to a node that can run them, with the filters of kube-scheduler's default
 * profile that matter here, in its order:
 *
 *   NodeUnschedulable  spec.unschedulable, unless the pod tolerates node.kubernetes.io/unschedulable
 *   TaintToleration    NoSchedule/NoExecute taints (a node whose Ready condition is not True counts
 *                      as tainted not-ready/unreachable even before the node lifecycle controller
 *                      adds the taint)
 *   NodeAffinity       nodeSelector and required node affinity (terms ORed, expressions ANDed)
 *   NodePorts          hostPorts already taken on the node
 *   NodeResourcesFit   requests of the pods on the node plus this pod's within allocatable, and
 *                      the pod count within allocatable pods
 *
 * Feasible nodes are ranked: pods of the same controller spread over zones, then over nodes
 * (as kube-scheduler's default topology spreading does), then least allocated (cpu and memory,
 * counting 100m / 200Mi for pods without requests, like kube-scheduler's scoring), then fewest
 * pods, then name. When nothing fits the pod gets PodScheduled=False reason Unschedulable with
 * kube-scheduler's message ("0/3 nodes are available: 3 Insufficient cpu. preemption: ...") and a
 * FailedScheduling event, and is retried every timing.schedulerRetryMs, and at once when a node
 * changes or a pod goes away. Preemption is not simulated (no victims are ever found).
 */
import { nowTimestamp, type KObject } from '../../apis/object.js';
import { parseQuantity } from '../../apis/validation/pod.js';
import { StatusError } from '../../apiserver/errors.js';
import { NODES, PODS, type InternalClient } from './client.js';
import { Controller, keyOf, splitKey } from './controller.js';
import type { ClusterRuntime } from './runtime.js';

// --- Quantities and resources --------------------------------------------------------------------

const NANO = 1_000_000_000n;

/** A Kubernetes quantity in nano-units ("500m" -> 500_000_000n, "1" -> 1_000_000_000n); 0 when it does not parse. */
export function quantityNano(q: unknown): bigint {
  return parseQuantity(q) ?? 0n;
}

/** cpu in millicores ("500m" -> 500, "2.5" -> 2500), rounded up. */
export function cpuMillis(q: unknown): number {
  const n = quantityNano(q);
  return Number((n + 999_999n) / 1_000_000n);
}

/** A quantity in whole units ("128Mi" -> 134217728), rounded up. */
export function quantityValue(q: unknown): number {
  const n = quantityNano(q);
  return Number((n + NANO - 1n) / NANO);
}

export type ResourceList = Map<string, bigint>;

function add(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v);
}

function containerRequests(c: KObject): ResourceList {
  const out: ResourceList = new Map();
  const requests = c?.resources?.requests ?? {};
  const limits = c?.resources?.limits ?? {};
  for (const k of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    const v = k in requests ? requests[k] : limits[k];
    out.set(k, quantityNano(v));
  }
  return out;
}

/**
 * What a pod asks of a node (PodRequests): the sum of its containers' requests (limits where
 * only limits are set), at least each init container's (sidecars, restartPolicy Always, add to
 * both), plus the pod overhead. Values are nano-units.
 */
export function podRequests(pod: KObject): ResourceList {
  const spec = pod.spec ?? {};
  const sum: ResourceList = new Map();
  for (const c of spec.containers ?? []) add(sum, containerRequests(c));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c?.restartPolicy === 'Always') {
      add(sidecars, r);
      add(sum, r);
      continue;
    }
    // A regular init container runs beside the sidecars started before it.
    const during: ResourceList = new Map(sidecars);
    add(during, r);
    for (const [k, v] of during) if (v > (initMax.get(k) ?? 0n)) initMax.set(k, v);
  }
  for (const [k, v] of initMax) if (v > (sum.get(k) ?? 0n)) sum.set(k, v);
  for (const [k, v] of Object.entries(spec.overhead ?? {})) sum.set(k, (sum.get(k) ?? 0n) + quantityNano(v));
  return sum;
}

const isTerminal = (pod: KObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

// --- Taints and tolerations ----------------------------------------------------------------------

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export const tolerationsOf = (pod: KObject): Toleration[] => (Array.isArray(pod.spec?.tolerations) ? pod.spec.tolerations : []);

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

export function nodeReadyStatus(node: KObject): string {
  const c = (node.status?.conditions ?? []).find((x: KObject) => x?.type === 'Ready');
  return c?.status ?? 'Unknown';
}

/** The node's taints, plus the not-ready/unreachable NoSchedule taint its Ready condition implies. */
export function effectiveTaints(node: KObject): Taint[] {
  const taints: Taint[] = Array.isArray(node.spec?.taints) ? [...node.spec.taints] : [];
  const ready = nodeReadyStatus(node);
  if (ready !== 'True') {
    const key = ready === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    if (!taints.some((t) => t.key === key && t.effect === 'NoSchedule')) taints.push({ key, effect: 'NoSchedule' });
  }
  return taints;
}

// --- Node affinity -------------------------------------------------------------------------------

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0]!, 10);
      if (!/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function termMatches(term: KObject, node: KObject): boolean {
  const exprs: Requirement[] = term?.matchExpressions ?? [];
  const fields: Requirement[] = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const e of exprs) if (!requirementMatches(e, Object.prototype.hasOwnProperty.call(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!requirementMatches(f, node.metadata?.name)) return false;
  }
  return true;
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity. */
export function nodeAffinityMatches(pod: KObject, node: KObject): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms: KObject[] = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => termMatches(t, node))) return false;
  }
  return true;
}

// --- Filtering and scoring ----------------------------------------------------------------------

interface NodeUsage {
  requested: ResourceList;
  /** Requests with kube-scheduler's non-zero defaults, for scoring. */
  scoreCpu: number;
  scoreMem: number;
  pods: number;
  hostPorts: Set<string>;
}

const DEFAULT_CPU_MILLIS = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

function scoreRequests(pod: KObject): { cpu: number; mem: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    cpu += r.has('cpu') && r.get('cpu')! > 0n ? Number(r.get('cpu')! / 1_000_000n) : DEFAULT_CPU_MILLIS;
    mem += r.has('memory') && r.get('memory')! > 0n ? Number(r.get('memory')! / NANO) : DEFAULT_MEMORY;
  }
  return { cpu, mem };
}

function hostPortsOf(pod: KObject): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c?.ports ?? []) {
      if (p?.hostPort) out.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
    }
  }
  return out;
}

function portsConflict(used: Set<string>, wanted: string[]): boolean {
  for (const w of wanted) {
    const [proto, ip, port] = w.split('/');
    for (const u of used) {
      const [uproto, uip, uport] = u.split('/');
      if (proto === uproto && port === uport && (ip === uip || ip === '0.0.0.0' || uip === '0.0.0.0')) return true;
    }
  }
  return false;
}

const RESOURCE_ORDER = ['cpu', 'memory', 'ephemeral-storage'];

/** Why a pod does not fit a node (kube-scheduler's reason strings), empty when it fits. */
export function filterNode(
  pod: KObject,
  node: KObject,
  usage: NodeUsage,
): { reasons: string[]; resolvable: boolean } {
  const tolerations = tolerationsOf(pod);
  if (node.spec?.unschedulable && !tolerations.some((t) => toleratesTaint(t, { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule' }))) {
    return { reasons: ['node(s) were unschedulable'], resolvable: false };
  }
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) {
      return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], resolvable: false };
    }
  }
  if (!nodeAffinityMatches(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  if (portsConflict(usage.hostPorts, hostPortsOf(pod))) return { reasons: ["node(s) didn't have free ports for the requested pod ports"], resolvable: true };

  const reasons: string[] = [];
  const allocatable: Record<string, unknown> = node.status?.allocatable ?? {};
  const maxPods = allocatable.pods !== undefined ? quantityValue(allocatable.pods) : 110;
  if (usage.pods + 1 > maxPods) reasons.push('Too many pods');
  const want = podRequests(pod);
  const names = [...want.keys()].sort((a, b) => {
    const ia = RESOURCE_ORDER.indexOf(a);
    const ib = RESOURCE_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const name of names) {
    const v = want.get(name)!;
    if (v <= 0n) continue;
    const alloc = quantityNano(allocatable[name]);
    if (v > alloc - (usage.requested.get(name) ?? 0n)) reasons.push(`Insufficient ${name}`);
  }
  return { reasons, resolvable: true };
}

/** FitError.Error(): reasons counted over nodes, "<count> <reason>" sorted, comma-separated. */
function histogram(reasons: string[][]): string {
  const counts = new Map<string, number>();
  for (const rs of reasons) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts.entries()]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

export function unschedulableMessage(pod: KObject, nodeCount: number, results: { reasons: string[]; resolvable: boolean }[]): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  let msg = `0/${nodeCount} nodes are available: ${histogram(results.map((r) => r.reasons))}.`;
  if (pod.spec?.preemptionPolicy === 'Never') msg += ' preemption: not eligible due to preemptionPolicy=Never.';
  else {
    const post = results.map((r) => [r.resolvable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling']);
    msg += ` preemption: 0/${nodeCount} nodes are available: ${histogram(post)}.`;
  }
  return msg;
}

function ownerUid(pod: KObject): string | undefined {
  return (pod.metadata?.ownerReferences ?? []).find((o) => o.controller)?.uid;
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';

// --- The controller ------------------------------------------------------------------------------

export class Scheduler extends Controller {
  private readonly events: InternalClient;
  /** Last FailedScheduling event per pod uid, so retries do not write an event every time. */
  private readonly lastFailure = new Map<string, { message: string; at: number }>();
  private nodeFingerprints = new Map<string, string>();

  constructor(private readonly runtime: ClusterRuntime) {
    super(runtime.client('kube-scheduler'), 'scheduler', { concurrency: 1 });
    this.events = runtime.client('default-scheduler');
  }

  private isMine(pod: KObject): boolean {
    const name = pod.spec?.schedulerName;
    return (!name || name === 'default-scheduler') && !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && !isTerminal(pod);
  }

  start(): void {
    this.watch(PODS, (e) => {
      if (e.type === 'DELETED') {
        this.lastFailure.delete(e.obj.metadata?.uid ?? '');
        if (e.obj.spec?.nodeName) this.requeuePending();
        return;
      }
      if (this.isMine(e.obj)) this.queue.add(keyOf(e.obj));
      // A pod leaving a node (finished or terminating) frees room.
      else if (e.obj.spec?.nodeName && e.prev && (isTerminal(e.obj) !== isTerminal(e.prev) || (!!e.obj.metadata?.deletionTimestamp && !e.prev.metadata?.deletionTimestamp))) {
        this.requeuePending();
      }
    });
    this.watch(NODES, (e) => {
      const name = e.obj.metadata!.name!;
      if (e.type === 'DELETED') {
        this.nodeFingerprints.delete(name);
        return;
      }
      const n = e.obj;
      const fp = JSON.stringify([nodeReadyStatus(n), n.spec?.taints, n.spec?.unschedulable, n.metadata?.labels, n.status?.allocatable]);
      if (this.nodeFingerprints.get(name) === fp) return;
      this.nodeFingerprints.set(name, fp);
      this.requeuePending();
    });
    this.every(this.runtime.timing.schedulerRetryMs, () => this.requeuePending());
    this.requeuePending();
  }

  private requeuePending(): void {
    for (const p of this.client.list(PODS)) if (this.isMine(p)) this.queue.add(keyOf(p));
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.client.get(PODS, namespace, name);
    if (!pod || !this.isMine(pod)) return;

    if ((pod.spec?.schedulingGates ?? []).length > 0) {
      await this.setScheduledCondition(pod, 'SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates');
      return;
    }

    const nodes = this.client.list(NODES).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    const usage = this.usage();
    const feasible: { node: KObject; usage: NodeUsage }[] = [];
    const failures: { reasons: string[]; resolvable: boolean }[] = [];
    for (const node of nodes) {
      const u = usage.get(node.metadata!.name!) ?? emptyUsage();
      const r = filterNode(pod, node, u);
      if (r.reasons.length === 0) feasible.push({ node, usage: u });
      else failures.push(r);
    }

    if (feasible.length === 0) {
      const message = unschedulableMessage(pod, nodes.length, failures);
      await this.setScheduledCondition(pod, 'Unschedulable', message);
      const uid = pod.metadata!.uid!;
      const last = this.lastFailure.get(uid);
      if (!last || last.message !== message || Date.now() - last.at > 30_000) {
        this.lastFailure.set(uid, { message, at: Date.now() });
        await this.events.event(pod, 'Warning', 'FailedScheduling', message);
      }
      return;
    }

    const best = this.rank(pod, feasible, usage);
    try {
      await this.client.bindPod(namespace, name, best);
    } catch (e) {
      // Bound by someone else, deleted or being deleted meanwhile: nothing to do.
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
    this.lastFailure.delete(pod.metadata!.uid!);
    this.runtime.log.debug({ pod: key, node: best }, 'scheduled pod');
    await this.events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${best}`);
  }

  private usage(): Map<string, NodeUsage> {
    const out = new Map<string, NodeUsage>();
    for (const p of this.client.list(PODS)) {
      const node = p.spec?.nodeName;
      if (!node || isTerminal(p)) continue;
      let u = out.get(node);
      if (!u) out.set(node, (u = emptyUsage()));
      add(u.requested, podRequests(p));
      const s = scoreRequests(p);
      u.scoreCpu += s.cpu;
      u.scoreMem += s.mem;
      u.pods++;
      for (const hp of hostPortsOf(p)) u.hostPorts.add(hp);
    }
    return out;
  }

  private rank(pod: KObject, feasible: { node: KObject; usage: NodeUsage }[], usage: Map<string, NodeUsage>): string {
    const owner = ownerUid(pod);
    const sameOwnerOnNode = new Map<string, number>();
    const sameOwnerInZone = new Map<string, number>();
    if (owner) {
      const zoneOf = new Map(this.client.list(NODES).map((n) => [n.metadata!.name!, n.metadata?.labels?.[ZONE_LABEL] ?? '']));
      for (const p of this.client.list(PODS, pod.metadata!.namespace)) {
        if (!p.spec?.nodeName || isTerminal(p) || p.metadata?.deletionTimestamp || ownerUid(p) !== owner) continue;
        sameOwnerOnNode.set(p.spec.nodeName, (sameOwnerOnNode.get(p.spec.nodeName) ?? 0) + 1);
        const z = zoneOf.get(p.spec.nodeName) ?? '';
        sameOwnerInZone.set(z, (sameOwnerInZone.get(z) ?? 0) + 1);
      }
    }
    const want = scoreRequests(pod);
    const scored = feasible.map(({ node, usage: u }) => {
      const name = node.metadata!.name!;
      const alloc = node.status?.allocatable ?? {};
      const cpuCap = cpuMillis(alloc.cpu);
      const memCap = quantityValue(alloc.memory);
      const free = (cap: number, used: number) => (cap <= 0 ? 0 : Math.max(0, (cap - used) / cap));
      // LeastAllocated, on kube-scheduler's 0-100 integer scale.
      const leastAllocated = Math.floor(((free(cpuCap, u.scoreCpu + want.cpu) + free(memCap, u.scoreMem + want.mem)) / 2) * 100);
      return {
        name,
        zoneCount: sameOwnerInZone.get(node.metadata?.labels?.[ZONE_LABEL] ?? '') ?? 0,
        nodeCount: sameOwnerOnNode.get(name) ?? 0,
        leastAllocated,
        pods: usage.get(name)?.pods ?? 0,
      };
    });
    scored.sort((a, b) => a.zoneCount - b.zoneCount || a.nodeCount - b.nodeCount || b.leastAllocated - a.leastAllocated || a.pods - b.pods || a.name.localeCompare(b.name));
    return scored[0]!.name;
  }

  private async setScheduledCondition(pod: KObject, reason: string, message: string): Promise<void> {
    const m = pod.metadata!;
    await this.client.modify(
      PODS,
      m.namespace!,
      m.name!,
      (p) => {
        if (p.metadata?.uid !== m.uid || p.spec?.nodeName) return false;
        const conds: KObject[] = p.status?.conditions ?? [];
        const cur = conds.find((c) => c.type === 'PodScheduled');
        if (cur && cur.status === 'False' && cur.reason === reason && cur.message === message) return false;
        const next = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: cur?.status === 'False' ? cur.lastTransitionTime : nowTimestamp(), reason, message };
        p.status = { ...(p.status ?? {}), conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), next] };
        return true;
      },
      { status: true },
    );
  }
}

function emptyUsage(): NodeUsage {
  return { requested: new Map(), scoreCpu: 0, scoreMem: 0, pods: 0, hostPorts: new Set() };
}
