import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALPACA_QUOTES_PATH,
  ALPACA_TRADES_PATH,
  BarBuilder,
  pagedCalls,
  pageToken,
  quoteItem,
  tradeItem,
} from './generate-format.js';
import type { AlpacaBarsPage, AlpacaQuotesPage, AlpacaTradesPage } from './wire.js';

/** Alpaca's own example bodies (fixtures/README.md). */
const captured = JSON.parse(
  readFileSync(new URL('./fixtures/historical-pages.json', import.meta.url), 'utf8'),
) as { trades: AlpacaTradesPage[]; quotes: AlpacaQuotesPage[]; bars: AlpacaBarsPage[] };

const decode = (token: string): string => Buffer.from(token, 'base64').toString('utf8');
const T0 = Date.UTC(2026, 0, 5, 14, 30);

describe('Alpaca REST bodies against the captured ones', () => {
  it('lists body and item keys in the captured order', () => {
    const trades = pagedCalls(
      'trades',
      ALPACA_TRADES_PATH,
      { symbol: 'AAPL', feed: 'sip', limit: 10 },
      T0,
      T0 + 5000,
      [tradeItem('2026-01-05T14:30:00.5Z', 'Q', 25_507, 40, 7, 'C')],
    );
    const ours = trades[0].body as AlpacaTradesPage;
    expect(Object.keys(ours)).toEqual(Object.keys(captured.trades[0]));
    expect(Object.keys(ours.trades![0])).toEqual(Object.keys(captured.trades[0].trades![0]));
    const quote = quoteItem(
      '2026-01-05T14:30:00.5Z',
      { x: 'Q', cents: 25_508, size: 2 },
      { x: 'P', cents: 25_507, size: 1 },
      'C',
    );
    expect(Object.keys(quote)).toEqual(Object.keys(captured.quotes[0].quotes![0]));
    const builder = new BarBuilder(T0);
    builder.add(25_507, 100);
    expect(Object.keys(builder.bar())).toEqual(Object.keys(captured.bars[0].bars![0]));
  });

  it('writes page tokens the way the captured ones decode: symbol, the last item time in nine digits, where', () => {
    const [trades] = captured.trades;
    expect(decode(trades.next_page_token!)).toBe(
      'AAPL|2021-10-13T08:00:00.089607680Z|P|09223372036854775809',
    );
    const [first] = captured.quotes;
    const last = first.quotes![first.quotes!.length - 1];
    expect(decode(first.next_page_token!).split('|').slice(0, 2)).toEqual([
      'IBM',
      '2021-10-04T18:00:14.180522000Z',
    ]);
    expect(last.t).toBe('2021-10-04T18:00:14.180522Z');
    expect(decode(pageToken('AAPL', { t: '2026-01-05T14:30:00.08960768Z', x: 'P', i: 12 }, 0))).toBe(
      'AAPL|2026-01-05T14:30:00.089607680Z|P|00000000000000000012',
    );
  });

  it('pages a window: at most `limit` items a page, each further request carries the previous token, the last has null', () => {
    const items = Array.from({ length: 23 }, (_, k) =>
      quoteItem(
        `2026-01-05T14:30:0${Math.floor(k / 10)}.${String(k).padStart(2, '0')}1Z`,
        { x: 'Q', cents: 2, size: 1 },
        { x: 'P', cents: 1, size: 1 },
        'C',
      ),
    );
    const calls = pagedCalls(
      'quotes',
      ALPACA_QUOTES_PATH,
      { symbol: 'AAPL', feed: 'sip', limit: 10 },
      T0,
      T0 + 5000,
      items,
    );
    expect(calls.map((c) => (c.body as AlpacaQuotesPage).quotes!.length)).toEqual([10, 10, 3]);
    expect(calls.map((c) => c.path)).toEqual(Array(3).fill('/v2/stocks/AAPL/quotes'));
    expect(calls[0].params).toEqual({
      start: '2026-01-05T14:30:00Z',
      end: '2026-01-05T14:30:05Z',
      limit: 10,
      feed: 'sip',
    });
    for (let k = 1; k < calls.length; k++) {
      expect(calls[k].params.page_token).toBe((calls[k - 1].body as AlpacaQuotesPage).next_page_token);
    }
    expect((calls[2].body as AlpacaQuotesPage).next_page_token).toBeNull();
    const empty = pagedCalls(
      'quotes',
      ALPACA_QUOTES_PATH,
      { symbol: 'AAPL', feed: 'sip', limit: 10 },
      T0,
      T0 + 5000,
      [],
    );
    expect(empty.map((c) => c.body)).toEqual([{ quotes: null, symbol: 'AAPL', next_page_token: null }]);
  });

  it('prints trades with the odd-lot condition under 100 shares, and bars with a 6-decimal VWAP', () => {
    expect(tradeItem('2026-01-05T14:30:00Z', 'D', 25_507, 99, 1, 'C').c).toEqual(['@', 'I']);
    expect(tradeItem('2026-01-05T14:30:00Z', 'D', 25_507, 100, 1, 'C')).toMatchObject({
      c: ['@'],
      p: 255.07,
    });
    const bar = new BarBuilder(T0);
    bar.add(100_001, 1);
    bar.add(100_000, 2);
    bar.add(100_003, 1);
    expect(bar.bar()).toEqual({
      t: '2026-01-05T14:30:00Z',
      o: 1000.01,
      h: 1000.03,
      l: 1000,
      c: 1000.03,
      v: 4,
      n: 3,
      vw: 1000.01,
    });
  });
});
