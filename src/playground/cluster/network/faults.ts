/**
 * Faults of a simulated cluster's data plane, for traffic tests: a blackhole and added latency.
 * The cluster's workloads (pod servers, load balancers, ingress addresses) consult this; the
 * cluster's API does not, so the control plane sees nothing wrong through the API.
 *
 * - Blackhole: connections are accepted (on loopback SYNs cannot be dropped, so the handshake
 *   completes, as if packets were dropped right after it) and nothing is sent back: no bytes,
 *   no FIN, no reset, on new and established connections alike. What clients send meanwhile
 *   is held, as unacknowledged packets wait for retransmission: when the blackhole lifts, held
 *   requests are answered (if their client is still waiting) and held connections go through.
 *   A client that closes its side of a held connection has it closed.
 * - Latency: milliseconds added before every answer of the cluster's pods, for the whole
 *   cluster and per zone (a pod's node's zone); they add up with each other and with a pod's
 *   own `playground.kubefed.io/latency-ms` annotation.
 */

/** What a server needs to honour a blackhole. */
export interface BlackholeGate {
  readonly blackholed: boolean;
  /** Runs `fn` now if traffic flows, else once the blackhole lifts; returns a function that forgets it. */
  whenOpen(fn: () => void): () => void;
  /** Called with true when the blackhole starts and false when it lifts (before held work is released). */
  onChange(fn: (blackholed: boolean) => void): () => void;
}

/** Checks a latency in milliseconds: a whole number from 0 to one hour. */
export function checkLatency(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > 3_600_000) throw new RangeError(`latency must be a whole number of milliseconds from 0 to 3600000, not ${ms}`);
  return ms;
}

export class NetworkFaults implements BlackholeGate {
  private _blackholed = false;
  private _latencyMs = 0;
  private readonly zones = new Map<string, number>();
  private readonly waiting = new Set<() => void>();
  private readonly listeners = new Set<(blackholed: boolean) => void>();

  get blackholed(): boolean {
    return this._blackholed;
  }

  /** The latency added to every answer of the cluster (zones add theirs). */
  get latencyMs(): number {
    return this._latencyMs;
  }

  /** Per-zone latencies that are set (not 0). */
  zoneLatencies(): Record<string, number> {
    return Object.fromEntries([...this.zones].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** What a pod in `zone` adds to each answer: the cluster's latency plus the zone's. */
  latencyFor(zone?: string): number {
    return this._latencyMs + (zone === undefined ? 0 : (this.zones.get(zone) ?? 0));
  }

  setLatency(ms: number): void {
    this._latencyMs = checkLatency(ms);
  }

  setZoneLatency(zone: string, ms: number): void {
    if (checkLatency(ms) === 0) this.zones.delete(zone);
    else this.zones.set(zone, ms);
  }

  /** Starts or lifts the blackhole; lifting it releases everything held. Returns whether it changed. */
  setBlackholed(on: boolean): boolean {
    if (on === this._blackholed) return false;
    this._blackholed = on;
    for (const l of [...this.listeners]) l(on);
    if (!on) {
      const held = [...this.waiting];
      this.waiting.clear();
      const errors: unknown[] = [];
      for (const fn of held) {
        try {
          fn();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length) throw new AggregateError(errors, 'releasing work held by the blackhole failed');
    }
    return true;
  }

  whenOpen(fn: () => void): () => void {
    if (!this._blackholed) {
      fn();
      return () => {};
    }
    this.waiting.add(fn);
    return () => this.waiting.delete(fn);
  }

  onChange(fn: (blackholed: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/**
 * Runs `fn` now, or once the blackhole lifts if `conn` (a socket or a server response) has not
 * closed by then.
 */
export function holdWhileBlackholed(gate: BlackholeGate | undefined, conn: NodeJS.EventEmitter, fn: () => void): void {
  if (!gate?.blackholed) {
    fn();
    return;
  }
  const forget = gate.whenOpen(() => {
    conn.off('close', forget);
    fn();
  });
  conn.once('close', forget);
}

/** Runs `fn` no earlier than `ms` from now (a timer may fire a little early: it is re-armed); returns a cancel. */
export function atLeastAfter(ms: number, fn: () => void): () => void {
  const due = performance.now() + ms;
  const tick = () => {
    const left = due - performance.now();
    if (left > 0) t = setTimeout(tick, Math.ceil(left));
    else fn();
  };
  let t = setTimeout(tick, ms);
  return () => clearTimeout(t);
}
