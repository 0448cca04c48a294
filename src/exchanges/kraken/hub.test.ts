import { afterEach, describe, expect, it } from 'vitest';
import { bookEvent, tradeEvent } from './test-support/events.js';
import { KrakenTestClient, startKrakenHub, type RunningKrakenHub } from './test-support/hub.js';
import { formatKrakenTime } from './wire-format.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const t = (ms: number): string => formatKrakenTime(ms);

const running: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function hub(opts: Parameters<typeof startKrakenHub>[0] = {}): Promise<RunningKrakenHub> {
  const h = await startKrakenHub(opts);
  running.push(h);
  return h;
}

async function client(h: RunningKrakenHub): Promise<KrakenTestClient> {
  const c = await KrakenTestClient.connect(h.wsUrl);
  running.push(c);
  await c.next(); // status
  return c;
}

const BTC_BOOK = bookEvent(
  'BTC/USD',
  T0,
  'book_snapshot',
  [
    ['93999.90000', '1.500'],
    ['93999.00000', '2.000'],
  ],
  [
    ['94000.20000', '0.750'],
    ['94001.00000', '3.000'],
  ],
);

describe('Kraken v2 hub: connection', () => {
  it('opens with the status frame and answers ping with pong at replay time', async () => {
    const h = await hub();
    const c = await KrakenTestClient.connect(h.wsUrl);
    running.push(c);
    expect(await c.nextText()).toMatch(
      /^\{"channel":"status","type":"update","data":\[\{"version":"2\.0\.10","system":"online","api_version":"v2","connection_id":\d{1,20},"upcoming_maintenance":\[\],"emergency":\[\]\}\]\}$/,
    );
    h.push(tradeEvent('BTC/USD', 1, T0 + 250.5, '94000.10000', '0.01000000'));
    c.send({ method: 'ping', req_id: 7 });
    expect(await c.nextText()).toBe(
      `{"method":"pong","req_id":7,"time_in":"${t(T0 + 250)}","time_out":"${t(T0 + 250)}"}`,
    );
    const [venue] = h.hub.health().venues;
    expect(venue).toMatchObject({
      exchange: 'kraken',
      prefix: '/kraken',
      symbols: ['BTC/USD', 'ETH/USD'],
      consumers: 1,
      replayTime: T0 + 250,
      counters: { events: 1, requests: 1, connectionsOpened: 1 },
    });
  });

  it('sends a heartbeat a second (tick) while quiet, but only once something is subscribed', async () => {
    const h = await hub({ rules: { tickMs: 100 } });
    const c = await client(h);
    await new Promise((r) => setTimeout(r, 450));
    expect(c.frames.filter((f) => f === '{"channel":"heartbeat"}')).toEqual([]);
    c.send({ method: 'subscribe', params: { channel: 'trade', symbol: ['BTC/USD'], snapshot: false } });
    await c.next();
    await new Promise((r) => setTimeout(r, 450));
    expect(c.frames.filter((f) => f === '{"channel":"heartbeat"}').length).toBeGreaterThanOrEqual(2);
    // While trades flow, no heartbeat.
    const before = c.frames.length;
    for (let i = 0; i < 20; i++) {
      h.push(tradeEvent('BTC/USD', 10 + i, T0 + i, '94000.10000', '0.01000000'));
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(c.frames.slice(before).filter((f) => f === '{"channel":"heartbeat"}').length).toBeLessThanOrEqual(
      1,
    );
  });
});

describe('Kraken v2 hub: trade', () => {
  it('acks each symbol, refuses unknown ones, sends the last 50 trades then every new one', async () => {
    const h = await hub();
    for (let id = 1; id <= 60; id++)
      h.push(tradeEvent('BTC/USD', id, T0 + id * 10, '94000.10000', '0.01000000'));
    const c = await client(h);
    c.send({
      method: 'subscribe',
      params: { channel: 'trade', symbol: ['BTC/USD', 'XBT/USD', 'BTCUSD'] },
      req_id: 3,
    });
    const at = t(T0 + 600);
    expect(await c.nextText()).toBe(
      `{"method":"subscribe","req_id":3,"result":{"channel":"trade","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"${at}","time_out":"${at}"}`,
    );
    const snapshot = await c.next();
    expect(snapshot).toMatchObject({ channel: 'trade', type: 'snapshot' });
    const rows = snapshot.data as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.trade_id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(await c.nextText()).toBe(
      `{"error":"Currency pair not supported XBT/USD","method":"subscribe","req_id":3,"success":false,"symbol":"XBT/USD","time_in":"${at}","time_out":"${at}"}`,
    );
    expect((await c.next()).error).toBe('Currency pair not in ISO 4217-A3 format BTCUSD');
    h.push(tradeEvent('BTC/USD', 61, T0 + 700.25, '94001.00000', '0.50000000', 'sell'));
    expect(await c.nextText()).toBe(
      `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":94001.0,"qty":0.50000000,"ord_type":"limit","trade_id":61,"timestamp":"${t(T0 + 700.25)}"}]}`,
    );
  });

  it('unsubscribes with an ack, then sends nothing more; refuses a repeated (un)subscribe', async () => {
    const h = await hub();
    const c = await client(h);
    const sub = { channel: 'trade', symbol: ['ETH/USD'], snapshot: false };
    c.send({ method: 'subscribe', params: sub, req_id: 1 });
    expect(await c.next()).toMatchObject({ success: true, result: { snapshot: false } });
    c.send({ method: 'subscribe', params: sub, req_id: 2 });
    expect(await c.next()).toMatchObject({ success: false, error: 'Already subscribed', symbol: 'ETH/USD' });
    c.send({ method: 'unsubscribe', params: sub, req_id: 3 });
    const ack = await c.next();
    expect(ack).toMatchObject({ method: 'unsubscribe', success: true, req_id: 3 });
    expect(ack.result).toEqual({ channel: 'trade', symbol: 'ETH/USD' });
    h.push(tradeEvent('ETH/USD', 1, T0, '3000.10000', '1.00000000'));
    expect(await c.barrier()).toEqual([]);
    c.send({ method: 'unsubscribe', params: sub, req_id: 4 });
    expect(await c.next()).toMatchObject({ success: false, error: 'Subscription Not Found', req_id: 4 });
  });
});

describe('Kraken v2 hub: ticker', () => {
  it('pushes 24 h figures on every trade (trades) and on a top-of-book change only (bbo)', async () => {
    const h = await hub();
    h.push(BTC_BOOK);
    const trades = await client(h);
    const bbo = await client(h);
    trades.send({ method: 'subscribe', params: { channel: 'ticker', symbol: ['BTC/USD'] } });
    bbo.send({
      method: 'subscribe',
      params: { channel: 'ticker', symbol: ['BTC/USD'], event_trigger: 'bbo' },
    });
    expect((await trades.next()).result).toEqual({
      channel: 'ticker',
      event_trigger: 'trades',
      snapshot: true,
      symbol: 'BTC/USD',
    });
    expect((await bbo.next()).result).toMatchObject({ event_trigger: 'bbo' });
    // No trade yet: no ticker to show, so no snapshot.
    expect(await trades.barrier()).toEqual([]);
    h.push(
      tradeEvent('BTC/USD', 1, T0 + 1000, '94000.10000', '0.01000000'),
      tradeEvent('BTC/USD', 2, T0 + 2000, '94001.00000', '0.02000000'),
      tradeEvent('BTC/USD', 3, T0 + 3000, '93999.50000', '0.03000000', 'sell'),
    );
    const updates = await trades.barrier();
    expect(updates).toHaveLength(3);
    expect(updates[2]).toBe(
      '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":93999.9,"bid_qty":1.50000000,' +
        '"ask":94000.2,"ask_qty":0.75000000,"last":93999.5,"volume":0.06000000,"vwap":94000.1,"low":93999.5,' +
        `"high":94001.0,"change":-0.6,"change_pct":0.00,"trades":3,"timestamp":"${t(T0 + 3000)}"}]}`,
    );
    expect(await bbo.barrier()).toEqual([]);
    // A change below the top: no bbo ticker; a new best bid: one.
    h.push(bookEvent('BTC/USD', T0 + 4000, 'book_update', [['93999.00000', '5.000']], []));
    expect(await bbo.barrier()).toEqual([]);
    h.push(bookEvent('BTC/USD', T0 + 5000, 'book_update', [['94000.00000', '0.100']], []));
    const [tick] = await bbo.barrier();
    expect(JSON.parse(tick)).toMatchObject({
      type: 'update',
      data: [{ bid: 94000.0, bid_qty: 0.1, ask: 94000.2, last: 93999.5, trades: 3 }],
    });
    expect(await trades.barrier()).toEqual([]);
    // A new subscriber gets the current ticker as its snapshot.
    const late = await client(h);
    late.send({ method: 'subscribe', params: { channel: 'ticker', symbol: ['BTC/USD'] } });
    await late.next();
    expect(await late.next()).toMatchObject({ type: 'snapshot', data: [{ bid: 94000.0, last: 93999.5 }] });
  });
});

describe('Kraken v2 hub: ohlc', () => {
  it('sends the recent candles oldest first, then the open candle on every trade', async () => {
    const h = await hub();
    h.push(
      tradeEvent('BTC/USD', 1, T0 + 10_000, '94000.10000', '0.01000000'),
      tradeEvent('BTC/USD', 2, T0 + 70_000, '94002.00000', '0.03000000'),
      tradeEvent('BTC/USD', 3, T0 + 80_000, '94001.00000', '0.01000000'),
    );
    const c = await client(h);
    c.send({ method: 'subscribe', params: { channel: 'ohlc', symbol: ['BTC/USD'], interval: 1 }, req_id: 9 });
    expect((await c.next()).result).toEqual({
      channel: 'ohlc',
      interval: 1,
      snapshot: true,
      symbol: 'BTC/USD',
      warnings: ['timestamp is deprecated, use interval_begin'],
    });
    const begin = (ms: number): string => formatKrakenTime(ms, 9);
    expect(await c.nextText()).toBe(
      `{"channel":"ohlc","type":"snapshot","timestamp":"${begin(T0 + 80_000)}","data":[` +
        `{"symbol":"BTC/USD","open":94000.1,"high":94000.1,"low":94000.1,"close":94000.1,"trades":1,"volume":0.01000000,` +
        `"vwap":94000.1,"interval_begin":"${begin(T0)}","interval":1,"timestamp":"${t(T0 + 60_000)}"},` +
        `{"symbol":"BTC/USD","open":94002.0,"high":94002.0,"low":94001.0,"close":94001.0,"trades":2,"volume":0.04000000,` +
        `"vwap":94001.8,"interval_begin":"${begin(T0 + 60_000)}","interval":1,"timestamp":"${t(T0 + 120_000)}"}]}`,
    );
    h.push(tradeEvent('BTC/USD', 4, T0 + 125_000, '93990.00000', '0.10000000'));
    const update = await c.next();
    expect(update).toMatchObject({
      type: 'update',
      data: [{ open: 93990, close: 93990, trades: 1, interval_begin: begin(T0 + 120_000), interval: 1 }],
    });
  });

  it('keeps candles of every interval on boundaries since the epoch', async () => {
    const h = await hub();
    h.push(
      tradeEvent('BTC/USD', 1, T0 + 4 * 60_000, '94000.10000', '0.01000000'),
      tradeEvent('BTC/USD', 2, T0 + 6 * 60_000, '94010.00000', '0.01000000'),
    );
    const c = await client(h);
    c.send({ method: 'subscribe', params: { channel: 'ohlc', symbol: ['BTC/USD'], interval: 5 } });
    await c.next();
    const snap = await c.next();
    expect(
      (snap.data as Array<{ interval_begin: string; interval: number }>).map((d) => d.interval_begin),
    ).toEqual([formatKrakenTime(T0, 9), formatKrakenTime(T0 + 5 * 60_000, 9)]);
  });
});
