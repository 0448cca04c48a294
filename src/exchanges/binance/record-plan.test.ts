import { describe, expect, it } from 'vitest';
import { recordAndReplay, type RoundTrip } from '../../record/test-support/round-trip.js';
import { configSchema } from '../../config/schema.js';
import { binance } from './index.js';
import { binanceDepthWeight } from './record-plan.js';

describe('Binance record plan', () => {
  let trip: RoundTrip;

  it('records from a server of Binance REST bodies into files its replay source reads', async () => {
    trip = await recordAndReplay(binance, 'BTC/USDT', ['symbol']);
    expect(trip.stats.errors).toBe(0);
    expect(trip.alteredBodies).toBe(0);
    expect(trip.sourceSymbols).toEqual(['BTCUSDT']);
    const kinds = new Set(trip.events.map((e) => e.kind));
    for (const kind of ['trade', 'book_snapshot', 'book_update'])
      expect(kinds.has(kind as never), kind).toBe(true);
    expect(trip.sourceStats.badLines ?? 0).toBe(0);
  });

  it('continues historicalTrades by fromId without a gap, each trade once on replay', () => {
    expect(trip.linesPerEndpoint.api_v3_historicalTrades).toBeGreaterThan(2);
    expect(trip.linesPerEndpoint.api_v3_depth).toBeGreaterThan(2);
    expect(trip.stats.gaps).toBe(0);
    expect(trip.sourceStats.missingTradeIds).toBe(0);
    const ids = trip.events.filter((e) => e.kind === 'trade').map((e) => (e.data as { t: number }).t);
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1] + 1)).toBe(true);
  });

  it('declares REQUEST_WEIGHT 6000 per minute and the documented weights', () => {
    const plan = binance.recordPlan({ symbols: ['BTCUSDT'], config: configSchema.parse({}) });
    expect(plan.rateLimits).toEqual([
      { name: 'REQUEST_WEIGHT', limit: 6000, windowMs: 60_000, scope: 'venue' },
    ]);
    const weight = Object.fromEntries(plan.endpoints.map((e) => [e.key, e.weight]));
    expect(weight).toEqual({ depth: 5, trades: 25, info: 20 });
    expect([1, 100, 101, 500, 1000, 5000].map(binanceDepthWeight)).toEqual([5, 5, 25, 25, 50, 250]);
    const trades = plan.endpoints.find((e) => e.key === 'trades')?.series[0];
    expect(trades?.request({ id: 42, timeMs: 0 }, 0)?.params).toEqual({
      symbol: 'BTCUSDT',
      limit: 1000,
      fromId: 42,
    });
    expect(trades?.request(undefined, 0)?.params).toEqual({ symbol: 'BTCUSDT', limit: 1000 });
  });
});
