import { describe, expect, it } from 'vitest';
import {
  T0,
  baseBook,
  refusedUpgrade,
  snapshotEvent,
  tradeEvent,
  useHub,
  type TestClient,
} from './test-support/hub.js';

const { start: hub, client } = useHub();

/** A minute boundary (T0 is only a whole second). */
const B = Math.ceil(T0 / 60_000) * 60_000;

interface Frame {
  stream: string;
  data: unknown;
}

/** Frames received so far on `stream`, in order. */
function on(c: TestClient, stream: string): unknown[] {
  return (c.messages as Frame[]).filter((m) => m.stream === stream).map((m) => m.data);
}

describe('Binance replay endpoint: klines, rolling tickers, avgPrice and all-market arrays', () => {
  it('publishes each on the replay clock: klines open every 2 s, 1s klines and finals on close', async () => {
    const { hub: replay } = await hub();
    const streams = [
      'btcusdt@kline_1s',
      'btcusdt@kline_1m',
      'btcusdt@kline_1m@+08:00',
      'btcusdt@ticker_1h',
      'btcusdt@avgPrice',
      '!ticker@arr',
      '!miniTicker@arr',
      '!ticker_1h@arr',
    ];
    const c = await client(`/binance/stream?streams=${streams.join('/')}`);
    replay.push(snapshotEvent(B + 10, baseBook(1000)));
    replay.push(tradeEvent(B + 20, 1, '67000.50000000', '0.01000000', false));
    replay.push(tradeEvent(B + 30, 7, '3000.00000000', '1.00000000', true, 'ETHUSDT'));

    // B+1000: the 1s kline of [B, B+1000) closes; the tickers and arrays of both traded symbols.
    replay.advanceTo(B + 1000);
    await c.count(6);
    expect(on(c, 'btcusdt@kline_1s')).toEqual([
      {
        e: 'kline',
        E: B + 1000,
        s: 'BTCUSDT',
        k: {
          t: B,
          T: B + 999,
          s: 'BTCUSDT',
          i: '1s',
          f: 1,
          L: 1,
          o: '67000.50000000',
          c: '67000.50000000',
          h: '67000.50000000',
          l: '67000.50000000',
          v: '0.01000000',
          n: 1,
          x: true,
          q: '670.00500000',
          V: '0.01000000',
          Q: '670.00500000',
          B: '0',
        },
      },
    ]);
    expect(on(c, 'btcusdt@ticker_1h')).toEqual([
      {
        e: '1hTicker',
        E: B + 1000,
        s: 'BTCUSDT',
        p: '0.00000000',
        P: '0.000',
        o: '67000.50000000',
        h: '67000.50000000',
        l: '67000.50000000',
        c: '67000.50000000',
        w: '67000.50000000',
        v: '0.01000000',
        q: '670.00500000',
        O: B - 3_600_000,
        C: B + 1000,
        F: 1,
        L: 1,
        n: 1,
      },
    ]);
    expect(on(c, 'btcusdt@avgPrice')).toEqual([
      { e: 'avgPrice', E: B + 1000, s: 'BTCUSDT', i: '5m', w: '67000.50000000', T: B + 20 },
    ]);
    const tickers = on(c, '!ticker@arr') as { e: string; s: string; c: string }[][];
    expect(tickers).toHaveLength(1);
    expect(tickers[0].map((t) => [t.e, t.s, t.c])).toEqual([
      ['24hrTicker', 'BTCUSDT', '67000.50000000'],
      ['24hrTicker', 'ETHUSDT', '3000.00000000'],
    ]);
    expect((on(c, '!miniTicker@arr')[0] as { e: string; s: string }[]).map((t) => [t.e, t.s])).toEqual([
      ['24hrMiniTicker', 'BTCUSDT'],
      ['24hrMiniTicker', 'ETHUSDT'],
    ]);
    expect((on(c, '!ticker_1h@arr')[0] as { e: string; s: string }[]).map((t) => [t.e, t.s])).toEqual([
      ['1hTicker', 'BTCUSDT'],
      ['1hTicker', 'ETHUSDT'],
    ]);

    // B+2000: the first 2 s kline push (open); no symbol changed, so no array.
    replay.advanceTo(B + 2000);
    await c.count(11);
    expect(on(c, 'btcusdt@kline_1s')[1]).toMatchObject({ k: { t: B + 1000, n: 0, f: -1, L: -1, x: true } });
    const open = { t: B, T: B + 59_999, i: '1m', f: 1, L: 1, n: 1, x: false, v: '0.01000000' };
    expect(on(c, 'btcusdt@kline_1m')).toEqual([
      { e: 'kline', E: B + 2000, s: 'BTCUSDT', k: expect.objectContaining(open) },
    ]);
    expect(on(c, 'btcusdt@kline_1m@+08:00')).toEqual(on(c, 'btcusdt@kline_1m'));
    expect(on(c, '!ticker@arr')).toHaveLength(1);

    // Jump to the minute's end: the final 1m klines (x: true) with both BTC trades; arrays of BTC only.
    replay.push(tradeEvent(B + 2500, 2, '67001.00000000', '0.02000000', true));
    replay.advanceTo(B + 60_000);
    await c.count(19);
    expect(on(c, 'btcusdt@kline_1m')[1]).toEqual({
      e: 'kline',
      E: B + 60_000,
      s: 'BTCUSDT',
      k: expect.objectContaining({
        ...open,
        L: 2,
        n: 2,
        x: true,
        c: '67001.00000000',
        v: '0.03000000',
        V: '0.01000000',
      }),
    });
    expect(on(c, 'btcusdt@kline_1m@+08:00')[1]).toEqual(on(c, 'btcusdt@kline_1m')[1]);
    expect((on(c, '!ticker@arr')[1] as { s: string; n: number }[]).map((t) => [t.s, t.n])).toEqual([
      ['BTCUSDT', 2],
    ]);
    expect((on(c, '!miniTicker@arr')[1] as { s: string }[]).map((t) => t.s)).toEqual(['BTCUSDT']);
    expect((on(c, '!ticker_1h@arr')[1] as { s: string }[]).map((t) => t.s)).toEqual(['BTCUSDT']);
    expect(c.messages).toHaveLength(19);
  });
});

describe('Binance replay endpoint: streams it cannot serve are refused, never left silent', () => {
  const cases: [stream: string, why: string][] = [
    ['btcusdt@referencePrice', "reference prices are computed by Binance's matching engine"],
    ['btcusdt@blockTrade', 'block trades are not in the recordings'],
    ['!bookTicker', 'Binance removed the All Book Tickers stream in December 2022'],
    ['solusdt@trade', 'the replay has no symbol SOLUSDT (it replays BTCUSDT, ETHUSDT)'],
    ['BTCUSDT@kline_1m', 'stream symbols are lowercase: use `btcusdt@kline_1m`'],
  ];

  it('answers SUBSCRIBE with error 2 naming the stream and why; nothing of that request is subscribed', async () => {
    await hub();
    const c = await client('/binance/ws');
    let id = 1;
    for (const [stream, why] of cases) {
      const reply = (await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade', stream], id })) as {
        error: { code: number; msg: string };
        id: number;
      };
      expect(reply.id).toBe(id++);
      expect(reply.error.code).toBe(2);
      expect(reply.error.msg).toContain(`Invalid request: stream \`${stream}\` is not available: ${why}`);
    }
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 99 })).toEqual({ result: [], id: 99 });
  });

  it('refuses the same names in /ws/<stream> and /stream?streams= with HTTP 400', async () => {
    const h = await hub();
    for (const [stream, why] of cases) {
      const path = `/binance/ws/${stream}`;
      expect(await refusedUpgrade(`${h.ws}${path}`)).toEqual({
        status: 400,
        body: { error: expect.stringContaining(`stream ${stream} is not available: ${why}`), path },
      });
      expect(await refusedUpgrade(`${h.ws}/binance/stream?streams=btcusdt@trade/${stream}`)).toMatchObject({
        status: 400,
        body: { error: expect.stringContaining(`stream ${stream} is not available: ${why}`) },
      });
    }
  });

  it('serves a symbol first seen in an event when none was declared', async () => {
    const { hub: replay } = await hub({ symbols: [] });
    const c = await client('/binance/ws');
    expect(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 1 })).toMatchObject({
      error: {
        msg: expect.stringContaining('the replay has no symbol BTCUSDT (it has replayed no symbol yet)'),
      },
    });
    replay.push(tradeEvent(T0, 1, '67000.00000000', '1.00000000'));
    expect(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 2 })).toEqual({
      result: null,
      id: 2,
    });
  });
});
