/**
 * The minute trade window answers every window from its buckets; windows asked for again are
 * answered from what it kept of them. Property: whatever the trades and questions, each answer
 * equals that of a fresh window built from the same trades (which has nothing kept).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TradeUnits } from './trade-aggregate.js';
import { MINUTE_MS, MinuteTradeWindow } from './trade-window.js';

const T0 = 28_000_000 * MINUTE_MS;

type Step =
  | {
      readonly kind: 'trade';
      readonly advanceMs: number;
      readonly lateMs: number;
      readonly price: number;
      readonly qty: number;
      readonly buy: boolean;
    }
  | { readonly kind: 'ask'; readonly spanMinutes: number; readonly backMinutes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('trade' as const),
    advanceMs: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 0, max: 5 * MINUTE_MS }),
    ),
    lateMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 * MINUTE_MS })),
    price: fc.integer({ min: 1, max: 10_000_000 }),
    qty: fc.integer({ min: 1, max: 1_000_000 }),
    buy: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('ask' as const),
    spanMinutes: fc.constantFrom(0, 1, 3, 10, 60),
    backMinutes: fc.constantFrom(0, 0, 0, 1, 2),
  }),
);

describe('MinuteTradeWindow', () => {
  it('answers a window asked again, after more trades, as a fresh window of the same trades does', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 3, max: 30 }),
        (steps, maxMinutes) => {
          const window = new MinuteTradeWindow(maxMinutes);
          const trades: TradeUnits[] = [];
          let now = T0;
          let id = 0;
          for (const s of steps) {
            if (s.kind === 'trade') {
              now += s.advanceMs;
              const price = BigInt(s.price);
              const qty = BigInt(s.qty);
              // Trades come in id order; one may be timed before the newest minute (it joins it).
              const t: TradeUnits = {
                time: now - s.lateMs,
                id: ++id,
                price,
                qty,
                quote: price * qty,
                takerBuy: s.buy,
              };
              trades.push(t);
              window.add(t);
              continue;
            }
            const last = Math.floor(now / MINUTE_MS) - s.backMinutes;
            const first = last - s.spanMinutes;
            const fresh = new MinuteTradeWindow(maxMinutes);
            for (const t of trades) fresh.add(t);
            expect(window.stats(first, last)).toEqual(fresh.stats(first, last));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out copies: changing an answer changes no later one', () => {
    const window = new MinuteTradeWindow();
    const t: TradeUnits = { time: T0, id: 1, price: 100n, qty: 2n, quote: 200n, takerBuy: true };
    window.add(t);
    const first = window.stats(Math.floor(T0 / MINUTE_MS) - 10, Math.floor(T0 / MINUTE_MS));
    expect(first?.volume).toBe(2n);
    if (first !== undefined) first.volume = 999n;
    window.add({ ...t, id: 2, time: T0 + 1000, qty: 3n, quote: 300n });
    const again = window.stats(Math.floor(T0 / MINUTE_MS) - 10, Math.floor(T0 / MINUTE_MS));
    expect(again).toMatchObject({ volume: 5n, quoteVolume: 500n, count: 2, close: 100n, closeQty: 3n });
  });
});
