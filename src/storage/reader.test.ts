import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordPositionError, readRecords, type BadLineInfo, type ReadItem } from './reader.js';
import type { RecordedResponse } from './record.js';

function line(ts: number, data: unknown = { n: ts }): string {
  const record: RecordedResponse = {
    ts,
    request: { path: '/api/v3/depth', params: { symbol: 'BTCUSDT', limit: 5 } },
    data,
  };
  return JSON.stringify(record);
}

async function collect<T>(
  iterable: AsyncIterable<ReadItem<T>>,
): Promise<[file: string, line: number, ts: number][]> {
  const out: [string, number, number][] = [];
  for await (const item of iterable) out.push([item.file, item.lineNumber, item.record.ts]);
  return out;
}

/** Paths this process has open, from /proc (Linux). */
function openPaths(): string[] | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  const paths: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      paths.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The fd closed while we looked.
    }
  }
  return paths;
}

describe('readRecords', () => {
  let dir: string;
  let a: string;
  let b: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickstream-reader-'));
    a = join(dir, '2026-01-05T14:00:00.000Z.jsonl');
    b = join(dir, '2026-01-05T15:00:00.000Z.jsonl');
    await writeFile(a, [line(1), line(2), line(3)].join('\n') + '\n');
    await writeFile(b, [line(4), line(5)].join('\r\n'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams every record of every file in order with 1-based line numbers', async () => {
    expect(await collect(readRecords([a, b]))).toEqual([
      [a, 1, 1],
      [a, 2, 2],
      [a, 3, 3],
      [b, 1, 4],
      [b, 2, 5],
    ]);
  });

  it('passes the body through untouched', async () => {
    const body = { lastUpdateId: 7, bids: [['1.00000000', '2.00000000']], asks: [] };
    await writeFile(a, line(9, body) + '\n');
    for await (const { record } of readRecords<typeof body>([a])) expect(record.data).toEqual(body);
  });

  it('reports malformed lines with file and line number, skips them and goes on', async () => {
    const lines = [
      line(1),
      '{"ts":2,"request":{"path":"/x","params":{}},"data":', // truncated by a crash mid-write
      '',
      '[1,2,3]',
      '{"request":{"path":"/x","params":{}},"data":1}',
      '{"ts":"5","request":{"path":"/x","params":{}},"data":1}',
      '{"ts":6,"data":1}',
      '{"ts":7,"request":{"path":"/x"},"data":1}',
      '{"ts":8,"request":{"path":"/x","params":{}}}',
      line(9, null),
    ];
    await writeFile(a, lines.join('\n'));
    const bad: BadLineInfo[] = [];
    const good = await collect(readRecords([a], { onBadLine: (info) => bad.push(info) }));
    expect(good).toEqual([
      [a, 1, 1],
      [a, 10, 9],
    ]);
    expect(bad.map((x) => x.lineNumber)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    expect(bad.every((x) => x.file === a && x.error instanceof Error)).toBe(true);
  });

  it('never throws on malformed lines even without onBadLine', async () => {
    await writeFile(a, ['not json', line(2)].join('\n'));
    expect(await collect(readRecords([a]))).toEqual([[a, 2, 2]]);
  });

  it('resumes at startFile and startLine', async () => {
    expect(await collect(readRecords([a, b], { startFile: a, startLine: 3 }))).toEqual([
      [a, 3, 3],
      [b, 1, 4],
      [b, 2, 5],
    ]);
    expect(await collect(readRecords([a, b], { startFile: b, startLine: 2 }))).toEqual([[b, 2, 5]]);
    expect(await collect(readRecords([a, b], { startFile: b }))).toEqual([
      [b, 1, 4],
      [b, 2, 5],
    ]);
    expect(await collect(readRecords([a, b], { startFile: a, startLine: 99 }))).toEqual([
      [b, 1, 4],
      [b, 2, 5],
    ]);
  });

  it('resumes at the next later file when startFile is gone', async () => {
    const gone = join(dir, '2026-01-05T14:30:00.000Z.jsonl');
    expect(await collect(readRecords([a, b], { startFile: gone, startLine: 2 }))).toEqual([
      [b, 1, 4],
      [b, 2, 5],
    ]);
    const last = join(dir, '2026-01-05T16:00:00.000Z.jsonl');
    expect(await collect(readRecords([a, b], { startFile: last }))).toEqual([]);
  });

  it('closes the file when the loop is left early', async () => {
    const before = openPaths();
    let seen = 0;
    for await (const item of readRecords([a, b])) {
      seen++;
      if (before !== undefined) expect(openPaths()).toContain(item.file);
      break;
    }
    expect(seen).toBe(1);
    const after = openPaths();
    if (after !== undefined) expect(after).not.toContain(a);
  });

  it('closes the file when the consumer throws', async () => {
    await expect(async () => {
      for await (const _item of readRecords([a])) throw new Error('consumer failed');
    }).rejects.toThrow('consumer failed');
    const after = openPaths();
    if (after !== undefined) expect(after).not.toContain(a);
  });

  it('reads lines longer than the stream buffer', async () => {
    const big = 'x'.repeat(1_000_000);
    await writeFile(a, [line(1, big), line(2, 'y'.repeat(32))].join('\n'));
    const items: number[] = [];
    for await (const { record } of readRecords<string>([a])) items.push(record.data.length);
    expect(items).toEqual([1_000_000, 32]);
  });

  it('fails for a missing file', async () => {
    await expect(collect(readRecords([join(dir, 'missing.jsonl')]))).rejects.toThrow(/ENOENT/);
  });

  describe('from an exact position', () => {
    it('starts at that line, reporting every position, and never parses the lines before', async () => {
      await writeFile(b, ['not json', line(4), '{"truncated":', line(5), line(6)].join('\n') + '\n');
      const bad: BadLineInfo[] = [];
      const read = readRecords([a, b], { from: { file: b, lineNumber: 4 }, onBadLine: (x) => bad.push(x) });
      expect(await collect(read)).toEqual([
        [b, 4, 5],
        [b, 5, 6],
      ]);
      expect(bad).toEqual([]);
    });

    it('goes on with the next file from one past the last line of a file', async () => {
      expect(await collect(readRecords([a, b], { from: { file: a, lineNumber: 4 } }))).toEqual([
        [b, 1, 4],
        [b, 2, 5],
      ]);
      expect(await collect(readRecords([a, b], { from: { file: b, lineNumber: 3 } }))).toEqual([]);
    });

    it('fails with the file and line when the line is beyond the end of the file', async () => {
      const read = collect(readRecords([a, b], { from: { file: a, lineNumber: 5 } }));
      await expect(read).rejects.toThrow(RecordPositionError);
      await expect(read).rejects.toThrow(
        `cannot start reading at ${a} line 5: the file ends before that line (it has 3 lines); ` +
          'start from another position (or from the beginning)',
      );
      await expect(read).rejects.toMatchObject({ code: 'ERR_POSITION', file: a, lineNumber: 5 });
    });

    it('fails with the file and line when the file is not among the recordings, gone or past the end', async () => {
      const between = join(dir, '2026-01-05T14:30:00.000Z.jsonl');
      await expect(collect(readRecords([a, b], { from: { file: between, lineNumber: 2 } }))).rejects.toThrow(
        `cannot start reading at ${between} line 2: the file is not among the recordings (any more)`,
      );
      const later = join(dir, '2026-01-05T16:00:00.000Z.jsonl');
      await expect(collect(readRecords([a, b], { from: { file: later, lineNumber: 1 } }))).rejects.toThrow(
        `cannot start reading at ${later} line 1: it is past the end of the recordings, the last being ${b}`,
      );
      await expect(collect(readRecords([], { from: { file: a, lineNumber: 1 } }))).rejects.toThrow(
        `cannot start reading at ${a} line 1: the series has no recordings (any more)`,
      );
      await rm(b);
      await expect(collect(readRecords([a, b], { from: { file: b, lineNumber: 2 } }))).rejects.toThrow(
        `cannot start reading at ${b} line 2: the file no longer exists`,
      );
    });

    it('refuses a line number that is not a whole number from 1, and from together with startFile', async () => {
      for (const lineNumber of [0, -1, 1.5, Number.NaN]) {
        await expect(collect(readRecords([a], { from: { file: a, lineNumber } }))).rejects.toThrow(
          `cannot start reading at ${a} line ${lineNumber}: a line number is a whole number from 1`,
        );
      }
      await expect(
        collect(readRecords([a], { from: { file: a, lineNumber: 1 }, startFile: a })),
      ).rejects.toThrow('give `from` (exact) or `startFile` (loose), not both');
    });
  });
});
