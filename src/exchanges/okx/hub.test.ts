/**
 * The OKX v5 services on a real hub: acks (with and without `id`, `connId` on every event),
 * public vs business routing, the late-join snapshot, and the fields and types of books5,
 * bbo-tbt, trades, tickers and candle1m pushes (every number a string; checksum / seqId numbers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  OkxTestClient,
  okxBookEvent,
  okxTradeEvent,
  startOkxHub,
  type RunningOkxHub,
} from './test-support/hub.js';
import type { OkxLevel } from './wire.js';

let hub: RunningOkxHub;
afterEach(async () => hub.close());

const T0 = Date.UTC(2024, 4, 13, 23, 58, 30); // 07:58:30 UTC+8 on the 14th
const BIDS: OkxLevel[] = [
  ['30228.6', '0.23393', '0', '3'],
  ['30228.5', '1.2', '0', '1'],
];
const ASKS: OkxLevel[] = [
  ['30228.7', '1.55896972', '0', '4'],
  ['30229', '0.5', '0', '2'],
];

function allStrings(values: readonly unknown[]): boolean {
  return values.every((v) => typeof v === 'string');
}

describe('OKX hub WebSocket', () => {
  it('acks each arg in order, echoing id only when given, with one 8-hex connId', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.publicUrl);
    c.send({
      id: 'abc123',
      op: 'subscribe',
      args: [
        { channel: 'trades', instId: 'BTC-USDT' },
        { channel: 'tickers', instId: 'ETH-USDT' },
      ],
    });
    const a1 = await c.next();
    const a2 = await c.next();
    expect(a1).toEqual({
      id: 'abc123',
      event: 'subscribe',
      arg: { channel: 'trades', instId: 'BTC-USDT' },
      connId: a1.connId,
    });
    expect(a2).toMatchObject({
      id: 'abc123',
      event: 'subscribe',
      arg: { channel: 'tickers', instId: 'ETH-USDT' },
    });
    expect(a1.connId).toMatch(/^[0-9a-f]{8}$/);
    expect(a2.connId).toBe(a1.connId);
    c.send({ op: 'unsubscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }] });
    const u = await c.next();
    expect(u).toEqual({
      event: 'unsubscribe',
      arg: { channel: 'trades', instId: 'BTC-USDT' },
      connId: a1.connId,
    });
    hub.push(okxTradeEvent('BTC-USDT', 1, T0, '30236', '0.0002'));
    expect(await c.barrier()).toEqual([]);
    const other = await OkxTestClient.connect(hub.publicUrl);
    other.send({ op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }] });
    expect((await other.next()).connId).not.toBe(a1.connId);
  });

  it('serves candle1m on business only and the book channels on public only', async () => {
    hub = await startOkxHub();
    const pub = await OkxTestClient.connect(hub.publicUrl);
    pub.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT' }] });
    expect(await pub.next()).toMatchObject({ event: 'error', code: '60018' });
    const biz = await OkxTestClient.connect(hub.businessUrl);
    biz.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    expect(await biz.next()).toMatchObject({ event: 'error', code: '60018' });
    biz.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT' }] });
    expect(await biz.next()).toMatchObject({ event: 'subscribe', arg: { channel: 'candle1m' } });
  });

  it('answers other paths with 404 and a plain HTTP request on a service path with 426', async () => {
    hub = await startOkxHub();
    await expect(OkxTestClient.connect(`${hub.wsBase}/ws/v5/private`)).rejects.toThrow(/404/);
    const res = await fetch(`${hub.restBase}/ws/v5/public`);
    expect(res.status).toBe(426);
  });

  it('gives a late subscriber the current books5, bbo-tbt and ticker first, then pushes on change', async () => {
    hub = await startOkxHub();
    hub.push(okxBookEvent('BTC-USDT', T0, 'book_snapshot', BIDS, ASKS));
    hub.push(okxTradeEvent('BTC-USDT', 10, T0 + 1, '30236', '0.0002'));
    const c = await OkxTestClient.connect(hub.publicUrl);
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'books5', instId: 'BTC-USDT' },
        { channel: 'bbo-tbt', instId: 'BTC-USDT' },
        { channel: 'tickers', instId: 'BTC-USDT' },
      ],
    });
    const frames = await c.barrier();
    expect(frames.map((f) => f.event ?? (f.arg as { channel: string }).channel)).toEqual([
      'subscribe',
      'books5',
      'subscribe',
      'bbo-tbt',
      'subscribe',
      'tickers',
    ]);
    expect(frames[1]).toEqual({
      arg: { channel: 'books5', instId: 'BTC-USDT' },
      data: [{ asks: ASKS, bids: BIDS, instId: 'BTC-USDT', ts: String(T0), seqId: 1 }],
    });
    expect(frames[3]).toMatchObject({ data: [{ asks: [ASKS[0]], bids: [BIDS[0]], seqId: 1 }] });
    // A change below the top level: books5 moves, bbo-tbt and tickers do not.
    hub.push(okxBookEvent('BTC-USDT', T0 + 2, 'book_update', [['30228.5', '0', '0', '0']], []));
    let pushed = await c.barrier();
    expect(pushed.map((f) => (f.arg as { channel: string }).channel)).toEqual(['books5']);
    expect((pushed[0].data as Array<{ bids: OkxLevel[] }>)[0].bids).toEqual([BIDS[0]]);
    // A new best ask: all three.
    hub.push(okxBookEvent('BTC-USDT', T0 + 3, 'book_update', [], [['30228.65', '2', '0', '1']]));
    pushed = await c.barrier();
    expect(pushed.map((f) => (f.arg as { channel: string }).channel)).toEqual([
      'books5',
      'bbo-tbt',
      'tickers',
    ]);
    expect(pushed[2]).toMatchObject({ data: [{ askPx: '30228.65', askSz: '2', bidPx: '30228.6' }] });
  });

  it('pushes one trades item per trade and a ticker from the 24 h window and the day opens', async () => {
    hub = await startOkxHub();
    hub.push(okxBookEvent('BTC-USDT', T0, 'book_snapshot', BIDS, ASKS));
    hub.push(okxTradeEvent('BTC-USDT', 1, T0 - 86_400_000, '1', '5')); // falls out of the 24 h window
    const c = await OkxTestClient.connect(hub.publicUrl);
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'trades', instId: 'BTC-USDT' },
        { channel: 'tickers', instId: 'BTC-USDT' },
      ],
    });
    await c.barrier();
    hub.push(okxTradeEvent('BTC-USDT', 2, T0 + 10, '30000', '0.5', 'sell'));
    hub.push(okxTradeEvent('BTC-USDT', 3, T0 + 90_000, '30100.5', '0.25')); // 00:00:00 UTC next day
    hub.push(okxTradeEvent('BTC-USDT', 3, T0 + 90_001, '1', '1')); // a repeated id: ignored
    const frames = await c.barrier();
    // One flush frames each channel's pushes together: order holds within a channel.
    const trades = frames.filter((f) => (f.arg as { channel: string }).channel === 'trades');
    const tickers = frames.filter((f) => (f.arg as { channel: string }).channel === 'tickers');
    expect([trades.length, tickers.length, frames.length]).toEqual([2, 2, 4]);
    expect(trades[0]).toEqual({
      arg: { channel: 'trades', instId: 'BTC-USDT' },
      data: [
        {
          instId: 'BTC-USDT',
          tradeId: '2',
          px: '30000',
          sz: '0.5',
          side: 'sell',
          ts: String(T0 + 10),
          count: '1',
        },
      ],
    });
    const ticker = (tickers[1].data as Array<Record<string, unknown>>)[0];
    expect(ticker).toEqual({
      instType: 'SPOT',
      instId: 'BTC-USDT',
      last: '30100.5',
      lastSz: '0.25',
      askPx: '30228.7',
      askSz: '1.55896972',
      bidPx: '30228.6',
      bidSz: '0.23393',
      open24h: '30000',
      high24h: '30100.5',
      low24h: '30000',
      volCcy24h: '22525.125',
      vol24h: '0.75',
      sodUtc0: '30100.5',
      sodUtc8: '30000',
      ts: String(T0 + 90_000),
    });
    expect(allStrings(Object.values(ticker))).toBe(true);
  });

  it('pushes the open candle1m on each trade and the closed one at the minute boundary', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.businessUrl);
    c.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'ETH-USDT' }] });
    await c.barrier();
    const minute = Math.floor(T0 / 60_000) * 60_000;
    hub.push(okxTradeEvent('ETH-USDT', 1, minute + 1_000, '2000.5', '1'));
    hub.push(okxTradeEvent('ETH-USDT', 2, minute + 2_000, '2001', '2'));
    hub.hub.advanceTo(minute + 60_000);
    const frames = await c.barrier();
    const candles = frames.map((f) => (f.data as string[][])[0]);
    expect(candles).toEqual([
      [String(minute), '2000.5', '2000.5', '2000.5', '2000.5', '1', '2000.5', '2000.5', '0'],
      [String(minute), '2000.5', '2001', '2000.5', '2001', '3', '6002.5', '6002.5', '0'],
      [String(minute), '2000.5', '2001', '2000.5', '2001', '3', '6002.5', '6002.5', '1'],
    ]);
    expect(frames[0].arg).toEqual({ channel: 'candle1m', instId: 'ETH-USDT' });
  });

  it('skips events it cannot apply, counting them in /health, and publishes nothing for them', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.publicUrl);
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'books', instId: 'BTC-USDT' },
        { channel: 'trades', instId: 'BTC-USDT' },
      ],
    });
    await c.barrier();
    hub.push(okxBookEvent('BTC-USDT', T0, 'book_update', BIDS, [])); // before any snapshot
    hub.push(okxTradeEvent('DOGE-USDT', 1, T0, '0.1', '1')); // not an instrument of the hub
    hub.push(okxTradeEvent('BTC-USDT', 2, T0, 'abc', '1')); // not a decimal
    hub.push(okxBookEvent('BTC-USDT', T0, 'book_snapshot', [['-1', '1', '0', '1']], []));
    // Valid events on channels nobody subscribed: nothing is built or published.
    hub.push(okxTradeEvent('ETH-USDT', 1, T0, '2000', '1'));
    hub.push(okxBookEvent('ETH-USDT', T0, 'book_snapshot', [['1999', '1', '0', '1']], []));
    expect(await c.barrier()).toEqual([]);
    const health = (await (await fetch(`${hub.restBase.replace('/okx', '')}/health`)).json()) as {
      venues: Array<{ exchange: string; counters: Record<string, number> }>;
    };
    const okx = health.venues.find((v) => v.exchange === 'okx');
    expect(okx?.counters).toMatchObject({ events: 6, badEvents: 4, framesPublished: 0, errors: 0 });
  });
});
