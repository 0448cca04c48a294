import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import { listRecordingFiles } from '../storage/layout.js';
import { parseIntervals } from './intervals.js';
import type { RecordPlan } from './plan.js';
import { Recorder } from './recorder.js';
import {
  startToyExchange,
  toyPlan,
  type ToyExchange,
  type ToyPlanOptions,
  type ToyTrade,
} from './test-support/toy-exchange.js';

const NO_OVERRIDES = parseIntervals(undefined, []);
const dirs: string[] = [];
let recorder: Recorder | undefined;

async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-record-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await recorder?.stop();
  recorder = undefined;
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const BASE: ToyPlanOptions = {
  symbols: ['AAA'],
  limit: 5,
  trades: 'trades',
  tradesWeight: 1,
  depthWeight: 1,
  rateLimits: [{ name: 'weight', limit: 1000, windowMs: 1000, scope: 'venue' }],
  tradesIntervalMs: 50,
  depthIntervalMs: 200,
};

async function record(exchange: ToyExchange, root: string, plan: RecordPlan, logger = captureLogs().logger) {
  recorder = await Recorder.start({
    root,
    plans: [plan],
    intervals: NO_OVERRIDES,
    upstream: exchange.url,
    logger,
  });
  return recorder;
}

/** Every line of every file of a series, parsed; a torn or unparsable line fails the test. */
async function recordedLines(root: string, endpoint: string, symbol: string) {
  const lines: Array<{ ts: number; request: { params: Record<string, unknown> }; data: unknown }> = [];
  for (const file of await listRecordingFiles(root, 'toy', endpoint, symbol)) {
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n'), `${file} ends with a whole line`).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) lines.push(JSON.parse(line));
  }
  return lines;
}

function tradeIds(lines: Array<{ data: unknown }>): number[] {
  return lines.flatMap((l) => (l.data as ToyTrade[]).map((t) => t.id));
}

describe('Recorder against a real HTTP exchange', () => {
  let exchange: ToyExchange;
  beforeAll(async () => {
    exchange = await startToyExchange({ printPerRequest: 3 });
  });
  afterAll(async () => {
    await exchange.close();
  });

  it('never takes more weight than a limit allows in any window, venue-wide and per endpoint', async () => {
    const root = await tempRoot();
    const rules = [
      { name: 'venue weight', limit: 30, windowMs: 1000, scope: 'venue' as const },
      { name: 'per endpoint', limit: 16, windowMs: 1000, scope: 'endpoint' as const },
    ];
    const plan = toyPlan({
      ...BASE,
      symbols: ['W1', 'W2'],
      tradesWeight: 4,
      depthWeight: 2,
      rateLimits: rules,
      tradesIntervalMs: 10,
      depthIntervalMs: 10,
    });
    const started = exchange.requests.length;
    await record(exchange, root, plan);
    await new Promise((r) => setTimeout(r, 2600));
    await recorder?.stop();
    const seen = exchange.requests
      .slice(started)
      .map((r) => ({ ...r, weight: r.path === '/toy/trades' ? 4 : 2 }));
    // Saturated: the budget was used, in more than one window.
    expect(seen.reduce((sum, r) => sum + r.weight, 0)).toBeGreaterThan(30);
    for (const r of seen) {
      const window = seen.filter((o) => o.at > r.at - 1000 && o.at <= r.at);
      expect(window.reduce((sum, o) => sum + o.weight, 0)).toBeLessThanOrEqual(30);
      const same = window.filter((o) => o.path === r.path);
      expect(same.reduce((sum, o) => sum + o.weight, 0)).toBeLessThanOrEqual(16);
    }
  });

  it('holds every request of the venue for a 429’s Retry-After, logs it and counts it', async () => {
    const root = await tempRoot();
    const { logger, lines } = captureLogs();
    const started = exchange.requests.length;
    exchange.rateLimitNext(1, 1);
    await record(exchange, root, toyPlan({ ...BASE, symbols: ['R1'] }), logger);
    await until(() => exchange.requests.length >= started + 3, 10_000, 'requests after the 429');
    const [limited, ...later] = exchange.requests.slice(started);
    // Only a request already on its way when the 429 came may arrive before Retry-After is over.
    const early = later.filter((r) => r.at - limited.at < 990);
    expect(early.length).toBeLessThanOrEqual(1);
    expect(early.every((r) => r.at - limited.at < 100)).toBe(true);
    expect(later.some((r) => r.at - limited.at >= 990)).toBe(true);
    expect(recorder?.progress()[0].stats.rateLimited).toBe(1);
    expect(lines.some((l) => l.msg.includes('rate limited') && l.retryAfterMs === 1000)).toBe(true);
  });

  it('counts a trade poll that does not reach back to the last recorded trade as a gap and polls sooner', async () => {
    const root = await tempRoot();
    const { logger, lines } = captureLogs();
    const gappy = await startToyExchange({ printPerRequest: 8 });
    try {
      const plan = toyPlan({ ...BASE, symbols: ['G1'], trades: 'latest', tradesIntervalMs: 400 });
      await record(gappy, root, plan, logger);
      await new Promise((r) => setTimeout(r, 1500));
      await recorder?.stop();
      const polls = gappy.requests.filter((r) => r.path === '/toy/latest').length;
      const gaps = recorder?.progress()[0].stats.gaps ?? 0;
      // Every poll after the first misses trades; the one cut short by the stop may not be counted.
      expect(gaps).toBeGreaterThanOrEqual(polls - 2);
      expect(gaps).toBeLessThanOrEqual(polls - 1);
      // Fixed at 400 ms that would be at most 4 polls; halving after each gap makes it more.
      expect(polls).toBeGreaterThan(5);
      expect(lines.filter((l) => l.msg.includes('did not overlap')).length).toBe(gaps);
    } finally {
      await gappy.close();
    }
  });

  it('follows a full page at once by trade id: every trade recorded, no gap', async () => {
    const root = await tempRoot();
    const busy = await startToyExchange({ printPerRequest: 8 });
    try {
      await record(busy, root, toyPlan({ ...BASE, symbols: ['F1'], tradesIntervalMs: 10_000 }));
      await until(() => busy.printed('F1') >= 40, 10_000, 'trades printed');
      await recorder?.stop();
      const ids = [...new Set(tradeIds(await recordedLines(root, 'toy_trades', 'F1')))];
      expect(ids.length).toBeGreaterThan(15);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0] + i));
      expect(recorder?.progress()[0].stats.gaps).toBe(0);
    } finally {
      await busy.close();
    }
  });

  it('stops with whole lines on disk, and a new run continues from the last recorded trade', async () => {
    const root = await tempRoot();
    const plan = toyPlan({ ...BASE, symbols: ['S1'] });
    await record(exchange, root, plan);
    await until(() => (recorder?.progress()[0].stats.records ?? 0) >= 10, 10_000, 'first run records');
    await recorder?.stop();
    const first = await recordedLines(root, 'toy_trades', 'S1');
    const lastId = Math.max(...tradeIds(first));
    const started = exchange.requests.length;

    await record(exchange, root, plan);
    await until(() => (recorder?.progress()[0].stats.records ?? 0) >= 10, 10_000, 'second run records');
    await recorder?.stop();
    const resumed = exchange.requests.slice(started).find((r) => r.path === '/toy/trades');
    expect(resumed?.fromId).toBe(lastId);
    const files = await listRecordingFiles(root, 'toy', 'toy_trades', 'S1');
    expect(files.length).toBe(2);
    const all = tradeIds(await recordedLines(root, 'toy_trades', 'S1'));
    const distinct = [...new Set(all)].sort((a, b) => a - b);
    expect(distinct).toEqual(Array.from({ length: distinct.length }, (_, i) => 1 + i));
    // The only repeats are the one trade each poll shares with the previous one.
    const polls = (await recordedLines(root, 'toy_trades', 'S1')).length;
    expect(all.length - distinct.length).toBeLessThanOrEqual(polls - 1);
  });
});
