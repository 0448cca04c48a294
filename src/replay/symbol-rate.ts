/**
 * A per-symbol rate limit with a burst allowance (a token bucket per symbol): `perSecond`
 * messages a second on average, up to `burst` at once after a quiet spell. The publisher waits
 * for a token before each message, so the limit slows the replay and never reorders or drops.
 */
export interface SymbolRateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SymbolRateLimiter {
  private readonly limit: SymbolRateLimit;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(limit: SymbolRateLimit, now: () => number = () => performance.now()) {
    if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond))
      throw new RangeError(`rate limit: perSecond must be a positive number, got ${limit.perSecond}`);
    if (!Number.isSafeInteger(limit.burst) || limit.burst < 1)
      throw new RangeError(`rate limit: burst must be a whole number from 1, got ${limit.burst}`);
    this.limit = limit;
    this.now = now;
  }

  /** Wall ms to wait before a message of `symbol` may go (0: now); takes its token. */
  delay(symbol: string): number {
    const t = this.now();
    let bucket = this.buckets.get(symbol);
    if (bucket === undefined) this.buckets.set(symbol, (bucket = { tokens: this.limit.burst, at: t }));
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((t - bucket.at) * this.limit.perSecond) / 1000,
    );
    bucket.at = t;
    bucket.tokens -= 1;
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens * 1000) / this.limit.perSecond;
  }
}

/** Parses `--rate-limit <perSecond>[,burst]` (burst defaults to perSecond). */
export function parseSymbolRate(text: string): SymbolRateLimit {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:,\s*(\d+)\s*)?$/.exec(text);
  const perSecond = m === null ? NaN : Number(m[1]);
  if (m === null || !(perSecond > 0))
    throw new RangeError(
      `--rate-limit ${JSON.stringify(text)}: expected "<messages per second>[,<burst>]", e.g. 200,50`,
    );
  return { perSecond, burst: m[2] === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(m[2]) };
}
