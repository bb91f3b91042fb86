/**
 * The division of a workload's replicas between the clusters that may take them, with the
 * planner (planner.ts) doing the arithmetic, and what "in place" means for each rebalance mode:
 *
 * - rebalance false (Federation v1's preallocation): a cluster keeps what it runs, up to its
 *   maxReplicas and capacity, except replicas it holds on behalf of other clusters (`borrowed`,
 *   from the previous plan): those do not count as in place, so they return to their owners.
 * - rebalance true: the division follows the preferences, but a cluster keeps what it runs up
 *   to the larger of its share in the planner's own division and the floor of its exact
 *   weighted share (total × weight / sum of weights). So the planner's division is a fixed
 *   point (a plan it made is never reshuffled), and a change (a cluster failing, recovering or
 *   joining, a scale) moves only what it has to: one cluster of nine failing moves its replicas,
 *   not the rounding of the others (the planner alone would turn 1 each over 9 clusters into
 *   2/2/2/2/1/0/0/0 over the 8 left).
 */
import { plan, type ClusterPreference, type Plan, type PlanInput } from './planner.js';

export interface DivisionCluster {
  name: string;
  /** Effective preference: minReplicas, maxReplicas (health, taints, settling already applied), weight. */
  pref: ClusterPreference;
  /** Replicas of the workload it runs now (0 when none or unknown). */
  current: number;
  /** How many replicas it can run (undefined: no limit). */
  capacity?: number;
}

export interface DivisionInput {
  key: string;
  totalReplicas: number;
  rebalance: boolean;
  clusters: readonly DivisionCluster[];
  /** Replicas clusters hold on behalf of others (rebalance false). */
  borrowed?: Record<string, number>;
}

function plannerInput(d: DivisionInput, current: Record<string, number>): PlanInput {
  const prefs: Record<string, ClusterPreference> = {};
  const capacity: Record<string, number> = {};
  for (const c of d.clusters) {
    prefs[c.name] = c.pref;
    if (c.capacity !== undefined) capacity[c.name] = c.capacity;
  }
  return { key: d.key, totalReplicas: d.totalReplicas, clusters: d.clusters.map((c) => c.name), preferences: { rebalance: false, clusters: prefs }, current, capacity };
}

/** What each cluster's weight gives it of the total, rounded down (clusters that cannot take anything left out). */
export function floorShares(d: Pick<DivisionInput, 'totalReplicas' | 'clusters'>): Record<string, number> {
  const open = d.clusters.filter((c) => (c.pref.weight ?? 0) > 0 && (c.pref.maxReplicas ?? Infinity) > 0 && (c.capacity ?? Infinity) > 0);
  const sum = open.reduce((a, c) => a + (c.pref.weight ?? 0), 0);
  const out: Record<string, number> = {};
  for (const c of open) out[c.name] = Math.floor((Math.max(0, d.totalReplicas) * (c.pref.weight ?? 0)) / sum);
  return out;
}

export function divide(d: DivisionInput): Plan {
  const current: Record<string, number> = {};
  if (!d.rebalance) {
    for (const c of d.clusters) if (c.current > 0) current[c.name] = Math.max(0, c.current - (d.borrowed?.[c.name] ?? 0));
    return plan(plannerInput(d, current));
  }
  const fresh = plannerInput(d, {});
  const ideal = plan({ ...fresh, preferences: { ...fresh.preferences, rebalance: true } });
  const floor = floorShares(d);
  for (const c of d.clusters) {
    const keep = Math.min(c.current, Math.max(ideal.replicas[c.name] ?? 0, floor[c.name] ?? 0));
    if (keep > 0) current[c.name] = keep;
  }
  return plan(plannerInput(d, current));
}

/**
 * Replicas each cluster of a division holds beyond what it would hold if every cluster of
 * `baseline` (the clusters the workload would use were they all healthy, with their unclamped
 * preferences and no capacity limits) could take replicas: what it holds on behalf of others.
 * Empty when rebalancing (the division follows the preferences anyway).
 */
export function borrowedReplicas(d: DivisionInput, planned: Record<string, number>, baseline: readonly DivisionCluster[]): Record<string, number> {
  if (d.rebalance) return {};
  const base = divide({ ...d, clusters: baseline.map((c) => ({ name: c.name, pref: c.pref, current: c.current })) }).replicas;
  const out: Record<string, number> = {};
  for (const c of d.clusters) {
    const extra = (planned[c.name] ?? 0) - (base[c.name] ?? 0);
    if (extra > 0) out[c.name] = extra;
  }
  return out;
}
