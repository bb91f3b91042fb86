/**
 * planWorkload: where a workload's replicas go, given the health, taints and capacity of the
 * clusters its placement selected, the readiness of its replicas there, and the user's policy.
 * Pure: the replica scheduler gathers a WorkloadPlanInput and carries out the WorkloadPlan.
 *
 * 1. Each cluster is assessed (taints.ts semantics):
 *    - NoExecute taints (the federation's TAINT_NOT_READY / TAINT_UNREACHABLE included, which a
 *      NotReady / Offline phase implies): tolerated for the workload's tolerationSeconds (else
 *      settings.defaultTolerationSeconds for the health taints, else 0) from timeAdded; while
 *      tolerated the cluster keeps its current replicas and gets no new ones; after that it is
 *      evicted (target 0, its replicas planned elsewhere). Frozen (unhealthyFraction ≥
 *      freezeFraction): health taints never evict.
 *    - NoSchedule not tolerated, NotReady or Offline, or Ready for less than settleMs
 *      (Recovering): at most the replicas it runs now (maxReplicas = min(max, current)).
 *    - PreferNoSchedule not tolerated: used only when the others cannot hold the workload.
 *    - Ready, with replicas not Ready since notReadySince for notReadyAfterMs or more: capacity
 *      = its Ready replicas; with `stuck` unschedulable pods: capacity = current − stuck. One
 *      replica above the target stays there as a probe.
 *    - dynamicWeight AvailableReplicas: weight = availableReplicas + current, where known.
 * 2. Ordered affinity groups (affinity.ts), then spread constraints (spread.ts), choose the
 *    clusters to use.
 * 3. The division (division.ts over planner.ts), PreferNoSchedule clusters only if needed.
 * 4. Make-before-break (make-before-break.ts) turns targets into writes; an Offline cluster is
 *    never written; if nothing fits anywhere, every cluster keeps what it runs.
 */
import { chooseAffinityGroup } from './affinity.js';
import { borrowedReplicas, divide, type DivisionCluster } from './division.js';
import { makeBeforeBreak } from './make-before-break.js';
import { preferenceFor, type ClusterPreference, type Plan } from './planner.js';
import type { ClusterCandidate, ClusterDecision, PlacementReason, WorkloadPlan, WorkloadPlanInput } from './scheduling-types.js';
import { selectSpread, spreadMinimums, type SpreadSelection } from './spread.js';
import { clusterTaints, isHealthTaint, noExecuteDeadline, noExecuteToleranceMs, toleratesTaint } from './taints.js';

/** Stronger reasons win when several apply to one cluster. */
const REASON_RANK: PlacementReason[] = ['Planned', 'Capacity', 'Unschedulable', 'ReplicasNotReady', 'Recovering', 'Tainted', 'ClusterNotReady', 'ClusterUnreachable', 'EvictionsFrozen', 'Spread', 'Affinity', 'NotSelected'];
const rank = (r: PlacementReason) => REASON_RANK.indexOf(r);

interface Assessed {
  c: ClusterCandidate;
  current: number;
  reachable: boolean;
  /** The cluster's preference (weight already dynamic); undefined: the preferences give it nothing. */
  pref?: ClusterPreference;
  /** A NoExecute taint's toleration ran out: target 0. */
  evicted: boolean;
  /** The reason of the eviction: it wins over every other. */
  evictedFor?: PlacementReason;
  /** No new replicas: maxReplicas = min(max, current). */
  hold: boolean;
  /** Untolerated PreferNoSchedule. */
  preferNot: boolean;
  capacity?: number;
  probe: boolean;
  /** Left out by affinity or spread. */
  excluded: boolean;
  reason: PlacementReason;
  notes: string[];
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

function note(a: Assessed, reason: PlacementReason, text: string): void {
  if (rank(reason) > rank(a.reason)) a.reason = reason;
  a.notes.push(text);
}

function assess(c: ClusterCandidate, input: WorkloadPlanInput, frozen: boolean, soon: (t: number) => void): Assessed {
  const { settings, now, policy } = input;
  const current = Math.max(0, c.current ?? 0);
  const a: Assessed = { c, current, reachable: c.phase !== 'Offline', evicted: false, hold: false, preferNot: false, probe: false, excluded: false, reason: 'Planned', notes: [] };
  const healthReason: PlacementReason = c.phase === 'Offline' ? 'ClusterUnreachable' : 'ClusterNotReady';
  if (c.phase !== 'Ready') {
    a.hold = true;
    note(a, healthReason, `${c.phase === 'Offline' ? 'unreachable' : 'not ready'} since ${iso(c.phaseSince)}${c.phase === 'Offline' ? ': never written while unreachable' : ': not scaled up'}`);
  }
  for (const taint of clusterTaints(c)) {
    const label = `taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
    const why = isHealthTaint(taint) && c.phase !== 'Ready' ? healthReason : 'Tainted';
    if (taint.effect === 'NoSchedule') {
      if (toleratesTaint(policy.tolerations, taint)) continue;
      a.hold = true;
      note(a, why, `${label}: no new replicas`);
    } else if (taint.effect === 'PreferNoSchedule') {
      if (toleratesTaint(policy.tolerations, taint)) continue;
      a.preferNot = true;
      note(a, why, `${label}: used only when the other clusters cannot hold the workload`);
    } else {
      const tolerance = noExecuteToleranceMs(policy.tolerations, taint, settings.defaultTolerationSeconds);
      if (tolerance === Infinity) continue;
      if (frozen && isHealthTaint(taint)) {
        a.hold = true;
        note(a, 'EvictionsFrozen', `${label}: evictions frozen while ${Math.round(input.unhealthyFraction * 100)}% of clusters are unhealthy`);
        continue;
      }
      const deadline = noExecuteDeadline(policy.tolerations, taint, settings.defaultTolerationSeconds);
      if (now >= deadline) {
        a.evicted = true;
        a.evictedFor ??= why;
        note(a, why, `${label}: not tolerated${Number.isFinite(deadline) ? ` since ${iso(deadline)}` : ''}; replicas planned elsewhere`);
      } else {
        a.hold = true;
        soon(deadline);
        note(a, why, `${label}: tolerated until ${iso(deadline)}`);
      }
    }
  }
  if (c.phase === 'Ready' && now < c.phaseSince + settings.settleMs) {
    a.hold = true;
    soon(c.phaseSince + settings.settleMs);
    note(a, 'Recovering', `Ready since ${iso(c.phaseSince)}: no new replicas until ${iso(c.phaseSince + settings.settleMs)}`);
  }
  if (c.phase === 'Ready' && current > 0) {
    let capacity = Infinity;
    if (c.notReadySince !== undefined) {
      const due = c.notReadySince + settings.notReadyAfterMs;
      const ready = Math.min(current, Math.max(0, c.ready ?? 0));
      if (now < due) soon(due);
      else if (ready < current) {
        capacity = ready;
        note(a, 'ReplicasNotReady', `${current - ready} of ${current} replicas not Ready since ${iso(c.notReadySince)}: capacity ${ready}`);
      }
    }
    if ((c.stuck ?? 0) > 0) {
      const left = Math.max(0, current - c.stuck!);
      if (left < capacity) capacity = left;
      note(a, 'Unschedulable', `${c.stuck} pods unschedulable: capacity ${left}`);
    }
    if (capacity < current) {
      a.capacity = capacity;
      a.probe = true;
    }
  }
  const pref = preferenceFor(input.preferences, c.name);
  if (!pref) note(a, 'NotSelected', 'no replica preference for this cluster');
  else if (policy.dynamicWeight === 'AvailableReplicas' && c.availableReplicas !== undefined) a.pref = { ...pref, weight: Math.max(0, c.availableReplicas) + current };
  else a.pref = pref;
  return a;
}

/** The cluster's maxReplicas after holds. */
function maxOf(a: Assessed): number | undefined {
  const max = a.pref?.maxReplicas;
  return a.hold ? Math.min(max ?? Infinity, a.current) : max;
}

/** How many replicas the division could give the cluster (Infinity: unbounded). */
function roomOf(a: Assessed): number {
  if (!a.pref || a.evicted || a.excluded) return 0;
  const limit = Math.min(maxOf(a) ?? Infinity, a.capacity ?? Infinity);
  return (a.pref.weight ?? 0) > 0 ? limit : Math.min(a.pref.minReplicas ?? 0, limit);
}

/** What a reachable cluster runs of its own: its replicas up to the previous plan's target. */
function ownCurrent(a: Assessed): number {
  return a.reachable && a.c.previousTarget !== undefined ? Math.min(a.current, a.c.previousTarget) : a.current;
}

function divisionCluster(a: Assessed, avoid: boolean, rebalance: boolean, extraMin: number): DivisionCluster {
  let max = maxOf(a);
  if (avoid) max = rebalance ? 0 : Math.min(max ?? Infinity, a.current);
  let min = Math.max(a.pref!.minReplicas ?? 0, extraMin);
  if (max !== undefined) min = Math.min(min, max);
  const pref: ClusterPreference = { minReplicas: min, weight: a.pref!.weight ?? 0, ...(max !== undefined && max !== Infinity ? { maxReplicas: max } : {}) };
  return { name: a.c.name, pref, current: rebalance ? a.current : ownCurrent(a), ...(a.capacity !== undefined ? { capacity: a.capacity } : {}) };
}

export function planWorkload(input: WorkloadPlanInput): WorkloadPlan {
  const { now, policy, settings } = input;
  const total = Math.max(0, input.totalReplicas);
  const rebalance = !!input.preferences.rebalance;
  const frozen = input.unhealthyFraction > 0 && input.unhealthyFraction >= settings.freezeFraction;
  let recheck = Infinity;
  const soon = (t: number) => {
    if (t > now && t < recheck) recheck = t;
  };
  const all = input.clusters.map((c) => assess(c, input, frozen, soon));
  const byName = new Map(all.map((a) => [a.c.name, a]));

  // Ordered affinity groups, then spread constraints.
  const affinity = chooseAffinityGroup(policy.clusterAffinities, input.clusters, (n) => roomOf(byName.get(n)!), total);
  for (const a of all) {
    if (affinity.members.has(a.c.name)) {
      if (affinity.index >= 0 && !affinity.holds) a.notes.push(`no affinity group can hold ${total} replicas; using ${affinity.name}, the one with the most room`);
      continue;
    }
    a.excluded = true;
    note(a, 'Affinity', affinity.name ? `outside affinity group ${affinity.name}` : 'in no affinity group');
  }
  let spread: SpreadSelection | undefined;
  if (policy.spreadConstraints?.length) {
    const open = all.filter((a) => roomOf(a) > 0);
    spread = selectSpread(
      policy.spreadConstraints,
      open.map((a) => ({ name: a.c.name, ...(a.c.region ? { region: a.c.region } : {}), zones: a.c.zones ?? [], current: a.current, weight: a.pref?.weight ?? 0, room: roomOf(a) })),
    );
    for (const [name, why] of spread.excluded) {
      const a = byName.get(name)!;
      a.excluded = true;
      note(a, 'Spread', why);
    }
    for (const name of spread.warnings.length ? spread.allowed : []) {
      const a = byName.get(name)!;
      if (a.reason === 'Planned') a.reason = 'Spread';
      a.notes.push(spread.warnings.join('; '));
    }
  }

  // The division.
  const used = all.filter((a) => a.pref && !a.evicted && !a.excluded);
  const run = (mins: Record<string, number>): { result: Plan; clusters: DivisionCluster[] } => {
    const first = used.map((a) => divisionCluster(a, a.preferNot, rebalance, mins[a.c.name] ?? 0));
    const result = divide({ key: input.key, totalReplicas: total, rebalance, clusters: first, borrowed: input.borrowed ?? {} });
    if (result.unplaced === 0 || !used.some((a) => a.preferNot)) return { result, clusters: first };
    const second = used.map((a) => divisionCluster(a, false, rebalance, mins[a.c.name] ?? 0));
    return { result: divide({ key: input.key, totalReplicas: total, rebalance, clusters: second, borrowed: input.borrowed ?? {} }), clusters: second };
  };
  let { result, clusters: divided } = run({});
  if (spread) {
    const mins = spreadMinimums(spread, result.replicas, total);
    if (Object.keys(mins).length) ({ result, clusters: divided } = run(mins));
  }
  const placed = Object.values(result.replicas).reduce((s, n) => s + n, 0);
  const nothingFits = total > 0 && placed === 0;

  const targets: Record<string, number> = {};
  for (const a of all) targets[a.c.name] = nothingFits ? 0 : (result.replicas[a.c.name] ?? 0);

  let borrowed: Record<string, number> = {};
  if (nothingFits) borrowed = { ...(input.borrowed ?? {}) };
  else if (!rebalance) {
    const baseline = all.filter((a) => a.pref && !a.excluded).map((a) => ({ name: a.c.name, pref: a.pref!, current: ownCurrent(a) }));
    borrowed = borrowedReplicas({ key: input.key, totalReplicas: total, rebalance, clusters: divided, borrowed: input.borrowed ?? {} }, result.replicas, baseline);
  }

  const mbb = nothingFits
    ? { write: Object.fromEntries(all.map((a) => [a.c.name, a.reachable ? a.c.current : undefined])), held: {} as Record<string, number> }
    : makeBeforeBreak(
        all.map((a) => ({ name: a.c.name, target: targets[a.c.name]!, ...(a.c.current !== undefined ? { current: a.current } : {}), ready: a.c.ready ?? 0, reachable: a.reachable, probe: a.probe })),
        total,
      );

  // Ready replicas kept above a cluster's target until replacements are Ready are held on behalf of
  // the clusters getting them: without rebalancing, the next plan must not take that surplus for
  // the cluster's own share (it would keep it there and take the replacements back).
  if (!rebalance && !nothingFits) for (const [name, held] of Object.entries(mbb.held)) if (held > 0) borrowed[name] = Math.max(borrowed[name] ?? 0, held);

  const decisions: Record<string, ClusterDecision> = {};
  for (const a of all) {
    const name = a.c.name;
    let write = mbb.write[name];
    // A NotReady cluster whose copy could not be read is left alone rather than written blind.
    if (a.c.phase === 'NotReady' && a.c.current === undefined) write = undefined;
    const held = mbb.held[name] ?? 0;
    let reason = a.evictedFor ?? a.reason;
    if (held > 0) {
      reason = 'AwaitingReplacements';
      a.notes.push(`${held} Ready replica(s) kept until replacements elsewhere are Ready`);
    }
    if (nothingFits) a.notes.push('nothing fits anywhere: every cluster keeps what it runs');
    if (write !== undefined && a.probe && write > targets[name]! && held === 0) a.notes.push('one replica kept as a probe');
    const overflow = result.overflow[name] ?? 0;
    if (overflow > 0 && reason === 'Planned') reason = 'Capacity';
    decisions[name] = { target: targets[name]!, ...(write !== undefined ? { write } : {}), reason, ...(a.notes.length ? { message: a.notes.join('; ') } : {}) };
  }
  return {
    clusters: decisions,
    unplaced: nothingFits ? total : result.unplaced,
    frozen,
    nothingFits,
    borrowed,
    ...(recheck !== Infinity ? { recheckAfterMs: recheck - now } : {}),
  };
}
