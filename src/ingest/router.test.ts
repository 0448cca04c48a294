import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import type { BookSnapshot, Status, Trade } from '../core/types.js';
import { BusRouter } from './router.js';

const trade = (exchange: 'binance' | 'okx'): Trade => ({
  type: 'trade',
  exchange,
  symbol: 'BTC/USDT',
  timestamp: 1,
  localTimestamp: 2,
  id: '1',
  price: 67000,
  amount: 0.5,
  side: 'sell',
});

const book: BookSnapshot = {
  type: 'book_snapshot',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: 1,
  localTimestamp: 2,
  depth: 20,
  bids: [[66999, 1]],
  asks: [[67001, 2]],
  sequence: 42,
};

describe('BusRouter', () => {
  it('publishes trades on the exchange stream and on the aggregated stream from every exchange', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    for (const topic of ['trade@binance:BTC/USDT', 'trade@okx:BTC/USDT', 'trade@BTC/USDT']) {
      bus.subscribe(topic, (m) => seen.push(`${m.topic} ${m.data.exchange}`));
    }
    const router = new BusRouter(bus, { latestTtlMs: 1000, primaryFor: () => 'binance' });
    router.route(trade('binance'));
    router.route(trade('okx'));
    expect(seen).toEqual([
      'trade@binance:BTC/USDT binance',
      'trade@BTC/USDT binance',
      'trade@okx:BTC/USDT okx',
      'trade@BTC/USDT okx',
    ]);
    expect(router.routed).toBe(2);
  });

  it('publishes books, quotes and tickers on the aggregated stream only from the primary exchange', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    for (const topic of ['book@binance:BTC/USDT', 'book@okx:BTC/USDT', 'book@BTC/USDT']) {
      bus.subscribe(topic, (m) => seen.push(`${m.topic} ${m.data.exchange}`));
    }
    const router = new BusRouter(bus, { latestTtlMs: 1000, primaryFor: () => 'binance' });
    router.route({ ...book, exchange: 'okx' });
    router.route(book);
    expect(seen).toEqual(['book@okx:BTC/USDT okx', 'book@binance:BTC/USDT binance', 'book@BTC/USDT binance']);
  });

  it('sends book snapshots to `book@` and keeps them as the latest value; trades are not kept', () => {
    const bus = new MemoryBus();
    const router = new BusRouter(bus, { latestTtlMs: 60_000, primaryFor: () => 'binance' });
    router.route(book);
    router.route(trade('binance'));
    expect(bus.getLatest('book@BTC/USDT')?.data).toEqual(book);
    expect(bus.getLatest('book@binance:BTC/USDT')?.data).toEqual(book);
    expect(bus.getLatest('trade@BTC/USDT')).toBeUndefined();
  });

  it('keeps the latest status until the next one, however long ago it came', () => {
    let now = 1_000;
    const bus = new MemoryBus({ now: () => now });
    const router = new BusRouter(bus, { latestTtlMs: 60_000, primaryFor: () => 'binance' });
    const status: Status = {
      type: 'status',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timestamp: 1,
      localTimestamp: 1,
      state: 'connected',
      reason: 'subscribed',
    };
    router.route(status);
    router.route(book);
    now += 3_600_000;
    expect(bus.getLatest('status@BTC/USDT')?.data).toEqual(status);
    expect(bus.getLatest('status@binance:BTC/USDT')?.data).toEqual(status);
    expect(bus.getLatest('book@BTC/USDT')).toBeUndefined();
  });
});

describe('BusRouter with the aggregator', () => {
  it('leaves the aggregated stream of aggregatedElsewhere types to routeAggregated', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    for (const topic of ['quote@binance:BTC/USDT', 'quote@BTC/USDT']) {
      bus.subscribe(topic, (m) => seen.push(`${m.topic} ${m.data.exchange}`));
    }
    const router = new BusRouter(bus, {
      latestTtlMs: 1000,
      primaryFor: () => 'binance',
      aggregatedElsewhere: new Set(['quote']),
    });
    const quote = {
      type: 'quote',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timestamp: 1,
      localTimestamp: 2,
      bid: 1,
      bidSize: 1,
      ask: 2,
      askSize: 1,
      mid: 1.5,
    } as const;
    router.route(quote);
    expect(seen).toEqual(['quote@binance:BTC/USDT binance']);
    router.routeAggregated({ ...quote, exchange: 'okx', bidExchange: 'okx', askExchange: 'binance' });
    expect(seen).toEqual(['quote@binance:BTC/USDT binance', 'quote@BTC/USDT okx']);
    expect(bus.getLatest('quote@BTC/USDT')?.data).toMatchObject({
      bidExchange: 'okx',
      askExchange: 'binance',
    });
  });

  it('follows primaryFor as it changes (the active source)', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    bus.subscribe('book@BTC/USDT', (m) => seen.push(m.data.exchange));
    let active: 'binance' | 'okx' = 'binance';
    const router = new BusRouter(bus, { latestTtlMs: 1000, primaryFor: () => active });
    router.route(book);
    router.route({ ...book, exchange: 'okx' });
    active = 'okx';
    router.route(book);
    router.route({ ...book, exchange: 'okx' });
    expect(seen).toEqual(['binance', 'okx']);
  });
});
