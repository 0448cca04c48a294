import { describe, expect, it } from 'vitest';
import { stepString } from './hub-rest.js';
import {
  T0,
  TestClient,
  baseBook,
  randomDiff,
  snapshotEvent,
  tradeEvent,
  updateEvent,
  useHub,
  type Harness,
} from './test-support/hub.js';
import type { BinanceDepthUpdateEvent, BinanceLevel, BinanceRestDepth } from './wire.js';

const { start, harness: current } = useHub();

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${current().http}${path}`);
  return { status: res.status, body: await res.json() };
}

/** A local book kept exactly as the Binance doc says (string levels, qty 0 removes). */
class LocalBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  id = 0;

  load(s: BinanceRestDepth): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of s.bids) this.bids.set(p, q);
    for (const [p, q] of s.asks) this.asks.set(p, q);
    this.id = s.lastUpdateId;
  }

  apply(ev: BinanceDepthUpdateEvent): void {
    for (const [p, q] of ev.b)
      if (+q === 0) this.bids.delete(p);
      else this.bids.set(p, q);
    for (const [p, q] of ev.a)
      if (+q === 0) this.asks.delete(p);
      else this.asks.set(p, q);
    this.id = ev.u;
  }

  depth(): BinanceRestDepth {
    const sort = (m: Map<string, string>, desc: boolean): BinanceLevel[] =>
      [...m].sort((x, y) => (desc ? +y[0] - +x[0] : +x[0] - +y[0])).map(([p, q]) => [p, q]);
    return { lastUpdateId: this.id, bids: sort(this.bids, true), asks: sort(this.asks, false) };
  }
}

/** Push diffs `from`..`to` (one update id each) built by `randomDiff`; returns them. */
function pushDiffs(harness: Harness, from: number, to: number): BinanceDepthUpdateEvent[] {
  const out: BinanceDepthUpdateEvent[] = [];
  for (let id = from; id <= to; id++) {
    const { b, a } = randomDiff(id);
    const ev = updateEvent(T0 + id, id, id, b, a);
    harness.hub.push(ev);
    out.push(ev.data as BinanceDepthUpdateEvent);
  }
  return out;
}

describe('Binance replay endpoint: REST', () => {
  it('answers /api/v3/depth from the replay state, with limit', async () => {
    const h = await start();
    h.hub.push(snapshotEvent(T0, baseBook(1000)));
    const diffs = pushDiffs(h, 1001, 1040);
    const expected = new LocalBook();
    expected.load(baseBook(1000));
    for (const d of diffs) expected.apply(d);

    const full = await get('/binance/api/v3/depth?symbol=BTCUSDT');
    expect(full.status).toBe(200);
    expect(full.body).toEqual(expected.depth());
    const top = (await get('/binance/api/v3/depth?symbol=BTCUSDT&limit=3')).body as BinanceRestDepth;
    expect(top).toEqual({
      lastUpdateId: 1040,
      bids: expected.depth().bids.slice(0, 3),
      asks: expected.depth().asks.slice(0, 3),
    });
    expect((await get('/binance/api/v3/depth?symbol=BTCUSDT&limit=9000')).body).toEqual(expected.depth());
  });

  it('sends Binance error bodies for missing, malformed and unknown parameters', async () => {
    const h = await start();
    h.hub.push(snapshotEvent(T0, baseBook(1000)));
    expect(await get('/binance/api/v3/depth')).toEqual({
      status: 400,
      body: { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." },
    });
    expect(await get('/binance/api/v3/depth?symbol=')).toMatchObject({ status: 400, body: { code: -1102 } });
    expect(await get('/binance/api/v3/depth?symbol=ETHUSDT')).toEqual({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    });
    expect(await get('/binance/api/v3/depth?symbol=btcusdt')).toEqual({
      status: 400,
      body: {
        code: -1100,
        msg: "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
      },
    });
    expect(await get('/binance/api/v3/depth?symbol=BTCUSDT&limit=ten')).toMatchObject({
      status: 400,
      body: { code: -1100 },
    });
    expect(await get('/binance/api/v3/exchangeInfo?symbol=BTCUSDT&symbols=["BTCUSDT"]')).toEqual({
      status: 400,
      body: { code: -1128, msg: 'Combination of optional parameters invalid.' },
    });
    expect(await get('/binance/api/v3/nope')).toMatchObject({ status: 404 });
    expect(await get('/nope')).toEqual({
      status: 404,
      body: { error: 'no replay endpoint at /nope', path: '/nope', prefixes: ['/binance'] },
    });
  });

  it('lists the replayed symbols in exchangeInfo and answers ticker, ping and time', async () => {
    const h = await start();
    h.hub.push(snapshotEvent(T0, baseBook(1000)));
    h.hub.push(tradeEvent(T0 + 5, 1, '67000.50000000', '0.01200000'));
    h.hub.push(tradeEvent(T0 + 9, 7, '3500.12000000', '1.50000000', true, 'ETHUSDT'));

    const info = (await get('/binance/api/v3/exchangeInfo')).body as {
      timezone: string;
      serverTime: number;
      symbols: {
        symbol: string;
        status: string;
        baseAsset: string;
        quoteAsset: string;
        filters: unknown[];
      }[];
    };
    expect(info.timezone).toBe('UTC');
    expect(info.serverTime).toBe(T0 + 9);
    expect(info.symbols.map((s) => [s.symbol, s.status, s.baseAsset, s.quoteAsset])).toEqual([
      ['BTCUSDT', 'TRADING', 'BTC', 'USDT'],
      ['ETHUSDT', 'TRADING', 'ETH', 'USDT'],
    ]);
    expect(info.symbols[1].filters).toEqual([
      {
        filterType: 'PRICE_FILTER',
        minPrice: '0.01000000',
        maxPrice: '1000000.00000000',
        tickSize: '0.01000000',
      },
      { filterType: 'LOT_SIZE', minQty: '0.10000000', maxQty: '9000000.00000000', stepSize: '0.10000000' },
    ]);
    const one = (await get('/binance/api/v3/exchangeInfo?symbol=ETHUSDT')).body as typeof info;
    expect(one.symbols.map((s) => s.symbol)).toEqual(['ETHUSDT']);
    const some = (await get(`/binance/api/v3/exchangeInfo?symbols=${encodeURIComponent('["BTCUSDT"]')}`))
      .body as typeof info;
    expect(some.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT']);
    expect(await get('/binance/api/v3/exchangeInfo?symbol=XRPUSDT')).toMatchObject({
      status: 400,
      body: { code: -1121 },
    });

    const ticker = (await get('/binance/api/v3/ticker/24hr?symbol=BTCUSDT')).body as Record<string, unknown>;
    expect(ticker).toMatchObject({
      symbol: 'BTCUSDT',
      lastPrice: '67000.50000000',
      bidPrice: '67000.00000000',
      count: 1,
    });
    const all = (await get('/binance/api/v3/ticker/24hr')).body as Record<string, unknown>[];
    expect(all.map((t) => t.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const mini = (await get('/binance/api/v3/ticker/24hr?symbol=ETHUSDT&type=MINI')).body as Record<
      string,
      unknown
    >;
    expect(Object.keys(mini)).toEqual([
      'symbol',
      'openPrice',
      'highPrice',
      'lowPrice',
      'lastPrice',
      'volume',
      'quoteVolume',
      'openTime',
      'closeTime',
      'firstId',
      'lastId',
      'count',
    ]);
    expect(await get('/binance/api/v3/ping')).toEqual({ status: 200, body: {} });
    expect(await get('/binance/api/v3/time')).toEqual({ status: 200, body: { serverTime: T0 + 9 } });
  });

  it('formats filter steps like Binance', () => {
    expect(stepString(0)).toBe('1.00000000');
    expect(stepString(2)).toBe('0.01000000');
    expect(stepString(8)).toBe('0.00000001');
    expect(stepString(10)).toBe('0.0000000001');
  });

  it('lets a client sync a local book the documented way and end with exactly the hub book', async () => {
    const harness = await start();
    harness.hub.push(snapshotEvent(T0, baseBook(1000)));
    pushDiffs(harness, 1001, 1010);

    // 1. Open the diff stream and buffer events.
    const c = await TestClient.open(`${harness.ws}/binance/ws/btcusdt@depth@100ms`);
    pushDiffs(harness, 1011, 1025);
    await c.count(15);
    // 2. Snapshot.
    const snap = (await get('/binance/api/v3/depth?symbol=BTCUSDT&limit=5000')).body as BinanceRestDepth;
    const buffered = c.messages as BinanceDepthUpdateEvent[];
    // 3. The snapshot is not older than the first buffered event.
    expect(snap.lastUpdateId).toBeGreaterThanOrEqual(buffered[0].U);
    pushDiffs(harness, 1026, 1060);
    await c.count(50);

    // 4–5. Drop what the snapshot holds, check the first kept event overlaps, apply the rest.
    const book = new LocalBook();
    book.load(snap);
    const kept = buffered.filter((e) => e.u > snap.lastUpdateId);
    expect(kept[0].U <= snap.lastUpdateId + 1 && snap.lastUpdateId + 1 <= kept[0].u).toBe(true);
    for (const ev of kept) {
      if (ev.u < book.id) continue;
      expect(ev.U).toBeLessThanOrEqual(book.id + 1);
      book.apply(ev);
    }
    const hubBook = (await get('/binance/api/v3/depth?symbol=BTCUSDT&limit=5000')).body;
    expect(book.depth()).toEqual(hubBook);
    expect(book.id).toBe(1060);
    c.ws.terminate();
  });
});
