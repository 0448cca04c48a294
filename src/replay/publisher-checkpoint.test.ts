/**
 * The publisher's offset saves against the link: a save starts every N/2 messages and the replay
 * waits only while N sent messages are unsaved, so a crash repeats at most N and the link's
 * pipeline never drains for a save. Real offset files in a temp state dir; the sink stands in
 * for the link, its acks (`delivered`) released by the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { originOf, type ReplayEvent, type ReplaySink } from './events.js';
import { loadOffsetFile } from './offset-file.js';
import { ReplayPublisher } from './publisher.js';
import { SeriesPositions } from './series-positions.js';
import type { ReplaySource } from './source.js';

const EVENTS = 1000;
const N = 100;
const series = { platform: 'binance', endpoint: 'api_v3_historicalTrades', symbol: 'BTCUSDT' };

/** One trade per recorded line, one series. */
const source: ReplaySource = {
  symbols: ['BTCUSDT'],
  async *pass(): AsyncGenerator<ReplayEvent> {
    for (let i = 1; i <= EVENTS; i++) {
      const origin = originOf(series.endpoint, series.symbol, '/data/2024-01-02T14:30:00.000Z.jsonl', i, i);
      yield { exchange: 'binance', symbol: 'BTCUSDT', ts: 1_000 + i, kind: 'trade', data: { t: i }, origin };
    }
  },
  recordingStart: () => Promise.resolve(1_001),
  stats: () => ({}),
};

/** A sink whose acks wait for the test: `delivered()` notes how many were pushed when it was asked. */
class HeldLink implements ReplaySink {
  pushed = 0;
  readonly askedAt: number[] = [];
  auto = false;
  private held: Array<() => void> = [];

  push(): void {
    this.pushed++;
  }

  delivered(): Promise<void> {
    this.askedAt.push(this.pushed);
    if (this.auto) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }

  release(): void {
    for (const ack of this.held.splice(0)) ack();
  }
}

async function settled(link: HeldLink): Promise<number> {
  for (let last = -1; ;) {
    await sleep(30);
    if (link.pushed === last) return last;
    last = link.pushed;
  }
}

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tickstream-checkpoint-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('publisher offset saves', () => {
  it('start every N/2 messages, hold the replay only at N unsaved, and save the last message at the end', async () => {
    const logger = silentLogger();
    const publisher = new ReplayPublisher({
      source,
      speed: 'max',
      loop: false,
      logger,
      checkpointEvery: N,
      checkpointMs: 60_000,
      positions: (startFrom, reset) =>
        new SeriesPositions({
          platform: 'binance',
          stateDir,
          startFrom: startFrom ?? 'beginning',
          reset,
          everyMs: 60_000,
          logger,
        }),
    });
    const link = new HeldLink();
    const run = publisher.run(link);

    // No ack yet: saves were asked for at N/2 and N, and the replay stops at N unsaved.
    expect(await settled(link)).toBe(N);
    expect(link.askedAt).toEqual([N / 2, N]);

    // The acks come: the saves land and the replay goes on to the next N unsaved, never draining.
    link.release();
    const next = await settled(link);
    expect(next).toBeGreaterThan(N);
    expect(next).toBeLessThanOrEqual(2 * N);
    const saved = await loadOffsetFile(stateDir, series);
    expect(saved.kind).toBe('ok');
    if (saved.kind === 'ok') expect(next - saved.record.messagesPublished).toBeLessThanOrEqual(N);

    link.auto = true;
    link.release();
    await run;
    expect(link.pushed).toBe(EVENTS);
    const last = await loadOffsetFile(stateDir, series);
    expect(last.kind === 'ok' ? last.record.messagesPublished : -1).toBe(EVENTS);
  });
});
