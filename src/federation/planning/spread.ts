/**
 * Spread constraints (Karmada's spreadConstraints by field): the clusters a workload uses cover
 * between minGroups and maxGroups distinct regions, zones or clusters.
 *
 * Groups are ranked: groups already running replicas of the workload first (stability), then
 * by total weight, then by total room for replicas, then by name. The first maxGroups (all when
 * unbounded) are used; clusters of the others get nothing. Constraints apply from the widest
 * field down (region, then zone, then cluster), each among the clusters the previous one kept.
 * A cluster without the field (no region, no zones) cannot be counted and is left out. A
 * cluster spanning several zones is one zone group of its own (its zones together).
 */
import type { SpreadConstraint } from './scheduling-types.js';

export interface SpreadCluster {
  name: string;
  region?: string;
  zones: string[];
  /** Replicas of the workload it runs now. */
  current: number;
  weight: number;
  /** Replicas it could take (Infinity: unbounded). */
  room: number;
}

export interface SpreadGroup {
  key: string;
  members: string[];
  /** The member to give a replica when the group must be used: running replicas, weight, room, name. */
  best: string;
}

export interface SpreadLevel {
  constraint: SpreadConstraint;
  /** The chosen groups, best first. */
  groups: SpreadGroup[];
}

export interface SpreadSelection {
  /** Clusters the constraints keep. */
  allowed: Set<string>;
  /** Clusters left out, with why. */
  excluded: Map<string, string>;
  /** Constraints that cannot be met (fewer groups than minGroups). */
  warnings: string[];
  levels: SpreadLevel[];
}

const FIELD_ORDER: SpreadConstraint['spreadByField'][] = ['region', 'zone', 'cluster'];

/** The group a cluster belongs to for a field, undefined when it has none. */
export function spreadGroupKey(field: SpreadConstraint['spreadByField'], c: Pick<SpreadCluster, 'name' | 'region' | 'zones'>): string | undefined {
  if (field === 'cluster') return c.name;
  if (field === 'region') return c.region || undefined;
  const zones = [...new Set(c.zones ?? [])].filter(Boolean).sort();
  return zones.length ? zones.join(',') : undefined;
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function selectSpread(constraints: readonly SpreadConstraint[] | undefined, clusters: readonly SpreadCluster[]): SpreadSelection {
  const allowed = new Set(clusters.map((c) => c.name));
  const excluded = new Map<string, string>();
  const warnings: string[] = [];
  const levels: SpreadLevel[] = [];
  const byName = new Map(clusters.map((c) => [c.name, c]));
  for (const field of FIELD_ORDER) {
    const constraint = (constraints ?? []).find((s) => s.spreadByField === field);
    if (!constraint) continue;
    const groups = new Map<string, SpreadCluster[]>();
    for (const name of allowed) {
      const c = byName.get(name)!;
      const key = spreadGroupKey(field, c);
      if (key === undefined) {
        allowed.delete(name);
        excluded.set(name, `spread by ${field}: the cluster has no ${field}`);
        continue;
      }
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const ranked = [...groups.entries()].map(([key, members]) => ({
      key,
      members,
      holding: members.some((m) => m.current > 0),
      weight: members.reduce((a, m) => a + m.weight, 0),
      room: members.reduce((a, m) => a + m.room, 0),
    }));
    ranked.sort((a, b) => Number(b.holding) - Number(a.holding) || b.weight - a.weight || (b.room === a.room ? 0 : b.room > a.room ? 1 : -1) || cmpStr(a.key, b.key));
    const max = constraint.maxGroups ?? Infinity;
    const min = constraint.minGroups ?? 0;
    if (ranked.length < min) warnings.push(`spread by ${field}: only ${ranked.length} ${field}(s) can take replicas, minGroups is ${min}`);
    const chosen = ranked.slice(0, Math.min(ranked.length, max));
    for (const g of ranked.slice(chosen.length)) {
      for (const m of g.members) {
        allowed.delete(m.name);
        excluded.set(m.name, `spread by ${field}: ${field} ${g.key} not chosen (maxGroups ${max})`);
      }
    }
    levels.push({
      constraint,
      groups: chosen.map((g) => {
        const best = [...g.members].sort((a, b) => b.current - a.current || b.weight - a.weight || (b.room === a.room ? 0 : b.room > a.room ? 1 : -1) || cmpStr(a.name, b.name))[0]!;
        return { key: g.key, members: g.members.map((m) => m.name), best: best.name };
      }),
    });
  }
  return { allowed, excluded, warnings, levels };
}

/**
 * Minimums (one replica on one cluster per group) that make a division use at least minGroups
 * groups of each constraint (or as many as there are chosen groups and replicas), for a
 * division (`targets`) that uses fewer. The groups it uses keep one replica where they have the
 * most; the best-ranked unused groups get one on their best cluster. Empty when no constraint
 * falls short.
 */
export function spreadMinimums(sel: SpreadSelection, targets: Record<string, number>, total: number): Record<string, number> {
  const mins: Record<string, number> = {};
  for (const level of sel.levels) {
    const need = Math.min(level.constraint.minGroups ?? 0, level.groups.length, total);
    const used = level.groups.filter((g) => g.members.some((m) => (targets[m] ?? 0) > 0));
    if (used.length >= need) continue;
    for (const g of used) {
      const most = [...g.members].sort((a, b) => (targets[b] ?? 0) - (targets[a] ?? 0) || Number(b === g.best) - Number(a === g.best))[0]!;
      mins[most] = 1;
    }
    for (const g of level.groups.filter((x) => !used.includes(x)).slice(0, need - used.length)) mins[g.best] = 1;
  }
  return mins;
}
