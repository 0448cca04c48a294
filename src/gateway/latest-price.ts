/**
 * The latest price of a symbol through the fallback hierarchy: the live stream (this gateway's
 * price cache, refreshed within the last few seconds) → the bus cache (`price:<SYMBOL>`, kept
 * 5 minutes by the ingesting instance) → the local cache (the last price this process saw,
 * however old) → degraded (none). Each answer says its level and how stale it is.
 */
import type { Bus } from '../bus/bus.js';
import { priceTopic } from '../bus/price-topic.js';
import type { Exchange } from '../core/types.js';
import type { PriceCache } from './prices.js';

export const FALLBACK_LEVELS = ['live', 'bus', 'local', 'degraded'] as const;
export type FallbackLevel = (typeof FALLBACK_LEVELS)[number];
/** `fresh` under 5 s old, `acceptable` under 1 min, `stale` beyond (or no price at all). */
export type Staleness = 'fresh' | 'acceptable' | 'stale';

export const FRESH_MS = 5000;
export const ACCEPTABLE_MS = 60_000;

export interface LatestPrice {
  readonly symbol: string;
  readonly level: FallbackLevel;
  readonly staleness: Staleness;
  readonly price: number | undefined;
  /** Exchange time of the price, ms. */
  readonly timestamp: number | undefined;
  readonly source: Exchange | undefined;
  /** Since the price was received, ms. */
  readonly ageMs: number | undefined;
  /** When the price was received, ms (wall clock). */
  readonly receivedAt: number | undefined;
}

export interface LatestPriceOptions {
  readonly prices: PriceCache;
  readonly bus: Bus;
  /** A price cache entry received within this window counts as the live stream. Default 5000. */
  readonly liveWindowMs?: number;
  readonly now?: () => number;
}

export function stalenessOf(ageMs: number | undefined): Staleness {
  if (ageMs === undefined) return 'stale';
  if (ageMs < FRESH_MS) return 'fresh';
  if (ageMs < ACCEPTABLE_MS) return 'acceptable';
  return 'stale';
}

export class LatestPriceResolver {
  private readonly opts: LatestPriceOptions;
  private readonly now: () => number;
  private readonly liveWindowMs: number;

  constructor(opts: LatestPriceOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.liveWindowMs = opts.liveWindowMs ?? FRESH_MS;
  }

  resolve(symbol: string): LatestPrice {
    const now = this.now();
    const local = this.opts.prices.get(symbol);
    const receivedAt = this.opts.prices.receivedAt(symbol);
    if (local !== undefined && receivedAt !== undefined && now - receivedAt < this.liveWindowMs) {
      return answer(symbol, 'live', local.price, local.timestamp, local.source, now, receivedAt);
    }
    const cached = this.opts.bus.getLatest(priceTopic(symbol))?.data;
    const busPrice =
      cached?.type === 'trade' ? cached.price : cached?.type === 'ticker' ? cached.last : undefined;
    if (cached !== undefined && busPrice !== undefined && busPrice > 0) {
      return answer(symbol, 'bus', busPrice, cached.timestamp, cached.exchange, now, cached.localTimestamp);
    }
    if (local !== undefined) {
      return answer(symbol, 'local', local.price, local.timestamp, local.source, now, receivedAt);
    }
    return answer(symbol, 'degraded', undefined, undefined, undefined, now, undefined);
  }
}

function answer(
  symbol: string,
  level: FallbackLevel,
  price: number | undefined,
  timestamp: number | undefined,
  source: Exchange | undefined,
  now: number,
  receivedAt: number | undefined,
): LatestPrice {
  const age = receivedAt === undefined ? undefined : Math.max(0, now - receivedAt);
  return { symbol, level, staleness: stalenessOf(age), price, timestamp, source, ageMs: age, receivedAt };
}
