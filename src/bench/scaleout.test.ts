import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { redisAvailable } from '../test-support/redis.js';
import { benchScaleOut } from './scaleout.js';

describe.skipIf(!redisAvailable())('benchScaleOut', () => {
  it('measures two Socket.IO instances, then two gateways, on one redis-server each, 10 clients split across them', async () => {
    const figures = await benchScaleOut({
      clients: 10,
      messages: 50,
      perTurn: 5,
      rateSeconds: 1,
      logger: silentLogger(),
    });
    expect(figures.map((f) => f.unit)).toEqual(['deliveries/s', 'ms', 'ms']);
    const [throughput, p50, p99] = figures;
    expect(throughput.baseline).toBeGreaterThan(0);
    expect(p50.baseline).toBeGreaterThan(0);
    expect(p99.baseline).toBeGreaterThanOrEqual(p50.baseline);
    // Every client got every fixed-rate message.
    expect(throughput.details.baselineFixedRateDelivered).toBe(throughput.details.baselineFixedRateExpected);
    expect(throughput.details.baselineClosed).toBe(0);
    // Tickstream's side, measured the same way.
    expect(throughput.value).toBeGreaterThan(0);
    expect(p99.value).toBeGreaterThanOrEqual(p50.value);
    expect(throughput.details.fixedRateDelivered).toBe(throughput.details.fixedRateExpected);
    expect(throughput.details.closed).toBe(0);
  }, 60_000);

  it('refuses a client count below 2, naming it', async () => {
    await expect(
      benchScaleOut({ clients: 1, messages: 1, perTurn: 1, rateSeconds: 1, logger: silentLogger() }),
    ).rejects.toThrow(/clients must be.*got 1/);
  });
});
