import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade, AlpacaSnapshot } from './wire.js';
import {
  alpacaBar,
  alpacaQuote,
  alpacaTrade,
  startAlpacaHub,
  type RunningAlpacaHub,
} from './test-support/hub.js';

let hub: RunningAlpacaHub;
const AUTH = { 'APCA-API-KEY-ID': 'demo', 'APCA-API-SECRET-KEY': 'demo' };

beforeAll(async () => {
  hub = await startAlpacaHub();
  // Friday's bars (the previous day), then Monday's trades, quotes and bars.
  hub.push(alpacaBar('AAPL', '2026-01-02T20:58:00Z', 100, 101, 99, 100.5, 1000));
  for (let i = 0; i < 25; i++) {
    const t = `2026-01-05T14:31:${String(i).padStart(2, '0')}.${String(i * 7).padStart(3, '0')}123Z`;
    hub.push(alpacaTrade('AAPL', t, 200 + i, 1 + i, 1000 + i));
    hub.push(alpacaQuote('AAPL', t, 199 + i, 201 + i));
  }
  hub.push(alpacaBar('AAPL', '2026-01-05T14:31:00Z', 200, 224, 200, 224, 325));
});
afterAll(() => hub.close());

/** Every body shape the routes answer, loosely (each test reads the fields its route has). */
interface RestBody {
  symbol?: string;
  trades: AlpacaRestTrade[];
  quotes: AlpacaRestQuote[];
  bars: AlpacaRestBar[];
  next_page_token?: string | null;
  code?: number;
  message?: string;
  trade?: AlpacaRestTrade;
  quote?: AlpacaRestQuote;
  AAPL: AlpacaSnapshot & {
    latestTrade: AlpacaRestTrade;
    latestQuote: AlpacaRestQuote;
    minuteBar: AlpacaRestBar;
  };
}

async function get(
  path: string,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; body: RestBody }> {
  const res = await fetch(`${hub.restBase}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as RestBody };
}

describe('Alpaca hub REST', () => {
  it('pages trades with limit and page_token until next_page_token is null', async () => {
    const seen: number[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const q = token === null ? '' : `&page_token=${token}`;
      const { status, body } = await get(`/v2/stocks/AAPL/trades?limit=10${q}`);
      expect(status).toBe(200);
      expect(body.symbol).toBe('AAPL');
      seen.push(...body.trades.map((t) => t.i));
      token = body.next_page_token ?? null;
      pages++;
    } while (token !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 1000 + i));
  });

  it('filters by start and end (RFC3339, sub-ms digits kept in the items)', async () => {
    const { body } = await get(
      '/v2/stocks/AAPL/quotes?start=2026-01-05T14:31:10Z&end=2026-01-05T14:31:12.5Z',
    );
    expect(body.quotes.map((q) => q.t)).toEqual([
      '2026-01-05T14:31:10.070123Z',
      '2026-01-05T14:31:11.077123Z',
      '2026-01-05T14:31:12.084123Z',
    ]);
    expect(body.next_page_token).toBeNull();
    const none = await get('/v2/stocks/AAPL/trades?start=2026-01-06T00:00:00Z');
    expect(none.body).toEqual({ trades: null, symbol: 'AAPL', next_page_token: null });
  });

  it('serves 1Min bars and refuses other timeframes and bad parameters with 422', async () => {
    const { body } = await get('/v2/stocks/AAPL/bars?timeframe=1Min');
    expect(body.bars.map((b) => b.t)).toEqual(['2026-01-02T20:58:00Z', '2026-01-05T14:31:00Z']);
    for (const q of [
      'bars?timeframe=1Day',
      'bars',
      'trades?limit=0',
      'trades?limit=10001',
      'trades?start=yesterday',
      'trades?page_token=%21%21',
      'trades?start=2026-01-05T15:00:00Z&end=2026-01-05T14:00:00Z',
    ]) {
      const r = await get(`/v2/stocks/AAPL/${q}`);
      expect(r.status, q).toBe(422);
      expect(r.body.code, q).toBe(42210000);
      expect(r.body.message, q).toMatch(/invalid|missing/);
    }
  });

  it('answers latest trade and quote, 404 for a symbol with none', async () => {
    const t = await get('/v2/stocks/AAPL/trades/latest');
    expect(t.body).toEqual({
      symbol: 'AAPL',
      trade: { t: '2026-01-05T14:31:24.168123Z', x: 'V', p: 224, s: 25, c: ['@'], i: 1024, z: 'C' },
    });
    const q = await get('/v2/stocks/AAPL/quotes/latest');
    expect(q.body.quote).toMatchObject({ bp: 223, ap: 225 });
    const none = await get('/v2/stocks/ZZZZ/trades/latest');
    expect(none.status).toBe(404);
    expect(none.body.code).toBe(40410000);
    expect((await get('/v2/stocks/ZZZZ/trades')).body).toEqual({
      trades: null,
      symbol: 'ZZZZ',
      next_page_token: null,
    });
  });

  it('answers snapshots with latest trade and quote, minute, daily and previous daily bars', async () => {
    const { status, body } = await get('/v2/stocks/snapshots?symbols=AAPL,NOPE');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['AAPL']);
    expect(body.AAPL.latestTrade.i).toBe(1024);
    expect(body.AAPL.latestQuote.bp).toBe(223);
    expect(body.AAPL.minuteBar.t).toBe('2026-01-05T14:31:00Z');
    expect(body.AAPL.dailyBar).toMatchObject({ t: '2026-01-05T05:00:00Z', o: 200, c: 224, v: 325 });
    expect(body.AAPL.prevDailyBar).toMatchObject({ t: '2026-01-02T05:00:00Z', o: 100, v: 1000 });
    expect((await get('/v2/stocks/snapshots')).status).toBe(422);
  });

  it('refuses missing or wrong key headers with 401, and unknown routes with 404', async () => {
    expect(await get('/v2/stocks/AAPL/trades', {})).toEqual({
      status: 401,
      body: { message: 'unauthorized.' },
    });
    const wrong = await get('/v2/stocks/AAPL/trades', { ...AUTH, 'APCA-API-SECRET-KEY': 'x' });
    expect(wrong.status).toBe(401);
    const unknown = await get('/v2/stocks/AAPL/auctions');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/not a v2 stock data route/);
  });
});
