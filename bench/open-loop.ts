/**
 * An open-loop HTTP load generator for the edge benchmark: requests leave at a constant rate
 * whatever happens to the earlier ones (a request that hangs does not delay the next, unlike a
 * closed loop of clients that each wait for their answer), from one client address, over
 * keep-alive connections (a new one whenever none is idle). Per request it records when it was
 * due, how it ended and which cluster served it (`x-kubefed-cluster`). Time is this process's
 * performance.now().
 *
 * And what the benchmark reads from those records: the share of requests per time slice that
 * satisfy a test, when that share settles, and how often it changes its mind.
 */
import { Agent, request } from 'node:http';

export interface Sample {
  /** The request's path (each request its own, so that the edge's access log can be joined). */
  path: string;
  /** When it was due (start + i / rate): the open-loop send time, free of the generator's own lag. */
  at: number;
  /** When it actually left (at most a few ms after `at`). */
  sent: number;
  /** When it ended (answer read to its end, error, or timeout). */
  end: number;
  /** HTTP status; 0 for a connection error or timeout. */
  status: number;
  /** x-kubefed-cluster of the answer ('' without an answer). */
  cluster: string;
  error?: string;
  /** Tries the edge made for it (from its access log, joined by path afterwards). */
  tries?: number;
}

export interface OpenLoopOptions {
  host: string;
  port: number;
  /** The path of the i-th request. */
  path: (i: number) => string;
  /** Host header (default: host). */
  hostHeader?: string;
  /** The client's source address (a client "in" a zone). */
  localAddress: string;
  /** Requests per second. */
  rate: number;
  /** A request not answered within this is a failure (default 10 s). */
  timeoutMs?: number;
}

export const ok = (s: Sample): boolean => s.status === 200;

export class OpenLoop {
  readonly samples: Sample[] = [];
  private readonly agent: Agent;
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private due = 0;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  /** Largest delay between a request being due and leaving (the generator's own lag), ms. */
  maxLagMs = 0;

  constructor(private readonly o: OpenLoopOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096, scheduling: 'lifo', localAddress: o.localAddress });
  }

  start(): void {
    this.t0 = performance.now();
    this.due = 0;
    this.timer = setInterval(() => this.tick(), 1);
    this.tick();
  }

  private tick(): void {
    const now = performance.now();
    const target = Math.floor(((now - this.t0) * this.o.rate) / 1000) + 1;
    while (this.due < target) {
      const at = this.t0 + (this.due * 1000) / this.o.rate;
      this.due++;
      this.maxLagMs = Math.max(this.maxLagMs, now - at);
      this.send(this.o.path(this.due - 1), at, now);
    }
  }

  private send(path: string, at: number, sent: number): void {
    const s: Sample = { path, at, sent, end: 0, status: 0, cluster: '' };
    this.samples.push(s);
    this.inFlight++;
    let done = false;
    const finish = (status: number, cluster: string, error?: string) => {
      if (done) return;
      done = true;
      s.end = performance.now();
      s.status = status;
      s.cluster = cluster;
      if (error !== undefined) s.error = error;
      if (--this.inFlight === 0) this.drained?.();
    };
    const req = request(
      { host: this.o.host, port: this.o.port, path, agent: this.agent, headers: { host: this.o.hostHeader ?? this.o.host }, timeout: this.o.timeoutMs ?? 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => finish(res.statusCode ?? 0, String(res.headers['x-kubefed-cluster'] ?? ''), res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
        res.on('error', (e) => finish(0, '', e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => finish(0, '', e.message));
    req.end();
  }

  /** Stops sending; resolves when every request has ended. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
    this.agent.destroy();
  }

  /** Requests due in [from, to). */
  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }
}

/** Per slice of `widthMs` from `from` to `to` (by due time): requests, and how many pass `test`. */
export function slices(samples: readonly Sample[], from: number, to: number, widthMs: number, test: (s: Sample) => boolean): { start: number; n: number; pass: number }[] {
  const out = Array.from({ length: Math.max(0, Math.ceil((to - from) / widthMs - 1e-9)) }, (_, i) => ({ start: from + i * widthMs, n: 0, pass: 0 }));
  for (const s of samples) {
    if (s.at < from || s.at >= to) continue;
    const w = out[Math.floor((s.at - from) / widthMs)]!;
    w.n++;
    if (test(s)) w.pass++;
  }
  return out;
}

/**
 * Whether the requests due in each window [t, t + windowMs) pass `test` at `share` or more, for
 * t from `from` every `stepMs` while the window fits before `to` (windows without requests pass).
 */
function windows(samples: readonly Sample[], from: number, to: number, test: (s: Sample) => boolean, share: number, windowMs: number, stepMs: number): { start: number; ok: boolean }[] {
  const fine = slices(samples, from, to, stepMs, test);
  const per = Math.round(windowMs / stepMs);
  const out: { start: number; ok: boolean }[] = [];
  for (let i = 0; i + per <= fine.length; i++) {
    let n = 0;
    let pass = 0;
    for (let j = i; j < i + per; j++) {
      n += fine[j]!.n;
      pass += fine[j]!.pass;
    }
    out.push({ start: fine[i]!.start, ok: pass >= share * n });
  }
  return out;
}

/**
 * How long after `from` the requests passing `test` reached `share` for good: the first time t
 * (on a `stepMs` grid) from which every window of `windowMs` of due times, up to `to`, has at
 * least that share passing; in ms after `from`. 0: from the start; undefined: the last window
 * is still below (it never settled). A one-second window at 99% lets a stray request or two
 * (a retry after a keep-alive race, a scheduling hiccup) pass without moving the figure, while a
 * sustained shortfall ends within ~10 ms of where the window would let it (1% of a window).
 */
export function settleTime(samples: readonly Sample[], from: number, to: number, test: (s: Sample) => boolean, share = 0.99, windowMs = 1000, stepMs = 50): number | undefined {
  const w = windows(samples, from, to, test, share, windowMs, stepMs);
  let last = -1;
  w.forEach((x, i) => {
    if (!x.ok) last = i;
  });
  if (w.length === 0 || last === w.length - 1) return undefined;
  return last < 0 ? 0 : w[last + 1]!.start - from;
}

/**
 * Flapping: after the first window (as in settleTime) at `share` or more, how many times the
 * windows fell below it again.
 */
export function flaps(samples: readonly Sample[], from: number, to: number, test: (s: Sample) => boolean, share = 0.99, windowMs = 1000, stepMs = 50): number {
  const w = windows(samples, from, to, test, share, windowMs, stepMs);
  const first = w.findIndex((x) => x.ok);
  if (first < 0) return 0;
  let n = 0;
  for (let i = first + 1; i < w.length; i++) if (w[i - 1]!.ok && !w[i]!.ok) n++;
  return n;
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
