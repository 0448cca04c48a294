import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Trade, Ticker } from '../core/types.js';
import type { Bus, BusMessage } from './bus.js';

export interface BusConformanceOptions {
  /** Wait after subscribing before publishing (a networked bus subscribes asynchronously). Default 0. */
  readonly settleMs?: number;
  /** Longest wait for an asynchronous delivery. Default 2000. */
  readonly deliveryTimeoutMs?: number;
}

/**
 * The behaviour every `Bus` must have. Call it from a test file with a factory that returns a
 * fresh bus (isolated topics) per test; the suite closes each bus itself.
 */
export function runBusConformance(
  name: string,
  factory: () => Bus | Promise<Bus>,
  opts: BusConformanceOptions = {},
): void {
  const settleMs = opts.settleMs ?? 0;
  const timeoutMs = opts.deliveryTimeoutMs ?? 2000;

  describe(`Bus conformance: ${name}`, () => {
    let bus: Bus;
    beforeEach(async () => {
      bus = await factory();
    });
    afterEach(async () => {
      await bus.close();
    });

    const settle = (): Promise<void> => sleep(settleMs);

    it('delivers a published message with its data, JSON and position', async () => {
      const got: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', (m) => got.push(m));
      await settle();
      const msg = trade(1, 100.5);
      const pos = bus.publish('trade@BTC/USDT', msg);
      await waitFor(() => got.length === 1, timeoutMs);
      expect(got[0].topic).toBe('trade@BTC/USDT');
      expect(got[0].data).toEqual(msg);
      expect(JSON.parse(got[0].json)).toEqual(msg);
      expect(got[0].position).toEqual(pos);
      expect(typeof pos.epoch).toBe('string');
      expect(pos.epoch.length).toBeGreaterThan(0);
    });

    it('gives each topic its own rising offsets under one epoch, in publish order', async () => {
      const a: BusMessage[] = [];
      const b: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', (m) => a.push(m));
      bus.subscribe('trade@ETH/USDT', (m) => b.push(m));
      await settle();
      const pa1 = bus.publish('trade@BTC/USDT', trade(1, 1));
      const pa2 = bus.publish('trade@BTC/USDT', trade(2, 2));
      const pb1 = bus.publish('trade@ETH/USDT', trade(3, 3));
      const pa3 = bus.publish('trade@BTC/USDT', trade(4, 4));
      expect(pa2.offset).toBeGreaterThan(pa1.offset);
      expect(pa3.offset).toBeGreaterThan(pa2.offset);
      expect(pa1.epoch).toBe(pa2.epoch);
      expect(pb1.offset).toBe(pa1.offset);
      await waitFor(() => a.length === 3 && b.length === 1, timeoutMs);
      expect(a.map((m) => (m.data as Trade).id)).toEqual(['1', '2', '4']);
      expect(b.map((m) => (m.data as Trade).id)).toEqual(['3']);
    });

    it('fans out to every subscriber of a topic and to no other topic', async () => {
      const h1: BusMessage[] = [];
      const h2: BusMessage[] = [];
      const other: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', (m) => h1.push(m));
      bus.subscribe('trade@BTC/USDT', (m) => h2.push(m));
      bus.subscribe('trade@binance:BTC/USDT', (m) => other.push(m));
      await settle();
      bus.publish('trade@BTC/USDT', trade(1, 1));
      await waitFor(() => h1.length === 1 && h2.length === 1, timeoutMs);
      await sleep(settleMs);
      expect(other).toHaveLength(0);
    });

    it('stops delivering after unsubscribe, and unsubscribe is idempotent', async () => {
      const kept: BusMessage[] = [];
      const dropped: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', (m) => kept.push(m));
      const off = bus.subscribe('trade@BTC/USDT', (m) => dropped.push(m));
      await settle();
      bus.publish('trade@BTC/USDT', trade(1, 1));
      await waitFor(() => kept.length === 1 && dropped.length === 1, timeoutMs);
      off();
      off();
      await settle();
      bus.publish('trade@BTC/USDT', trade(2, 2));
      await waitFor(() => kept.length === 2, timeoutMs);
      expect(dropped).toHaveLength(1);
    });

    it('lists a topic as active only while it has a local subscriber', async () => {
      expect(bus.activeTopics()).not.toContain('ticker@BTC/USDT');
      const off1 = bus.subscribe('ticker@BTC/USDT', noop);
      const off2 = bus.subscribe('ticker@BTC/USDT', noop);
      expect(bus.activeTopics()).toContain('ticker@BTC/USDT');
      off1();
      expect(bus.activeTopics()).toContain('ticker@BTC/USDT');
      off2();
      expect(bus.activeTopics()).not.toContain('ticker@BTC/USDT');
    });

    it('keeps running the other handlers when one throws', async () => {
      const got: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', () => {
        throw new Error('handler bug');
      });
      bus.subscribe('trade@BTC/USDT', (m) => got.push(m));
      await settle();
      expect(() => bus.publish('trade@BTC/USDT', trade(1, 1))).not.toThrow();
      bus.publish('trade@BTC/USDT', trade(2, 2));
      await waitFor(() => got.length === 2, timeoutMs);
    });

    it('stores a latest value, returns undefined for unknown topics, and replaces it', async () => {
      expect(bus.getLatest('ticker@BTC/USDT')).toBeUndefined();
      const seen: BusMessage[] = [];
      bus.subscribe('ticker@BTC/USDT', (m) => seen.push(m));
      await settle();
      bus.publish('ticker@BTC/USDT', ticker(100));
      bus.publish('ticker@BTC/USDT', ticker(101));
      await waitFor(() => seen.length === 2, timeoutMs);
      bus.setLatest(seen[0], 60_000);
      await waitFor(() => bus.getLatest('ticker@BTC/USDT') !== undefined, timeoutMs);
      expect((bus.getLatest('ticker@BTC/USDT')?.data as Ticker).last).toBe(100);
      bus.setLatest(seen[1], 60_000);
      await waitFor(
        () => (bus.getLatest('ticker@BTC/USDT')?.data as Ticker | undefined)?.last === 101,
        timeoutMs,
      );
      expect(bus.getLatest('ticker@BTC/USDT')?.json).toBe(seen[1].json);
    });

    it('sets the latest value at publish when latestTtlMs is given', async () => {
      const pos = bus.publish('ticker@ETH/USDT', ticker(2500), { latestTtlMs: 60_000 });
      await waitFor(() => bus.getLatest('ticker@ETH/USDT') !== undefined, timeoutMs);
      const latest = bus.getLatest('ticker@ETH/USDT');
      expect((latest?.data as Ticker).last).toBe(2500);
      expect(latest?.position).toEqual(pos);
      expect(JSON.parse(latest?.json ?? 'null')).toEqual(ticker(2500));
    });

    it('expires a latest value after its TTL', async () => {
      bus.publish('ticker@SOL/USDT', ticker(150), { latestTtlMs: 60 });
      await waitFor(() => bus.getLatest('ticker@SOL/USDT') !== undefined, timeoutMs);
      await sleep(120);
      expect(bus.getLatest('ticker@SOL/USDT')).toBeUndefined();
    });

    it('returns what was missed after a position, in order, and where the topic stands', async () => {
      const first = bus.publish('trade@BTC/USDT', trade(1, 1));
      bus.publish('trade@BTC/USDT', trade(2, 2));
      bus.publish('trade@BTC/USDT', trade(3, 3));
      const last = bus.publish('trade@BTC/USDT', trade(4, 4));
      await waitForAsync(
        async () => (await bus.history('trade@BTC/USDT', first, 100)).messages.length === 3,
        timeoutMs,
      );
      const h = await bus.history('trade@BTC/USDT', first, 100);
      expect(h.recovered).toBe(true);
      expect(h.messages.map((m) => (m.data as Trade).id)).toEqual(['2', '3', '4']);
      expect(h.messages.map((m) => m.position.offset)).toEqual([
        first.offset + 1,
        first.offset + 2,
        last.offset,
      ]);
      expect(JSON.parse(h.messages[0].json)).toEqual(trade(2, 2));
      expect(h.position).toEqual(last);
      const limited = await bus.history('trade@BTC/USDT', first, 2);
      expect(limited.messages.map((m) => (m.data as Trade).id)).toEqual(['2', '3']);
      const upToDate = await bus.history('trade@BTC/USDT', last, 100);
      expect(upToDate).toMatchObject({ messages: [], recovered: true });
    });

    it('cannot recover across an epoch it does not know', async () => {
      const pos = bus.publish('trade@ETH/USDT', trade(1, 1));
      bus.publish('trade@ETH/USDT', trade(2, 2));
      const h = await bus.history('trade@ETH/USDT', { offset: pos.offset, epoch: pos.epoch + '-gone' }, 100);
      expect(h.recovered).toBe(false);
      expect(h.messages).toHaveLength(0);
      expect(h.position.epoch).toBe(pos.epoch);
    });

    it('reports itself healthy when it works', () => {
      expect(bus.status().state).toBe('healthy');
    });

    it('drops subscriptions and latest values on close', async () => {
      const got: BusMessage[] = [];
      bus.subscribe('trade@BTC/USDT', (m) => got.push(m));
      bus.publish('ticker@BTC/USDT', ticker(1), { latestTtlMs: 60_000 });
      await bus.close();
      expect(bus.activeTopics()).toEqual([]);
      expect(bus.getLatest('ticker@BTC/USDT')).toBeUndefined();
      try {
        bus.publish('trade@BTC/USDT', trade(1, 1));
      } catch {
        // A closed bus may refuse to publish; it must not deliver.
      }
      await sleep(settleMs + 20);
      expect(got).toHaveLength(0);
    });
  });
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
    side: id % 2 === 0 ? 'sell' : 'buy',
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

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

async function waitForAsync(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}
