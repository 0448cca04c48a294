import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import type { NormalizedMessage } from '../core/types.js';
import { PriceCache } from './prices.js';

const base = { exchange: 'binance', symbol: 'BTC/USDT', localTimestamp: 0 } as const;

describe('PriceCache', () => {
  it('takes trade price, ticker last and quote mid, with source and timestamp', () => {
    const cache = new PriceCache();
    cache.update({ ...base, type: 'trade', timestamp: 1, id: '1', price: 100, amount: 1, side: 'buy' });
    expect(cache.get('BTC/USDT')).toEqual({ pair: 'BTC/USDT', price: 100, timestamp: 1, source: 'binance' });
    cache.update({
      ...base,
      exchange: 'okx',
      type: 'ticker',
      timestamp: 2,
      last: 101,
      bid: 100.5,
      ask: 101.5,
      bidSize: 1,
      askSize: 1,
      volume24h: 10,
      change24hPct: 1,
    });
    expect(cache.get('BTC/USDT')).toEqual({ pair: 'BTC/USDT', price: 101, timestamp: 2, source: 'okx' });
    cache.update({
      ...base,
      type: 'quote',
      timestamp: 3,
      bid: 101,
      bidSize: 1,
      ask: 103,
      askSize: 1,
      mid: 102,
    });
    expect(cache.get('BTC/USDT')?.price).toBe(102);
  });

  it('ignores older messages, other types and non-positive prices', () => {
    const cache = new PriceCache();
    const t = (timestamp: number, price: number): NormalizedMessage => ({
      ...base,
      type: 'trade',
      timestamp,
      id: String(timestamp),
      price,
      amount: 1,
      side: 'sell',
    });
    expect(cache.update(t(10, 50))).toBe(true);
    expect(cache.update(t(9, 49))).toBe(false);
    expect(cache.update(t(11, 0))).toBe(false);
    expect(cache.update(t(11, Number.NaN))).toBe(false);
    expect(cache.update({ ...base, type: 'status', timestamp: 12, state: 'connected', reason: '' })).toBe(
      false,
    );
    expect(cache.get('BTC/USDT')?.price).toBe(50);
    expect(cache.get('ETH/USDT')).toBeUndefined();
  });

  it('lists pairs sorted and is fed by its bus handler', () => {
    const bus = new MemoryBus();
    const cache = new PriceCache();
    bus.subscribe('trade@ETH/USDT', cache.handler);
    bus.subscribe('trade@BTC/USDT', cache.handler);
    bus.publish('trade@ETH/USDT', {
      ...base,
      symbol: 'ETH/USDT',
      type: 'trade',
      timestamp: 1,
      id: 'a',
      price: 2500,
      amount: 1,
      side: 'buy',
    });
    bus.publish('trade@BTC/USDT', {
      ...base,
      type: 'trade',
      timestamp: 1,
      id: 'b',
      price: 60000,
      amount: 1,
      side: 'buy',
    });
    expect(cache.pairs()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(cache.list().map((p) => p.price)).toEqual([60000, 2500]);
    expect(cache.size).toBe(2);
  });
});
