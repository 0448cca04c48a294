import { setTimeout as sleep } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '../events.js';
import { eventsOf, type ReplaySource } from '../source.js';
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
});
