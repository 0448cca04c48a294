import { describe, expect, it } from 'vitest';
import { tradeEventToAggTrade } from './trade-dedup.js';
import {
  T0,
  baseBook,
  sleep,
  snapshotEvent,
  tradeData,
  tradeEvent,
  updateEvent,
  useHub,
} from './test-support/hub.js';
import type { BinanceLevel } from './wire.js';

const { start: hub, client } = useHub();

describe('Binance replay endpoint: streams and envelopes', () => {
  it('sends bare events on /ws/<stream>, {stream,data} on /stream, and SUBSCRIBE adds streams on /ws', async () => {
    const { hub: replay } = await hub();
    replay.push(snapshotEvent(T0, baseBook(1000)));
    const raw = await client('/binance/ws/btcusdt@trade');
    const combined = await client(
      '/binance/stream?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@depth@100ms',
    );
    const bare = await client('/binance/ws');
    expect(await bare.request({ method: 'SUBSCRIBE', params: ['btcusdt@depth'], id: 1 })).toEqual({
      result: null,
      id: 1,
    });

    const trade = tradeData(T0 + 10, 5001, '67000.50000000', '0.01200000', false);
    replay.push(tradeEvent(T0 + 10, 5001, '67000.50000000', '0.01200000', false));
    const update = updateEvent(
      T0 + 20,
      1001,
      1003,
      [['67000.00000000', '0.50000000']],
      [['67001.00000000', '0.00000000']],
    );
    replay.push(update);

    expect(await raw.count(1)).toEqual([trade]);
    expect(await combined.count(3)).toEqual([
      { stream: 'btcusdt@trade', data: trade },
      { stream: 'btcusdt@aggTrade', data: tradeEventToAggTrade(trade) },
      { stream: 'btcusdt@depth@100ms', data: update.data },
    ]);
    expect(await bare.count(2)).toEqual([{ result: null, id: 1 }, update.data]);
    await sleep(30);
    expect(raw.messages).toHaveLength(1);
  });

  it('switches envelopes with SET_PROPERTY and stops after UNSUBSCRIBE', async () => {
    const { hub: replay } = await hub();
    const c = await client('/binance/ws/btcusdt@trade');
    replay.push(tradeEvent(T0, 1, '67000.00000000', '1.00000000'));
    await c.count(1);
    expect(await c.request({ method: 'SET_PROPERTY', params: ['combined', true], id: 2 })).toEqual({
      result: null,
      id: 2,
    });
    replay.push(tradeEvent(T0 + 1, 2, '67000.00000000', '1.00000000'));
    await c.count(3);
    expect(c.messages[2]).toEqual({
      stream: 'btcusdt@trade',
      data: tradeData(T0 + 1, 2, '67000.00000000', '1.00000000'),
    });
    expect(await c.request({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 3 })).toEqual({
      result: null,
      id: 3,
    });
    replay.push(tradeEvent(T0 + 2, 3, '67000.00000000', '1.00000000'));
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 4 })).toEqual({ result: [], id: 4 });
    expect(c.messages).toHaveLength(5);
  });

  it('sends bookTicker only when the top of book changes', async () => {
    const { hub: replay } = await hub();
    replay.push(snapshotEvent(T0, baseBook(1000)));
    const c = await client('/binance/ws/btcusdt@bookTicker');
    // Deep level only: top unchanged.
    replay.push(updateEvent(T0 + 1, 1001, 1001, [['66996.00000000', '3.00000000']], []));
    // Best bid quantity changes.
    replay.push(updateEvent(T0 + 2, 1002, 1002, [['67000.00000000', '0.70000000']], []));
    // Best ask removed: new best ask.
    replay.push(updateEvent(T0 + 3, 1003, 1004, [], [['67000.50000000', '0.00000000']]));
    expect(await c.count(2)).toEqual([
      { u: 1002, s: 'BTCUSDT', b: '67000.00000000', B: '0.70000000', a: '67000.50000000', A: '0.20000000' },
      { u: 1004, s: 'BTCUSDT', b: '67000.00000000', B: '0.70000000', a: '67001.00000000', A: '0.21000000' },
    ]);
    await sleep(30);
    expect(c.messages).toHaveLength(2);
  });

  it('emits partial depth and tickers at replay-time boundaries, before the event that reaches them', async () => {
    const { hub: replay } = await hub();
    const c = await client(
      '/binance/stream?streams=btcusdt@depth5@100ms/btcusdt@depth5/btcusdt@ticker/btcusdt@miniTicker/btcusdt@trade',
    );
    const start = T0 + 10; // T0 is a whole second
    replay.push(snapshotEvent(start, baseBook(1000)));
    replay.push(tradeEvent(start + 5, 1, '67000.50000000', '0.01000000'));
    replay.push(updateEvent(start + 40, 1001, 1001, [['67000.00000000', '9.00000000']], []));
    // Crosses T0+100: depth5@100ms with the book as of before this event (u=1001).
    replay.push(updateEvent(start + 95, 1002, 1002, [['67000.00000000', '8.00000000']], []));
    // Crosses T0+1000 (and the 100 ms boundaries in between, collapsed into T0+1000).
    replay.push(tradeEvent(T0 + 1020, 2, '67002.00000000', '0.02000000'));

    const msgs = (await c.count(7)) as { stream: string; data: Record<string, unknown> }[];
    // Each stream keeps its own order; a turn's frames are batched per stream, so streams may interleave.
    const on = (stream: string): Record<string, unknown>[] =>
      msgs.filter((m) => m.stream === stream).map((m) => m.data);
    expect(msgs.map((m) => m.stream).sort()).toEqual(
      [
        'btcusdt@trade',
        'btcusdt@depth5@100ms',
        'btcusdt@depth5',
        'btcusdt@ticker',
        'btcusdt@miniTicker',
        'btcusdt@depth5@100ms',
        'btcusdt@trade',
      ].sort(),
    );
    const [first, second] = on('btcusdt@depth5@100ms') as {
      lastUpdateId: number;
      bids: BinanceLevel[];
      asks: BinanceLevel[];
    }[];
    expect(first.lastUpdateId).toBe(1001);
    expect(first.bids[0]).toEqual(['67000.00000000', '9.00000000']);
    expect(first.bids).toHaveLength(5);
    expect(first.asks).toEqual(baseBook().asks.slice(0, 5));
    expect(Object.keys(first)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(second).toMatchObject({ lastUpdateId: 1002 });
    expect(on('btcusdt@depth5')).toMatchObject([{ lastUpdateId: 1002 }]);
    // The 1 s boundary is emitted before the trade that reached it: the ticker holds trade 1 only.
    expect(on('btcusdt@ticker')).toMatchObject([
      { e: '24hrTicker', E: T0 + 1000, s: 'BTCUSDT', c: '67000.50000000', n: 1 },
    ]);
    expect(on('btcusdt@miniTicker')).toMatchObject([
      { e: '24hrMiniTicker', E: T0 + 1000, s: 'BTCUSDT', c: '67000.50000000' },
    ]);
    expect(on('btcusdt@trade')).toMatchObject([{ t: 1 }, { t: 2 }]);

    // advanceTo drives boundaries without events.
    replay.advanceTo(T0 + 2000);
    await c.count(11);
    expect(
      msgs
        .slice(7)
        .map((m) => m.stream)
        .sort(),
    ).toEqual(['btcusdt@depth5', 'btcusdt@depth5@100ms', 'btcusdt@miniTicker', 'btcusdt@ticker']);
    expect(msgs.slice(7).find((m) => m.stream === 'btcusdt@ticker')?.data).toMatchObject({
      E: T0 + 2000,
      c: '67002.00000000',
      n: 2,
    });
  });
});
