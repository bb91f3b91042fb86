/**
 * What a client connection and its requests see of the edge: the current configuration
 * snapshot, per-endpoint state, the balancer, the location lookup, the tunables, and where
 * outcomes are counted.
 */
import type { Balancer } from '../locality/balancer-api.js';
import type { EdgeConfig, Location } from '../model.js';
import type { AccessLog } from './access-log.js';
import type { EndpointState, EndpointTable } from './endpoints.js';
import type { TrustedProxies } from './forwarded.js';
import type { ActiveCheckOptions } from './health/active.js';
import type { OutlierDetector, OutlierOptions } from './health/outlier.js';
import type { EdgeMetrics } from './metrics.js';
import type { RetryOptions } from './retry.js';
import type { Router } from './router.js';
import type { SplitWindow } from './split.js';

/** Timeouts in milliseconds; 0 disables the ones marked so. */
export interface Timeouts {
  /** Establishing a connection to an endpoint. */
  connectMs: number;
  /** One try: from its start to the response head. */
  tryMs: number;
  /** A whole request, from its head to the end of its response, all tries included (0: none). */
  requestMs: number;
  /** An idle keep-alive client connection. */
  clientIdleMs: number;
  /** Receiving a request head (slow clients). */
  headersMs: number;
  /** A WebSocket or other upgraded connection with no traffic either way. */
  tunnelIdleMs: number;
  /** An idle keep-alive connection to an endpoint (a shorter Keep-Alive: timeout hint wins). */
  upstreamIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 2_000,
  tryMs: 15_000,
  requestMs: 60_000,
  clientIdleMs: 60_000,
  headersMs: 10_000,
  tunnelIdleMs: 3_600_000,
  upstreamIdleMs: 4_000,
};

export interface Tunables {
  timeouts: Timeouts;
  retry: RetryOptions;
  outlier: OutlierOptions;
  activeChecks: ActiveCheckOptions;
  /** Largest request or response head. */
  maxHeadBytes: number;
  /** Idle connections kept per endpoint. */
  maxIdlePerEndpoint: number;
}

/** One configuration snapshot with what is compiled from it. */
export interface Snapshot {
  config: EdgeConfig;
  router: Router;
  trust: TrustedProxies;
  generation: number;
}

export interface EdgeRuntime {
  snapshot: Snapshot;
  readonly tunables: Tunables;
  readonly endpoints: EndpointTable;
  readonly balancer: Balancer;
  readonly locate: (ip: string) => Location;
  readonly outlier: OutlierDetector;
  readonly metrics: EdgeMetrics;
  readonly split: SplitWindow;
  readonly accessLog: AccessLog | undefined;
  /** A request's connection to `st` was refused (nothing listens there). */
  refused(st: EndpointState): void;
  /**
   * A try has waited `stallMs` on `st` (to connect, or for the response head) and nothing at all
   * has come from `st` for as long (exchange.ts, `checkStall`). 0: not watched (no active checks).
   */
  readonly stallMs: number;
  stalled(st: EndpointState): void;
  /** Requests between head and end of response (or of their tunnel). */
  inFlight: number;
  /** A coarse clock (performance.now() at the last sweep), for idle timeouts. */
  now: number;
  /** Wall-clock milliseconds at the last sweep (coarse: for the split's one-second buckets). */
  clock(): number;
}
