import { describe, expect, it } from 'vitest';
import { benchOffsetCost } from './offset-cost.js';

describe('benchOffsetCost', () => {
  it('reports one figure per save interval, each measured beside the loop without offsets', async () => {
    const figures = await benchOffsetCost({ messages: 200, rounds: 1 });
    expect(figures.map((f) => f.details.everyMessages)).toEqual([1, 10, 100]);
    for (const f of figures) {
      expect(f.unit).toBe('µs');
      expect(f.better).toBe('lower');
      expect(f.value).toBeGreaterThan(0);
      expect(f.baseline).toBeGreaterThan(0);
      expect(f.ratio).toBeCloseTo(f.value / f.baseline);
    }
  });
});
