import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRecordingFiles } from './layout.js';
import type { ReadItem, RecordPosition } from './reader.js';
import { firstRecord, readSeries, type SeriesId } from './series.js';
import { RecordingWriter } from './writer.js';

const SERIES: SeriesId = { platform: 'kraken', endpoint: '0_public_Depth', symbol: 'BTC/USD' };
const T0 = Date.UTC(2026, 0, 5, 14);
/** Three files of four records each: the writer starts a new file every 4 s of capture time. */
const RECORD_TIMES = Array.from({ length: 12 }, (_, i) => T0 + i * 1000);

type Seen = [file: string, lineNumber: number, ts: number];

async function collect(items: AsyncIterable<ReadItem<unknown>>): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const item of items) out.push([item.file, item.lineNumber, item.record.ts]);
  return out;
}

describe('readSeries', () => {
  let root: string;
  let files: string[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tickstream-series-'));
    const writer = new RecordingWriter({ root, ...SERIES, maxFileAgeMs: 4000, fsync: false });
    for (const ts of RECORD_TIMES) {
      await writer.write({
        ts,
        request: { path: '/0/public/Depth', params: { pair: 'XBTUSD' } },
        data: { ts },
      });
    }
    await writer.close();
    files = await listRecordingFiles(root, SERIES.platform, SERIES.endpoint, SERIES.symbol);
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads the whole series, file after file, with the position of every record', async () => {
    expect(files).toHaveLength(3);
    expect(await collect(readSeries(root, SERIES))).toEqual(
      RECORD_TIMES.map((ts, i): Seen => [files[Math.floor(i / 4)], (i % 4) + 1, ts]),
    );
  });

  it('starts in the middle of the second file and goes on into the third', async () => {
    expect(await collect(readSeries(root, SERIES, { from: { file: files[1], lineNumber: 3 } }))).toEqual([
      [files[1], 3, T0 + 6000],
      [files[1], 4, T0 + 7000],
      [files[2], 1, T0 + 8000],
      [files[2], 2, T0 + 9000],
      [files[2], 3, T0 + 10_000],
      [files[2], 4, T0 + 11_000],
    ]);
  });

  it('resumes right after any record handed on, without a loss or a repeat', async () => {
    const all = await collect(readSeries(root, SERIES));
    for (let i = 0; i < all.length; i++) {
      const [file, lineNumber] = all[i];
      const after: RecordPosition = { file, lineNumber: lineNumber + 1 };
      expect(await collect(readSeries(root, SERIES, { from: after }))).toEqual(all.slice(i + 1));
    }
  });

  it('fails naming the file and line when a saved position no longer lies in the series', async () => {
    await writeFile(files[1], '');
    await expect(
      collect(readSeries(root, SERIES, { from: { file: files[1], lineNumber: 3 } })),
    ).rejects.toThrow(
      `cannot start reading at ${files[1]} line 3: the file ends before that line (it has 0 lines)`,
    );
    await rm(files[0]);
    await expect(
      collect(readSeries(root, SERIES, { from: { file: files[0], lineNumber: 2 } })),
    ).rejects.toThrow(
      `cannot start reading at ${files[0]} line 2: the file is not among the recordings (any more)`,
    );
  });

  it('finds the first record of a series, and none in a series without recordings', async () => {
    expect(await firstRecord(root, SERIES)).toMatchObject({
      file: files[0],
      lineNumber: 1,
      record: { ts: T0 },
    });
    expect(await firstRecord(root, { ...SERIES, symbol: 'ETH/USD' })).toBeUndefined();
  });
});
