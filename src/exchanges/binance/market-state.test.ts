import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSyncError } from '../../core/errors.js';
import { BinanceMarketState } from './market-state.js';
import type { BinanceDepthUpdateEvent, BinanceLevel, BinanceTradeEvent } from './wire.js';

const DAY = 86_400_000;
const MIN = 60_000;
/** A minute boundary. */
const T0 = 28_333_333 * MIN;

function trade(t: number, p: string, q: string, T: number): BinanceTradeEvent {
  return { e: 'trade', E: T, s: 'BTCUSDT', t, p, q, T, m: false, M: true };
}

function update(U: number, u: number, b: BinanceLevel[], a: BinanceLevel[]): BinanceDepthUpdateEvent {
  return { e: 'depthUpdate', E: 0, s: 'BTCUSDT', U, u, b, a };
}

/** The hand-checked tape: two trades in minute 0, one in minute 1, one an hour in. */
function handState(): BinanceMarketState {
  const s = new BinanceMarketState('BTCUSDT');
  s.applySnapshot({
    lastUpdateId: 5,
    bids: [['10.90000000', '3.00000000']],
    asks: [['11.10000000', '4.00000000']],
  });
  s.applyTrade(trade(100, '10.00000000', '1.00000000', T0 + 1_000));
  s.applyTrade(trade(101, '12.50000000', '2.00000000', T0 + 2_000));
  s.applyTrade(trade(102, '9.00000000', '0.50000000', T0 + 61_000));
  s.applyTrade(trade(103, '11.00000000', '1.50000000', T0 + 3_600_000));
  return s;
}

describe('BinanceMarketState book', () => {
  it('is empty with id 0 before a snapshot and refuses updates', () => {
    const s = new BinanceMarketState('BTCUSDT');
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.lastUpdateId).toBe(0);
    expect(s.hasBook()).toBe(false);
    expect(s.depth(10)).toEqual({ lastUpdateId: 0, bids: [], asks: [] });
    expect(s.bookTicker()).toBeUndefined();
    expect(() => s.applyUpdate(update(1, 1, [], []))).toThrow(BookSyncError);
  });

  it('applies updates, deletes on zero, and serves depth(limit) and bookTicker with exact strings', () => {
    const s = new BinanceMarketState('BTCUSDT');
    s.applySnapshot({
      lastUpdateId: 100,
      bids: [
        ['100.00000000', '1.00000000'],
        ['99.50000000', '2.00000000'],
        ['99.00000000', '3.00000000'],
      ],
      asks: [
        ['100.50000000', '1.50000000'],
        ['101.00000000', '2.50000000'],
      ],
    });
    expect(s.hasBook()).toBe(true);
    expect(s.bookTicker()).toEqual({
      u: 100,
      s: 'BTCUSDT',
      b: '100.00000000',
      B: '1.00000000',
      a: '100.50000000',
      A: '1.50000000',
    });
    s.applyUpdate(
      update(
        101,
        103,
        [
          ['100.00000000', '0.00000000'],
          ['99.75000000', '4.00000000'],
        ],
        [['100.25000000', '0.10000000']],
      ),
    );
    expect(s.lastUpdateId).toBe(103);
    expect(s.bookTicker()).toEqual({
      u: 103,
      s: 'BTCUSDT',
      b: '99.75000000',
      B: '4.00000000',
      a: '100.25000000',
      A: '0.10000000',
    });
    expect(s.depth(2)).toEqual({
      lastUpdateId: 103,
      bids: [
        ['99.75000000', '4.00000000'],
        ['99.50000000', '2.00000000'],
      ],
      asks: [
        ['100.25000000', '0.10000000'],
        ['100.50000000', '1.50000000'],
      ],
    });
    s.applyUpdate(
      update(
        104,
        104,
        [],
        [
          ['100.25000000', '0.00000000'],
          ['100.50000000', '0.00000000'],
          ['101.00000000', '0.00000000'],
        ],
      ),
    );
    expect(s.bookTicker()).toBeUndefined();
    expect(s.depth(0)).toEqual({ lastUpdateId: 104, bids: [], asks: [] });
  });

  it('throws BookSyncError on a gap or an overlap and leaves the book unchanged', () => {
    const s = new BinanceMarketState('BTCUSDT');
    s.applySnapshot({ lastUpdateId: 10, bids: [['1.0', '1.0']], asks: [['2.0', '1.0']] });
    const before = s.depth(100);
    expect(() => s.applyUpdate(update(12, 13, [['1.0', '5.0']], []))).toThrow(BookSyncError);
    expect(() => s.applyUpdate(update(10, 11, [['1.0', '5.0']], []))).toThrow(
      /U=10 does not follow lastUpdateId=10/,
    );
    expect(s.depth(100)).toEqual(before);
    expect(s.lastUpdateId).toBe(10);
    s.applyUpdate(update(11, 11, [], []));
    expect(s.lastUpdateId).toBe(11);
  });

  it('a new snapshot replaces the book', () => {
    const s = new BinanceMarketState('BTCUSDT');
    s.applySnapshot({ lastUpdateId: 10, bids: [['1.0', '1.0']], asks: [['2.0', '1.0']] });
    s.applySnapshot({ lastUpdateId: 50, bids: [['1.5', '1.0']], asks: [] });
    expect(s.depth(10)).toEqual({ lastUpdateId: 50, bids: [['1.5', '1.0']], asks: [] });
  });

  it('reports the decimals the data needs for tickSize/stepSize', () => {
    const s = new BinanceMarketState('BTCUSDT');
    expect(s.pricePrecision()).toBe(0);
    s.applySnapshot({
      lastUpdateId: 1,
      bids: [['0.35210000', '672.00000000']],
      asks: [['0.35250000', '1.50000000']],
    });
    expect(s.pricePrecision()).toBe(4);
    expect(s.quantityPrecision()).toBe(1);
    s.applyUpdate(update(2, 2, [['0.35215000', '3.00000000']], []));
    s.applyTrade(trade(1, '0.35220000', '0.25000000', T0));
    expect(s.pricePrecision()).toBe(5);
    expect(s.quantityPrecision()).toBe(2);
  });
});

describe('BinanceMarketState 24h ticker', () => {
  it('is undefined before any trade', () => {
    const s = new BinanceMarketState('BTCUSDT');
    expect(s.ticker24h(T0)).toBeUndefined();
    expect(s.miniTicker(T0)).toBeUndefined();
    expect(s.restTicker24h(T0)).toBeUndefined();
  });

  it('computes every field of a hand-checked tape', () => {
    const E = T0 + 3_600_500;
    expect(handState().ticker24h(E)).toEqual({
      e: '24hrTicker',
      E,
      s: 'BTCUSDT',
      p: '1.00000000', // 11 - 10
      P: '10.000',
      w: '11.20000000', // (10 + 25 + 4.5 + 16.5) / 5
      x: '10.00000000', // no trade before the window: the first trade's price
      c: '11.00000000',
      Q: '1.50000000',
      b: '10.90000000',
      B: '3.00000000',
      a: '11.10000000',
      A: '4.00000000',
      o: '10.00000000',
      h: '12.50000000',
      l: '9.00000000',
      v: '5.00000000',
      q: '56.00000000',
      O: E - DAY,
      C: E,
      F: 100,
      L: 103,
      n: 4,
    });
  });

  it('serves miniTicker and the REST FULL body from the same window, in Binance field order', () => {
    const s = handState();
    const E = T0 + 3_600_500;
    expect(JSON.stringify(s.miniTicker(E))).toBe(
      `{"e":"24hrMiniTicker","E":${E},"s":"BTCUSDT","c":"11.00000000","o":"10.00000000","h":"12.50000000","l":"9.00000000","v":"5.00000000","q":"56.00000000"}`,
    );
    const rest = s.restTicker24h(E) as Record<string, string | number>;
    expect(Object.keys(rest)).toEqual([
      'symbol',
      'priceChange',
      'priceChangePercent',
      'weightedAvgPrice',
      'prevClosePrice',
      'lastPrice',
      'lastQty',
      'bidPrice',
      'bidQty',
      'askPrice',
      'askQty',
      'openPrice',
      'highPrice',
      'lowPrice',
      'volume',
      'quoteVolume',
      'openTime',
      'closeTime',
      'firstId',
      'lastId',
      'count',
    ]);
    expect(rest).toMatchObject({
      symbol: 'BTCUSDT',
      priceChangePercent: '10.000',
      prevClosePrice: '10.00000000',
      quoteVolume: '56.00000000',
      openTime: E - DAY,
      closeTime: E,
      firstId: 100,
      lastId: 103,
      count: 4,
    });
  });

  it('rolls trades off after 24 h, one whole minute at a time', () => {
    const s = handState();
    // Window start falls inside minute 0: that minute is still counted whole.
    expect(s.ticker24h(T0 + DAY + 30_000)).toMatchObject({ F: 100, n: 4 });
    // Minute 0 out: trades 102 and 103 remain; x is the close of trade 101.
    expect(s.ticker24h(T0 + DAY + MIN)).toMatchObject({
      p: '2.00000000',
      P: '22.222',
      w: '10.50000000',
      x: '12.50000000',
      c: '11.00000000',
      o: '9.00000000',
      h: '11.00000000',
      l: '9.00000000',
      v: '2.00000000',
      q: '21.00000000',
      F: 102,
      L: 103,
      n: 2,
    });
    expect(s.ticker24h(T0 + DAY + 2 * MIN)).toMatchObject({
      p: '0.00000000',
      P: '0.000',
      x: '9.00000000',
      o: '11.00000000',
      F: 103,
      L: 103,
      n: 1,
    });
    // Nothing left in the window: last price stands, empty statistics.
    expect(s.ticker24h(T0 + 3_600_000 + DAY + MIN)).toMatchObject({
      p: '0.00000000',
      P: '0.000',
      w: '0.00000000',
      x: '11.00000000',
      c: '11.00000000',
      Q: '1.50000000',
      o: '11.00000000',
      h: '11.00000000',
      l: '11.00000000',
      v: '0.00000000',
      q: '0.00000000',
      F: -1,
      L: -1,
      n: 0,
    });
  });

  it('formats falling prices, rounds P half away from zero, and zeroes b/a without a book', () => {
    const s = new BinanceMarketState('ETHBTC');
    s.applyTrade(trade(1, '0.00000300', '1', T0));
    s.applyTrade(trade(2, '0.00000200', '3', T0 + 1));
    expect(s.ticker24h(T0 + 2)).toMatchObject({
      p: '-0.00000100',
      P: '-33.333',
      w: '0.00000225',
      q: '0.00000900',
      b: '0.00000000',
      B: '0.00000000',
      a: '0.00000000',
      A: '0.00000000',
    });
    const t = new BinanceMarketState('X');
    t.applyTrade(trade(1, '8', '1', T0));
    t.applyTrade(trade(2, '7.99996', '1', T0)); // -0.0005 % exactly
    expect(t.ticker24h(T0)?.P).toBe('-0.001');
  });

  it('ignores a trade id it has already applied', () => {
    const s = handState();
    s.applyTrade(trade(103, '99.00000000', '9.00000000', T0 + 3_600_001));
    expect(s.ignoredTrades).toBe(1);
    expect(s.ticker24h(T0 + 3_600_500)).toMatchObject({ c: '11.00000000', n: 4 });
  });

  it('keeps at most 1441 minute buckets over a three-day replay', () => {
    const s = new BinanceMarketState('BTCUSDT');
    const minutes = 3 * 1440;
    for (let i = 0; i < minutes; i++)
      s.applyTrade(trade(i, (100 + (i % 10)).toFixed(8), '1.00000000', T0 + i * MIN));
    expect(s.bucketCount).toBeLessThanOrEqual(1441);
    const E = T0 + (minutes - 1) * MIN; // on the last trade, a minute boundary
    // The minute holding E - 24h + 1 ms is counted whole, so the trade at exactly E - 24h is
    // still in (the documented one-minute slack): 1441 trades.
    expect(s.ticker24h(E)).toMatchObject({ n: 1441, F: minutes - 1441, L: minutes - 1 });
    // 59 999 ms later that minute has left the window: 1440 trades.
    const t = s.ticker24h(E + MIN - 1);
    expect(t).toMatchObject({ n: 1440, F: minutes - 1440, L: minutes - 1, v: '1440.00000000' });
    expect(t?.x).toBe((100 + ((minutes - 1441) % 10)).toFixed(8));
  });

  it('PROPERTY: matches a brute-force minute-granular 24h window over the whole tape', () => {
    const tradeArb = fc.record({
      dt: fc.integer({ min: 0, max: 6 * 3_600_000 }),
      p: fc.integer({ min: 1, max: 500 }),
      q: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(
        fc.array(tradeArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 2 * DAY }),
        (raw, after) => {
          const s = new BinanceMarketState('BTCUSDT');
          const tape: Array<{ id: number; p: number; q: number; T: number }> = [];
          let T = T0 + 123;
          raw.forEach((r, i) => {
            T += r.dt;
            tape.push({ id: 1000 + i, p: r.p, q: r.q, T });
            s.applyTrade(trade(1000 + i, r.p.toFixed(8), r.q.toFixed(8), T));
          });
          const E = T + after;
          const first = Math.floor((E - DAY + 1) / MIN);
          const inWin = tape.filter((t) => Math.floor(t.T / MIN) >= first);
          const beforeWin = tape.filter((t) => Math.floor(t.T / MIN) < first);
          const last = tape[tape.length - 1];
          const got = s.ticker24h(E);
          expect(s.bucketCount).toBeLessThanOrEqual(1441);
          if (inWin.length === 0) {
            expect(got).toMatchObject({
              n: 0,
              F: -1,
              L: -1,
              c: last.p.toFixed(8),
              x: last.p.toFixed(8),
              v: '0.00000000',
            });
            return;
          }
          const vol = inWin.reduce((a, t) => a + t.q, 0);
          const quote = inWin.reduce((a, t) => a + t.p * t.q, 0);
          const open = inWin[0].p;
          expect(got).toMatchObject({
            o: open.toFixed(8),
            h: Math.max(...inWin.map((t) => t.p)).toFixed(8),
            l: Math.min(...inWin.map((t) => t.p)).toFixed(8),
            c: last.p.toFixed(8),
            Q: last.q.toFixed(8),
            x: (beforeWin.length > 0 ? beforeWin[beforeWin.length - 1].p : tape[0].p).toFixed(8),
            p: (last.p - open).toFixed(8),
            v: vol.toFixed(8),
            q: quote.toFixed(8),
            F: inWin[0].id,
            L: last.id,
            n: inWin.length,
          });
          // w = quote / vol to 8 decimals, computed exactly with integers.
          const w = (BigInt(quote) * 100_000_000n * 2n + BigInt(vol)) / (2n * BigInt(vol));
          expect(got?.w).toBe(`${w / 100_000_000n}.${(w % 100_000_000n).toString().padStart(8, '0')}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('BinanceMarketState rolling-window tickers and avgPrice', () => {
  it('are undefined before any trade', () => {
    const s = new BinanceMarketState('BTCUSDT');
    expect(s.rollingTicker('1h', T0)).toBeUndefined();
    expect(s.avgPrice(T0)).toBeUndefined();
  });

  it('opens the 1h window on the minute holding E − 1 h, in Binance field order', () => {
    const s = handState();
    const E = T0 + 3_600_500; // the 1 h window opens on minute 0: all four trades
    const t = s.rollingTicker('1h', E);
    expect(JSON.stringify(t)).toBe(
      `{"e":"1hTicker","E":${E},"s":"BTCUSDT","p":"1.00000000","P":"10.000","o":"10.00000000","h":"12.50000000","l":"9.00000000","c":"11.00000000","w":"11.20000000","v":"5.00000000","q":"56.00000000","O":${T0},"C":${E},"F":100,"L":103,"n":4}`,
    );
    // A minute later minute 0 is out: trades 102 and 103.
    expect(s.rollingTicker('1h', E + MIN)).toMatchObject({ O: T0 + MIN, o: '9.00000000', F: 102, n: 2 });
    expect(s.rollingTicker('4h', E + MIN)).toMatchObject({
      e: '4hTicker',
      O: T0 - 3 * 3_600_000 + MIN,
      n: 4,
    });
    expect(s.rollingTicker('1d', E + MIN)).toMatchObject({ e: '1dTicker', n: 4 });
    // Past the last trade's window: the last price, nothing traded.
    expect(s.rollingTicker('1h', T0 + 2 * 3_600_000 + MIN + 30_000)).toMatchObject({
      o: '11.00000000',
      c: '11.00000000',
      v: '0.00000000',
      F: -1,
      L: -1,
      n: 0,
    });
  });

  it('averages the last 5 minutes by volume, with the last trade time', () => {
    const s = handState();
    // Minutes 0 and 1 (E − 5 min falls in minute 0): (10 + 25 + 4.5) / 3.5.
    expect(s.avgPrice(T0 + 4 * MIN + 500)).toEqual({
      e: 'avgPrice',
      E: T0 + 4 * MIN + 500,
      s: 'BTCUSDT',
      i: '5m',
      w: '11.28571429',
      T: T0 + 3_600_000,
    });
    // Only minute 1 left: trade 102.
    expect(s.avgPrice(T0 + 6 * MIN)).toMatchObject({ w: '9.00000000' });
    // No trade in the last 5 minutes: the last price.
    expect(s.avgPrice(T0 + 30 * MIN)).toMatchObject({ w: '9.00000000' });
  });
});
