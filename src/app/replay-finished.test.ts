import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import { startReplay } from './replay-stack.js';
import { SAMPLE_START_MS } from './sample-data.js';

describe('replay in publisher processes', () => {
  it('settles `finished` once every publisher process has played its recordings and exited', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickstream-finished-'));
    const stateDir = await mkdtemp(join(tmpdir(), 'tickstream-finished-state-'));
    const venue = venueFor('binance');
    await venue.generate({
      root,
      seed: 'finished',
      startMs: SAMPLE_START_MS,
      minutes: 1,
      symbols: ['BTC/USDT'],
    });
    const stack = await startReplay({
      root,
      exchanges: ['binance'],
      speed: 'max',
      loop: false,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      config: configSchema.parse({ logLevel: 'silent' }),
      stateDir,
      processes: true,
    });
    try {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        stack.finished.then(() => 'finished'),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 40_000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe('finished');
      const info = stack.processes?.supervisor.info() ?? [];
      expect(info.map((i) => [i.exchange, i.finished, i.lastExit?.code])).toEqual([['binance', true, 0]]);
      expect(stack.publishers.get('binance')?.view().state).toBe('finished');
      // The publisher's own figures, from its last status report, on the hub's /metrics.
      const text = await (await fetch(`http://127.0.0.1:${stack.port}/metrics`)).text();
      const figure = (name: string): number | undefined => {
        const m = new RegExp(`^tickstream_publisher_${name}\\{exchange="binance"\\} (\\S+)$`, 'm').exec(text);
        return m === null ? undefined : Number(m[1]);
      };
      const rss = figure('rss_bytes') ?? 0;
      expect(rss).toBeGreaterThan(10 << 20);
      expect(figure('messages_published')).toBe(stack.publishers.get('binance')?.view().published);
      // Present once the publisher made a full collection; then a part of its resident memory.
      const heap = figure('heap_live_bytes');
      if (heap !== undefined) expect(heap > 1 << 20 && heap < rss).toBe(true);
    } finally {
      await stack.close();
      await rm(root, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
