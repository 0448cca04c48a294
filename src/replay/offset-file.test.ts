import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeriesId } from '../storage/series.js';
import {
  loadOffsetFile,
  offsetFilePath,
  removeStaleTempFiles,
  writeOffsetFile,
  type OffsetRecord,
} from './offset-file.js';

const SERIES: SeriesId = { platform: 'kraken', endpoint: '0_public_Trades', symbol: 'BTC/USD' };
const RECORD: OffsetRecord = {
  platform: 'kraken',
  endpoint: '0_public_Trades',
  symbol: 'BTC/USD',
  currentFile: '2026-01-05T14:00:00.000Z.jsonl',
  lineNumber: 42,
  lastTimestamp: 1_767_621_641_000,
  messagesPublished: 1042,
  lastUpdated: '2026-01-05T14:05:00.000Z',
};

describe('offset file', () => {
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'tickstream-offset-file-'));
  });
  afterEach(() => rm(state, { recursive: true, force: true }));

  it('lives at <state>/<platform>/<endpoint>/<symbol as a directory name>_publisher.json', () => {
    expect(offsetFilePath(state, SERIES)).toBe(
      join(state, 'kraken', '0_public_Trades', 'BTC%2FUSD_publisher.json'),
    );
    expect(offsetFilePath(state, { platform: 'binance', endpoint: 'api_v3_depth', symbol: 'BTCUSDT' })).toBe(
      join(state, 'binance', 'api_v3_depth', 'BTCUSDT_publisher.json'),
    );
  });

  it('round-trips every field, creating the directories, and leaves no temp file', async () => {
    const path = offsetFilePath(state, SERIES);
    await writeOffsetFile(path, RECORD);
    expect(await loadOffsetFile(state, SERIES)).toEqual({ kind: 'ok', path, record: RECORD });
    expect(Object.keys(JSON.parse(await readFile(path, 'utf8')) as object)).toEqual([
      'platform',
      'endpoint',
      'symbol',
      'currentFile',
      'lineNumber',
      'lastTimestamp',
      'messagesPublished',
      'lastUpdated',
    ]);
    const next = { ...RECORD, lineNumber: 43, messagesPublished: 1043 };
    await writeOffsetFile(path, next);
    expect(await loadOffsetFile(state, SERIES)).toEqual({ kind: 'ok', path, record: next });
    expect(await readdir(join(state, 'kraken', '0_public_Trades'))).toEqual(['BTC%2FUSD_publisher.json']);
  });

  it('makes the directories again when the state directory was removed between two saves', async () => {
    const path = offsetFilePath(state, SERIES);
    await writeOffsetFile(path, RECORD);
    await rm(state, { recursive: true, force: true });
    const next = { ...RECORD, messagesPublished: 1043 };
    await writeOffsetFile(path, next);
    expect(await loadOffsetFile(state, SERIES)).toEqual({ kind: 'ok', path, record: next });
  });

  it('reports a missing state directory or file as no offset', async () => {
    const gone = join(state, 'not-there');
    expect(await loadOffsetFile(gone, SERIES)).toEqual({
      kind: 'missing',
      path: offsetFilePath(gone, SERIES),
    });
    await mkdir(join(state, 'kraken', '0_public_Trades'), { recursive: true });
    expect((await loadOffsetFile(state, SERIES)).kind).toBe('missing');
  });

  const corrupt: [what: string, body: string, problem: string][] = [
    ['a torn write', '{"platform":"kraken","endpo', 'not valid JSON'],
    ['an empty file', '', 'not valid JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['a missing field', JSON.stringify({ ...RECORD, lineNumber: undefined }), 'missing field(s) lineNumber'],
    ['an unknown field', JSON.stringify({ ...RECORD, offset: 3 }), 'unknown field(s) offset'],
    [
      'another symbol',
      JSON.stringify({ ...RECORD, symbol: 'ETH/USD' }),
      'it is the offset of symbol "ETH/USD", not "BTC/USD"',
    ],
    [
      'another platform',
      JSON.stringify({ ...RECORD, platform: 'okx' }),
      'it is the offset of platform "okx"',
    ],
    ['a line 0', JSON.stringify({ ...RECORD, lineNumber: 0 }), 'lineNumber is not a whole number from 1'],
    [
      'a path as currentFile',
      JSON.stringify({ ...RECORD, currentFile: '../x.jsonl' }),
      'is not a recording file name',
    ],
    [
      'a string timestamp',
      JSON.stringify({ ...RECORD, lastTimestamp: '1' }),
      'lastTimestamp is not a number',
    ],
    ['a bad date', JSON.stringify({ ...RECORD, lastUpdated: 'yesterday' }), 'lastUpdated is not an ISO date'],
  ];
  it.each(corrupt)('reports %s as corrupt, saying what is wrong', async (_what, body, problem) => {
    const path = offsetFilePath(state, SERIES);
    await mkdir(join(state, 'kraken', '0_public_Trades'), { recursive: true });
    await writeFile(path, body);
    const loaded = await loadOffsetFile(state, SERIES);
    expect(loaded.kind).toBe('corrupt');
    expect(loaded.path).toBe(path);
    expect(loaded.kind === 'corrupt' && loaded.problem).toContain(problem);
  });

  it('fails a write into a place that cannot hold it, leaving the old file intact', async () => {
    const path = offsetFilePath(state, SERIES);
    await writeOffsetFile(path, RECORD);
    await expect(writeOffsetFile(join(path, 'inside-a-file.json'), RECORD)).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(await loadOffsetFile(state, SERIES)).toEqual({ kind: 'ok', path, record: RECORD });
  });

  it('removes the temp files a crashed writer left, and nothing else', async () => {
    const path = offsetFilePath(state, SERIES);
    await writeOffsetFile(path, RECORD);
    const dir = join(state, 'kraken', '0_public_Trades');
    await writeFile(`${path}.123.7.tmp`, '{"plat');
    await writeFile(join(dir, 'ETHUSD_publisher.json.9.1.tmp'), '');
    expect(await loadOffsetFile(state, SERIES)).toEqual({ kind: 'ok', path, record: RECORD });
    expect(await removeStaleTempFiles(path)).toEqual(['BTC%2FUSD_publisher.json.123.7.tmp']);
    expect((await readdir(dir)).sort()).toEqual([
      'BTC%2FUSD_publisher.json',
      'ETHUSD_publisher.json.9.1.tmp',
    ]);
    expect(await removeStaleTempFiles(join(state, 'nowhere', 'x_publisher.json'))).toEqual([]);
  });
});
