/**
 * Exponential backoff with full jitter (centrifuge-js src/utils.ts, AWS "Exponential Backoff
 * and Jitter"): the n-th delay is uniform in [0, min(maxMs, baseMs * factor^n)). Full jitter
 * spreads reconnect storms best; `reset()` after a success starts again from `baseMs`.
 */
export interface BackoffOptions {
  /** Ceiling of the first delay, ms. Default 1000. */
  readonly baseMs?: number;
  /** Cap on any delay, ms. Default 30000. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** Uniform [0, 1) source; inject `() => 0` for instant retries in tests. Default Math.random. */
  readonly random?: () => number;
}

export class Backoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.random = options.random ?? Math.random;
    if (!(this.baseMs >= 0) || !(this.maxMs >= 0) || !(this.factor >= 1)) {
      throw new RangeError('backoff: baseMs and maxMs must be >= 0 and factor >= 1');
    }
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The ceiling the next delay is drawn under (before jitter). */
  ceiling(): number {
    // Math.min first keeps factor^attempt from overflowing into the result after many failures.
    return Math.min(this.maxMs, this.baseMs * Math.pow(this.factor, Math.min(this.attempt, 64)));
  }

  /** The delay before the next attempt, ms; counts one more failure. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt++;
    return delay;
  }

  /** After a success: the next delay is drawn under `baseMs` again. */
  reset(): void {
    this.attempt = 0;
  }
}
