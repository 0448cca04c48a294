/** The soak on a short run: `start` at --speed max with idle-reading clients, RSS sampled after warm-up. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { benchSoak, slope } from './soak.js';

describe('soak', () => {
  it('fits a least-squares slope', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2], [5, 5, 5])).toBe(0);
    expect(slope([1], [1])).toBeNaN();
  });

  it('runs start at --speed max under clients and reports both processes’ RSS slopes and the start process’s heap slope after warm-up', async () => {
    const figures = await benchSoak({
      minutes: 0.1,
      clients: 20,
      sampleMs: 250,
      exchanges: ['binance'],
      logger: silentLogger(),
    });
    expect(figures.map((f) => f.name)).toEqual([
      expect.stringMatching(/start process RSS/),
      expect.stringMatching(/start process JS heap/),
      expect.stringMatching(/publisher processes' RSS/),
      expect.stringMatching(/publisher processes' JS heaps/),
    ]);
    for (const f of figures.slice(0, 3)) {
      expect(f.unit).toBe('MB/min');
      expect(Number.isFinite(f.value)).toBe(true);
    }
    // The warm-up's slopes (the heap's needs two full collections in the first 1.2 s: not asked).
    expect(Number.isFinite(figures[0].baseline)).toBe(true);
    expect(Number.isFinite(figures[2].baseline)).toBe(true);
    expect(Number(figures[0].details.samples)).toBeGreaterThanOrEqual(8);
    expect(Number(figures[0].details.startRssMbAfterWarmup)).toBeGreaterThan(10); // a running process, MB
    expect(Number(figures[0].details.framesPerSecToClients)).toBeGreaterThan(0);
    // The heap is read after full collections: the replay flat out makes several in seconds.
    expect(Number(figures[1].details.heapSamples)).toBeGreaterThanOrEqual(2);
    expect(Number(figures[1].details.startHeapMbAfterWarmup)).toBeGreaterThan(5); // from its /metrics, MB
  }, 90_000);
});
