import { describe, expect, it } from 'vitest';
import type { Trade } from '../core/types.js';
import type { BusMessage } from './bus.js';
import { runBusConformance } from './conformance.js';
import { MemoryBus } from './memory.js';

runBusConformance('memory', () => new MemoryBus());

function trade(id: number): Trade {
  return {
    type: 'trade',
    exchange: 'kraken',
    symbol: 'ETH/USDT',
    timestamp: 1_700_000_000_000 + id,
    localTimestamp: 1_700_000_000_001 + id,
    id: String(id),
    price: 2000 + id,
    amount: 1,
    side: 'buy',
  };
}

describe('MemoryBus', () => {
  it('delivers synchronously, sharing one BusMessage (one JSON string) with every handler', () => {
    const bus = new MemoryBus();
    const got: BusMessage[] = [];
    bus.subscribe('trade@ETH/USDT', (m) => got.push(m));
    bus.subscribe('trade@ETH/USDT', (m) => got.push(m));
    bus.publish('trade@ETH/USDT', trade(1));
    expect(got).toHaveLength(2);
    expect(got[0]).toBe(got[1]);
    expect(got[0].json).toBe(JSON.stringify(trade(1)));
  });

  it('gives each instance its own epoch and starts offsets at 1', () => {
    const a = new MemoryBus();
    const b = new MemoryBus();
    expect(a.epoch).not.toBe(b.epoch);
    expect(a.publish('t', trade(1))).toEqual({ offset: 1, epoch: a.epoch });
    expect(a.position('t')).toEqual({ offset: 1, epoch: a.epoch });
    expect(a.position('unknown')).toEqual({ offset: 0, epoch: a.epoch });
  });

  it('counts handler errors and logs without breaking delivery', () => {
    const bus = new MemoryBus();
    let ok = 0;
    bus.subscribe('t', () => {
      throw new Error('boom');
    });
    bus.subscribe('t', () => ok++);
    for (let i = 0; i < 3; i++) bus.publish('t', trade(i));
    expect(ok).toBe(3);
    expect(bus.stats()).toMatchObject({ published: 3, delivered: 3, handlerErrors: 3 });
  });

  it('lets a handler unsubscribe itself or another during a publish', () => {
    const bus = new MemoryBus();
    const calls: string[] = [];
    let offB = (): void => {};
    const offA = bus.subscribe('t', () => {
      calls.push('a');
      offA();
      offB();
    });
    offB = bus.subscribe('t', () => calls.push('b'));
    bus.publish('t', trade(1));
    bus.publish('t', trade(2));
    // b was removed while the first publish was running; that publish still saw the old list.
    expect(calls).toEqual(['a', 'b']);
  });

  it('expires latest values by the injected clock', () => {
    let now = 1000;
    const bus = new MemoryBus({ now: () => now });
    bus.publish('ticker@X', trade(1), { latestTtlMs: 100 });
    expect(bus.getLatest('ticker@X')?.position.offset).toBe(1);
    now = 1099;
    expect(bus.getLatest('ticker@X')).toBeDefined();
    now = 1100;
    expect(bus.getLatest('ticker@X')).toBeUndefined();
    bus.publish('ticker@X', trade(2), { latestTtlMs: 0 });
    expect(bus.getLatest('ticker@X')).toBeUndefined();
  });

  describe('history', () => {
    it('returns messages after an offset, oldest first, up to a limit', () => {
      const bus = new MemoryBus({ historySize: 10 });
      for (let i = 1; i <= 5; i++) bus.publish('t', trade(i));
      const h = bus.read('t', 2, 100);
      expect(h.recovered).toBe(true);
      expect(h.position).toEqual({ offset: 5, epoch: bus.epoch });
      expect(h.messages.map((m) => m.position.offset)).toEqual([3, 4, 5]);
      expect(bus.read('t', 0, 2).messages.map((m) => m.position.offset)).toEqual([1, 2]);
      expect(bus.read('t', 5, 10)).toMatchObject({ messages: [], recovered: true });
    });

    it('keeps each message as its JSON, not the published object, and gives back equal data', () => {
      const bus = new MemoryBus({ historySize: 10 });
      const published = trade(1);
      bus.publish('t', published);
      const [kept] = bus.read('t', 0, 10).messages;
      expect(kept.json).toBe(JSON.stringify(published));
      expect(kept.data).not.toBe(published);
      expect(kept.data).toEqual(published);
      expect(kept).toMatchObject({ topic: 't', position: { offset: 1, epoch: bus.epoch } });
    });

    it('keeps only the last historySize messages and reports an unfillable gap', () => {
      const bus = new MemoryBus({ historySize: 4 });
      for (let i = 1; i <= 10; i++) bus.publish('t', trade(i));
      const recent = bus.read('t', 6, 100);
      expect(recent.recovered).toBe(true);
      expect(recent.messages.map((m) => m.position.offset)).toEqual([7, 8, 9, 10]);
      const old = bus.read('t', 2, 100);
      expect(old.recovered).toBe(false);
      expect(old.messages.map((m) => m.position.offset)).toEqual([7, 8, 9, 10]);
    });

    it('refuses recovery across epochs and for offsets ahead of the topic', () => {
      const bus = new MemoryBus({ historySize: 4 });
      bus.publish('t', trade(1));
      expect(bus.read('t', 0, 10, 'other-epoch').recovered).toBe(false);
      expect(bus.read('t', 0, 10, bus.epoch).messages).toHaveLength(1);
      expect(bus.read('t', 7, 10).recovered).toBe(false);
      expect(bus.read('never', 0, 10)).toMatchObject({ messages: [], recovered: true });
    });

    it('keeps nothing when historySize is 0', () => {
      const bus = new MemoryBus({ historySize: 0 });
      bus.publish('t', trade(1));
      expect(bus.read('t', 0, 10)).toMatchObject({ messages: [], recovered: false });
      expect(() => new MemoryBus({ historySize: -1 })).toThrow(/historySize/);
    });
  });

  it('drops everything on close and ignores later calls', async () => {
    const bus = new MemoryBus();
    let calls = 0;
    bus.subscribe('t', () => calls++);
    bus.publish('t', trade(1), { latestTtlMs: 1000 });
    await bus.close();
    bus.publish('t', trade(2));
    bus.subscribe('t', () => calls++)();
    expect(calls).toBe(1);
    expect(bus.read('t', 0, 10).messages).toHaveLength(0);
    expect(bus.getLatest('t')).toBeUndefined();
  });
});

describe('MemoryBus bounds', () => {
  it('forgets a topic that was subscribed and left without ever being published on', () => {
    const bus = new MemoryBus();
    for (let i = 0; i < 100; i++) bus.subscribe(`trade@FAKE${i}/USDT`, () => {})();
    expect(bus.stats().knownTopics).toBe(0);
    const off = bus.subscribe('trade@BTC/USDT', () => {});
    bus.publish('trade@BTC/USDT', sampleTrade());
    off();
    // Published topics keep their offset, so positions never go back.
    expect(bus.stats().knownTopics).toBe(1);
    expect(bus.publish('trade@BTC/USDT', sampleTrade()).offset).toBe(2);
  });

  it('serializes a message published on two topics once, with identical JSON', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    bus.subscribe('trade@binance:BTC/USDT', (m) => seen.push(m.json));
    bus.subscribe('trade@BTC/USDT', (m) => seen.push(m.json));
    const t = sampleTrade();
    bus.publish('trade@binance:BTC/USDT', t);
    bus.publish('trade@BTC/USDT', t);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(JSON.parse(seen[0])).toEqual(t);
  });
});

function sampleTrade(): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: 1,
    localTimestamp: 2,
    id: '7',
    price: 67000.5,
    amount: 0.01,
    side: 'buy',
  };
}
