/**
 * Rate accounting for the balancer, all on caller-supplied time (ms): a token bucket that holds
 * a locality to its declared capacity, and a sliding-window rate estimate for status and for
 * choosing where overflow goes.
 */

/**
 * Requests per second over the last `windowMs`, estimated from two fixed windows (the current
 * one, and the previous one weighted by how much of it the sliding window still covers), as
 * rate limiters commonly do: O(1) time and memory, exact for steady traffic.
 */
export class RateWindow {
  private start = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;

  constructor(private readonly windowMs = 1000) {}

  private roll(now: number): void {
    if (now < this.start + this.windowMs) return;
    if (this.start === Number.NEGATIVE_INFINITY) {
      this.start = now;
      return;
    }
    const windows = Math.floor((now - this.start) / this.windowMs);
    this.previous = windows === 1 ? this.current : 0;
    this.current = 0;
    this.start += windows * this.windowMs;
  }

  add(now: number, n = 1): void {
    this.roll(now);
    this.current += n;
  }

  /** Estimated requests per second at `now`. */
  rate(now: number): number {
    this.roll(now);
    if (this.start === Number.NEGATIVE_INFINITY) return 0;
    const into = Math.min(1, Math.max(0, (now - this.start) / this.windowMs));
    return ((this.previous * (1 - into) + this.current) * 1000) / this.windowMs;
  }
}

/**
 * The least a bucket holds: a try needs a whole token, so under overload (less than one token
 * earned between two tries) the level stays under 2 and nothing earned is cut off by the cap.
 * With a cap of 1, the fraction earned past a whole token would be lost, and the rate held
 * would fall short of the capacity.
 */
const MIN_BURST = 2;

/**
 * A token bucket whose refill rate is given at each refill (a locality's capacity follows its
 * healthy endpoints). Holds at most `burstSeconds` of the current rate (at least two tokens);
 * `take` may run into debt down to minus that much, so tries that start after the bucket was
 * seen to be empty (several picks before their `started`) are paid back from later refills and
 * the long-run rate still matches the capacity.
 */
export class TokenBucket {
  tokens: number;
  private at: number;
  private burst: number;

  constructor(
    private readonly burstSeconds: number,
    now: number,
    ratePerSecond: number,
  ) {
    this.burst = Math.max(MIN_BURST, ratePerSecond * burstSeconds);
    this.tokens = this.burst;
    this.at = now;
  }

  /** Adds what `ratePerSecond` earned since the last refill, up to the burst. */
  refill(now: number, ratePerSecond: number): void {
    this.burst = Math.max(MIN_BURST, ratePerSecond * this.burstSeconds);
    if (now > this.at) {
      this.tokens += (ratePerSecond * (now - this.at)) / 1000;
      this.at = now;
    }
    if (this.tokens > this.burst) this.tokens = this.burst;
  }

  /** At least one whole token. */
  available(): boolean {
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens = Math.max(-this.burst, this.tokens - 1);
  }
}
