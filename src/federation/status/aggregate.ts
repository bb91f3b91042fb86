/**
 * Status at the federation, summed from the member copies, so that `kubectl get deploy`,
 * `kubectl rollout status` and `kubectl get svc` at the federation tell the truth about all
 * clusters together.
 */
import { deepClone, type KObject } from '../../apis/object.js';

export interface MemberCopy {
  cluster: string;
  obj: KObject;
  /** The copy holds what the federation last decided for it. */
  upToDate: boolean;
}

const COUNTERS: Record<string, string[]> = {
  'apps/Deployment': ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
  'apps/ReplicaSet': ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  'apps/StatefulSet': ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
  'apps/DaemonSet': ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'updatedNumberScheduled'],
  'batch/Job': ['active', 'succeeded', 'failed', 'ready'],
};

export const aggregatesStatus = (kindKey: string) => kindKey in COUNTERS || kindKey === '/Service' || kindKey === 'networking.k8s.io/Ingress';

function sumCounters(fields: string[], copies: MemberCopy[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) {
    const total = copies.reduce((a, c) => a + (Number(c.obj.status?.[f]) || 0), 0);
    if (total || copies.some((c) => c.obj.status?.[f] !== undefined)) out[f] = total;
  }
  return out;
}

/** A condition type holds in the federation when it holds in every cluster; the first dissent explains. */
function combineConditions(copies: MemberCopy[], types: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const type of types) {
    const conds = copies.map((c) => ({ cluster: c.cluster, cond: (c.obj.status?.conditions ?? []).find((x: any) => x.type === type) })).filter((x) => x.cond);
    if (!conds.length) continue;
    const dissent = conds.find((x) => x.cond.status !== 'True');
    const pick = dissent ?? conds[0]!;
    const c = deepClone(pick.cond);
    if (dissent) c.message = `cluster ${dissent.cluster}: ${c.message ?? c.reason ?? ''}`.trim();
    out.push(c);
  }
  return out;
}

/** observedGeneration: the federation object's generation once every cluster has seen its copy. */
function observed(fed: KObject, copies: MemberCopy[], expected: number): number | undefined {
  const allSeen = copies.length === expected && copies.every((c) => c.upToDate && (c.obj.status?.observedGeneration ?? 0) >= (c.obj.metadata?.generation ?? 0));
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

/**
 * The status the federation object should show, or undefined for kinds without one.
 * `expected` is the number of clusters that should hold a copy.
 */
export function aggregateStatus(kindKey: string, fed: KObject, copies: MemberCopy[], expected: number): Record<string, unknown> | undefined {
  if (kindKey === '/Service' || kindKey === 'networking.k8s.io/Ingress') return { loadBalancer: { ingress: loadBalancerIngress(copies) } };
  const fields = COUNTERS[kindKey];
  if (!fields) return undefined;
  const status: Record<string, unknown> = { ...sumCounters(fields, copies) };
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
  if (kindKey === 'batch/Job') {
    // Complete only when every cluster completed.
    const complete = conds.find((c) => c.type === 'Complete');
    if (complete && copies.length === expected && copies.some((c) => !(c.obj.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True'))) conds.splice(conds.indexOf(complete), 1);
    const starts = copies.map((c) => c.obj.status?.startTime).filter(Boolean).sort();
    if (starts.length) status.startTime = starts[0];
    const ends = copies.map((c) => c.obj.status?.completionTime).filter(Boolean).sort();
    if (ends.length === expected && ends.length) status.completionTime = ends[ends.length - 1];
  }
  if (conds.length) status.conditions = conds;
  if (kindKey === 'apps/StatefulSet') {
    // Revisions are per cluster; at the federation the rollout is done when it is done everywhere.
    const done = copies.every((c) => c.upToDate && c.obj.status?.currentRevision === c.obj.status?.updateRevision);
    status.updateRevision = 'federation';
    status.currentRevision = done ? 'federation' : 'federation-rolling';
  }
  return status;
}
