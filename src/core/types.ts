/**
 * The normalized market data model: ingest output, bus payload and gateway payload.
 * One discriminated union told apart by `type`. Prices and amounts are numbers.
 */

export const EXCHANGES = ['binance', 'kraken', 'okx', 'alpaca'] as const;
export type Exchange = (typeof EXCHANGES)[number];

/** A price level: `[price, amount]`. In a `book_change`, amount 0 means the level is removed. */
export type Level = readonly [price: number, amount: number];

interface Base {
  readonly exchange: Exchange;
  /** Canonical symbol: `BASE/QUOTE` for crypto (`BTC/USDT`), the ticker for stocks (`AAPL`). */
  readonly symbol: string;
  /** Exchange time, ms since epoch. */
  readonly timestamp: number;
  /** Receipt time, ms since epoch. */
  readonly localTimestamp: number;
}

export interface Trade extends Base {
  readonly type: 'trade';
  readonly id: string;
  readonly price: number;
  readonly amount: number;
  /** Taker side; `unknown` when the venue does not say (Alpaca's stock trades carry no aggressor). */
  readonly side: 'buy' | 'sell' | 'unknown';
}

export interface BookSnapshot extends Base {
  readonly type: 'book_snapshot';
  readonly depth: number;
  /** Best first. */
  readonly bids: readonly Level[];
  /** Best first. */
  readonly asks: readonly Level[];
  readonly sequence: number;
}

export interface BookChange extends Base {
  readonly type: 'book_change';
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly sequence: number;
  readonly isSnapshot: boolean;
}

export interface Ticker extends Base {
  readonly type: 'ticker';
  readonly last: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly volume24h: number;
  readonly change24hPct: number;
  /** On an aggregated ticker averaged over venues (`conflictResolution: average`): the venues averaged. */
  readonly sources?: readonly Exchange[];
}

export interface Quote extends Base {
  readonly type: 'quote';
  readonly bid: number;
  readonly bidSize: number;
  readonly ask: number;
  readonly askSize: number;
  readonly mid: number;
  /** On the consolidated quote across venues (`quote@BTC/USDT`): the venue of the best bid. */
  readonly bidExchange?: Exchange;
  /** On the consolidated quote across venues: the venue of the best ask. */
  readonly askExchange?: Exchange;
}

export interface Bar extends Base {
  readonly type: 'bar';
  /** e.g. `1m`. */
  readonly interval: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type FeedState = 'connecting' | 'authenticating' | 'connected' | 'disconnected';

export interface Status extends Base {
  readonly type: 'status';
  readonly state: FeedState | 'resyncing' | 'stale';
  readonly reason: string;
}

export type NormalizedMessage = Trade | BookSnapshot | BookChange | Ticker | Quote | Bar | Status;
export type MessageType = NormalizedMessage['type'];
