import { describe, expect, it } from 'vitest';
import { recordAndReplay, type RoundTrip } from '../../record/test-support/round-trip.js';
import { configSchema } from '../../config/schema.js';
import { kraken } from './index.js';

describe('Kraken record plan', () => {
  let trip: RoundTrip;

  it('records from a server of Kraken REST bodies into files its replay source reads', async () => {
    trip = await recordAndReplay(kraken, 'BTC/USD', ['pair']);
    expect(trip.stats.errors).toBe(0);
    expect(trip.alteredBodies).toBe(0);
    expect(trip.sourceSymbols).toEqual(['BTC/USD']);
    const kinds = new Set(trip.events.map((e) => e.kind));
    for (const kind of ['trade', 'book_snapshot', 'book_update'])
      expect(kinds.has(kind as never), kind).toBe(true);
    expect(trip.sourceStats.badLines ?? 0).toBe(0);
  });

  it('asks Trades since one second before the last recorded trade and replays each trade once', () => {
    expect(trip.linesPerEndpoint['0_public_Trades']).toBeGreaterThan(2);
    expect(trip.linesPerEndpoint['0_public_Depth']).toBeGreaterThan(2);
    expect(trip.stats.gaps).toBe(0);
    expect(trip.sourceStats.missingTradeIds).toBe(0);
    const plan = kraken.recordPlan({ symbols: ['BTC/USD'], config: configSchema.parse({}) });
    const trades = plan.endpoints.find((e) => e.key === 'trades')?.series[0];
    expect(trades?.request({ id: 7, timeMs: 1_767_623_400_500 }, 0)?.params).toEqual({
      pair: 'XBTUSD',
      since: '1767623399500000000',
      count: 1000,
    });
    expect(plan.rateLimits).toEqual([{ name: 'public calls', limit: 1, windowMs: 1000, scope: 'venue' }]);
    expect(plan.errorOf?.({ error: ['EGeneral:Too many requests'] })).toBe('EGeneral:Too many requests');
    expect(plan.errorOf?.({ error: [], result: {} })).toBeUndefined();
  });
});
