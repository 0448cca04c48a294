import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { PROMISED_FAILOVER_MS, benchFailoverTime } from './failover-time.js';

describe('benchFailoverTime', () => {
  it('measures kill → first aggregated message from the secondary against the hub, beside the 8 s promise', async () => {
    const f = await benchFailoverTime({ logger: silentLogger(), runs: 1 });
    expect(f.unit).toBe('ms');
    expect(f.better).toBe('lower');
    expect(f.baseline).toBe(PROMISED_FAILOVER_MS);
    expect(Number.isFinite(f.value)).toBe(true);
    expect(f.value).toBeGreaterThanOrEqual(0);
    // A killed connection fails over at once (no silence to wait out): well inside the promise.
    expect(f.value).toBeLessThan(PROMISED_FAILOVER_MS);
    expect(f.details).toMatchObject({ runs: 1, minMs: f.value, maxMs: f.value });
    expect(f.details.medianSwitchMs).toBeGreaterThanOrEqual(0);
    expect(f.details.medianSwitchMs as number).toBeLessThanOrEqual(f.value);
  }, 40_000);

  it('refuses a run count that is not a whole number ≥ 1, naming it', async () => {
    await expect(benchFailoverTime({ logger: silentLogger(), runs: 0 })).rejects.toThrow(
      /runs must be.*got 0/,
    );
  });
});
