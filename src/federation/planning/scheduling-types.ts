/**
 * The inputs and outputs of workload scheduling: where a workload's replicas go given cluster
 * health, taints, readiness of its replicas, capacity and the user's policy (preferences, spread,
 * ordered affinity groups, tolerations, dynamic weights). Pure data: `planWorkload`
 * (workload-plan.ts) computes a WorkloadPlan from a WorkloadPlanInput; the replica scheduler
 * gathers the input from the federation and the members and carries the plan out.
 */
import type { LabelSelector } from '../../apis/meta/labels.js';
import type { ReplicaPreferences } from './planner.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A taint on a member cluster (Cluster.spec.taints), as on Kubernetes nodes. */
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** RFC 3339; for NoExecute, tolerationSeconds count from here. */
  timeAdded?: string;
}

/** A workload's toleration of cluster taints, as pods tolerate node taints. */
export interface Toleration {
  key?: string;
  /** Default Equal. Exists with no key tolerates everything. */
  operator?: 'Exists' | 'Equal';
  value?: string;
  /** Empty: every effect. */
  effect?: TaintEffect;
  /** NoExecute only: how long the workload stays on a cluster after the taint was added. */
  tolerationSeconds?: number;
}

/** Taints the federation sets and removes itself. */
export const TAINT_NOT_READY = 'cluster.kubefed.io/not-ready';
export const TAINT_UNREACHABLE = 'cluster.kubefed.io/unreachable';
/** Set by `kubefed cordon`. */
export const TAINT_UNSCHEDULABLE = 'cluster.kubefed.io/unschedulable';

/** Spread over topology groups (Karmada's spreadConstraints). */
export interface SpreadConstraint {
  spreadByField: 'region' | 'zone' | 'cluster';
  minGroups?: number;
  maxGroups?: number;
}

/** One ordered group of clusters (Karmada's clusterAffinities): the first that can hold the workload is used. */
export interface ClusterAffinityTerm {
  affinityName: string;
  clusterNames?: string[];
  labelSelector?: LabelSelector;
}

/** How a workload is scheduled beyond replica preferences. */
export interface SchedulingPolicy {
  tolerations?: Toleration[];
  spreadConstraints?: SpreadConstraint[];
  clusterAffinities?: ClusterAffinityTerm[];
  /** Weights follow each cluster's room for more replicas of this workload (available replicas). */
  dynamicWeight?: 'AvailableReplicas';
}

/** What is known of one cluster the workload's placement selected. */
export interface ClusterCandidate {
  name: string;
  region?: string;
  zones: string[];
  labels: Record<string, string>;
  /** Health as the cluster controller sees it, and since when (ms since epoch). */
  phase: 'Ready' | 'NotReady' | 'Offline';
  phaseSince: number;
  taints: Taint[];
  /** The workload's copy there: spec.replicas (undefined: no copy, or unknown). */
  current?: number;
  /** Its ready replicas (status.readyReplicas) as last seen. */
  ready?: number;
  /**
   * The target the previous plan gave it (undefined: none yet). Replicas above it are on their way
   * out (kept for make-before-break, or a scale-down not written yet), not the cluster's own.
   */
  previousTarget?: number;
  /** Since when (ms) some of its replicas have been continuously not ready (undefined: all ready). */
  notReadySince?: number;
  /** Its pods Pending as Unschedulable for longer than the threshold. */
  stuck?: number;
  /** How many more replicas of this workload the cluster could run (dynamic weights); undefined: unknown. */
  availableReplicas?: number;
}

export interface SchedulingSettings {
  /** NoExecute taints without a toleration of the workload: tolerated this long. Playground: a few seconds. */
  defaultTolerationSeconds: number;
  /** A cluster back from NotReady/Offline gets no new replicas until Ready this long. */
  settleMs: number;
  /** Replicas not ready this long lower their cluster's capacity to what is ready. */
  notReadyAfterMs: number;
  /** With at least this share of all joined clusters unreachable or not ready, nothing is evicted. Default 0.5. */
  freezeFraction: number;
}

export interface WorkloadPlanInput {
  /** "namespace/name": seeds the planner's tie-break hash. */
  key: string;
  totalReplicas: number;
  preferences: ReplicaPreferences;
  policy: SchedulingPolicy;
  /** The clusters the placement selected, with what is known of them. */
  clusters: ClusterCandidate[];
  /** Share of ALL joined clusters (not only selected) that are NotReady or Offline now. */
  unhealthyFraction: number;
  /** Replicas clusters hold on behalf of others (from the previous plan), so they return. */
  borrowed?: Record<string, number>;
  settings: SchedulingSettings;
  now: number;
}

/** Why a cluster gets what it gets. */
export type PlacementReason =
  | 'Planned'
  | 'ClusterUnreachable'
  | 'ClusterNotReady'
  | 'Tainted'
  | 'ReplicasNotReady'
  | 'Unschedulable'
  | 'Capacity'
  | 'Recovering'
  | 'Spread'
  | 'Affinity'
  | 'AwaitingReplacements'
  | 'EvictionsFrozen'
  | 'NotSelected';

export interface ClusterDecision {
  /** What the plan gives the cluster. */
  target: number;
  /**
   * What to write to the cluster's copy now: the target, or more while replacements elsewhere
   * are not Ready yet (make-before-break), plus a probe replica where readiness lowered capacity.
   * Undefined: leave the cluster alone (unreachable: never written).
   */
  write?: number;
  reason: PlacementReason;
  message?: string;
}

export interface WorkloadPlan {
  clusters: Record<string, ClusterDecision>;
  /** Replicas no cluster could take. */
  unplaced: number;
  /** Evictions were held back because too many clusters are unhealthy. */
  frozen: boolean;
  /** Nothing fits anywhere: every cluster keeps what it runs (never an empty placement). */
  nothingFits: boolean;
  /** Replicas each cluster holds on behalf of others, for the next plan. */
  borrowed: Record<string, number>;
  /** When the plan may change by the passage of time alone (a toleration expires, a cluster settles, replicas pass the not-ready threshold): ms from `now`. */
  recheckAfterMs?: number;
}
