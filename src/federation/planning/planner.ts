/**
 * The replica planner: how many of a workload's replicas each cluster runs. The same algorithm
 * Federation v1 and KubeFed used, so plans (and their quirks) match what users saw there:
 *
 * 1. Clusters are ordered by weight (descending), ties broken by a 32-bit FNV-1 hash of
 *    `cluster + key`, so the alphabetically first cluster is not always favoured.
 * 2. Each cluster first gets its minReplicas (bounded by what is left and by its capacity).
 * 3. Without rebalancing, a cluster already running more than that keeps up to
 *    min(current, maxReplicas, capacity) ("preallocated").
 * 4. The rest is handed out in weighted rounds: each round splits what remained at its start
 *    by weight, rounding up, preallocated replicas counting first; a cluster reaching its
 *    maxReplicas or capacity leaves later rounds (what did not fit its capacity is recorded as
 *    overflow). Rounds continue while anything changes and replicas remain.
 */
import { fnv1_32 } from './fnv.js';

export interface ClusterPreference {
  minReplicas?: number;
  /** Unbounded when absent. */
  maxReplicas?: number;
  weight?: number;
}

export interface ReplicaPreferences {
  /** Move replicas to follow the preferences even where they already run. */
  rebalance?: boolean;
  /** Per-cluster preferences by name, or "*" for every other cluster. */
  clusters: Record<string, ClusterPreference>;
}

export interface PlanInput {
  totalReplicas: number;
  /** Clusters that can take replicas (ready, selected). */
  clusters: string[];
  preferences: ReplicaPreferences;
  /** Replicas each cluster runs now (used when not rebalancing). */
  current?: Record<string, number>;
  /** How many replicas each cluster can run (absent: unlimited). */
  capacity?: Record<string, number>;
  /** The workload, "namespace/name": seeds the tie-break hash. */
  key: string;
}

export interface Plan {
  /** Replicas per cluster (every input cluster has an entry). */
  replicas: Record<string, number>;
  /** Replicas that would be placed on a cluster if it had capacity for them. */
  overflow: Record<string, number>;
  /** Replicas no cluster could take. */
  unplaced: number;
}

interface Named {
  cluster: string;
  hash: number;
  min: number;
  max: number | undefined;
  weight: number;
}

/** The preference that applies to a cluster: its own, else "*", else none (it gets nothing). */
export function preferenceFor(prefs: ReplicaPreferences, cluster: string): ClusterPreference | undefined {
  return prefs.clusters[cluster] ?? prefs.clusters['*'];
}

export function plan(input: PlanInput): Plan {
  const { preferences: prefs, capacity = {}, current = {} } = input;
  const replicas: Record<string, number> = {};
  const overflow: Record<string, number> = {};
  let ordered: Named[] = [];
  for (const cluster of input.clusters) {
    const p = preferenceFor(prefs, cluster);
    if (!p) {
      replicas[cluster] = 0;
      continue;
    }
    ordered.push({ cluster, hash: fnv1_32(cluster, input.key), min: p.minReplicas ?? 0, max: p.maxReplicas, weight: p.weight ?? 0 });
  }
  ordered.sort((a, b) => b.weight - a.weight || a.hash - b.hash);
  const cap = (c: string) => (Object.prototype.hasOwnProperty.call(capacity, c) ? capacity[c]! : Infinity);

  let remaining = Math.max(0, input.totalReplicas);
  for (const p of ordered) {
    const n = Math.min(p.min, remaining, cap(p.cluster));
    remaining -= n;
    replicas[p.cluster] = n;
  }

  const preallocated: Record<string, number> = {};
  if (!prefs.rebalance) {
    for (const p of ordered) {
      const planned = replicas[p.cluster]!;
      const count = current[p.cluster];
      if (count === undefined || count <= planned) continue;
      let target = count;
      if (p.max !== undefined) target = Math.min(p.max, target);
      target = Math.min(cap(p.cluster), target);
      const extra = Math.max(0, Math.min(target - planned, remaining));
      remaining -= extra;
      preallocated[p.cluster] = extra;
      replicas[p.cluster] = planned + extra;
    }
  }

  let modified = true;
  while (modified && remaining > 0) {
    modified = false;
    const weightSum = ordered.reduce((a, p) => a + p.weight, 0);
    if (weightSum <= 0) break;
    const next: Named[] = [];
    const distribute = remaining;
    for (const p of ordered) {
      const start = replicas[p.cluster]!;
      let extra = Math.min(Math.ceil((distribute * p.weight) / weightSum), remaining);
      const pre = preallocated[p.cluster] ?? 0;
      const usedPre = Math.min(extra, pre);
      preallocated[p.cluster] = pre - usedPre;
      extra -= usedPre;
      if (usedPre > 0) modified = true;
      let total = start + extra;
      let full = false;
      if (p.max !== undefined && total > p.max) {
        total = p.max;
        full = true;
      }
      const c = cap(p.cluster);
      if (total > c) {
        overflow[p.cluster] = total - c;
        total = c;
        full = true;
      }
      if (!full) next.push(p);
      remaining -= total - start;
      replicas[p.cluster] = total;
      if (total > start) modified = true;
    }
    ordered = next;
  }

  if (!prefs.rebalance) {
    for (const c of Object.keys(overflow)) {
      const v = Math.min(overflow[c]!, remaining);
      if (v > 0) overflow[c] = v;
      else delete overflow[c];
    }
  }
  return { replicas, overflow, unplaced: remaining };
}
