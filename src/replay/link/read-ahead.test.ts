import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '../events.js';
import { eventsOf, type ReplaySource } from '../source.js';
import { encodeItem } from './link-wire.js';
import { ReadAheadSource } from './read-ahead.js';

/** A full collection now (the test runner does not pass --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const RUN = 100;

/** A source of `runs` runs of RUN trades each, ids in order; `made` holds a weak reference to each run's first event. */
function runsSource(runs: number, made: WeakRef<ReplayEvent>[]): ReplaySource {
  async function* chunks(): AsyncGenerator<readonly ReplayEvent[]> {
    for (let r = 0; r < runs; r++) {
      const run: ReplayEvent[] = [];
      for (let i = 0; i < RUN; i++) {
        const id = r * RUN + i;
        run.push({
          exchange: 'binance',
          symbol: 'BTCUSDT',
          ts: id,
          kind: 'trade',
          data: { t: id },
          // Each event holds a buffer of its own, as a cache chunk's slices hold the chunk.
          wire: Buffer.alloc(1024, id % 256),
        });
      }
      made.push(new WeakRef(run[0]));
      yield run;
    }
  }
  return {
    symbols: ['BTCUSDT'],
    recordingStart: () => Promise.resolve(undefined),
    stats: () => ({}),
    pass: () => eventsOf(chunks()),
    chunks,
  };
}

describe('ReadAheadSource', () => {
  it('keeps the inner order and stays within its message bound, by one run at most', async () => {
    const made: WeakRef<ReplayEvent>[] = [];
    const source = new ReadAheadSource(runsSource(40, made), { maxMessages: 500, maxBytes: 1 << 30 });
    const seen: number[] = [];
    let mostHeld = 0;
    for await (const run of source.chunks(0, 0)) {
      for (const event of run) seen.push(event.ts);
      await sleep(1); // the filler runs ahead as far as the bound lets it
      mostHeld = Math.max(mostHeld, source.fill().messages);
    }
    expect(seen).toEqual(Array.from({ length: 40 * RUN }, (_, i) => i));
    expect(mostHeld).toBeGreaterThanOrEqual(500);
    expect(mostHeld).toBeLessThanOrEqual(500 + RUN);
    expect(source.fill()).toEqual({ messages: 0, bytes: 0 });
  });

  it('lets go of every run once it was taken, so a pass of cache chunks is not held in memory', async () => {
    const made: WeakRef<ReplayEvent>[] = [];
    const source = new ReadAheadSource(runsSource(60, made), { maxMessages: 300, maxBytes: 1 << 30 });
    let taken = 0;
    let stillHeld: number[] = [];
    for await (const run of source.chunks(0, 0)) {
      expect(run).toHaveLength(RUN);
      taken++;
      if (taken === 40) {
        await sleep(5); // a new job: the weak references made in earlier ones may be cleared
        collectGarbage();
        // The run in hand and its predecessor (the generator's own last step) may still be live,
        // and the engine may keep the odd one a little longer (a settled promise's value): what
        // must not happen is the pass piling up.
        stillHeld = made.slice(0, taken - 2).flatMap((ref, i) => (ref.deref() === undefined ? [] : [i]));
      }
    }
    expect(taken).toBe(60);
    expect(stillHeld.length).toBeLessThanOrEqual(2);
  });

  it("holds a venue source's parsed events as text, the whole book counted in its bytes, and reads them back the same", async () => {
    const levels = (from: number): [string, string][] =>
      Array.from({ length: 200 }, (_, i) => [String(from + i), '1.5']);
    const full = { bids: levels(100), asks: levels(400) };
    const update: ReplayEvent = {
      exchange: 'okx',
      symbol: 'BTC-USDT',
      ts: 7,
      kind: 'book_update',
      data: { bids: [['100', '2']], asks: [], ts: '7' },
      full,
      origin: {
        endpoint: 'api_v5_market_books',
        stored: 'BTC-USDT',
        file: 'f.jsonl',
        lineNumber: 3,
        capturedAt: 7,
      },
    };
    const trade: ReplayEvent = {
      exchange: 'okx',
      symbol: 'BTC-USDT',
      ts: 8,
      kind: 'trade',
      data: { tradeId: '9', px: '101' },
    };
    const inner: ReplaySource = {
      symbols: ['BTC-USDT'],
      recordingStart: () => Promise.resolve(undefined),
      stats: () => ({}),
      async *pass() {
        yield trade;
        yield update;
        yield { ...trade, ts: 9 };
      },
    };
    const source = new ReadAheadSource(inner, { maxMessages: 10, maxBytes: 1 << 20 });
    const out: ReplayEvent[] = [];
    let mostBytes = 0;
    for await (const event of source.pass(0, 0)) {
      await sleep(5); // the filler reads ahead meanwhile
      mostBytes = Math.max(mostBytes, source.fill().bytes);
      out.push(event);
    }
    expect(out.map((e) => [e.kind, e.ts, e.symbol, e.origin])).toEqual([
      ['trade', 8, 'BTC-USDT', undefined],
      ['book_update', 7, 'BTC-USDT', update.origin],
      ['trade', 9, 'BTC-USDT', undefined],
    ]);
    const [held, book] = out;
    expect(book.wire).toBe(encodeItem(update));
    expect(book.data).toEqual(update.data);
    expect(book.full).toEqual(full);
    expect(book.top).toEqual(['100', '1.5', '400', '1.5']);
    expect(JSON.parse(String(book.fullRaw))).toEqual(full);
    expect(held.data).toEqual(trade.data);
    expect(held.full).toBeUndefined();
    // The whole book is what the buffer holds most of: its bytes count against the bound.
    expect(mostBytes).toBeGreaterThan(JSON.stringify(full).length);
  });
});
