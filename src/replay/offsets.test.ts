import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listRecordingFiles } from '../storage/layout.js';
import type { ReadItem } from '../storage/reader.js';
import { readSeries, type SeriesId } from '../storage/series.js';
import { RecordingWriter } from '../storage/writer.js';
import { captureLogs, LOG_LEVEL } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import { loadOffsetFile, offsetFilePath, writeOffsetFile, type OffsetRecord } from './offset-file.js';
import { OffsetTracker, parseStartFrom, readSeriesFrom, resolveStart, type StartFrom } from './offsets.js';

const SERIES: SeriesId = { platform: 'kraken', endpoint: '0_public_Trades', symbol: 'BTC/USD' };
const T0 = Date.UTC(2026, 0, 5, 14);
/** Three recordings of five records each (the writer starts a new file every 5 s of capture time). */
const TIMES = Array.from({ length: 15 }, (_, i) => T0 + i * 1000);

type Seen = [file: string, lineNumber: number, ts: number];
const seen = (item: ReadItem<unknown>): Seen => [basename(item.file), item.lineNumber, item.record.ts];

async function collect(items: AsyncIterable<ReadItem<unknown>>): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const item of items) out.push(seen(item));
  return out;
}

const message = (item: ReadItem<unknown>) => ({
  file: item.file,
  lineNumber: item.lineNumber,
  timestamp: item.record.ts,
});

let dataDir: string;
let stateDir: string;
let all: ReadItem<unknown>[];

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'tickstream-offsets-'));
  dataDir = join(root, 'data');
  stateDir = join(root, 'state');
  const writer = new RecordingWriter({ root: dataDir, ...SERIES, maxFileAgeMs: 5000 });
  for (const ts of TIMES) {
    await writer.write({
      ts,
      request: { path: '/0/public/Trades', params: { pair: 'XBTUSD' } },
      data: {
        error: [],
        result: { XXBTZUSD: [['91234.5', '0.01', ts / 1000, 'b', 'l', '', ts]], last: `${ts}` },
      },
    });
  }
  await writer.close();
  all = [];
  for await (const item of readSeries(dataDir, SERIES)) all.push(item);
});
afterEach(() => rm(join(dataDir, '..'), { recursive: true, force: true }));

function tracker(options: Partial<ConstructorParameters<typeof OffsetTracker>[0]> = {}): OffsetTracker {
  return new OffsetTracker({
    stateDir,
    series: SERIES,
    everyMessages: 5,
    everyMs: 60_000,
    logger: captureLogs().logger,
    ...options,
  });
}

async function savedLine(): Promise<number | undefined> {
  const loaded = await loadOffsetFile(stateDir, SERIES);
  return loaded.kind === 'ok' ? loaded.record.lineNumber : undefined;
}

describe('OffsetTracker', () => {
  it('saves every N messages, with every field of the last one published', async () => {
    expect(all).toHaveLength(15);
    const t = tracker({ everyMessages: 3, now: () => T0 + 99_000 });
    for (let i = 0; i < 2; i++) expect(t.published(message(all[i]))).toBeUndefined();
    expect(await savedLine()).toBeUndefined();
    await t.published(message(all[2]));
    const loaded = await loadOffsetFile(stateDir, SERIES);
    expect(loaded).toEqual({
      kind: 'ok',
      path: offsetFilePath(stateDir, SERIES),
      record: {
        ...SERIES,
        currentFile: basename(all[2].file),
        lineNumber: 3,
        lastTimestamp: TIMES[2],
        messagesPublished: 3,
        lastUpdated: new Date(T0 + 99_000).toISOString(),
      },
    });
    for (let i = 3; i < 5; i++) expect(t.published(message(all[i]))).toBeUndefined();
    expect(await savedLine()).toBe(3);
    await t.published(message(all[5]));
    expect((await loadOffsetFile(stateDir, SERIES)).kind === 'ok' && t.saved).toMatchObject({
      currentFile: basename(all[5].file),
      lineNumber: 1,
      messagesPublished: 6,
    });
    await t.close();
  });

  it("saves every T ms while messages arrive, on an unref'd timer that close() clears", async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    try {
      const t = tracker({ everyMessages: 1000, everyMs: 20 });
      expect(setSpy).toHaveBeenCalledTimes(1);
      const timer = setSpy.mock.results[0].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      t.published(message(all[0]));
      await until(() => t.saved?.lineNumber === 1, 2000, 'the timed save');
      t.published(message(all[1]));
      await until(() => t.saved?.lineNumber === 2, 2000, 'the second timed save');
      expect(await savedLine()).toBe(2);
      expect(clearSpy).not.toHaveBeenCalledWith(timer);
      expect(await t.close()).toBe(true);
      expect(clearSpy).toHaveBeenCalledWith(timer);
      expect(() => t.published(message(all[2]))).toThrow(/closed/);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('never has more than one write in flight, and ends with the newest position', async () => {
    let inFlight = 0;
    let most = 0;
    let writes = 0;
    const t = tracker({
      everyMessages: 1,
      write: async (path: string, record: OffsetRecord) => {
        most = Math.max(most, ++inFlight);
        writes++;
        await new Promise((r) => setTimeout(r, 10));
        await writeOffsetFile(path, record);
        inFlight--;
      },
    });
    for (const item of all) void t.published(message(item));
    await t.close();
    expect(most).toBe(1);
    expect(writes).toBeLessThan(all.length);
    expect(await savedLine()).toBe(5);
    expect(t.saved?.messagesPublished).toBe(15);
  });

  it('logs a failed write with its path, never throws it, and retries at the next trigger', async () => {
    const { logger, lines } = captureLogs();
    let fail = true;
    const t = tracker({
      everyMessages: 2,
      logger,
      write: async (path: string, record: OffsetRecord) => {
        if (fail) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        await writeOffsetFile(path, record);
      },
    });
    t.published(message(all[0]));
    await t.published(message(all[1]));
    expect(t.writeFailures).toBe(1);
    expect(await savedLine()).toBeUndefined();
    const errors = lines.filter((l) => l.level === LOG_LEVEL.error);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe(offsetFilePath(stateDir, SERIES));
    expect(errors[0].msg).toContain('ENOSPC');
    fail = false;
    await t.published(message(all[2]));
    expect(await savedLine()).toBe(3);
    await t.close();
  });

  it('rejects N or T below 1', () => {
    expect(() => tracker({ everyMessages: 0 })).toThrow('everyMessages must be a whole number from 1');
    expect(() => tracker({ everyMs: 0.5 })).toThrow('everyMs must be a whole number from 1');
  });
});

async function resolve(startFrom: StartFrom, extra: { reset?: boolean; fallback?: StartFrom } = {}) {
  const { logger, lines } = captureLogs();
  const resolved = await resolveStart({
    dataDir,
    stateDir,
    series: SERIES,
    startFrom,
    reset: extra.reset ?? false,
    fallback: extra.fallback,
    logger,
  });
  return { ...resolved, lines, items: await collect(readSeriesFrom(dataDir, SERIES, resolved.start)) };
}

describe('resume after a stop', () => {
  it('after a graceful close, restarts at exactly the next line: no gap, no duplicate', async () => {
    const expected = all.map(seen);
    for (const stopAfter of [1, 4, 5, 6, 12, 15]) {
      await rm(stateDir, { recursive: true, force: true });
      const t = tracker({ everyMessages: 4 });
      for (const item of all.slice(0, stopAfter)) await t.published(message(item));
      expect(await t.close()).toBe(true);
      const { start, resumed, items } = await resolve('beginning');
      expect(start.kind).toBe('position');
      expect(resumed?.messagesPublished).toBe(stopAfter);
      expect([...expected.slice(0, stopAfter), ...items]).toEqual(expected);
    }
  });

  it('after a crash between saves, replays at most N duplicates and skips nothing', async () => {
    const N = 4;
    const expected = all.map(seen);
    for (let crashAfter = 1; crashAfter <= all.length; crashAfter++) {
      await rm(stateDir, { recursive: true, force: true });
      const t = tracker({ everyMessages: N });
      for (const item of all.slice(0, crashAfter)) await t.published(message(item));
      // The process dies here: no close(), no flush(). Only what is on disk counts.
      const { items } = await resolve('beginning');
      const duplicates = crashAfter + items.length - expected.length;
      expect(duplicates).toBeGreaterThanOrEqual(0);
      expect(duplicates).toBeLessThanOrEqual(N);
      expect(items).toEqual(expected.slice(crashAfter - duplicates));
      await t.close();
    }
  });

  it('carries messagesPublished on across a restart', async () => {
    const first = tracker();
    for (const item of all.slice(0, 7)) first.published(message(item));
    await first.close();
    const { resumed, start } = await resolve('beginning');
    const second = tracker({ resumed });
    expect(start.kind === 'position' && start.from).toEqual({ file: all[7].file, lineNumber: 3 });
    for (const item of all.slice(7, 9)) second.published(message(item));
    await second.close();
    expect(second.saved?.messagesPublished).toBe(9);
  });
});

describe('resolveStart', () => {
  const expected = () => all.map(seen);

  it('with no state directory, starts from the beginning', async () => {
    const { start, items, resumed } = await resolve('beginning');
    expect(start.kind).toBe('beginning');
    expect(resumed).toBeUndefined();
    expect(items).toEqual(expected());
  });

  it('at a unix ms time, starts at the first record at or after it', async () => {
    expect((await resolve(TIMES[6])).items).toEqual(expected().slice(6));
    expect((await resolve(TIMES[6] - 1)).items).toEqual(expected().slice(6));
    expect((await resolve(T0 - 5000)).items).toEqual(expected());
    expect((await resolve(TIMES[14] + 1)).items).toEqual([]);
  });

  it('at "latest", reads only the lines recorded after start-up', async () => {
    const { start, items } = await resolve('latest');
    expect(start.kind === 'position' && start.from).toEqual({ file: all[14].file, lineNumber: 6 });
    expect(items).toEqual([]);
    const ts = TIMES[14] + 500;
    await appendFile(
      all[14].file,
      JSON.stringify({ ts, request: { path: '/0/public/Trades', params: {} }, data: [] }) + '\n',
    );
    expect(await collect(readSeriesFrom(dataDir, SERIES, start))).toEqual([[basename(all[14].file), 6, ts]]);
  });

  it('at "latest" with nothing recorded yet, starts at the first line to come', async () => {
    await rm(dataDir, { recursive: true, force: true });
    const { start, items } = await resolve('latest');
    expect(start.kind).toBe('beginning');
    expect(items).toEqual([]);
  });

  it('prefers a saved offset to every mode, unless reset', async () => {
    const t = tracker({ everyMessages: 1 });
    for (const item of all.slice(0, 9)) await t.published(message(item));
    await t.close();
    for (const mode of ['beginning', 'latest', T0] as const) {
      expect((await resolve(mode)).items).toEqual(expected().slice(9));
    }
    const reset = await resolve('beginning', { reset: true });
    expect(reset.resumed).toBeUndefined();
    expect(reset.items).toEqual(expected());
    expect((await resolve(TIMES[3], { reset: true })).items).toEqual(expected().slice(3));
  });

  it('logs a corrupt offset with its path and what is wrong, then applies the fallback', async () => {
    const path = offsetFilePath(stateDir, SERIES);
    await mkdir(join(stateDir, 'kraken', '0_public_Trades'), { recursive: true });
    await writeFile(path, '{"platform":"kraken","endpoint":"0_pub');
    const { start, items, lines } = await resolve('beginning', { fallback: 'latest' });
    expect(start.kind).toBe('position');
    expect(items).toEqual([]);
    const warning = lines.find((l) => l.level === LOG_LEVEL.warn);
    expect(warning?.path).toBe(path);
    expect(warning?.msg).toContain(path);
    expect(warning?.msg).toContain('not valid JSON');
    // Without a fallback configured, the start mode applies; the file is left for inspection.
    expect((await resolve(TIMES[10])).items).toEqual(expected().slice(10));
    expect(await readFile(path, 'utf8')).toContain('0_pub');
  });

  it('treats an offset into a recording that is gone like a corrupt one', async () => {
    const t = tracker({ everyMessages: 1 });
    await t.published(message(all[2]));
    await t.close();
    await rm(all[2].file);
    const { items, lines } = await resolve('beginning');
    expect(items).toEqual(expected().slice(5));
    expect(lines.find((l) => l.level === LOG_LEVEL.warn)?.msg).toContain('not among the recordings');
    expect(await listRecordingFiles(dataDir, SERIES.platform, SERIES.endpoint, SERIES.symbol)).toHaveLength(
      2,
    );
  });
});

describe('resolveStart with a recording rewritten under the offset', () => {
  it('falls back when the saved line is past the end of its file', async () => {
    const t = tracker({ everyMessages: 1 });
    for (const item of all.slice(0, 4)) await t.published(message(item));
    await t.close();
    const firstFile = all[0].file;
    const lines = (await readFile(firstFile, 'utf8')).split('\n');
    await writeFile(firstFile, lines.slice(0, 2).join('\n') + '\n');
    const { items, lines: logged } = await resolve('beginning');
    expect(logged.find((l) => l.level === LOG_LEVEL.warn)?.msg).toContain('has fewer than 4 lines now');
    expect(items).toEqual([...all.slice(0, 2), ...all.slice(5)].map(seen));
  });
});

describe('parseStartFrom', () => {
  it('accepts beginning, latest and unix ms, and names a bad value', () => {
    expect(parseStartFrom('beginning')).toBe('beginning');
    expect(parseStartFrom('latest')).toBe('latest');
    expect(parseStartFrom('1767621600000')).toBe(1_767_621_600_000);
    expect(() => parseStartFrom('yesterday')).toThrow(
      '--start-from "yesterday": expected "beginning", "latest" or a time in unix milliseconds',
    );
    expect(() => parseStartFrom('-5')).toThrow('--start-from "-5"');
  });
});
