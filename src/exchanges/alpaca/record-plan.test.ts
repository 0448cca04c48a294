import { describe, expect, it } from 'vitest';
import { recordAndReplay, type RoundTrip } from '../../record/test-support/round-trip.js';
import { configSchema } from '../../config/schema.js';
import { alpaca } from './index.js';

describe('Alpaca record plan', () => {
  let trip: RoundTrip;

  it('records from a server of Alpaca REST bodies into files its replay source reads', async () => {
    trip = await recordAndReplay(alpaca, 'AAPL', []);
    expect(trip.stats.errors).toBe(0);
    expect(trip.alteredBodies).toBe(0);
    expect(trip.sourceSymbols).toEqual(['AAPL']);
    const kinds = new Set(trip.events.map((e) => e.kind));
    for (const kind of ['trade', 'quote', 'bar']) expect(kinds.has(kind as never), kind).toBe(true);
    expect(trip.sourceStats.badLines ?? 0).toBe(0);
  });

  it('follows next_page_token within a window and sends the APCA key headers', () => {
    expect(trip.linesPerEndpoint.v2_stocks_trades).toBeGreaterThan(2);
    expect(trip.linesPerEndpoint.v2_stocks_quotes).toBeGreaterThan(2);
    expect(trip.sourceStats.missingTradeIds).toBe(0);
    const config = configSchema.parse({ alpacaKey: 'k1', alpacaSecret: 's1' });
    const plan = alpaca.recordPlan({ symbols: ['AAPL'], config });
    expect(plan.headers).toEqual({ 'APCA-API-KEY-ID': 'k1', 'APCA-API-SECRET-KEY': 's1' });
    expect(plan.rateLimits).toEqual([
      { name: 'requests per key', limit: 200, windowMs: 60_000, scope: 'venue' },
    ]);
    const trades = plan.endpoints.find((e) => e.key === 'trades')?.series[0];
    const request = trades?.request(
      { timeMs: Date.UTC(2026, 0, 5, 15, 0, 0, 250) },
      Date.UTC(2026, 0, 5, 15, 0, 5, 600),
    );
    expect(request).toEqual({
      path: '/v2/stocks/AAPL/trades',
      params: { start: '2026-01-05T15:00:00.25Z', end: '2026-01-05T15:00:05Z', limit: 10_000, feed: 'iex' },
    });
    const page = trades?.read?.({ trades: [], symbol: 'AAPL', next_page_token: 'dG9rZW4=' }, request!);
    expect(page?.nextPage?.params).toEqual({ ...request!.params, page_token: 'dG9rZW4=' });
    const last = trades?.read?.({ trades: null, symbol: 'AAPL', next_page_token: null }, request!);
    expect(last?.continueFrom).toEqual({ timeMs: Date.UTC(2026, 0, 5, 15, 0, 5) });
  });
});
