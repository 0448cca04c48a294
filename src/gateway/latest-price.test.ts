/**
 * The latest-price fallback on a controlled clock: live stream → bus cache (5 min TTL) → local
 * cache → degraded, and the staleness classes (fresh < 5 s, acceptable < 1 min, stale beyond).
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { PRICE_TTL_MS, priceTopic } from '../bus/price-topic.js';
import type { Ticker, Trade } from '../core/types.js';
import { LatestPriceResolver, stalenessOf } from './latest-price.js';
import { PriceCache } from './prices.js';

const SYMBOL = 'BTC/USDT';

function trade(price: number, at: number): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: SYMBOL,
    timestamp: at - 10,
    localTimestamp: at,
    id: String(at),
    price,
    amount: 1,
    side: 'buy',
  };
}

function ticker(last: number, at: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'okx',
    symbol: SYMBOL,
    timestamp: at - 10,
    localTimestamp: at,
    last,
    bid: last - 1,
    ask: last + 1,
    bidSize: 1,
    askSize: 1,
    volume24h: 5,
    change24hPct: 0,
  };
}

function setup() {
  const clock = { now: 10_000_000 };
  const bus = new MemoryBus({ now: () => clock.now });
  const prices = new PriceCache();
  const latest = new LatestPriceResolver({ prices, bus, now: () => clock.now });
  return { clock, bus, prices, latest };
}

describe('staleness classes', () => {
  it('fresh under 5 s, acceptable under 1 min, stale beyond or unknown', () => {
    expect(stalenessOf(0)).toBe('fresh');
    expect(stalenessOf(4999)).toBe('fresh');
    expect(stalenessOf(5000)).toBe('acceptable');
    expect(stalenessOf(59_999)).toBe('acceptable');
    expect(stalenessOf(60_000)).toBe('stale');
    expect(stalenessOf(undefined)).toBe('stale');
  });
});

describe('latest-price fallback', () => {
  it('serves the live stream while it flows', () => {
    const { clock, prices, latest } = setup();
    prices.update(trade(100, clock.now));
    clock.now += 1200;
    expect(latest.resolve(SYMBOL)).toEqual({
      symbol: SYMBOL,
      level: 'live',
      staleness: 'fresh',
      price: 100,
      timestamp: clock.now - 1200 - 10,
      source: 'binance',
      ageMs: 1200,
      receivedAt: clock.now - 1200,
    });
  });

  it('falls back to the bus cache when the stream went quiet, then to the local cache when that expired, then degraded', () => {
    const { clock, bus, prices, latest } = setup();
    prices.update(trade(100, clock.now));
    // The ingesting instance's newer price reached the bus (say, from another venue), not this cache.
    clock.now += 2000;
    bus.publish(priceTopic(SYMBOL), ticker(101, clock.now), { latestTtlMs: PRICE_TTL_MS });

    clock.now += 6000;
    expect(latest.resolve(SYMBOL)).toMatchObject({
      level: 'bus',
      price: 101,
      source: 'okx',
      ageMs: 6000,
      staleness: 'acceptable',
    });
    clock.now += 60_000;
    expect(latest.resolve(SYMBOL)).toMatchObject({ level: 'bus', price: 101, staleness: 'stale' });

    clock.now = clock.now - 68_000 + PRICE_TTL_MS + 2000 + 1; // the bus value's TTL has lapsed
    const local = latest.resolve(SYMBOL);
    expect(local).toMatchObject({ level: 'local', price: 100, source: 'binance', staleness: 'stale' });
    expect(local.ageMs).toBeGreaterThan(PRICE_TTL_MS);

    const { latest: empty } = setup();
    expect(empty.resolve(SYMBOL)).toEqual({
      symbol: SYMBOL,
      level: 'degraded',
      staleness: 'stale',
      price: undefined,
      timestamp: undefined,
      source: undefined,
      ageMs: undefined,
    });
  });

  it('a stream that resumes is live again', () => {
    const { clock, bus, prices, latest } = setup();
    prices.update(trade(100, clock.now));
    bus.publish(priceTopic(SYMBOL), trade(100, clock.now), { latestTtlMs: PRICE_TTL_MS });
    clock.now += 10_000;
    expect(latest.resolve(SYMBOL).level).toBe('bus');
    prices.update(trade(102, clock.now));
    expect(latest.resolve(SYMBOL)).toMatchObject({ level: 'live', price: 102, staleness: 'fresh' });
  });
});
