/**
 * Passive outlier detection: an endpoint whose tries keep failing (connect errors, resets,
 * timeouts, 5xx answers) is ejected, without waiting for its active checks, for base x (its
 * ejections so far) up to a cap; the count of ejections is forgotten after a healthy period.
 * Envoy's defaults (5 failures, 30 s, at most 10% ejected) are tuned for one cluster; a
 * federation edge must leave a failing cluster within a second, so ours are 3 failures, 1 s base,
 * 30 s cap, and up to half a locality (at least one endpoint) ejected at once: the balancer's
 * locality spill and panic mode take it from there.
 */
import type { EndpointState, EndpointTable } from '../endpoints.js';

export interface OutlierOptions {
  /** Consecutive failed tries that eject an endpoint (0 disables ejection). */
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** At most this share of a locality's endpoints is ejected at once (at least one may be). */
  maxEjectedPercent: number;
  /** An endpoint not ejected for this long starts again from one ejection. */
  forgetAfterMs: number;
}

export const DEFAULT_OUTLIER: OutlierOptions = {
  consecutiveFailures: 3,
  baseEjectionMs: 1000,
  maxEjectionMs: 30_000,
  maxEjectedPercent: 50,
  forgetAfterMs: 30_000,
};

export class OutlierDetector {
  private readonly ejected = new Set<EndpointState>();

  constructor(
    private readonly opts: OutlierOptions,
    private readonly table: EndpointTable,
    private readonly onEject: (st: EndpointState) => void = () => {},
  ) {}

  success(st: EndpointState): void {
    st.consecutiveFailures = 0;
  }

  failure(st: EndpointState, now: number): void {
    st.consecutiveFailures++;
    if (this.opts.consecutiveFailures > 0 && !st.ejected && st.consecutiveFailures >= this.opts.consecutiveFailures) this.eject(st, now);
  }

  private ejectedIn(locality: string): number {
    let n = 0;
    for (const s of this.ejected) if (s.locality === locality) n++;
    return n;
  }

  private eject(st: EndpointState, now: number): void {
    const allowed = Math.max(1, Math.floor((this.table.localitySize(st.locality) * this.opts.maxEjectedPercent) / 100));
    if (this.ejectedIn(st.locality) >= allowed) return;
    if (st.ejections > 0 && now - st.lastEjectionEnd >= this.opts.forgetAfterMs) st.ejections = 0;
    st.ejections++;
    st.ejected = true;
    st.ejectedUntil = now + Math.min(this.opts.baseEjectionMs * st.ejections, this.opts.maxEjectionMs);
    st.consecutiveFailures = 0;
    st.refresh();
    this.ejected.add(st);
    this.onEject(st);
  }

  /** Brings back endpoints whose ejection is over; forgets those no longer configured. */
  sweep(now: number): void {
    for (const st of this.ejected) {
      if (this.table.get(st.ep.id) !== st) this.ejected.delete(st);
      else if (now >= st.ejectedUntil) {
        st.ejected = false;
        st.lastEjectionEnd = now;
        st.refresh();
        this.ejected.delete(st);
      }
    }
  }

  get ejectedCount(): number {
    return this.ejected.size;
  }
}
