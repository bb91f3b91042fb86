/**
 * Status at the federation, summed from the member copies, so that `kubectl get deploy`,
 * `kubectl rollout status` and `kubectl get svc` at the federation tell the truth about all
 * clusters together.
 */
import { deepClone, nowTimestamp, type KObject } from '../../apis/object.js';

export interface MemberCopy {
  cluster: string;
  obj: KObject;
  /** The copy holds what the federation last decided for it. */
  upToDate: boolean;
  /**
   * The cluster answers now. The copy of an Offline or NotReady cluster is what was last seen:
   * its replicas still exist as far as anyone knows, but none of them counts as ready (as
   * Kubernetes treats pods on an unreachable node).
   */
  reachable: boolean;
}

/** A selected cluster whose state is unknown now, and why. */
export interface UnknownCluster {
  cluster: string;
  phase: string;
}

const COUNTERS: Record<string, string[]> = {
  'apps/Deployment': ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
  'apps/ReplicaSet': ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  'apps/StatefulSet': ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
  'apps/DaemonSet': ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'updatedNumberScheduled'],
  'batch/Job': ['active', 'succeeded', 'failed', 'ready'],
};

/** Counters that say a replica is ready or available: never taken from an unreachable cluster. */
const READINESS: Record<string, string[]> = {
  'apps/Deployment': ['readyReplicas', 'availableReplicas'],
  'apps/ReplicaSet': ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas'],
  'apps/StatefulSet': ['readyReplicas', 'availableReplicas'],
  'apps/DaemonSet': ['numberReady', 'numberAvailable'],
  'batch/Job': ['ready'],
};

/** The condition that names the selected clusters whose state is unknown. */
export const CLUSTERS_REACHABLE = 'ClustersReachable';

export const aggregatesStatus = (kindKey: string) => kindKey in COUNTERS || kindKey === '/Service' || kindKey === 'networking.k8s.io/Ingress';

/** Sums of the counters some copy reports; readiness counters only over reachable copies. */
function sumCounters(fields: string[], readiness: string[], copies: MemberCopy[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) {
    const counted = readiness.includes(f) ? copies.filter((c) => c.reachable) : copies;
    const total = counted.reduce((a, c) => a + (Number(c.obj.status?.[f]) || 0), 0);
    if (total || copies.some((c) => c.obj.status?.[f] !== undefined)) out[f] = total;
  }
  return out;
}

/** Replicas the unreachable clusters last reported (for the condition's message). */
function unknownReplicas(kindKey: string, copies: MemberCopy[]): number {
  const field = kindKey === 'apps/DaemonSet' ? 'currentNumberScheduled' : kindKey === 'batch/Job' ? 'active' : 'replicas';
  return copies.filter((c) => !c.reachable).reduce((a, c) => a + (Number(c.obj.status?.[field]) || 0), 0);
}

function reachabilityCondition(kindKey: string, copies: MemberCopy[], unknown: UnknownCluster[], previous: Record<string, any> | undefined): Record<string, unknown> | undefined {
  if (!unknown.length) return undefined;
  const n = unknownReplicas(kindKey, copies);
  const list = unknown.map((u) => `${u.cluster} (${u.phase})`).join(', ');
  const message = `state unknown in ${list}${n ? `: the ${n} replica(s) last reported there are not counted as ready or available` : ''}`;
  const now = nowTimestamp();
  const since = previous?.type === CLUSTERS_REACHABLE && previous.status === 'False' ? previous.lastTransitionTime : now;
  return { type: CLUSTERS_REACHABLE, status: 'False', reason: 'ClustersUnreachable', message, lastUpdateTime: now, lastTransitionTime: since };
}

/** A condition type holds in the federation when it holds in every reachable cluster; the first dissent explains. */
function combineConditions(copies: MemberCopy[], types: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const type of types) {
    const conds = copies.filter((c) => c.reachable).map((c) => ({ cluster: c.cluster, cond: (c.obj.status?.conditions ?? []).find((x: any) => x.type === type) })).filter((x) => x.cond);
    if (!conds.length) continue;
    const dissent = conds.find((x) => x.cond.status !== 'True');
    const pick = dissent ?? conds[0]!;
    const c = deepClone(pick.cond);
    if (dissent) c.message = `cluster ${dissent.cluster}: ${c.message ?? c.reason ?? ''}`.trim();
    out.push(c);
  }
  return out;
}

/** observedGeneration: the federation object's generation once every reachable cluster has seen its copy. */
function observed(fed: KObject, copies: MemberCopy[], expected: number): number | undefined {
  const reachable = copies.filter((c) => c.reachable);
  const allSeen = reachable.length === expected && reachable.every((c) => c.upToDate && (c.obj.status?.observedGeneration ?? 0) >= (c.obj.metadata?.generation ?? 0));
  if (allSeen) return fed.metadata?.generation;
  const prev = fed.status?.observedGeneration as number | undefined;
  const gen = fed.metadata?.generation ?? 1;
  return prev !== undefined && prev < gen ? prev : Math.max(0, gen - 1);
}

function loadBalancerIngress(copies: MemberCopy[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const c of [...copies].sort((a, b) => a.cluster.localeCompare(b.cluster))) {
    for (const ing of c.obj.status?.loadBalancer?.ingress ?? []) {
      const k = JSON.stringify(ing);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(ing);
    }
  }
  return out;
}

/** Status fields aggregateStatus owns for a kind (left out of its result when they sum to nothing). */
export function aggregatedFields(kindKey: string): string[] {
  return [...(COUNTERS[kindKey] ?? []), 'observedGeneration', 'conditions', 'startTime', 'completionTime', 'updateRevision', 'currentRevision'];
}

/**
 * The status the federation object should show, or undefined for kinds without one.
 * `expected` is the number of reachable clusters that should hold a copy; `unknown` the selected
 * clusters that cannot be reached now (their copies, if known, are among `copies`, unreachable).
 */
export function aggregateStatus(kindKey: string, fed: KObject, copies: MemberCopy[], expected: number, unknown: UnknownCluster[] = []): Record<string, unknown> | undefined {
  if (kindKey === '/Service' || kindKey === 'networking.k8s.io/Ingress') return { loadBalancer: { ingress: loadBalancerIngress(copies) } };
  const fields = COUNTERS[kindKey];
  if (!fields) return undefined;
  const status: Record<string, unknown> = { ...sumCounters(fields, READINESS[kindKey] ?? [], copies) };
  const og = observed(fed, copies, expected);
  if (kindKey !== 'batch/Job' && og !== undefined) status.observedGeneration = og;
  if (kindKey === 'apps/Deployment' || kindKey === 'apps/ReplicaSet') {
    // A cluster with nothing to run yet counts as unavailable, not as missing.
    const want = Number(fed.spec?.replicas ?? 1);
    if (kindKey === 'apps/Deployment') status.unavailableReplicas = Math.max(0, want - Number(status.availableReplicas ?? 0));
  }
  const conditionTypes: Record<string, string[]> = {
    'apps/Deployment': ['Available', 'Progressing', 'ReplicaFailure'],
    'apps/ReplicaSet': ['ReplicaFailure'],
    'apps/StatefulSet': [],
    'apps/DaemonSet': [],
    'batch/Job': ['Complete', 'Failed', 'Suspended'],
  };
  const conds = combineConditions(copies, conditionTypes[kindKey] ?? []);
  const previous = (fed.status?.conditions ?? []).find((c: { type?: string }) => c.type === CLUSTERS_REACHABLE);
  const reach = reachabilityCondition(kindKey, copies, unknown, previous);
  if (reach) conds.push(reach);
  const reachable = copies.filter((c) => c.reachable);
  if (kindKey === 'batch/Job') {
    // Complete only when every cluster completed (one whose state is unknown has not, as far as anyone knows).
    const complete = conds.find((c) => c.type === 'Complete');
    if (complete && (unknown.length > 0 || reachable.length !== expected || reachable.some((c) => !(c.obj.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True')))) conds.splice(conds.indexOf(complete), 1);
    const starts = copies.map((c) => c.obj.status?.startTime).filter(Boolean).sort();
    if (starts.length) status.startTime = starts[0];
    const ends = reachable.map((c) => c.obj.status?.completionTime).filter(Boolean).sort();
    if (ends.length === expected && ends.length && !unknown.length) status.completionTime = ends[ends.length - 1];
  }
  if (conds.length) status.conditions = conds;
  if (kindKey === 'apps/StatefulSet') {
    // Revisions are per cluster; at the federation the rollout is done when it is done everywhere.
    const done = reachable.every((c) => c.upToDate && c.obj.status?.currentRevision === c.obj.status?.updateRevision);
    status.updateRevision = 'federation';
    status.currentRevision = done ? 'federation' : 'federation-rolling';
  }
  return status;
}
