import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookEvent, tradeEvent } from './test-support/events.js';
import { startKrakenHub, type RunningKrakenHub } from './test-support/hub.js';
import { KRAKEN_ASSET_PAIRS } from './asset-pairs.js';
import { KrakenPairs } from './symbols.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
let h: RunningKrakenHub;

beforeAll(async () => {
  h = await startKrakenHub();
  h.push(
    tradeEvent('BTC/USD', 100, T0 - 15 * 3_600_000, '93000.00000', '0.10000000'),
    bookEvent(
      'BTC/USD',
      T0 - 1000,
      'book_snapshot',
      [
        ['93999.90000', '1.500'],
        ['93999.00000', '2.000'],
        ['93998.00000', '4.000'],
      ],
      [
        ['94000.20000', '0.750'],
        ['94001.00000', '3.000'],
      ],
    ),
    tradeEvent('BTC/USD', 101, T0 + 1000.123, '94000.10000', '0.01000000'),
    tradeEvent('BTC/USD', 102, T0 + 2000.5, '94001.00000', '0.02000000', 'sell'),
    bookEvent('BTC/USD', T0 + 3000, 'book_update', [['93999.00000', '2.500']], []),
  );
});
afterAll(() => h.close());

async function get(
  path: string,
): Promise<{ status: number; type: string | null; body: unknown; text: string }> {
  const res = await fetch(`${h.restBase}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text), text };
}

describe('Kraken REST on the hub', () => {
  it('Time and SystemStatus tell the replay time', async () => {
    const time = await get('/0/public/Time');
    expect(time).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' });
    expect(time.body).toEqual({
      error: [],
      result: { unixtime: (T0 + 3000) / 1000, rfc1123: 'Mon, 05 Jan 26 14:00:03 +0000' },
    });
    expect((await get('/0/public/SystemStatus')).body).toEqual({
      error: [],
      result: { status: 'online', timestamp: '2026-01-05T14:00:03Z' },
    });
  });

  it('AssetPairs serves the replayed pairs by any name, and the pairs they build are the same', async () => {
    const all = await get('/0/public/AssetPairs');
    expect(all.body).toEqual({ error: [], result: KRAKEN_ASSET_PAIRS });
    const pairs = KrakenPairs.fromAssetPairs(all.body);
    expect(pairs.list().map((p) => p.symbol)).toEqual(['BTC/USD', 'ETH/USD']);
    const one = await get('/0/public/AssetPairs?pair=XBTUSD');
    expect(Object.keys((one.body as { result: object }).result)).toEqual(['XXBTZUSD']);
    expect((await get('/0/public/AssetPairs?pair=BTC/USD,ETHUSD')).body).toMatchObject({ error: [] });
    expect(await get('/0/public/AssetPairs?pair=DOGEUSD')).toMatchObject({
      status: 200,
      body: { error: ['EQuery:Unknown asset pair'] },
    });
  });

  it('Assets lists the assets of the replayed pairs, or the ones asked for', async () => {
    const all = (await get('/0/public/Assets')).body as { result: Record<string, { altname: string }> };
    expect(Object.keys(all.result)).toEqual(['XETH', 'XXBT', 'ZUSD']);
    expect(Object.keys(((await get('/0/public/Assets?asset=XBT,USD')).body as typeof all).result)).toEqual([
      'XXBT',
      'ZUSD',
    ]);
    expect((await get('/0/public/Assets?asset=DOGE')).body).toEqual({ error: ['EQuery:Unknown asset'] });
  });

  it('Depth is the book at the replay time, levels as recorded with their last change', async () => {
    expect((await get('/0/public/Depth?pair=XBTUSD&count=2')).text).toBe(
      '{"error":[],"result":{"XXBTZUSD":{"asks":[["94000.20000","0.750",' +
        `${(T0 - 1000) / 1000}],["94001.00000","3.000",${(T0 - 1000) / 1000}]],"bids":[["93999.90000","1.500",` +
        `${(T0 - 1000) / 1000}],["93999.00000","2.500",${(T0 + 3000) / 1000}]]}}}`,
    );
    const deep = (await get('/0/public/Depth?pair=BTC/USD')).body as {
      result: { XXBTZUSD: { bids: unknown[] } };
    };
    expect(deep.result.XXBTZUSD.bids).toHaveLength(3);
    expect((await get('/0/public/Depth')).body).toEqual({
      error: ['EGeneral:Invalid arguments: pair is required'],
    });
    expect((await get('/0/public/Depth?pair=XBTUSD&count=zero')).body).toEqual({
      error: ['EGeneral:Invalid arguments: count must be a positive integer'],
    });
    expect((await get('/0/public/Depth?pair=XBTEUR')).body).toEqual({ error: ['EQuery:Unknown asset pair'] });
  });

  it('Trades pages through the tape with since cursors in ns or seconds', async () => {
    const page = (await get('/0/public/Trades?pair=XBTUSD')).body as {
      result: { XXBTZUSD: unknown[][]; last: string };
    };
    expect(page.result.XXBTZUSD).toEqual([
      ['93000.00000', '0.10000000', (T0 - 15 * 3_600_000) / 1000, 'b', 'l', '', 100],
      ['94000.10000', '0.01000000', (T0 + 1000.123) / 1000, 'b', 'l', '', 101],
      ['94001.00000', '0.02000000', (T0 + 2000.5) / 1000, 's', 'l', '', 102],
    ]);
    expect(page.result.last).toBe(`${T0 + 2000}500000`);
    const cursor = `${T0 + 1000}123000`;
    const after = (await get(`/0/public/Trades?pair=XBTUSD&since=${cursor}`)).body as typeof page;
    expect(after.result.XXBTZUSD.map((r) => r[6])).toEqual([102]);
    const seconds = (await get(`/0/public/Trades?pair=XBTUSD&since=${T0 / 1000}&count=1`))
      .body as typeof page;
    expect(seconds.result.XXBTZUSD.map((r) => r[6])).toEqual([101]);
    const none = (await get(`/0/public/Trades?pair=XBTUSD&since=${page.result.last}`)).body as typeof page;
    expect(none.result).toEqual({ XXBTZUSD: [], last: page.result.last });
    expect((await get('/0/public/Trades?pair=XBTUSD&since=yesterday')).body).toMatchObject({
      error: ['EGeneral:Invalid arguments: since must be a unix time or a last cursor'],
    });
  });

  it('Ticker has the best levels, the last trade and today / 24 h figures', async () => {
    const body = (await get('/0/public/Ticker?pair=XBTUSD')).body as { result: Record<string, unknown> };
    expect(body.result).toEqual({
      XXBTZUSD: {
        a: ['94000.20000', '0', '0.75000000'],
        b: ['93999.90000', '1', '1.50000000'],
        c: ['94001.00000', '0.02000000'],
        v: ['0.03000000', '0.13000000'],
        p: ['94000.70000', '93230.90000'],
        t: [2, 3],
        l: ['94000.10000', '93000.00000'],
        h: ['94001.00000', '94001.00000'],
        o: '94000.10000',
      },
    });
    const all = (await get('/0/public/Ticker')).body as { result: Record<string, unknown> };
    expect(Object.keys(all.result)).toEqual(['XXBTZUSD', 'XETHZUSD']);
  });

  it('answers an unknown call with EGeneral:Unknown method (404) and another method with 405', async () => {
    expect(await get('/0/public/Spread?pair=XBTUSD')).toMatchObject({
      status: 404,
      body: { error: ['EGeneral:Unknown method'] },
    });
    const post = await fetch(`${h.restBase}/0/public/Time`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ error: ['EGeneral:Invalid arguments: use GET or HEAD'] });
    const plain = await fetch(`${h.restBase}/v2`);
    expect(plain.status).toBe(426);
  });
});
