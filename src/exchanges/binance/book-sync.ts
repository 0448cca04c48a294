/**
 * Binance Spot's rule for the generic book sync (src/book/book-sync.ts), exactly EXCHANGES.md 1.5:
 * buffer diffs and fetch `GET <rest>/api/v3/depth?symbol=X&limit=N`; a snapshot whose
 * `lastUpdateId` is below the first buffered `U` is fetched again; diffs with `u <= lastUpdateId`
 * are skipped, the first applied must satisfy `U <= lastUpdateId + 1 <= u`, every later one
 * `U == prev u + 1`, and anything else is a gap (resync from a fresh snapshot).
 */
import type { BookRule } from '../../book/book-rule.js';
import type { RateLimitOptions } from '../../ingest/rate-limiter.js';
import { decodeRestDepth, type BinanceDepthDiff } from './codec.js';
import { toBinanceSymbol } from './symbols.js';

export interface BinanceBookRuleOptions {
  /** `https://api.binance.com` or a replay hub's `http://127.0.0.1:3100/binance`. */
  readonly restBaseUrl: string;
  /**
   * REST `limit`. Default 1000 (weight 50); the doc's 5000 costs weight 250 per resync, a
   * fifth of the per-minute budget for a handful of symbols. Deeper levels are unknown either way.
   */
  readonly snapshotLimit?: number;
}

/**
 * Snapshot fetches across all symbols of a feed: 20 at once (weight 1000), then 1 per second
 * (3000 of the IP's 6000 weight per minute), so a resync storm never exhausts the REST budget.
 */
export const BINANCE_SNAPSHOT_RATE: RateLimitOptions = { perSecond: 1, burst: 20 };

export function binanceBookRule(options: BinanceBookRuleOptions): BookRule<BinanceDepthDiff> {
  const base = options.restBaseUrl.replace(/\/+$/, '');
  const limit = options.snapshotLimit ?? 1000;
  return {
    continues(diff, bookId, bridging) {
      const u = diff.change.sequence;
      if (u <= bookId) return 'skip';
      const U = diff.firstUpdateId;
      const next = bookId + 1;
      if (bridging ? U > next || next > u : U !== next)
        return { gap: `expected U=${next}, got U=${U} u=${u}` };
      return 'apply';
    },
    describe: (diff) => `diff U=${diff.firstUpdateId} u=${diff.change.sequence}`,
    resync: {
      kind: 'rest',
      url: (symbol) => `${base}/api/v3/depth?symbol=${toBinanceSymbol(symbol)}&limit=${limit}`,
      decode(body) {
        const depth = decodeRestDepth(body);
        return { sequence: depth.lastUpdateId, bids: depth.bids, asks: depth.asks };
      },
      firstSequence: (diff) => diff.firstUpdateId,
      describe: (snapshot) => `snapshot lastUpdateId=${snapshot.sequence}`,
    },
  };
}
