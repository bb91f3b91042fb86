/**
 * What the federation controllers share: a client of the federation API, the member clusters
 * (with a client each), the federated types, and the planner/status plug-ins the propagation
 * engine calls. Each piece is owned by one controller and read by the others.
 */
import type { Logger } from 'pino';
import type { KObject } from '../apis/object.js';
import type { KubeClient } from './client/kube-client.js';
import type { FederationMetrics } from './metrics.js';
import type { Taint } from './planning/scheduling-types.js';
import type { FederatedTypeInfo } from './types.js';

/** A joined member cluster as the controllers see it. */
export interface MemberCluster {
  name: string;
  /** Labels of the Cluster/KubeFedCluster objects (used by placement selectors). */
  labels: Record<string, string>;
  region?: string;
  zones: string[];
  /** Health: Ready (probes pass), NotReady (answers unhealthy, or no node is Ready) or Offline (unreachable). */
  phase: 'Ready' | 'NotReady' | 'Offline';
  /** When the cluster entered its phase (ms since epoch; unknown for clusters found at start: their status time). */
  phaseSince?: number;
  /** The Cluster object's spec.taints: the federation's own (not-ready, unreachable) and users'. */
  taints?: Taint[];
  client: KubeClient;
}

export interface MemberRegistry {
  list(): MemberCluster[];
  get(name: string): MemberCluster | undefined;
  /** Called whenever a cluster joins, leaves or changes phase or labels. */
  onChange(fn: (cluster: string) => void): () => void;
}

export interface TypeRegistry {
  list(): FederatedTypeInfo[];
  /** The type for a target apiVersion/kind, or for a Federated<Kind>. */
  byTarget(apiVersion: string, kind: string): FederatedTypeInfo | undefined;
  byFederatedKind(kind: string): FederatedTypeInfo | undefined;
  onChange(fn: () => void): () => void;
}

/** What one federated object should look like in the member clusters. */
export interface Intent {
  type: FederatedTypeInfo;
  /** The object at the federation that this intent comes from (plain object or Federated<Kind>). */
  source: KObject;
  sourceStyle: 'plain' | 'federated';
  namespace: string;
  name: string;
  /** The target object to create in members (apiVersion, kind, metadata.name/namespace set). */
  template: KObject;
  /** Clusters selected for the object (before readiness is considered). */
  clusters: string[];
  /** Per-cluster JSON-patch overrides (KubeFed v2). */
  overrides: Record<string, { op?: 'add' | 'remove' | 'replace'; path: string; value?: unknown }[]>;
  /** Being deleted at the federation (its finalizer still holds it). */
  deleting: boolean;
  /** Deleting leaves member copies in place. */
  orphan: boolean;
}

/** A workload's division: what to write to each cluster's copy, and why. */
export interface SchedulingResult {
  /** Replicas per selected cluster; `keep`: leave the copy's replicas as they are. */
  replicas: Record<string, number | 'keep'>;
  /** Each cluster's target and the reason for it (status, events). */
  decisions: Record<string, { target: number; reason: string; message?: string }>;
  /** Evictions are held back: too many clusters are unhealthy at once. */
  frozen?: boolean;
  /** Look again after this long even if nothing changes (tolerations expiring, clusters settling). */
  recheckAfterMs?: number;
}

/** Divides a workload's replicas; returns undefined for kinds without replicas (or not divided). */
export interface ReplicaScheduler {
  /** `copyOf`: the workload's copy in a cluster as last seen (from the member caches), if known. */
  schedule(intent: Intent, clusters: MemberCluster[], copyOf: (cluster: string) => KObject | undefined): Promise<SchedulingResult | undefined>;
  /** Stops tracking a workload once it is deleted everywhere. */
  forget?(key: { namespace: string; name: string; kind: string }): void;
}

/** Per-cluster outcome of propagating one object. */
export interface ClusterPropagation {
  cluster: string;
  /** Ok, ClusterNotReady, CreationFailed, UpdateFailed, DeletionFailed, AlreadyExists, ApplyOverridesFailed, WaitingForRemoval, ... */
  status: string;
  message?: string;
  /** The member copy after the sync, if any. */
  member?: KObject;
  /** A divided workload: the replicas the plan gives this cluster, and why. */
  placement?: { target: number; reason: string; message?: string };
}

/** Writes status back to the federation object after a sync. */
export interface StatusAggregator {
  report(intent: Intent, results: ClusterPropagation[]): Promise<void>;
}

export interface FederationContext {
  /** Client of the federation API. */
  federation: KubeClient;
  members: MemberRegistry;
  types: TypeRegistry;
  log: Logger;
  /** Field manager and user agent for writes: "kubefed-controller-manager". */
  fieldManager: string;
  /** The controllers' metrics (work queues, propagation latency). */
  metrics?: FederationMetrics;
}
