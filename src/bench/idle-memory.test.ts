import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { benchSseMemory, benchWsMemory } from './idle-memory.js';

describe('benchSseMemory', () => {
  it('opens idle SSE connections from two worker processes against the gateway and the hand-built baseline, RSS per connection', async () => {
    const f = await benchSseMemory({ connections: 30, warmup: 10, workers: 2, logger: silentLogger() });
    expect(f.unit).toBe('B');
    expect(f.better).toBe('lower');
    expect(Number.isFinite(f.baseline)).toBe(true);
    expect(Number.isFinite(f.value)).toBe(true);
    expect(Number.isFinite(f.details.heapPerConnection)).toBe(true);
    expect(f.details).toMatchObject({ connections: 30, measuredConnections: 20, warmupConnections: 10 });
  }, 60_000);

  it('refuses a warm-up that leaves nothing to measure, naming it', async () => {
    await expect(
      benchSseMemory({ connections: 10, warmup: 10, workers: 1, logger: silentLogger() }),
    ).rejects.toThrow(/warmup must be.*got 10/);
  });
});

describe('benchWsMemory', () => {
  it('opens idle subscribed WebSocket connections from two worker processes against the gateway, a bare ws server and a library-free socket floor, RSS per connection', async () => {
    const f = await benchWsMemory({ connections: 30, warmup: 10, workers: 2, logger: silentLogger() });
    expect(f.name).toBe('memory per idle WebSocket connection (30 open, 1 stream each)');
    expect(f.better).toBe('lower');
    expect(Number.isFinite(f.baseline)).toBe(true);
    expect(Number.isFinite(f.value)).toBe(true);
    // The floor server answered every SUBSCRIBE (the fleet waits for each reply) and was sampled.
    expect(Number.isFinite(f.details.floorPerConnection)).toBe(true);
    expect(f.details).toMatchObject({ connections: 30, measuredConnections: 20, warmupConnections: 10 });
  }, 60_000);
});
