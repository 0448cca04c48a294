import type { BookChange, Exchange, NormalizedMessage } from '../core/types.js';
import type { NumericOrderBook } from './order-book.js';
import { TopOfBookQuotes } from './top-quote.js';

export interface BookPublisherOptions {
  readonly exchange: Exchange;
  readonly symbol: string;
  /** Levels per side of the `book_snapshot`s. */
  readonly depth: number;
  readonly emit: (msg: NormalizedMessage) => void;
  readonly now: () => number;
}

/**
 * What a validated book publishes: each accepted `book_change`, then the top-N `book_snapshot`
 * and, when the top of book moved, a `quote`; and `resyncing` statuses.
 */
export class BookPublisher {
  private readonly opts: BookPublisherOptions;
  private readonly quotes: TopOfBookQuotes;

  constructor(opts: BookPublisherOptions) {
    this.opts = opts;
    this.quotes = new TopOfBookQuotes(opts.exchange, opts.symbol);
  }

  /** A new book starts: the next top is quoted whatever the last quote was. */
  restart(): void {
    this.quotes.reset();
  }

  /** Publish `change` as accepted into `book`, now at update id `sequence`. */
  change(change: BookChange, book: NumericOrderBook, sequence: number): void {
    this.opts.emit(change);
    this.top(book, sequence, change.timestamp, change.localTimestamp);
  }

  private top(book: NumericOrderBook, sequence: number, timestamp: number, localTimestamp: number): void {
    const o = this.opts;
    o.emit({
      type: 'book_snapshot',
      exchange: o.exchange,
      symbol: o.symbol,
      timestamp,
      localTimestamp,
      depth: o.depth,
      bids: book.bids.top(o.depth),
      asks: book.asks.top(o.depth),
      sequence,
    });
    const quote = this.quotes.next(book, timestamp, localTimestamp);
    if (quote !== undefined) o.emit(quote);
  }

  resyncing(reason: string, exchangeTime: number): void {
    const o = this.opts;
    o.emit({
      type: 'status',
      exchange: o.exchange,
      symbol: o.symbol,
      timestamp: exchangeTime,
      localTimestamp: o.now(),
      state: 'resyncing',
      reason,
    });
  }
}
