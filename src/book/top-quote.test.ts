import { describe, expect, it } from 'vitest';
import { NumericOrderBook } from './order-book.js';
import { TopOfBookQuotes } from './top-quote.js';

describe('TopOfBookQuotes', () => {
  it('quotes when the best price or size of either side changes, at the given times', () => {
    const book = new NumericOrderBook();
    const quotes = new TopOfBookQuotes('binance', 'BTC/USDT');
    book.applyLevel('bid', 100, 1);
    expect(quotes.next(book, 10, 1000)).toBeUndefined(); // no ask yet
    book.applyLevel('ask', 101, 2);
    expect(quotes.next(book, 11, 1001)).toEqual({
      type: 'quote',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timestamp: 11,
      localTimestamp: 1001,
      bid: 100,
      bidSize: 1,
      ask: 101,
      askSize: 2,
      mid: 100.5,
    });
    book.applyLevel('bid', 99, 5); // below the top
    expect(quotes.next(book, 12, 1002)).toBeUndefined();
    book.applyLevel('ask', 101, 3);
    expect(quotes.next(book, 13, 1003)).toMatchObject({ askSize: 3, timestamp: 13 });
    book.applyLevel('bid', 100, 0);
    expect(quotes.next(book, 14, 1004)).toMatchObject({ bid: 99, bidSize: 5, mid: 100 });
    expect(quotes.next(book, 15, 1005)).toBeUndefined();
    quotes.reset();
    expect(quotes.next(book, 16, 1006)).toMatchObject({ bid: 99, ask: 101, timestamp: 16 });
  });
});
