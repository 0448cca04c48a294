/**
 * The fan-out bench on a small load, to keep it honest: every client gets exactly its streams'
 * messages (the bench waits for that count, so a lost or doubled delivery would hang or fail it),
 * and the half-load phase reads latencies from the sampled clients.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { benchFanout } from './fanout.js';

describe('benchFanout', () => {
  it('measures the gateway beside both baselines over several streams, then its latency at half load', async () => {
    const figures = await benchFanout({
      clients: 40,
      perTurn: 2,
      messages: 400,
      naiveMessages: 100,
      streams: 4,
      streamsPerClient: 2,
      latencySeconds: 0.5,
      logger: silentLogger(),
    });
    expect(figures.map((f) => f.name)).toEqual([
      expect.stringMatching(
        /^gateway fan-out \(40 clients, 4 streams, 2 per client, 2 msg\/turn, saturated\) vs naive/,
      ),
      expect.stringMatching(/vs pre-framed ws$/),
      expect.stringMatching(/^gateway fan-out p99 latency at half of saturation .* vs the 25 ms goal$/),
    ]);
    for (const f of figures.slice(0, 2)) {
      expect(f.value).toBeGreaterThan(0);
      expect(f.baseline).toBeGreaterThan(0);
    }
    const latency = figures[2];
    expect(latency.better).toBe('lower');
    expect(latency.value).toBeGreaterThan(0);
    expect(latency.details.p50Ms).toBeLessThanOrEqual(latency.value);
    expect(Number(latency.details.sampledDeliveries)).toBeGreaterThan(0);
  }, 60_000);
});
