import type { Exchange, Quote } from '../core/types.js';
import type { NumericOrderBook } from './order-book.js';

/**
 * Derives `quote` messages from a validated local book: one whenever the top of book (price or
 * size, either side) differs from the last quote. A quote built this way carries the exchange
 * time of the book state it shows and can never disagree with the published book.
 */
export class TopOfBookQuotes {
  private readonly exchange: Exchange;
  private readonly symbol: string;
  private bid = NaN;
  private bidSize = NaN;
  private ask = NaN;
  private askSize = NaN;

  constructor(exchange: Exchange, symbol: string) {
    this.exchange = exchange;
    this.symbol = symbol;
  }

  /** The quote for `book` at exchange time `timestamp`; undefined when the top is unchanged or a side is empty. */
  next(book: NumericOrderBook, timestamp: number, localTimestamp: number): Quote | undefined {
    const bid = book.bids.bestPrice();
    const ask = book.asks.bestPrice();
    if (bid === undefined || ask === undefined) return undefined;
    const bidSize = book.bids.get(bid) as number;
    const askSize = book.asks.get(ask) as number;
    if (bid === this.bid && bidSize === this.bidSize && ask === this.ask && askSize === this.askSize) {
      return undefined;
    }
    this.bid = bid;
    this.bidSize = bidSize;
    this.ask = ask;
    this.askSize = askSize;
    return {
      type: 'quote',
      exchange: this.exchange,
      symbol: this.symbol,
      timestamp,
      localTimestamp,
      bid,
      bidSize,
      ask,
      askSize,
      mid: (bid + ask) / 2,
    };
  }

  /** Forget the last quote: the next call quotes whatever the book shows. */
  reset(): void {
    this.bid = NaN;
    this.bidSize = NaN;
    this.ask = NaN;
    this.askSize = NaN;
  }
}
