import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DropReason } from '../hub-observer.js';
import {
  BoundedBuffer,
  OVERFLOW_POLICIES,
  type BufferLimits,
  type BufferedItem,
  type OverflowPolicy,
} from './bounded-buffer.js';

type Kind = BufferedItem['kind'];

/** A buffer with its drops tallied by reason and symbol. */
function bufferOf(policy: OverflowPolicy, limits: Partial<BufferLimits> = {}) {
  const drops: Partial<Record<DropReason, Record<string, number>>> = {};
  let total = 0;
  const buffer = new BoundedBuffer(
    { maxMessages: limits.maxMessages ?? 1000, maxBytes: limits.maxBytes ?? 1 << 20 },
    policy,
    'reconnect-overflow',
    (reason, symbol, count) => {
      const bySymbol = (drops[reason] ??= {});
      bySymbol[symbol] = (bySymbol[symbol] ?? 0) + count;
      total += count;
    },
  );
  let seq = 0;
  const push = (kind: Kind, symbol = 'BTCUSDT', text = `item-${seq + 1}`): BufferedItem => {
    const item: BufferedItem = { text, symbol: kind === 'adv' ? '' : symbol, kind, at: 0, seq: ++seq };
    buffer.push(item);
    return item;
  };
  const drain = (): BufferedItem[] => {
    const out: BufferedItem[] = [];
    while (!buffer.empty) out.push(...buffer.take(1 << 20));
    return out;
  };
  return { buffer, drops, push, drain, dropped: () => total };
}

const kindsOf = (items: readonly BufferedItem[]): string[] => items.map((i) => `${i.kind}:${i.symbol}`);

describe('BoundedBuffer limits', () => {
  it('refuses limits that are not whole numbers from 1, naming the key', () => {
    const make = (limits: BufferLimits) => () =>
      new BoundedBuffer(limits, 'drop-oldest', 'overflow', () => {});
    expect(make({ maxMessages: 0, maxBytes: 10 })).toThrow(
      /maxMessages must be a whole number from 1, got 0/,
    );
    expect(make({ maxMessages: 5, maxBytes: 1.5 })).toThrow(
      /maxBytes must be a whole number from 1, got 1.5/,
    );
  });

  it('holds at most maxMessages items', () => {
    const { buffer, push, drain, drops } = bufferOf('drop-oldest', { maxMessages: 3 });
    for (let i = 0; i < 5; i++) push('trade');
    expect(buffer.length).toBe(3);
    expect(drain().map((i) => i.seq)).toEqual([3, 4, 5]);
    expect(drops).toEqual({ 'reconnect-overflow': { BTCUSDT: 2 } });
  });

  it('holds at most maxBytes of text', () => {
    const { buffer, push, drain, drops } = bufferOf('drop-oldest', { maxBytes: 10 });
    push('trade', 'BTCUSDT', 'aaaa');
    push('trade', 'ETHUSDT', 'bbbb');
    expect(buffer.bytes).toBe(8);
    push('trade', 'BTCUSDT', 'cccc');
    expect(buffer.bytes).toBe(8);
    expect(drain().map((i) => i.text)).toEqual(['bbbb', 'cccc']);
    expect(buffer.bytes).toBe(0);
    expect(drops).toEqual({ 'reconnect-overflow': { BTCUSDT: 1 } });
  });

  it('takes the oldest items up to a byte budget, at least one', () => {
    const { buffer, push } = bufferOf('drop-oldest');
    push('trade', 'BTCUSDT', 'x'.repeat(6));
    push('trade', 'BTCUSDT', 'y'.repeat(3));
    push('trade', 'BTCUSDT', 'z'.repeat(3));
    expect(buffer.take(2).map((i) => i.text.length)).toEqual([6]);
    expect(buffer.take(6).map((i) => i.text.length)).toEqual([3, 3]);
    expect(buffer.empty).toBe(true);
  });
});

describe('BoundedBuffer overflow policies', () => {
  it('drop-oldest drops from the front, counted by symbol; clock advances are dropped uncounted', () => {
    const { push, drain, drops, dropped } = bufferOf('drop-oldest', { maxMessages: 2 });
    push('trade', 'BTCUSDT');
    push('adv');
    push('trade', 'ETHUSDT');
    push('trade', 'ETHUSDT');
    push('trade', 'BTCUSDT');
    expect(kindsOf(drain())).toEqual(['trade:ETHUSDT', 'trade:BTCUSDT']);
    expect(drops).toEqual({ 'reconnect-overflow': { BTCUSDT: 1, ETHUSDT: 1 } });
    expect(dropped()).toBe(2);
  });

  it('drop-oldest dropping a book item purges that symbol’s queued increments and marks it broken', () => {
    const { buffer, push, drain, drops } = bufferOf('drop-oldest', { maxMessages: 4 });
    push('book_snapshot', 'BTCUSDT');
    push('book_update', 'BTCUSDT');
    push('book_update', 'ETHUSDT');
    push('book_update', 'BTCUSDT');
    push('trade', 'BTCUSDT'); // over the limit: the snapshot goes, and the BTC increments with it
    expect(kindsOf(drain())).toEqual(['book_update:ETHUSDT', 'trade:BTCUSDT']);
    expect(drops).toEqual({
      'reconnect-overflow': { BTCUSDT: 1 },
      'increment-dropped': { BTCUSDT: 2 },
    });
    expect(buffer.takeBroken('ETHUSDT')).toBe(false);
    expect(buffer.takeBroken('BTCUSDT')).toBe(true);
    // Only once: the next book event is the snapshot that repairs it.
    expect(buffer.takeBroken('BTCUSDT')).toBe(false);
  });

  it('priority drops increments first, keeping snapshots and trades, and marks the symbol broken', () => {
    const { buffer, push, drain, drops } = bufferOf('priority', { maxMessages: 4 });
    push('book_snapshot', 'BTCUSDT');
    push('trade', 'BTCUSDT');
    push('book_update', 'ETHUSDT');
    push('book_update', 'BTCUSDT');
    push('trade', 'ETHUSDT'); // over: the oldest increment (ETH) goes
    expect(drops).toEqual({ 'reconnect-overflow': { ETHUSDT: 1 } });
    expect(buffer.takeBroken('ETHUSDT')).toBe(true);
    push('trade', 'ETHUSDT'); // over: the BTC increment goes
    expect(drops).toEqual({ 'reconnect-overflow': { ETHUSDT: 1, BTCUSDT: 1 } });
    expect(buffer.takeBroken('BTCUSDT')).toBe(true);
    expect(kindsOf(drain())).toEqual([
      'book_snapshot:BTCUSDT',
      'trade:BTCUSDT',
      'trade:ETHUSDT',
      'trade:ETHUSDT',
    ]);
  });

  it('priority drops other items before snapshots once no increment is left, snapshots last', () => {
    const { buffer, push, drain, drops } = bufferOf('priority', { maxMessages: 2 });
    push('book_snapshot', 'BTCUSDT');
    push('book_snapshot', 'ETHUSDT');
    push('trade', 'BTCUSDT'); // the trade is the only non-snapshot: it goes
    expect(kindsOf([...drainCopy(buffer)])).toEqual(['book_snapshot:BTCUSDT', 'book_snapshot:ETHUSDT']);
    push('book_snapshot', 'BTCUSDT'); // only snapshots: the oldest goes
    expect(kindsOf(drain())).toEqual(['book_snapshot:ETHUSDT', 'book_snapshot:BTCUSDT']);
    expect(drops).toEqual({ 'reconnect-overflow': { BTCUSDT: 2 } });
    expect(buffer.takeBroken('BTCUSDT')).toBe(true);
  });

  it('rate-adaptive never drops and reports itself full at either limit', () => {
    const byCount = bufferOf('rate-adaptive', { maxMessages: 3 });
    for (let i = 0; i < 2; i++) byCount.push('book_update');
    expect(byCount.buffer.full).toBe(false);
    byCount.push('book_update');
    expect(byCount.buffer.full).toBe(true);
    for (let i = 0; i < 5; i++) byCount.push('book_update');
    expect(byCount.buffer.length).toBe(8);
    expect(byCount.drain()).toHaveLength(8);
    expect(byCount.buffer.full).toBe(false);
    expect(byCount.dropped()).toBe(0);

    const byBytes = bufferOf('rate-adaptive', { maxBytes: 8 });
    byBytes.push('trade', 'BTCUSDT', 'abcd');
    expect(byBytes.buffer.full).toBe(false);
    byBytes.push('trade', 'BTCUSDT', 'efgh');
    expect(byBytes.buffer.full).toBe(true);
    expect(byBytes.dropped()).toBe(0);
  });

  it('drainInto moves everything in order and the receiving buffer applies its own limits', () => {
    const from = bufferOf('drop-oldest');
    const into = bufferOf('drop-oldest', { maxMessages: 2 });
    for (let i = 0; i < 4; i++) from.push('trade', 'BTCUSDT', `t${i}`);
    from.buffer.drainInto(into.buffer);
    expect(from.buffer.empty).toBe(true);
    expect(from.buffer.bytes).toBe(0);
    expect(into.drain().map((i) => i.text)).toEqual(['t2', 't3']);
    expect(into.drops).toEqual({ 'reconnect-overflow': { BTCUSDT: 2 } });
  });

  it('clear counts what was left under the given reason', () => {
    const { buffer, push, drops } = bufferOf('drop-oldest');
    push('trade', 'BTCUSDT');
    push('adv');
    push('book_update', 'ETHUSDT');
    buffer.clear('shutdown');
    expect(buffer.empty).toBe(true);
    expect(drops).toEqual({ shutdown: { BTCUSDT: 1, ETHUSDT: 1 } });
  });
});

/** The buffer's items without removing them (take everything, put it back). */
function drainCopy(buffer: BoundedBuffer): BufferedItem[] {
  const items = buffer.take(Number.MAX_SAFE_INTEGER);
  buffer.unshift(items);
  return items;
}

describe('BoundedBuffer property', () => {
  const op = fc.oneof(
    fc.record({
      op: fc.constant('push' as const),
      kind: fc.constantFrom<Kind>('trade', 'book_snapshot', 'book_update', 'quote', 'adv'),
      symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT'),
      size: fc.integer({ min: 1, max: 40 }),
    }),
    fc.record({ op: fc.constant('take' as const), budget: fc.integer({ min: 1, max: 120 }) }),
  );

  it('for any push/take sequence, every pushed event is delivered once, in order, or dropped (counted)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OVERFLOW_POLICIES),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(op, { maxLength: 200 }),
        (policy, maxMessages, maxBytes, ops) => {
          const { buffer, push, drain, dropped } = bufferOf(policy, { maxMessages, maxBytes });
          const delivered: BufferedItem[] = [];
          let pushed = 0;
          for (const o of ops) {
            if (o.op === 'push') {
              push(o.kind, o.symbol, 'x'.repeat(o.size));
              if (o.kind !== 'adv') pushed++;
            } else delivered.push(...buffer.take(o.budget));
            if (policy !== 'rate-adaptive') {
              expect(buffer.length).toBeLessThanOrEqual(maxMessages);
              expect(buffer.bytes).toBeLessThanOrEqual(maxBytes);
            }
          }
          delivered.push(...drain());
          const events = delivered.filter((i) => i.kind !== 'adv');
          expect(events.length + dropped()).toBe(pushed);
          const seqs = delivered.map((i) => i.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(new Set(seqs).size).toBe(seqs.length);
          expect(buffer.bytes).toBe(0);
          if (policy === 'rate-adaptive') expect(dropped()).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
