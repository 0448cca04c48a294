import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TradeDeduper } from '../../replay/trade-dedup.js';
import { binanceTradeId, restTradeToEvent, tradeEventToAggTrade } from './trade-dedup.js';
import type { BinanceRestTrade } from './wire.js';

function trade(id: number): BinanceRestTrade {
  return {
    id,
    price: (100 + (id % 7)).toFixed(8),
    qty: ((id % 5) + 1).toFixed(8),
    quoteQty: '0',
    time: 1_700_000_000_000 + id * 10,
    isBuyerMaker: id % 2 === 0,
    isBestMatch: true,
  };
}

function tape(first: number, count: number): BinanceRestTrade[] {
  return Array.from({ length: count }, (_, i) => trade(first + i));
}

const ids = (trades: readonly BinanceRestTrade[]): number[] => trades.map((t) => t.id);

describe('TradeDeduper', () => {
  it('emits overlapping polls once, in id order, sorting a poll that arrives out of order', () => {
    const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
    expect(ids(d.push(tape(10, 5)))).toEqual([10, 11, 12, 13, 14]);
    expect(ids(d.push(tape(12, 5).reverse()))).toEqual([15, 16]);
    expect(d.stats).toEqual({ duplicates: 3, gaps: 0, missingIds: 0 });
    expect(d.lastId).toBe(16);
  });

  it('returns [] for a stale poll with older content', () => {
    const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
    d.push(tape(10, 5));
    expect(d.push(tape(8, 4))).toEqual([]);
    expect(d.push([])).toEqual([]);
    expect(d.stats).toEqual({ duplicates: 4, gaps: 0, missingIds: 0 });
  });

  it('counts a gap and the missing ids when a poll starts past lastId + 1', () => {
    const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
    d.push(tape(10, 5)); // 10..14
    expect(ids(d.push(tape(20, 3)))).toEqual([20, 21, 22]);
    expect(d.stats).toEqual({ duplicates: 0, gaps: 1, missingIds: 5 });
  });

  it('does not count a gap before the first trade, and starts afresh after reset', () => {
    const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
    d.push(tape(1000, 2));
    d.reset();
    expect(d.lastId).toBeUndefined();
    expect(ids(d.push(tape(5, 2)))).toEqual([5, 6]);
    expect(d.stats.gaps).toBe(0);
  });

  it('PROPERTY: overlapping, shuffled and stale polls reproduce the tape exactly', () => {
    const step = fc.record({
      len: fc.integer({ min: 1, max: 40 }),
      back: fc.integer({ min: 0, max: 30 }),
      reverse: fc.boolean(),
      stale: fc.boolean(),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(step, { maxLength: 40 }),
        (firstId, n, steps) => {
          const all = tape(firstId, n);
          const polls: BinanceRestTrade[][] = [];
          let end = 0;
          for (const s of steps) {
            const start = Math.max(0, end - s.back);
            const stop = Math.min(n, start + s.len);
            const poll = all.slice(start, stop);
            polls.push(s.reverse ? poll.reverse() : poll);
            end = Math.max(end, stop);
            if (s.stale && polls.length > 1) polls.push(polls[s.pick % (polls.length - 1)]);
          }
          if (end < n) polls.push(all.slice(end));
          const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
          const out: BinanceRestTrade[] = [];
          for (const p of polls) out.push(...d.push(p));
          expect(out).toEqual(all);
          const delivered = polls.reduce((sum, p) => sum + p.length, 0);
          expect(d.stats).toEqual({ duplicates: delivered - n, gaps: 0, missingIds: 0 });
        },
      ),
    );
  });

  it('PROPERTY: non-overlapping windows with holes count gaps and missing ids exactly', () => {
    const segment = fc.record({
      len: fc.integer({ min: 1, max: 30 }),
      hole: fc.integer({ min: 0, max: 20 }),
      repeat: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(segment, { minLength: 1, maxLength: 20 }),
        (firstId, segments) => {
          const polls: BinanceRestTrade[][] = [];
          const expected: BinanceRestTrade[] = [];
          let next = firstId;
          let gaps = 0;
          let missing = 0;
          segments.forEach((s, i) => {
            if (i > 0 && s.hole > 0) {
              gaps++;
              missing += s.hole;
            }
            if (i > 0) next += s.hole;
            const poll = tape(next, s.len);
            next += s.len;
            polls.push(poll);
            expected.push(...poll);
            if (s.repeat) polls.push(poll.slice(0, 1)); // a stale re-delivery
          });
          const d = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
          const out: BinanceRestTrade[] = [];
          for (const p of polls) out.push(...d.push(p));
          expect(out).toEqual(expected);
          expect(d.stats.gaps).toBe(gaps);
          expect(d.stats.missingIds).toBe(missing);
          expect(d.stats.duplicates).toBe(segments.filter((s) => s.repeat).length);
        },
      ),
    );
  });
});

describe('REST trade → WebSocket events', () => {
  // The historicalTrades example from Binance's REST docs.
  const rest: BinanceRestTrade = {
    id: 28457,
    price: '4.00000100',
    qty: '12.00000000',
    quoteQty: '48.000012',
    time: 1499865549590,
    isBuyerMaker: true,
    isBestMatch: true,
  };

  it('builds the trade event with Binance field order and types', () => {
    const ev = restTradeToEvent(rest, 'BNBBTC');
    expect(JSON.stringify(ev)).toBe(
      '{"e":"trade","E":1499865549590,"s":"BNBBTC","t":28457,"p":"4.00000100","q":"12.00000000","T":1499865549590,"m":true,"M":true}',
    );
  });

  it('takes the event time it is sent at, never one below the trade time', () => {
    expect([
      restTradeToEvent(rest, 'BNBBTC', rest.time + 25).E,
      restTradeToEvent(rest, 'BNBBTC', rest.time - 25).E,
    ]).toEqual([rest.time + 25, rest.time]);
  });

  it('builds a one-trade aggTrade (a = f = l = t)', () => {
    const agg = tradeEventToAggTrade(restTradeToEvent(rest, 'BNBBTC'));
    expect(JSON.stringify(agg)).toBe(
      '{"e":"aggTrade","E":1499865549590,"s":"BNBBTC","a":28457,"p":"4.00000100","q":"12.00000000","f":28457,"l":28457,"T":1499865549590,"m":true,"M":true}',
    );
  });
});
