/**
 * Where requests went recently: requests per cluster and tier over the last N seconds, from a
 * ring of one-second buckets (what the dashboard and `kubefed edge status` show).
 */

export interface SplitRow {
  cluster: string;
  tier: string;
  requests: number;
  /** Share of all requests in the window (0..1). */
  share: number;
}

export interface Split {
  /** The window actually covered (at most the ring's length). */
  seconds: number;
  total: number;
  /** Requests per second over the window. */
  rate: number;
  /** Largest first. */
  rows: SplitRow[];
}

interface Bucket {
  second: number;
  counts: Map<string, Record<string, number>>;
}

export class SplitWindow {
  private readonly ring: Bucket[];
  private current: Bucket;

  constructor(readonly maxSeconds = 300) {
    this.ring = Array.from({ length: maxSeconds }, () => ({ second: -1, counts: new Map() }));
    this.current = this.ring[0]!;
  }

  record(cluster: string, tier: string, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    let b = this.current;
    if (b.second !== second) {
      b = this.ring[second % this.maxSeconds]!;
      if (b.second !== second) {
        b.second = second;
        b.counts = new Map();
      }
      this.current = b;
    }
    let tiers = b.counts.get(cluster);
    if (tiers === undefined) b.counts.set(cluster, (tiers = {}));
    tiers[tier] = (tiers[tier] ?? 0) + 1;
  }

  /** Requests per cluster and tier over the last `seconds` (the current second included). */
  split(seconds = 10, nowMs = Date.now()): Split {
    const span = Math.max(1, Math.min(Math.floor(seconds), this.maxSeconds));
    const now = Math.floor(nowMs / 1000);
    const sums = new Map<string, { cluster: string; tier: string; requests: number }>();
    let total = 0;
    for (const b of this.ring) {
      if (b.second < 0 || b.second > now || b.second <= now - span) continue;
      for (const [cluster, tiers] of b.counts) {
        for (const [tier, n] of Object.entries(tiers)) {
          const k = `${cluster}\n${tier}`;
          const row = sums.get(k) ?? { cluster, tier, requests: 0 };
          row.requests += n;
          sums.set(k, row);
          total += n;
        }
      }
    }
    const rows = [...sums.values()]
      .map((r) => ({ ...r, share: total > 0 ? r.requests / total : 0 }))
      .sort((a, b) => b.requests - a.requests || a.cluster.localeCompare(b.cluster) || a.tier.localeCompare(b.tier));
    return { seconds: span, total, rate: total / span, rows };
  }
}
