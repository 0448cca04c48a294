import { describe, expect, it } from 'vitest';
import { recordAndReplay, type RoundTrip } from '../../record/test-support/round-trip.js';
import { configSchema } from '../../config/schema.js';
import { okx } from './index.js';

describe('OKX record plan', () => {
  let trip: RoundTrip;

  it('records from a server of OKX REST bodies into files its replay source reads', async () => {
    trip = await recordAndReplay(okx, 'BTC/USDT', ['instId']);
    expect(trip.stats.errors).toBe(0);
    expect(trip.alteredBodies).toBe(0);
    expect(trip.sourceSymbols).toEqual(['BTC-USDT']);
    const kinds = new Set(trip.events.map((e) => e.kind));
    for (const kind of ['trade', 'book_snapshot', 'book_update'])
      expect(kinds.has(kind as never), kind).toBe(true);
    expect(trip.sourceStats.badLines ?? 0).toBe(0);
  });

  it('sees every trades page reach back to the last recorded trade, each trade once on replay', () => {
    expect(trip.linesPerEndpoint.api_v5_market_trades).toBeGreaterThan(2);
    expect(trip.linesPerEndpoint.api_v5_market_books).toBeGreaterThan(2);
    expect(trip.stats.gaps).toBe(0);
    expect(trip.sourceStats.missingTradeIds).toBe(0);
  });

  it('limits each endpoint to 20 requests per 2 s and keeps error answers out of the recordings', () => {
    const plan = okx.recordPlan({ symbols: ['BTC-USDT'], config: configSchema.parse({}) });
    expect(plan.rateLimits).toEqual([
      { name: 'requests per endpoint', limit: 20, windowMs: 2000, scope: 'endpoint' },
    ]);
    expect(plan.errorOf?.({ code: '50011', msg: 'Too Many Requests', data: [] })).toBe(
      'code 50011: Too Many Requests',
    );
    expect(plan.errorOf?.({ code: '0', msg: '', data: [] })).toBeUndefined();
  });
});
