import { describe, expect, it } from 'vitest';
import { T0, refusedUpgrade as refused, sleep, tradeEvent, useHub } from './test-support/hub.js';

const { start, stop, client } = useHub();

describe('Binance replay endpoint: connection rules', () => {
  it('closes with 1008 "Too many requests" past 5 incoming messages per second', async () => {
    let now = T0;
    const h = await start({ maxIncomingPerSecond: 5, now: () => now });
    const c = await client('/binance/ws');
    for (let i = 1; i <= 5; i++)
      expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: i })).toEqual({ result: [], id: i });
    now += 1000; // a new second: 5 more are fine
    for (let i = 6; i <= 10; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await c.count(10);
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 11 });
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many requests' });
    expect(c.messages).toHaveLength(10);
    expect(h.venue.counters().rateLimitCloses).toBe(1);
  });

  it('counts client PINGs toward the message limit', async () => {
    await start({ maxIncomingPerSecond: 5, now: () => T0 });
    const c = await client('/binance/ws');
    for (let i = 0; i < 6; i++) c.ws.ping();
    expect((await c.closed).code).toBe(1008);
  });

  it('pings with a payload and cuts a consumer that does not pong in time', async () => {
    const h = await start({ pingIntervalMs: 40, pongTimeoutMs: 250 });
    const alive = await client('/binance/ws');
    const pings: Buffer[] = [];
    alive.ws.on('ping', (data: Buffer) => pings.push(data));
    const dead = await client('/binance/ws', { autoPong: false });
    // Unsolicited pongs that do not echo a ping do not keep a connection alive.
    const liar = await client('/binance/ws', { autoPong: false });
    const lie = setInterval(() => liar.ws.pong('hello'), 20);
    const started = Date.now();
    const [deadClose, liarClose] = await Promise.all([dead.closed, liar.closed]);
    clearInterval(lie);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(deadClose.code).toBe(1006);
    expect(liarClose.code).toBe(1006);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    expect(pings[0].length).toBeGreaterThan(0);
    await sleep(300);
    expect(alive.isOpen).toBe(true);
    expect(h.venue.counters().pongTimeouts).toBe(2);
  });

  it('refuses unknown paths with 404 JSON and malformed stream names with 400 JSON', async () => {
    const h = await start();
    expect(await refused(`${h.ws}/binance/wss`)).toEqual({
      status: 404,
      body: { error: 'no Binance stream endpoint at /binance/wss', path: '/binance/wss' },
    });
    expect(await refused(`${h.ws}/binance/ws/btcusdt@trades`)).toMatchObject({
      status: 400,
      body: { error: 'invalid stream name btcusdt@trades' },
    });
    expect(await refused(`${h.ws}/binance/stream?streams=btcusdt@trade/nope`)).toMatchObject({ status: 400 });
    expect(await refused(`${h.ws}/kraken/v2`)).toEqual({
      status: 404,
      body: { error: 'no replay endpoint at /kraken/v2', path: '/kraken/v2', prefixes: ['/binance'] },
    });
    const plain = await fetch(`${h.http}/binance/ws`);
    expect(plain.status).toBe(426);
    expect(h.venue.counters().upgradesRejected).toBe(3);
  });

  it('opens /ws/<segment that is not a stream name> with no stream, then SUBSCRIBE works', async () => {
    const { hub } = await start();
    const c = await client('/binance/ws/0');
    const listenKey = await client('/binance/ws/pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va6');
    const mixed = await client('/binance/ws/1/btcusdt@trade/%zz');
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 })).toEqual({ result: [], id: 1 });
    expect(await listenKey.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 })).toEqual({ result: [], id: 1 });
    expect(await mixed.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 })).toEqual({
      result: ['btcusdt@trade'],
      id: 1,
    });
    expect(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 2 })).toEqual({
      result: null,
      id: 2,
    });
    hub.push(tradeEvent(T0, 7, '67000.00000000', '0.50000000'));
    expect((await c.count(3))[2]).toMatchObject({ e: 'trade', s: 'BTCUSDT', t: 7 });
  });

  it('accepts several streams in a raw path and kline names with +', async () => {
    await start();
    const c = await client('/binance/ws/btcusdt@trade/ethusdt@trade');
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 })).toEqual({
      result: ['btcusdt@trade', 'ethusdt@trade'],
      id: 1,
    });
    const k = await client('/binance/stream?streams=btcusdt@kline_1m@+08:00');
    expect(await k.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 })).toEqual({
      result: ['btcusdt@kline_1m@+08:00'],
      id: 1,
    });
  });

  it('sends serverShutdown then closes every consumer quickly on close()', async () => {
    const harness = await start();
    harness.hub.push(tradeEvent(T0, 1, '67000.00000000', '0.10000000'));
    const raw = await client('/binance/ws');
    const combined = await client('/binance/stream');
    const started = Date.now();
    await stop();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await raw.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await combined.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(raw.messages).toEqual([{ e: 'serverShutdown', E: T0 }]);
    expect(combined.messages).toEqual([{ stream: '!serverShutdown', data: { e: 'serverShutdown', E: T0 } }]);
  });

  it('ends a connection at the end of its lifetime with serverShutdown', async () => {
    await start({ maxLifetimeMs: 100, pongTimeoutMs: 400 });
    const c = await client('/binance/ws');
    expect(await c.closed).toEqual({ code: 1001, reason: 'Connection lifetime reached' });
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]).toMatchObject({ e: 'serverShutdown' });
  });
});
