/**
 * Kraken replay events for tests, as KrakenReplaySource emits them. Test support only.
 */
import type { ReplayEvent } from '../../../replay/events.js';
import type { TextLevel } from '../../../replay/level-diff.js';
import type { KrakenTradeEvent } from '../replay-source.js';

export function tradeEvent(
  symbol: string,
  tradeId: number,
  timestamp: number,
  price: string,
  qty: string,
  side: 'buy' | 'sell' = 'buy',
): ReplayEvent {
  const data: KrakenTradeEvent = { symbol, side, price, qty, ordType: 'limit', tradeId, timestamp };
  return { exchange: 'kraken', symbol, ts: Math.floor(timestamp), kind: 'trade', data };
}

export function bookEvent(
  symbol: string,
  ts: number,
  kind: 'book_snapshot' | 'book_update',
  bids: TextLevel[],
  asks: TextLevel[],
): ReplayEvent {
  return { exchange: 'kraken', symbol, ts, kind, data: { bids, asks } };
}
