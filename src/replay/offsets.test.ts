import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReadItem } from '../storage/reader.js';
import { readSeries, type SeriesId } from '../storage/series.js';
import { RecordingWriter } from '../storage/writer.js';
import { captureLogs, LOG_LEVEL } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import { loadOffsetFile, offsetFilePath, writeOffsetFile, type OffsetRecord } from './offset-file.js';
import { OffsetTracker } from './offsets.js';

const SERIES: SeriesId = { platform: 'kraken', endpoint: '0_public_Trades', symbol: 'BTC/USD' };
const T0 = Date.UTC(2026, 0, 5, 14);
/** Three recordings of five records each (the writer starts a new file every 5 s of capture time). */
const TIMES = Array.from({ length: 15 }, (_, i) => T0 + i * 1000);

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
