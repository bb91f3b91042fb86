/**
 * Cluster taints and workload tolerations, with Kubernetes' node semantics (k8s.io/api core/v1
 * Toleration.ToleratesTaint and the taint manager's getMinTolerationTime) applied to clusters:
 * - a toleration matches a taint when its effect is empty or equal, its key is empty or equal,
 *   and either its operator is Exists or (Equal, the default) its value equals the taint's;
 * - NoSchedule: no new replicas; PreferNoSchedule: used only when nothing else fits;
 *   NoExecute: the workload leaves after the smallest tolerationSeconds of the tolerations that
 *   match the taint (none with seconds: it stays), counted from the taint's timeAdded.
 */
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type ClusterCandidate, type Taint, type TaintEffect, type Toleration } from './scheduling-types.js';

export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
export const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;

/** Whether one toleration matches a taint (Toleration.ToleratesTaint). */
export function tolerationMatches(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** Whether any of the tolerations matches the taint (for NoExecute: ignoring tolerationSeconds). */
export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerationMatches(t, taint));
}

/** The taints the federation sets itself for a cluster's health. */
export const isHealthTaint = (taint: Taint): boolean => taint.key === TAINT_NOT_READY || taint.key === TAINT_UNREACHABLE;

/**
 * A cluster's taints, plus the NoExecute taint its phase implies when the list lacks it:
 * NotReady → TAINT_NOT_READY, Offline → TAINT_UNREACHABLE, both added at phaseSince.
 */
export function clusterTaints(c: Pick<ClusterCandidate, 'phase' | 'phaseSince' | 'taints'>): Taint[] {
  const taints = [...(c.taints ?? [])];
  const implied = c.phase === 'NotReady' ? TAINT_NOT_READY : c.phase === 'Offline' ? TAINT_UNREACHABLE : undefined;
  if (implied && !taints.some((t) => t.key === implied && t.effect === 'NoExecute')) {
    taints.push({ key: implied, effect: 'NoExecute', timeAdded: new Date(c.phaseSince).toISOString() });
  }
  return taints;
}

/** When the taint was added (ms since epoch); a taint without (or with an unreadable) timeAdded counts as added long ago. */
export function taintAddedMs(taint: Taint): number {
  const t = taint.timeAdded === undefined ? NaN : Date.parse(taint.timeAdded);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * How long (ms) a workload stays on a cluster after a NoExecute taint was added: the smallest
 * tolerationSeconds of its tolerations matching the taint (0 or less: none; matching tolerations
 * without seconds only: Infinity). No matching toleration: `defaultSeconds` for the federation's
 * health taints, 0 for any other.
 */
export function noExecuteToleranceMs(tolerations: readonly Toleration[] | undefined, taint: Taint, defaultSeconds: number): number {
  const matching = (tolerations ?? []).filter((t) => tolerationMatches(t, taint));
  if (matching.length === 0) return isHealthTaint(taint) ? Math.max(0, defaultSeconds) * 1000 : 0;
  let min = Infinity;
  for (const t of matching) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds * 1000);
  }
  return min;
}

/** When the workload must leave the cluster because of this NoExecute taint (ms since epoch; Infinity: never). */
export function noExecuteDeadline(tolerations: readonly Toleration[] | undefined, taint: Taint, defaultSeconds: number): number {
  const tolerance = noExecuteToleranceMs(tolerations, taint, defaultSeconds);
  return tolerance === Infinity ? Infinity : taintAddedMs(taint) + tolerance;
}
