import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticker, Trade } from '../core/types.js';
import { redisAvailable, startRedisServer, type RedisProcess } from '../test-support/redis.js';
import { until } from '../test-support/until.js';
import type { BusMessage } from './bus.js';
import { runBusConformance } from './conformance.js';
import { priceTopic } from './price-topic.js';
import { RedisBus, type RedisBusOptions } from './redis.js';

const available = redisAvailable();
let server: RedisProcess | undefined;
let prefixes = 0;

if (available) {
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
}

async function freshBus(opts: Partial<RedisBusOptions> = {}): Promise<RedisBus> {
  if (server === undefined) throw new Error('redis-server did not start');
  const bus = new RedisBus({ url: server.url, prefix: `t${++prefixes}:`, ...opts });
  await bus.ready();
  return bus;
}

describe.skipIf(!available)('RedisBus', () => {
  runBusConformance('redis', () => freshBus(), { settleMs: 50, deliveryTimeoutMs: 3000 });

  it('carries one turn of a topic in one script call and one PUBLISH, in order', async () => {
    const bus = await freshBus();
    const got: BusMessage[] = [];
    bus.subscribe('trade@BTC/USDT', (m) => got.push(m));
    await sleep(50);
    const before = await commandCalls('publish');
    for (let i = 1; i <= 1000; i++) bus.publish('trade@BTC/USDT', trade(i, 100 + i));
    await until(() => got.length === 1000, 5000, '1000 deliveries');
    expect(bus.stats().publishCalls).toBe(1);
    expect((await commandCalls('publish')) - before).toBe(1);
    expect(got.map((m) => m.position.offset)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect((got[999].data as Trade).id).toBe('1000');
    await bus.close();
  });

  it('subscribes a channel on Redis only while a local handler wants the topic', async () => {
    const bus = await freshBus({ prefix: 'chan:' });
    const off1 = bus.subscribe('ticker@BTC/USDT', noop);
    const off2 = bus.subscribe('ticker@BTC/USDT', noop);
    await untilAsync(
      async () => (await channels()).includes('chan:t:ticker@BTC/USDT'),
      2000,
      'channel subscribed',
    );
    off1();
    await sleep(50);
    expect(await channels()).toContain('chan:t:ticker@BTC/USDT');
    off2();
    await untilAsync(
      async () => !(await channels()).includes('chan:t:ticker@BTC/USDT'),
      2000,
      'channel unsubscribed',
    );
    await bus.close();
  });

  it('lets a second instance receive, read history and serve a latest value it never saw published', async () => {
    const a = await freshBus({ prefix: 'shared:' });
    const b = await freshBus({ prefix: 'shared:' });
    const seen: BusMessage[] = [];
    b.subscribe('trade@ETH/USDT', (m) => seen.push(m));
    await sleep(50);
    const p1 = a.publish('trade@ETH/USDT', trade(1, 2500));
    a.publish('trade@ETH/USDT', trade(2, 2501));
    a.publish('ticker@ETH/USDT', ticker(2501), { latestTtlMs: 60_000 });
    await until(() => seen.length === 2, 3000, 'b receives a’s trades');
    expect(seen[0].position).toEqual(p1);
    const h = await b.history('trade@ETH/USDT', p1, 10);
    expect(h.recovered).toBe(true);
    expect(h.messages.map((m) => (m.data as Trade).id)).toEqual(['2']);
    expect(b.getLatest('ticker@ETH/USDT')).toBeUndefined();
    b.subscribe('ticker@ETH/USDT', noop);
    await until(() => b.getLatest('ticker@ETH/USDT') !== undefined, 3000, 'b reads the latest key');
    expect((b.getLatest('ticker@ETH/USDT')?.data as Ticker).last).toBe(2501);
    // b publishing next (a new leader) continues a's offsets.
    const p3 = b.publish('trade@ETH/USDT', trade(3, 2502));
    await until(() => seen.length === 3, 3000, 'b receives its own trade');
    expect(seen[2].position.offset).toBe(3);
    expect(p3.epoch).toBe(p1.epoch);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps the latest price as price:<SYMBOL> JSON and publishes it on price.updated.<SYMBOL>', async () => {
    const bus = await freshBus();
    const listener = new Redis(server!.url);
    const updates: string[] = [];
    listener.on('message', (_c: string, m: string) => updates.push(m));
    await listener.subscribe('price.updated.BTC/USDT');
    bus.publish(priceTopic('BTC/USDT'), ticker(64_000), { latestTtlMs: 300_000 });
    await until(() => updates.length === 1, 3000, 'price.updated');
    const record = {
      symbol: 'BTC/USDT',
      price: 64_000,
      bid: 63_999.5,
      ask: 64_000.5,
      mid: 64_000,
      timestamp: 1_700_000_000_000,
      exchange: 'binance',
    };
    expect(JSON.parse(updates[0])).toEqual(record);
    const reader = new Redis(server!.url);
    expect(JSON.parse((await reader.get('price:BTC/USDT')) ?? 'null')).toEqual(record);
    const ttl = await reader.pttl('price:BTC/USDT');
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    listener.disconnect();
    reader.disconnect();
    await bus.close();
  });

  it('follows key and channel templates, so price:dist:<pair>:latest keeps working', async () => {
    const bus = await freshBus({ priceKey: 'price:dist:{pair}:latest', priceChannel: 'prices:{symbol}' });
    const listener = new Redis(server!.url);
    const updates: string[] = [];
    listener.on('message', (_c: string, m: string) => updates.push(m));
    await listener.subscribe('prices:ETH/USDT');
    bus.publish(priceTopic('ETH/USDT'), { ...trade(9, 2600), symbol: 'ETH/USDT' }, { latestTtlMs: 300_000 });
    await until(() => updates.length === 1, 3000, 'custom price channel');
    const reader = new Redis(server!.url);
    const stored = JSON.parse((await reader.get('price:dist:ETHUSDT:latest')) ?? 'null') as { price: number };
    expect(stored).toMatchObject({ symbol: 'ETH/USDT', price: 2600, bid: null, exchange: 'binance' });
    listener.disconnect();
    reader.disconnect();
    await bus.close();
  });
});

describe.skipIf(!available)('RedisBus when Redis fails', () => {
  let own: RedisProcess;
  beforeAll(async () => {
    own = await startRedisServer();
  });
  afterAll(async () => {
    await own.stop();
  });

  it('is degraded while Redis is gone, drops without queueing, then recovers by itself under a new epoch', async () => {
    const bus = new RedisBus({ url: own.url, pingIntervalMs: 100 });
    await bus.ready();
    const got: BusMessage[] = [];
    bus.subscribe('trade@BTC/USDT', (m) => got.push(m));
    await sleep(50);
    const before = bus.publish('trade@BTC/USDT', trade(1, 1));
    await until(() => got.length === 1, 3000, 'first delivery');
    expect(bus.status().state).toBe('healthy');

    await own.kill();
    await until(() => bus.status().state === 'degraded', 3000, 'degraded');
    expect(bus.status().reason).toMatch(/Redis unreachable/);
    for (let i = 2; i <= 50; i++) bus.publish('trade@BTC/USDT', trade(i, i));
    await sleep(20);
    expect(bus.stats().dropped).toBe(49);

    await own.restart();
    await until(() => bus.status().state === 'healthy', 10_000, 'healthy again');
    await sleep(100);
    bus.publish('trade@BTC/USDT', trade(51, 51));
    await until(() => got.length === 2, 3000, 'delivery after the restart');
    expect((got[1].data as Trade).id).toBe('51');
    expect(got[1].position.epoch).not.toBe(before.epoch);
    const h = await bus.history('trade@BTC/USDT', before, 100);
    expect(h.recovered).toBe(false);
    expect(bus.stats().reconnects).toBeGreaterThan(0);
    await bus.close();
  });
});

async function commandCalls(name: string): Promise<number> {
  const r = new Redis(server!.url);
  const info = await r.info('commandstats');
  r.disconnect();
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
  return m === null ? 0 : Number(m[1]);
}

async function channels(): Promise<string[]> {
  const r = new Redis(server!.url);
  const list = (await r.pubsub('CHANNELS')) as string[];
  r.disconnect();
  return list;
}

function trade(id: number, price: number): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: 1_700_000_000_000 + id,
    localTimestamp: 1_700_000_000_005 + id,
    id: String(id),
    price,
    amount: 0.5,
    side: 'buy',
  };
}

function ticker(last: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: 1_700_000_000_000,
    localTimestamp: 1_700_000_000_003,
    last,
    bid: last - 0.5,
    ask: last + 0.5,
    bidSize: 1,
    askSize: 2,
    volume24h: 1234.5,
    change24hPct: 1.25,
  };
}

function noop(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function untilAsync(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
