/**
 * A circuit breaker for connection attempts: closed → open after `failures` straight failed
 * attempts → half-open once `openMs` has passed → closed after `successes` successes in a row
 * (a failure while half-open opens it again). While open no attempt may be made.
 *
 * It keeps no timer: the connection asks `waitMs()` before scheduling an attempt and calls
 * `beforeAttempt()` when it makes one, which is where open turns half-open. Every change is
 * reported through `onChange`, so the feed can put a status into the stream.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Straight failures that open the breaker. Default 5. */
  readonly failures?: number;
  /** How long it stays open before one trial attempt (half-open), ms. Default 60000. */
  readonly openMs?: number;
  /** Successes in a row while half-open that close it again. Default 3. */
  readonly successes?: number;
}

export type BreakerChange = (state: BreakerState, reason: string) => void;

export const DEFAULT_BREAKER = Object.freeze({ failures: 5, openMs: 60_000, successes: 3 });

export class CircuitBreaker {
  private readonly failureLimit: number;
  private readonly openMs: number;
  private readonly successLimit: number;
  private readonly now: () => number;
  private readonly onChange: BreakerChange;
  private current: BreakerState = 'closed';
  private failuresInRow = 0;
  private successesInRow = 0;
  private openedAt = 0;

  constructor(options: CircuitBreakerOptions, onChange: BreakerChange, now: () => number = Date.now) {
    this.failureLimit = options.failures ?? DEFAULT_BREAKER.failures;
    this.openMs = options.openMs ?? DEFAULT_BREAKER.openMs;
    this.successLimit = options.successes ?? DEFAULT_BREAKER.successes;
    for (const [name, v] of [
      ['failures', this.failureLimit],
      ['successes', this.successLimit],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`circuit breaker: ${name} must be a whole number >= 1, got ${v}`);
    }
    if (!(this.openMs >= 0)) throw new RangeError(`circuit breaker: openMs must be >= 0, got ${this.openMs}`);
    this.onChange = onChange;
    this.now = now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Failed attempts in a row counted towards opening (0 again once it opens or an attempt succeeds). */
  get failureCount(): number {
    return this.failuresInRow;
  }

  /** How long an attempt must still wait for the breaker: 0 unless open. */
  waitMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.openedAt + this.openMs - this.now());
  }

  /** An attempt is about to be made: an open breaker whose time is up turns half-open. */
  beforeAttempt(): void {
    if (this.current === 'open' && this.waitMs() === 0) {
      this.successesInRow = 0;
      this.set('half-open', `open for ${this.openMs}ms; trying one connection`);
    }
  }

  recordSuccess(): void {
    this.failuresInRow = 0;
    if (this.current !== 'half-open') return;
    this.successesInRow++;
    if (this.successesInRow >= this.successLimit) {
      this.set('closed', `${this.successesInRow} successes in a row while half-open`);
    }
  }

  recordFailure(reason: string): void {
    this.successesInRow = 0;
    if (this.current === 'half-open') {
      this.open(`failed while half-open (${reason})`);
      return;
    }
    this.failuresInRow++;
    if (this.current === 'closed' && this.failuresInRow >= this.failureLimit) {
      this.open(`${this.failuresInRow} connection attempts failed in a row (last: ${reason})`);
    }
  }

  private open(why: string): void {
    this.openedAt = this.now();
    this.failuresInRow = 0;
    this.set('open', `${why}; no attempt for ${this.openMs}ms`);
  }

  private set(state: BreakerState, reason: string): void {
    this.current = state;
    this.onChange(state, reason);
  }
}
