/**
 * Where a replay starts, through the in-process replay stack (`startReplay` with a state
 * directory) on a generated Binance trades recording: a missing state directory, each
 * `--start-from` mode, `--reset`, a corrupt offset file, and a saved offset winning otherwise. A
 * plain `ws` consumer of the trade stream records what the hub published.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startReplay } from '../app/replay-stack.js';
import { configSchema } from '../config/schema.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import { listRecordingFiles } from '../storage/layout.js';
import { readRecords } from '../storage/reader.js';
import { captureLogs, LOG_LEVEL } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import { loadOffsetFile, offsetFilePath } from './offset-file.js';
import type { StartFrom } from './offsets.js';

const SYMBOL = 'BTCUSDT';
const TRADES = 'api_v3_historicalTrades';
const SERIES = { platform: 'binance', endpoint: TRADES, symbol: SYMBOL };

let temp: string;
let dataDir: string;
/** Every recorded trade, ascending by id, with its time. */
let recorded: { id: number; time: number }[];
/** The last line of the recording and its file name. */
let lastLine: { file: string; lineNumber: number };
let stateCount = 0;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'tickstream-offsets-modes-'));
  const generated = join(temp, 'generated');
  await venueFor('binance').generate({
    root: generated,
    seed: 'offsets-modes',
    startMs: Date.UTC(2026, 0, 5, 14),
    minutes: 1,
    symbols: ['BTC/USDT'],
  });
  // Trades only: every message of the replay is one trade of one series.
  dataDir = join(temp, 'data');
  await cp(join(generated, 'binance', TRADES), join(dataDir, 'binance', TRADES), { recursive: true });
  const byId = new Map<number, number>();
  const files = await listRecordingFiles(dataDir, 'binance', TRADES, SYMBOL);
  for await (const { record, file, lineNumber } of readRecords<{ id: number; time: number }[]>(files)) {
    for (const t of record.data) byId.set(t.id, t.time);
    lastLine = { file: basename(file), lineNumber };
  }
  recorded = [...byId].sort((a, b) => a[0] - b[0]).map(([id, time]) => ({ id, time }));
}, 60_000);
afterAll(() => rm(temp, { recursive: true, force: true }));

/** A state directory of its own for one test, not created yet. */
function freshStateDir(): string {
  return join(temp, `state-${++stateCount}`, 'nested', 'offsets');
}

interface RunOptions {
  readonly stateDir: string;
  readonly startFrom?: StartFrom;
  readonly reset?: boolean;
  readonly fallback?: StartFrom;
  readonly logger?: Logger;
  /** Stop the replay gracefully once the consumer saw this many trades (default: play to the end). */
  readonly stopAfter?: number;
}

/** Replays the recording (paused until the consumer is on) and returns the trades it saw. */
async function replay(o: RunOptions): Promise<{ ids: number[]; times: number[] }> {
  const stopping = o.stopAfter !== undefined;
  const stack = await startReplay({
    root: dataDir,
    exchanges: ['binance'],
    // A stop mid-way needs a replay that takes a while; otherwise as fast as it goes.
    speed: stopping ? 20 : 'max',
    loop: false,
    host: '127.0.0.1',
    port: 0,
    logger: o.logger ?? silentLogger(),
    config: configSchema.parse({ offsetFallback: o.fallback, checkpointEvery: 50 }),
    paused: true,
    stateDir: o.stateDir,
    startFrom: o.startFrom,
    reset: o.reset,
  });
  const ids: number[] = [];
  const times: number[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${stack.port}/binance/ws/${SYMBOL.toLowerCase()}@trade`);
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as { e: string; t: number; T: number };
    // The hub closing says `serverShutdown`, as Binance does.
    if (event.e !== 'trade') return;
    ids.push(event.t);
    times.push(event.T);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await stack.publishers.get('binance')?.apply({ action: 'resume' });
    if (o.stopAfter !== undefined) {
      const n = o.stopAfter;
      await until(() => ids.length >= n, 20_000, `${n} trades`);
    } else await stack.finished;
    const published = () => stack.hub.health().venues[0].counters.trades ?? 0;
    await until(() => ids.length === published(), 5000, 'the consumer to catch up with the hub');
  } finally {
    // A graceful stop: the publisher saves its offsets.
    await stack.close();
    ws.terminate();
  }
  return { ids, times };
}

const allIds = (): number[] => recorded.map((t) => t.id);

describe('offsets start modes', () => {
  it('creates a missing state directory and saves the offset of the last message published', async () => {
    const stateDir = freshStateDir();
    const { ids } = await replay({ stateDir });
    expect(ids).toEqual(allIds());
    const loaded = await loadOffsetFile(stateDir, SERIES);
    if (loaded.kind !== 'ok') throw new Error(`no offset saved: ${JSON.stringify(loaded)}`);
    expect(loaded.path).toBe(offsetFilePath(stateDir, SERIES));
    expect(loaded.record).toMatchObject({
      ...SERIES,
      currentFile: lastLine.file,
      lineNumber: lastLine.lineNumber,
      messagesPublished: recorded.length,
    });
  });

  it('--start-from beginning plays every trade from the first', async () => {
    const { ids } = await replay({ stateDir: freshStateDir(), startFrom: 'beginning' });
    expect(ids[0]).toBe(recorded[0].id);
    expect(ids).toEqual(allIds());
  });

  it('--start-from latest plays nothing already recorded', async () => {
    const { ids } = await replay({ stateDir: freshStateDir(), startFrom: 'latest' });
    expect(ids).toEqual([]);
  });

  it('--start-from <unix ms> starts at the first trade at or after that time', async () => {
    const at = recorded[Math.floor(recorded.length / 2)].time;
    const { ids, times } = await replay({ stateDir: freshStateDir(), startFrom: at });
    expect(ids).toEqual(recorded.filter((t) => t.time >= at).map((t) => t.id));
    expect(times[0]).toBeGreaterThanOrEqual(at);
    expect(recorded.some((t) => t.time < at)).toBe(true);
  });

  it('a saved offset wins over --start-from: a graceful stop and restart has no gap and no duplicate', async () => {
    const stateDir = freshStateDir();
    const first = await replay({ stateDir, stopAfter: Math.floor(recorded.length / 3) });
    expect(first.ids.length).toBeLessThan(recorded.length);
    const saved = await loadOffsetFile(stateDir, SERIES);
    if (saved.kind !== 'ok') throw new Error(`no offset saved: ${JSON.stringify(saved)}`);
    expect(saved.record.messagesPublished).toBe(first.ids.length);
    // `latest` would play nothing: the saved offset decides instead.
    const second = await replay({ stateDir, startFrom: 'latest' });
    expect(second.ids[0]).toBe(first.ids[first.ids.length - 1] + 1);
    expect([...first.ids, ...second.ids]).toEqual(allIds());
  });

  it('--reset ignores a saved offset', async () => {
    const stateDir = freshStateDir();
    await replay({ stateDir, stopAfter: 100 });
    const { ids } = await replay({ stateDir, reset: true });
    expect(ids).toEqual(allIds());
  });

  it('logs a corrupt offset file with its path and applies the configured fallback', async () => {
    const stateDir = freshStateDir();
    await replay({ stateDir, stopAfter: 100 });
    const path = offsetFilePath(stateDir, SERIES);
    await writeFile(path, '{"platform":"binance","lineNumber":');
    const at = recorded[Math.floor((recorded.length * 3) / 4)].time;
    const { logger, lines } = captureLogs('info');
    const { ids } = await replay({ stateDir, startFrom: 'beginning', fallback: at, logger });
    // Neither the saved position (unreadable) nor `beginning`: the fallback time.
    expect(ids).toEqual(recorded.filter((t) => t.time >= at).map((t) => t.id));
    const warned = lines.filter((l) => l.level === LOG_LEVEL.warn && l.msg.includes(path));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ path, fallback: at });
    // The run saved a good offset over the corrupt one.
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ messagesPublished: recorded.length });
  });
});
