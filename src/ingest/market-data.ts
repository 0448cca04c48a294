/**
 * The flat view of an aggregated message that code written against the usual aggregator API
 * expects from its `marketData` event.
 */
import type { Exchange, NormalizedMessage } from '../core/types.js';

export interface MarketData {
  readonly exchange: Exchange;
  readonly symbol: string;
  /** Exchange time, ms. */
  readonly timestamp: number;
  /** Trade price, ticker last, or the mid of the book / quote. */
  readonly price: number;
  /** Trade amount, 24 h volume of a ticker, or the sizes at the top of the book / quote. */
  readonly volume: number;
  readonly bid: number | undefined;
  readonly ask: number | undefined;
  readonly type: 'trade' | 'ticker' | 'orderbook';
  /** The normalized message this view was made from. */
  readonly raw: NormalizedMessage;
}

/** The flat view of a trade, ticker, book snapshot or quote; undefined for other messages. */
export function marketDataOf(msg: NormalizedMessage): MarketData | undefined {
  const base = { exchange: msg.exchange, symbol: msg.symbol, timestamp: msg.timestamp, raw: msg };
  switch (msg.type) {
    case 'trade':
      return { ...base, type: 'trade', price: msg.price, volume: msg.amount, bid: undefined, ask: undefined };
    case 'ticker':
      return { ...base, type: 'ticker', price: msg.last, volume: msg.volume24h, bid: msg.bid, ask: msg.ask };
    case 'quote':
      return {
        ...base,
        type: 'orderbook',
        price: msg.mid,
        volume: msg.bidSize + msg.askSize,
        bid: msg.bid,
        ask: msg.ask,
      };
    case 'book_snapshot': {
      const bid = msg.bids[0];
      const ask = msg.asks[0];
      if (bid === undefined || ask === undefined) return undefined;
      return {
        ...base,
        type: 'orderbook',
        price: (bid[0] + ask[0]) / 2,
        volume: bid[1] + ask[1],
        bid: bid[0],
        ask: ask[0],
      };
    }
    default:
      return undefined;
  }
}
