/**
 * Make-before-break: from the targets of a plan and what each cluster runs now, what to write to
 * each cluster so that the total of Ready replicas never drops below the desired count.
 *
 * - An unreachable cluster is never written.
 * - Growth is written at once (target ≥ current: write the target).
 * - A shrinking cluster (current > target) loses its replicas that are not Ready freely; its
 *   Ready ones only as far as the Ready replicas over all reachable clusters stay at least the
 *   desired total. That allowance goes one replica at a time to the cluster with the most Ready
 *   surplus left (ties: cluster name). What is not removed stays until replacements are Ready.
 * - A cluster whose capacity was lowered because its replicas are not Ready (or unschedulable)
 *   keeps one replica above its target as a probe: min(current, target + 1).
 * - Nothing is written below the target or above max(target, current).
 */

export interface MbbCluster {
  name: string;
  target: number;
  /** spec.replicas of its copy (undefined: none, or unknown). */
  current?: number;
  /** Its Ready replicas. */
  ready?: number;
  /** Unreachable clusters are never written and their replicas do not count as Ready. */
  reachable: boolean;
  /** Keep a probe replica above the target. */
  probe?: boolean;
}

export interface MbbResult {
  /** What to write per cluster (absent: leave it alone). */
  write: Record<string, number | undefined>;
  /** Ready replicas kept above the target until replacements are Ready. */
  held: Record<string, number>;
}

export function makeBeforeBreak(clusters: readonly MbbCluster[], totalReplicas: number): MbbResult {
  const write: Record<string, number | undefined> = {};
  const held: Record<string, number> = {};
  let readyTotal = 0;
  for (const c of clusters) if (c.reachable) readyTotal += Math.min(Math.max(0, c.ready ?? 0), Math.max(0, c.current ?? 0));
  let allowance = Math.max(0, readyTotal - totalReplicas);
  const readySurplus = new Map<string, number>();
  for (const c of clusters) {
    if (!c.reachable || c.current === undefined || c.current <= c.target) continue;
    const surplus = c.current - c.target;
    const notReady = c.current - Math.min(Math.max(0, c.ready ?? 0), c.current);
    const rs = surplus - Math.min(surplus, notReady);
    if (rs > 0) readySurplus.set(c.name, rs);
  }
  const removed = new Map<string, number>();
  while (allowance > 0) {
    let pick: string | undefined;
    let most = 0;
    for (const [name, rs] of readySurplus) {
      const left = rs - (removed.get(name) ?? 0);
      if (left > most || (left === most && left > 0 && pick !== undefined && name < pick)) {
        pick = name;
        most = left;
      }
    }
    if (pick === undefined) break;
    removed.set(pick, (removed.get(pick) ?? 0) + 1);
    allowance--;
  }
  for (const c of clusters) {
    if (!c.reachable) {
      write[c.name] = undefined;
      continue;
    }
    if (c.current === undefined || c.current <= c.target) {
      write[c.name] = c.target;
      continue;
    }
    const keep = (readySurplus.get(c.name) ?? 0) - (removed.get(c.name) ?? 0);
    let w = c.target + keep;
    if (keep > 0) held[c.name] = keep;
    if (c.probe) w = Math.max(w, Math.min(c.current, c.target + 1));
    write[c.name] = w;
  }
  return { write, held };
}
