/**
 * When a failed try may be tried again, and the request body as the tries see it.
 *
 * A try that failed before any byte of its response reached the client is retried on another
 * endpoint (the balancer is told to avoid the endpoints and clusters already tried) within the
 * request's deadline, and:
 * - whatever the method, when nothing reached a backend: the connection was refused or timed
 *   out before it was established (no byte of the request was written). Such tries do not count
 *   against `maxTries` (a region going down refuses on every endpoint of its clusters, and a
 *   refusal costs nothing), but at most `maxConnectFailures` of them are made per request;
 * - otherwise (reset, per-try timeout, a 502/503/504 answer, its endpoint found dead while the
 *   try waited for the response) only for idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE,
 *   TRACE, or any request with an Idempotency-Key) whose body can be sent again: no body, or all
 *   of it still held (bodies are held up to `replayLimit` bytes for that; past it, a try that
 *   started sending is final), and at most `maxTries` tries that reached a backend.
 * A non-idempotent request that reached a backend (its head was written, with or without a body)
 * is never sent again: the backend may have acted on it.
 */

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** How a try ended, as counted in kubefed_edge_upstream_tries_total{outcome}. */
export type TryOutcome =
  /** A response was forwarded (whatever its status). */
  | 'success'
  /** A 502/503/504 answer that was retried. */
  | 'retried_status'
  | 'connect_error'
  | 'connect_timeout'
  /** Reset or closed before a complete response. */
  | 'reset'
  /** No response head within the per-try timeout. */
  | 'timeout'
  /** A malformed response. */
  | 'protocol_error'
  /** Waiting for a response when its endpoint was found dead (checks or ejection): retried at once. */
  | 'abandoned'
  /** The client went away or the request's deadline passed. */
  | 'aborted';

export const RETRY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export interface RetryOptions {
  /** Tries that reached a backend, per request, the first included. */
  maxTries: number;
  /** Tries that could not connect, per request (they do not count against maxTries). */
  maxConnectFailures: number;
  /** Request body bytes held so that an idempotent request can be sent again. */
  replayLimit: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxTries: 3, maxConnectFailures: 8, replayLimit: 1024 * 1024 };

export const retryEligible = (method: string, hasIdempotencyKey: boolean): boolean => hasIdempotencyKey || IDEMPOTENT_METHODS.has(method);

/** Nothing of the request was written to a backend. */
export const nothingSent = (o: TryOutcome): boolean => o === 'connect_error' || o === 'connect_timeout';

/**
 * Counts as a failure of the endpoint for outlier detection. Not `abandoned`: that try was given
 * up because its endpoint had already been found dead (checks, or a stall), which says nothing
 * new; counting it would eject the endpoint on top (a blackhole abandons every request it held),
 * and keep it out for the ejection's length after its checks pass again.
 */
export const endpointFailure = (o: TryOutcome): boolean => o !== 'success' && o !== 'aborted' && o !== 'abandoned';

export interface RetryState {
  eligible: boolean;
  /** null: the request has no body. */
  body: BodyBuffer | null;
  /** Tries so far, and how many of them could not connect. */
  tries: number;
  connectFailures: number;
  deadline: number;
}

/** Whether the request may be tried again after a try ended with `o` (already counted in `s`). */
export function mayRetry(o: TryOutcome, s: RetryState, opts: RetryOptions, now: number): boolean {
  if (o === 'success' || o === 'aborted' || now >= s.deadline) return false;
  if (s.tries - s.connectFailures >= opts.maxTries) return false;
  if (nothingSent(o)) return s.connectFailures < opts.maxConnectFailures;
  return s.eligible && (s.body === null || s.body.replayable);
}

/**
 * The request body across tries: chunks not yet written to the current try, and (for requests
 * that may be retried after they reached a backend) those already written, until the body
 * outgrows the replay limit.
 */
export class BodyBuffer {
  private chunks: Buffer[] = [];
  /** Chunks at the front of `chunks` already written to the current try. */
  private sent = 0;
  private held = 0;
  /** Every byte of the body received so far is held. */
  replayable: boolean;

  constructor(
    keep: boolean,
    private readonly limit: number,
  ) {
    this.replayable = keep;
  }

  push(b: Buffer): void {
    this.chunks.push(b);
    this.held += b.length;
    if (this.replayable && this.held > this.limit) {
      this.replayable = false;
      this.dropSent();
    }
  }

  private dropSent(): void {
    if (this.sent === 0) return;
    for (let i = 0; i < this.sent; i++) this.held -= this.chunks[i]!.length;
    this.chunks.splice(0, this.sent);
    this.sent = 0;
  }

  /** Bytes received but not written to the current try. */
  get unsentBytes(): number {
    let n = 0;
    for (let i = this.sent; i < this.chunks.length; i++) n += this.chunks[i]!.length;
    return n;
  }

  get hasUnsent(): boolean {
    return this.sent < this.chunks.length;
  }

  /** Writes what the current try has not had; false when `write` asked to wait (backpressure). */
  flush(write: (b: Buffer) => boolean): boolean {
    let ok = true;
    while (this.sent < this.chunks.length) ok = write(this.chunks[this.sent++]!) && ok;
    if (!this.replayable) this.dropSent();
    return ok;
  }

  /** A new try starts: everything held is unsent again. */
  rewind(): void {
    this.sent = 0;
  }
}
