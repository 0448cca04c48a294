import type { Exchange } from '../core/types.js';

/**
 * What a replay publisher hands the hub: one exchange-native event derived from the
 * recordings, at its place on the replay timeline. The hub keeps per-symbol state from
 * these and speaks each exchange's own protocol to consumers.
 *
 * `data` is the exchange's wire object: for Binance a `BinanceTradeEvent` (kind `trade`),
 * a `BinanceRestDepth` (kind `book_snapshot`, the first book of a run) or a
 * `BinanceDepthUpdateEvent` (kind `book_update`).
 */
export interface ReplayEvent {
  readonly exchange: Exchange;
  /** The exchange's own symbol spelling (`BTCUSDT`). */
  readonly symbol: string;
  /** Replay time of the event, ms since epoch (already shifted on `--loop`). */
  readonly ts: number;
  /** Books: a full snapshot, or a diff to apply to the book; `quote` (a top-of-book / NBBO quote) and `bar` (a minute bar) for venues that record them (Alpaca). */
  readonly kind: 'trade' | 'book_snapshot' | 'book_update' | 'quote' | 'bar';
  readonly data: unknown;
}

/** The receiving end of a publisher: the hub, in-process or over a link. */
export interface ReplaySink {
  push(event: ReplayEvent): void;
  /** Replay time moved on with no event (quiet market): emit whatever is due by `ts`. */
  advanceTo?(ts: number): void;
}
