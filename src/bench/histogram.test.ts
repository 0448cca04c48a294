import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';

describe('LatencyHistogram', () => {
  it('reads nearest-rank percentiles at 0.1 ms below 1 s and 1 ms above, after a merge over IPC pairs', () => {
    const worker = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) worker.record(i); // 1 … 100 ms
    worker.record(2500.4);
    const merged = new LatencyHistogram();
    merged.merge(JSON.parse(JSON.stringify(worker.pairs())) as ReturnType<LatencyHistogram['pairs']>);
    expect(merged.count).toBe(101);
    expect(merged.percentile(0.5)).toBeCloseTo(51.1, 5); // the 51st value, 51 ms, in [51.0, 51.1)
    expect(merged.percentile(0.99)).toBeCloseTo(100.1, 5);
    expect(merged.percentile(1)).toBe(2501);
  });

  it('puts negative and non-numeric latencies in the first bucket, and is NaN when empty', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.5)).toBeNaN();
    h.record(-3);
    h.record(Number.NaN);
    expect(h.percentile(1)).toBeCloseTo(0.1, 5);
    h.reset();
    expect(h.count).toBe(0);
  });
});
