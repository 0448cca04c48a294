import { describe, expect, it } from 'vitest';
import type { NormalizedMessage } from '../core/types.js';
import { FeedQueue } from './feed.js';

const msg = (i: number): NormalizedMessage => ({
  type: 'status',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: i,
  localTimestamp: i,
  state: 'connected',
  reason: String(i),
});

describe('FeedQueue', () => {
  it('delivers pushes made before and during iteration, then ends after end()', async () => {
    let returned = 0;
    const q = new FeedQueue(100, () => returned++);
    q.push(msg(1));
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const m of q.iterate()) seen.push(m.timestamp);
    })();
    await new Promise((r) => setTimeout(r, 5));
    q.push(msg(2));
    q.push(msg(3));
    q.end();
    q.push(msg(4)); // after end: ignored
    await consumer;
    expect(seen).toEqual([1, 2, 3]);
    expect(returned).toBe(0);
  });

  it('drops the oldest beyond maxQueued and counts them', async () => {
    const q = new FeedQueue(3, () => {});
    for (let i = 1; i <= 5; i++) q.push(msg(i));
    q.end();
    const seen: number[] = [];
    for await (const m of q.iterate()) seen.push(m.timestamp);
    expect(seen).toEqual([3, 4, 5]);
    expect(q.dropped).toBe(2);
  });

  it('calls onReturn when the consumer breaks out, and allows only one consumer at a time', async () => {
    let returned = 0;
    const q = new FeedQueue(100, () => returned++);
    for (let i = 1; i <= 3; i++) q.push(msg(i));
    const it = q.iterate();
    expect(() => q.iterate()).toThrow(/already has a consumer/);
    for await (const m of it) if (m.timestamp === 2) break;
    expect(returned).toBe(1);
  });

  it('keeps up with a long run without growing without bound', async () => {
    const q = new FeedQueue(1_000_000, () => {});
    let n = 0;
    const consumer = (async () => {
      for await (const m of q.iterate()) n += m.timestamp > 0 ? 1 : 0;
    })();
    for (let i = 1; i <= 20_000; i++) {
      q.push(msg(i));
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    q.end();
    await consumer;
    expect(n).toBe(20_000);
    expect(q.size).toBe(0);
  });
});
