/**
 * Graceful stop, then start again on the same state directory (issue 9): every event of every
 * endpoint and symbol of all four venues reaches the hub exactly once across the two runs — no
 * gap, no repeat — through the shipped process layout. A new hub starts each book of the second
 * run from a whole snapshot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../../src/app/replay-stack.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { EXCHANGES, type Exchange } from '../../src/core/types.js';
import { venueFor } from '../../src/exchanges/index.js';
import type { ReplayEvent } from '../../src/replay/events.js';
import { until } from '../../src/test-support/until.js';

const START = Date.UTC(2026, 0, 5, 14, 30);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-restart-'));
  for (const exchange of EXCHANGES) {
    const venue = venueFor(exchange);
    await venue.generate({
      root,
      seed: 'restart',
      startMs: START,
      minutes: 2,
      symbols: venue.sampleSymbols.slice(0, 2),
    });
  }
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** One event's identity: a book record by its time, anything else by its data. */
function key(e: ReplayEvent): string {
  if (e.kind === 'book_snapshot' || e.kind === 'book_update') return `book|${e.symbol}|${e.ts}`;
  return `${e.kind}|${e.symbol}|${JSON.stringify(e.data)}`;
}

async function run(
  speed: number | 'max',
  seen: Map<Exchange, ReplayEvent[]>,
  until_: (stack: ReplayStack) => Promise<void>,
): Promise<void> {
  const stack = await startReplay({
    root,
    exchanges: [...EXCHANGES],
    speed,
    loop: false,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    config: configSchema.parse({ checkpointEvery: 30, logLevel: 'silent' }),
    paused: true,
    stateDir: join(root, 'state'),
    processes: true,
  });
  const push = stack.hub.push.bind(stack.hub);
  stack.hub.push = (event: ReplayEvent) => {
    seen.get(event.exchange)?.push(event);
    push(event);
  };
  try {
    await until(
      () => stack.processes!.receiver.connected().length === EXCHANGES.length,
      20_000,
      'every link',
    );
    const res = await fetch(`http://127.0.0.1:${stack.port}/control/replay`, {
      method: 'POST',
      body: '{"action":"resume"}',
    });
    expect(res.status).toBe(200);
    await until_(stack);
  } finally {
    await stack.close();
  }
}

describe('graceful stop and restart', () => {
  it('delivers every recorded event of every endpoint and symbol exactly once', async () => {
    const seen = new Map<Exchange, ReplayEvent[]>(EXCHANGES.map((e) => [e, []]));
    await run(4, seen, () => new Promise((r) => setTimeout(r, 2500)));
    const firstRun = new Map([...seen].map(([e, list]) => [e, list.length]));
    for (const [exchange, n] of firstRun)
      expect(n, `${exchange} published in the first run`).toBeGreaterThan(0);
    await run('max', seen, (stack) =>
      until(() => stack.processes!.supervisor.allFinished, 60_000, 'the end'),
    );

    for (const exchange of EXCHANGES) {
      const source = await venueFor(exchange).openSource(root, silentLogger());
      const expected: string[] = [];
      for await (const event of source.pass(0, 0)) expected.push(key(event));
      const received = (seen.get(exchange) ?? []).map(key);
      expect(received.length, `${exchange}: events across both runs`).toBe(expected.length);
      expect(received, `${exchange}: the recordings, once each, in order`).toEqual(expected);
      // The second run's hub is new: its first book event of each symbol is a whole snapshot.
      const second = (seen.get(exchange) ?? []).slice(firstRun.get(exchange));
      const firstBooks = new Map<string, ReplayEvent>();
      for (const e of second)
        if ((e.kind === 'book_snapshot' || e.kind === 'book_update') && !firstBooks.has(e.symbol))
          firstBooks.set(e.symbol, e);
      for (const [symbol, e] of firstBooks) expect(e.kind, `${exchange} ${symbol}`).toBe('book_snapshot');
    }
  }, 180_000);
});
