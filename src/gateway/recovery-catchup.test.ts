import { describe, expect, it } from 'vitest';
import type { BusMessage, HistoryResult, StreamPosition } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import type { Trade } from '../core/types.js';
import { SlowHistoryBus } from '../test-support/slow-history-bus.js';
import { HeldStream, prepareCatchUp } from './recovery.js';

const T = 'trade@BTC/USDT';
const trade = (n: number): Trade => ({
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: n,
  localTimestamp: n,
  id: String(n),
  price: n,
  amount: 1,
  side: 'buy',
});
const offsets = (ms: readonly BusMessage[]): number[] => ms.map((m) => m.position.offset);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('prepareCatchUp', () => {
  it('replays after the position, then the live messages held meanwhile, each once', async () => {
    const inner = new MemoryBus({ epoch: 'e' });
    const bus = new SlowHistoryBus(inner, 20, 'late');
    for (let i = 1; i <= 10; i++) bus.publish(T, trade(i));
    const held = new HeldStream(100);
    const off = bus.subscribe(T, held.handler);
    const preparing = prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 4, epoch: 'e' },
      maxMessages: 100,
      stateful: false,
      held,
    });
    // Published while history is read: both in the (late) history and held.
    for (let i = 11; i <= 15; i++) bus.publish(T, trade(i));
    const c = await preparing;
    for (let i = 16; i <= 18; i++) bus.publish(T, trade(i));
    const { messages, position } = c.finish();
    off();
    expect(c.outcome).toEqual({ recovered: true, replayed: 11, offset: 15, epoch: 'e' });
    expect(offsets(messages)).toEqual(range(5, 18));
    expect(position).toEqual({ offset: 18, epoch: 'e' });
  });

  it('reads the gap again when the held messages start after the history ends', async () => {
    const inner = new MemoryBus({ epoch: 'e' });
    const bus = new SlowHistoryBus(inner, 20, 'early');
    for (let i = 1; i <= 10; i++) bus.publish(T, trade(i));
    const held = new HeldStream(100);
    const preparing = prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 8, epoch: 'e' },
      maxMessages: 100,
      stateful: false,
      held,
    });
    // 11-13 reach neither the (early) history nor the holder, which starts listening late.
    for (let i = 11; i <= 13; i++) bus.publish(T, trade(i));
    const off = inner.subscribe(T, held.handler);
    for (let i = 14; i <= 16; i++) bus.publish(T, trade(i));
    const c = await preparing;
    off();
    expect(bus.historyCalls).toBe(2);
    expect(offsets(c.finish().messages)).toEqual(range(9, 16));
    expect(c.outcome).toMatchObject({ recovered: true, offset: 16 });
  });

  it('reads again when history answers short, and gives up (recovered false) past its re-reads', async () => {
    /** Answers at most two messages per read, whatever the limit. */
    class ShortHistoryBus extends MemoryBus {
      reads = 0;
      override history(topic: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
        this.reads++;
        return super.history(topic, since, Math.min(limit, 2));
      }
    }
    const bus = new ShortHistoryBus({ epoch: 'e' });
    for (let i = 1; i <= 20; i++) bus.publish(T, trade(i));
    const near = await prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 14, epoch: 'e' },
      maxMessages: 100,
      stateful: false,
      held: new HeldStream(10),
    });
    expect(bus.reads).toBe(3);
    expect(near.outcome).toMatchObject({ recovered: true, replayed: 6 });
    expect(offsets(near.finish().messages)).toEqual(range(15, 20));
    const far = await prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 5, epoch: 'e' },
      maxMessages: 100,
      stateful: false,
      held: new HeldStream(10),
    });
    expect(far.outcome).toMatchObject({ recovered: false, replayed: 0 });
    expect(far.outcome?.reason).toMatch(/could not all be read/);
    expect(far.finish().messages).toEqual([]);
  });

  it('a plain subscribe of a stateful stream: the latest value, then held messages after it', async () => {
    const bus = new MemoryBus({ epoch: 'e' });
    for (let i = 1; i <= 3; i++) bus.publish(T, trade(i), { latestTtlMs: 60_000 });
    const held = new HeldStream(100);
    const off = bus.subscribe(T, held.handler);
    const preparing = prepareCatchUp({
      bus,
      topic: T,
      since: undefined,
      maxMessages: 100,
      stateful: true,
      held,
    });
    bus.publish(T, trade(4), { latestTtlMs: 60_000 });
    const c = await preparing;
    off();
    expect(c.outcome).toBeUndefined();
    // The latest value is read once the stream's position is known (4 by then): 4, held too, is sent once.
    expect(offsets(held.messages)).toEqual([4]);
    expect(offsets(c.finish().messages)).toEqual([4]);
  });

  it('a too-old position of a trade stream: recovered false, only live messages follow', async () => {
    const bus = new MemoryBus({ epoch: 'e', historySize: 5 });
    for (let i = 1; i <= 20; i++) bus.publish(T, trade(i));
    const held = new HeldStream(100);
    const c = await prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 3, epoch: 'e' },
      maxMessages: 100,
      stateful: false,
      held,
    });
    expect(c.outcome).toMatchObject({ recovered: false, replayed: 0, offset: 20, epoch: 'e' });
    expect(c.finish()).toEqual({ messages: [], position: { offset: 20, epoch: 'e' } });
  });

  it('a position ahead of the stream is not recovered', async () => {
    const bus = new MemoryBus({ epoch: 'e' });
    bus.publish(T, trade(1));
    const c = await prepareCatchUp({
      bus,
      topic: T,
      since: { offset: 9, epoch: 'e' },
      maxMessages: 10,
      stateful: false,
      held: new HeldStream(10),
    });
    expect(c.outcome?.reason).toMatch(/offset 9 is ahead of the stream \(at 1\)/);
  });

  it('keeps at most its limit of held messages, the newest', () => {
    const bus = new MemoryBus({ epoch: 'e' });
    const held = new HeldStream(3);
    bus.subscribe(T, held.handler);
    for (let i = 1; i <= 5; i++) bus.publish(T, trade(i));
    expect(offsets(held.messages)).toEqual([3, 4, 5]);
  });
});
