import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { venueFor } from '../exchanges/index.js';
import { silentLogger } from '../core/logger.js';
import { ensureSampleData } from './sample-data.js';

describe('ensureSampleData', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('generates the missing venues on a pool of processes, one symbol at a time each, and leaves present ones alone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickstream-sample-'));
    dirs.push(root);
    const lines: Array<{ msg: string; exchange?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });

    await ensureSampleData(root, ['kraken', 'alpaca'], logger);

    const order = lines.map(
      (l) => `${l.msg === 'sample recordings generated' ? 'done' : 'start'}:${l.exchange}`,
    );
    // Both are announced before either finishes: their symbols share one pool.
    expect(order.slice(0, 2).sort()).toEqual(['start:alpaca', 'start:kraken']);
    expect(order.slice(2).sort()).toEqual(['done:alpaca', 'done:kraken']);
    for (const exchange of ['kraken', 'alpaca'] as const) {
      const source = await venueFor(exchange).openSource(root, silentLogger());
      expect([...source.symbols].sort()).toEqual(
        venueFor(exchange)
          .sampleSymbols.map((s) => venueFor(exchange).toNative(s))
          .sort(),
      );
    }

    lines.length = 0;
    await ensureSampleData(root, ['kraken', 'alpaca'], logger);
    expect(lines).toEqual([]);
  }, 60_000);
});
