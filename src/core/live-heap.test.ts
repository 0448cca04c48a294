/** The live-heap figure is read at a full collection, and only then. */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { IngestMetrics } from '../gateway/metrics.js';
import { liveHeapBytes } from './live-heap.js';

/** A full collection now (the test runner does not pass --expose-gc). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Observer callbacks come after the collection, on a later turn. */
async function untilSet(before: number | undefined): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const now = liveHeapBytes();
    if (now !== undefined && now !== before) return now;
    await sleep(10);
  }
  throw new Error('no full collection was observed');
}

describe('liveHeapBytes', () => {
  it('reads the heap in use at a full collection, within what the heap holds', async () => {
    const before = liveHeapBytes();
    // Something to keep, so the reading after the collection differs from any earlier one.
    const kept = Array.from({ length: 50_000 }, (_, i) => ({ i }));
    fullGc();
    const live = await untilSet(before);
    expect(live).toBeGreaterThan(1 << 20);
    expect(live).toBeLessThanOrEqual(process.memoryUsage().heapTotal);
    expect(kept).toHaveLength(50_000);
  });

  it('is on the gateway /metrics as tickstream_heap_live_bytes', async () => {
    const metrics = new IngestMetrics();
    fullGc();
    await untilSet(undefined);
    expect(await metrics.text()).toMatch(/^tickstream_heap_live_bytes \d+$/m);
  });
});
