/** How fast simulated clusters move. Faster than real clusters, so demos and tests take seconds. */
export interface Timing {
  /** Kubelets renew their node Lease and NodeReady condition this often. */
  nodeHeartbeatMs: number;
  /** A node whose heartbeat is older than this is marked Ready=Unknown (Kubernetes: 40 s). */
  nodeMonitorGraceMs: number;
  /** From binding to containers running (image "pull" and start). */
  podStartDelayMs: number;
  /** From running to Ready, unless a pod annotation says otherwise. */
  readinessDelayMs: number;
  /** How long containers of Job pods (restartPolicy Never/OnFailure) run before exiting 0. */
  jobPodDurationMs: number;
  /** Scheduler retry period for pods that did not fit. */
  schedulerRetryMs: number;
}

export const DEFAULT_TIMING: Timing = {
  nodeHeartbeatMs: 2_000,
  nodeMonitorGraceMs: 6_000,
  podStartDelayMs: 100,
  readinessDelayMs: 300,
  jobPodDurationMs: 1_000,
  schedulerRetryMs: 1_000,
};
