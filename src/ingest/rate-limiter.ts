/**
 * Token bucket for outgoing messages: `burst` tokens at most, refilled continuously at
 * `perSecond`. Over any window of W seconds at most `burst + perSecond * W` messages pass,
 * so `{perSecond: 4, burst: 1}` keeps any one-second window at 5 or fewer (Binance's limit).
 */
export interface RateLimitOptions {
  /** Sustained rate, messages per second. */
  readonly perSecond: number;
  /** Bucket size: messages that may go back to back. Default 1. */
  readonly burst?: number;
}

export class TokenBucket {
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor(options: RateLimitOptions, now: () => number = Date.now) {
    if (!(options.perSecond > 0)) throw new RangeError('rate limit: perSecond must be > 0');
    this.perMs = options.perSecond / 1000;
    this.burst = Math.max(1, options.burst ?? 1);
    this.now = now;
    this.tokens = this.burst;
    this.updatedAt = now();
  }

  /** Take one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  /** Back to a full bucket (a new connection starts with a fresh server-side count). */
  reset(): void {
    this.tokens = this.burst;
    this.updatedAt = this.now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.updatedAt) {
      this.tokens = Math.min(this.burst, this.tokens + (t - this.updatedAt) * this.perMs);
      this.updatedAt = t;
    }
  }
}
