/**
 * A rate-limited work queue in the style of client-go's: a key is queued at most once at a
 * time, a key being processed is not processed concurrently, failures are retried with
 * exponential backoff, and `shutdown` stops processing.
 *
 * With a metrics provider, a named queue reports what client-go's queues report (the
 * `workqueue_*` metrics, labelled with the queue's name), counted the same way: an add of a key
 * not already waiting (a key re-added while it is processed counts once, when added), the wait
 * from that add to a worker taking it, the work, and every delayed add (`addAfter`, which
 * rate-limited retries go through) as a retry.
 */

/** Where one queue's events go (one per named queue). */
export interface WorkQueueMetrics {
  /** A key was added that was not waiting already (depth + 1). */
  added(): void;
  /** A worker took a key that waited this long (depth - 1). */
  started(waitedSeconds: number): void;
  /** A worker finished a key after this long. */
  finished(workSeconds: number): void;
  /** A delayed add (a retry). */
  retried(): void;
  /** The queue was shut down. */
  closed(): void;
}

/** What keys are being processed, read when metrics are collected. */
export interface WorkInProgress {
  /** Seconds spent so far on the keys being processed, summed. */
  totalSeconds: number;
  /** Seconds spent so far on the longest-running one (0 when none). */
  longestSeconds: number;
}

/** Makes the metrics of each named queue, as client-go's workqueue.MetricsProvider. */
export interface WorkQueueMetricsProvider {
  queueMetrics(name: string, inProgress: () => WorkInProgress): WorkQueueMetrics;
}

export interface WorkQueueOptions {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The queue's name: the `name` label of its metrics, as client-go's queue names. */
  name?: string;
  /** Reports the queue's metrics (used only with a name). */
  metrics?: WorkQueueMetricsProvider;
  onError?: (key: string, err: unknown) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys re-added while being processed: run again after the current run. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly metrics?: WorkQueueMetrics;
  /** With metrics: when each waiting key was added, when each key being processed was taken (performance.now()). */
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly opts: WorkQueueOptions = {},
  ) {
    if (opts.metrics && opts.name) this.metrics = opts.metrics.queueMetrics(opts.name, () => this.inProgress());
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      if (!this.dirty.has(key)) this.counted(key);
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.counted(key);
    this.enqueue(key);
  }

  private counted(key: string): void {
    if (!this.metrics) return;
    this.metrics.added();
    this.addedAt.set(key, performance.now());
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  private inProgress(): WorkInProgress {
    const t = performance.now();
    let totalSeconds = 0;
    let longestSeconds = 0;
    for (const s of this.startedAt.values()) {
      const d = (t - s) / 1000;
      totalSeconds += d;
      if (d > longestSeconds) longestSeconds = d;
    }
    return { totalSeconds, longestSeconds };
  }

  /** Adds the key after a delay (a later add() makes it run sooner); of several delays, the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    this.metrics?.retried();
    const due = Date.now() + delayMs;
    const cur = this.timers.get(key);
    if (cur && cur.due <= due) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { timer, due });
  }

  /** Retries with exponential backoff. */
  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const base = this.opts.baseDelayMs ?? 5;
    const max = this.opts.maxDelayMs ?? 30_000;
    this.addAfter(key, Math.min(max, base * 2 ** Math.min(n - 1, 20)));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.queue.length + this.processing.size;
  }

  /** Resolves when nothing is queued or being processed (delayed retries excluded). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  shutdown(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.addedAt.clear();
    this.metrics?.closed();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 1;
    while (!this.stopped && this.active < limit && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      if (this.metrics) {
        const t = performance.now();
        const added = this.addedAt.get(key);
        this.addedAt.delete(key);
        this.metrics.started(added === undefined ? 0 : (t - added) / 1000);
        this.startedAt.set(key, t);
      }
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.forget(key);
    } catch (err) {
      this.opts.onError?.(key, err);
      if (!this.stopped) this.addRateLimited(key);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.metrics) {
        const s = this.startedAt.get(key);
        this.startedAt.delete(key);
        if (s !== undefined && !this.stopped) this.metrics.finished((performance.now() - s) / 1000);
      }
      if (this.dirty.delete(key)) this.enqueue(key);
      this.pump();
      if (this.length === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of w) r();
      }
    }
  }
}
