/**
 * `--speed 1` keeps historical intervals: over a minute of replay on the real clock, events go
 * out at their recorded offsets with no drift building up (issue 9: under 5 ms over a minute).
 * Lateness from timer jitter is allowed; what must not happen is lateness that grows.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { ReplayEvent } from './events.js';
import { ReplayPublisher } from './publisher.js';
import type { ReplaySource } from './source.js';

const START = Date.UTC(2026, 0, 5, 14, 30);
const STEP_MS = 100;
const SPAN_MS = 60_000;

/** A trade every STEP_MS over SPAN_MS of replay time. */
function steadySource(): ReplaySource {
  return {
    symbols: ['BTCUSDT'],
    async *pass(): AsyncGenerator<ReplayEvent> {
      for (let t = 0; t <= SPAN_MS; t += STEP_MS)
        yield { exchange: 'binance', symbol: 'BTCUSDT', ts: START + t, kind: 'trade', data: { t } };
    },
    recordingStart: async () => START,
    stats: () => ({}),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('pacing at --speed 1', () => {
  it('drifts less than 5 ms over a minute', async () => {
    const sent: Array<{ ts: number; wall: number }> = [];
    const publisher = new ReplayPublisher({
      source: steadySource(),
      speed: 1,
      loop: false,
      logger: silentLogger(),
    });
    await publisher.run({ push: (e) => sent.push({ ts: e.ts, wall: performance.now() }) });
    expect(sent).toHaveLength(SPAN_MS / STEP_MS + 1);
    const wall0 = sent[0].wall;
    const lateness = sent.map((s) => s.wall - wall0 - (s.ts - START));
    expect(
      lateness.every((l) => l >= -1),
      'nothing goes out early',
    ).toBe(true);
    const drift = median(lateness.slice(-50)) - median(lateness.slice(0, 50));
    expect(Math.abs(drift)).toBeLessThan(5);
  }, 75_000);
});
