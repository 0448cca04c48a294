/**
 * The OKX REST mirror on a real hub: each `/api/v5/` route answered from the replay state at
 * replay time in OKX's shapes (strings everywhere, newest first), and OKX's error bodies and
 * HTTP statuses for a missing or unknown instId and for bad parameters.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okxBookEvent, okxTradeEvent, startOkxHub, type RunningOkxHub } from './test-support/hub.js';
import type { OkxLevel } from './wire.js';

const capture = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/instruments-spot.json', import.meta.url)), 'utf8'),
) as { data: Array<Record<string, string>> };

const MINUTE = Date.UTC(2024, 4, 14, 10, 0);
const BIDS: OkxLevel[] = Array.from({ length: 450 }, (_, i) => [(30000 - i / 10).toFixed(1), '1', '0', '1']);
const ASKS: OkxLevel[] = Array.from({ length: 450 }, (_, i) => [
  (30000.1 + i / 10).toFixed(1),
  '2',
  '0',
  '3',
]);

let hub: RunningOkxHub;
beforeAll(async () => {
  hub = await startOkxHub();
  hub.push(okxBookEvent('BTC-USDT', MINUTE, 'book_snapshot', BIDS, ASKS));
  for (let i = 1; i <= 600; i++) {
    hub.push(okxTradeEvent('BTC-USDT', i, MINUTE + i * 200, i % 2 === 0 ? '30000' : '30000.1', '0.01'));
  }
});
afterAll(async () => hub.close());

async function get(
  path: string,
): Promise<{ status: number; body: { code: string; msg: string; data: unknown[] } }> {
  const res = await fetch(`${hub.restBase}${path}`);
  return { status: res.status, body: (await res.json()) as { code: string; msg: string; data: unknown[] } };
}

describe('OKX hub REST', () => {
  it('public/time is the replay time and public/instruments the captured entries', async () => {
    expect(await get('/api/v5/public/time')).toEqual({
      status: 200,
      body: { code: '0', msg: '', data: [{ ts: String(MINUTE + 600 * 200) }] },
    });
    expect((await get('/api/v5/public/instruments?instType=SPOT')).body.data).toEqual(capture.data);
    expect((await get('/api/v5/public/instruments?instType=SPOT&instId=ETH-USDT')).body.data).toEqual([
      capture.data[1],
    ]);
  });

  it('market/books: 1 level by default, up to 400, best first', async () => {
    const one = (await get('/api/v5/market/books?instId=BTC-USDT')).body.data[0];
    expect(one).toEqual({ asks: [ASKS[0]], bids: [BIDS[0]], ts: String(MINUTE) });
    const deep = (await get('/api/v5/market/books?instId=BTC-USDT&sz=400')).body.data[0] as {
      asks: OkxLevel[];
    };
    expect(deep.asks).toEqual(ASKS.slice(0, 400));
  });

  it('market/ticker and market/tickers: the 24 h ticker of each instrument with trades', async () => {
    const t = (await get('/api/v5/market/ticker?instId=BTC-USDT')).body.data[0] as Record<string, string>;
    expect(t).toMatchObject({
      instId: 'BTC-USDT',
      last: '30000',
      lastSz: '0.01',
      vol24h: '6',
      high24h: '30000.1',
      askPx: '30000.1',
    });
    expect((await get('/api/v5/market/tickers?instType=SPOT')).body.data).toEqual([t]);
  });

  it('market/trades: 100 by default, up to 500, newest first', async () => {
    const def = (await get('/api/v5/market/trades?instId=BTC-USDT')).body.data as Array<
      Record<string, string>
    >;
    expect(def).toHaveLength(100);
    expect(def[0]).toEqual({
      instId: 'BTC-USDT',
      side: 'buy',
      sz: '0.01',
      px: '30000',
      tradeId: '600',
      ts: String(MINUTE + 120_000),
    });
    const max = (await get('/api/v5/market/trades?instId=BTC-USDT&limit=500')).body.data as Array<{
      tradeId: string;
    }>;
    expect(max.map((x) => x.tradeId)).toEqual(Array.from({ length: 500 }, (_, i) => String(600 - i)));
  });

  it('market/candles: 1m candles newest first, closed ones confirmed', async () => {
    const candles = (await get('/api/v5/market/candles?instId=BTC-USDT&bar=1m')).body.data as string[][];
    expect(candles.map((c) => [c[0], c[5], c[8]])).toEqual([
      [String(MINUTE + 120_000), '0.01', '0'],
      [String(MINUTE + 60_000), '3', '1'],
      [String(MINUTE), '2.99', '1'],
    ]);
    expect((await get('/api/v5/market/candles?instId=BTC-USDT&limit=1')).body.data).toHaveLength(1);
  });

  it("answers OKX's errors: 50014 missing, 51001 unknown instrument, 51000 bad parameter", async () => {
    expect(await get('/api/v5/market/ticker')).toEqual({
      status: 400,
      body: { code: '50014', msg: 'Parameter instId can not be empty.', data: [] },
    });
    expect(await get('/api/v5/market/books?instId=DOGE-USDT')).toEqual({
      status: 200,
      body: { code: '51001', msg: 'Instrument ID does not exist', data: [] },
    });
    for (const [path, param] of [
      ['/api/v5/market/books?instId=BTC-USDT&sz=401', 'sz'],
      ['/api/v5/market/trades?instId=BTC-USDT&limit=abc', 'limit'],
      ['/api/v5/market/candles?instId=BTC-USDT&bar=5m', 'bar'],
      ['/api/v5/market/tickers?instType=SWAP', 'instType'],
    ]) {
      expect(await get(path)).toEqual({
        status: 400,
        body: { code: '51000', msg: `Parameter ${param} error`, data: [] },
      });
    }
    expect((await get('/api/v5/public/instruments')).body.code).toBe('50014');
    expect((await get('/api/v5/market/nothing')).status).toBe(404);
  });
});
