import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRecordingFiles, recordingFilePath } from './layout.js';
import { readRecords } from './reader.js';
import type { RecordedResponse } from './record.js';
import { RecordingWriter, type RecordingWriterOptions } from './writer.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0, 0);

function rec(ts: number, n = 0): RecordedResponse<{ n: number; pad: string }> {
  return {
    ts,
    request: { path: '/api/v3/depth', params: { symbol: 'BTC/USD', limit: 100 } },
    data: { n, pad: 'x'.repeat(50) },
  };
}

describe('RecordingWriter', () => {
  let root: string;
  const stream = (extra: Partial<RecordingWriterOptions> = {}): RecordingWriterOptions => ({
    root,
    platform: 'kraken',
    endpoint: '0_public_Depth',
    symbol: 'BTC/USD',
    ...extra,
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tickstream-writer-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function readBack(): Promise<{ file: string; n: number }[]> {
    const files = await listRecordingFiles(root, 'kraken', '0_public_Depth', 'BTC/USD');
    const out: { file: string; n: number }[] = [];
    for await (const { record, file } of readRecords<{ n: number }>(files))
      out.push({ file, n: record.data.n });
    return out;
  }

  it('writes one JSON line per record to a file named by the first ts', async () => {
    const writer = new RecordingWriter(stream());
    await writer.write(rec(T0 + 5, 1));
    await writer.write(rec(T0 + 1005, 2));
    await writer.close();
    const expected = recordingFilePath(root, 'kraken', '0_public_Depth', 'BTC/USD', T0 + 5);
    expect(writer.files).toEqual([expected]);
    expect(basename(dirname(expected))).toBe('BTC%2FUSD');
    const text = await readFile(expected, 'utf8');
    expect(text).toBe(JSON.stringify(rec(T0 + 5, 1)) + '\n' + JSON.stringify(rec(T0 + 1005, 2)) + '\n');
    expect(writer.bytesWritten).toBe(Buffer.byteLength(text));
  });

  it('keeps the order of writes that were not awaited', async () => {
    const writer = new RecordingWriter(stream());
    const pending: Promise<void>[] = [];
    for (let n = 0; n < 500; n++) pending.push(writer.write(rec(T0 + n, n)));
    await Promise.all(pending);
    await writer.close();
    expect((await readBack()).map((r) => r.n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
  });

  it('rotates by size, keeping every file under the limit and every record', async () => {
    const lineBytes = JSON.stringify(rec(T0, 10)).length + 1;
    const writer = new RecordingWriter(stream({ maxFileBytes: lineBytes * 3 + 10 }));
    for (let n = 10; n < 20; n++) await writer.write(rec(T0 + n * 1000, n));
    await writer.close();
    expect(writer.files).toHaveLength(4);
    for (const file of writer.files) expect((await stat(file)).size).toBeLessThanOrEqual(lineBytes * 3 + 10);
    const back = await readBack();
    expect(back.map((r) => r.n)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(basename(back[3].file)).toBe(new Date(T0 + 13_000).toISOString() + '.jsonl');
  });

  it('rotates by age of the data', async () => {
    const writer = new RecordingWriter(stream({ maxFileAgeMs: 60_000 }));
    for (const s of [0, 30, 59, 60, 100, 121]) await writer.write(rec(T0 + s * 1000, s));
    await writer.close();
    expect(writer.files.map((f) => basename(f))).toEqual([
      new Date(T0).toISOString() + '.jsonl',
      new Date(T0 + 60_000).toISOString() + '.jsonl',
      new Date(T0 + 121_000).toISOString() + '.jsonl',
    ]);
  });

  it('never overwrites an existing recording: a taken name moves on by a millisecond', async () => {
    const taken = recordingFilePath(root, 'kraken', '0_public_Depth', 'BTC/USD', T0);
    await mkdir(dirname(taken), { recursive: true });
    await writeFile(taken, 'keep me\n');
    const writer = new RecordingWriter(stream({ maxFileBytes: 1 }));
    await writer.write(rec(T0, 1));
    await writer.write(rec(T0, 2));
    await writer.close();
    expect(await readFile(taken, 'utf8')).toBe('keep me\n');
    expect(writer.files.map((f) => basename(f))).toEqual([
      new Date(T0 + 1).toISOString() + '.jsonl',
      new Date(T0 + 2).toISOString() + '.jsonl',
    ]);
  });

  it('writes a raw body byte for byte', async () => {
    const writer = new RecordingWriter(stream());
    const body = '{"error":[],"result":{"XXBTZUSD":{"asks":[["45285.20000","0.00100000",1696613755]]}}}';
    await writer.writeRaw(T0, { path: '/0/public/Depth', params: { pair: 'XBTUSD', count: 1 } }, body);
    await writer.writeRaw(T0 + 1, { path: '/0/public/Depth', params: {} }, '{\n  "a": 1.50\n}\n');
    await expect(writer.writeRaw(T0 + 2, { path: '/0/public/Depth', params: {} }, '<html>')).rejects.toThrow(
      /not JSON/,
    );
    await writer.close();
    const lines = (await readFile(writer.files[0], 'utf8')).split('\n');
    expect(lines[0]).toBe(
      `{"ts":${T0},"request":{"path":"/0/public/Depth","params":{"pair":"XBTUSD","count":1}},"data":${body}}`,
    );
    expect(JSON.parse(lines[1])).toEqual({
      ts: T0 + 1,
      request: { path: '/0/public/Depth', params: {} },
      data: { a: 1.5 },
    });
  });

  it('refuses a record that is not serializable without breaking later writes', async () => {
    const writer = new RecordingWriter(stream());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(writer.write({ ts: T0, request: { path: '/x', params: {} }, data: cyclic })).rejects.toThrow(
      /serialized/,
    );
    await writer.write(rec(T0 + 1, 7));
    await writer.close();
    expect((await readBack()).map((r) => r.n)).toEqual([7]);
  });

  it('fails writes after close, and close is idempotent', async () => {
    const writer = new RecordingWriter(stream());
    await writer.write(rec(T0));
    await writer.close();
    await writer.close();
    await expect(writer.write(rec(T0 + 1))).rejects.toMatchObject({ code: 'ERR_WRITER_CLOSED' });
  });

  it('creates no file until the first record', async () => {
    const writer = new RecordingWriter(stream());
    await writer.close();
    expect(writer.files).toEqual([]);
    expect(await listRecordingFiles(root, 'kraken', '0_public_Depth', 'BTC/USD')).toEqual([]);
  });

  it('rejects nonsense limits', () => {
    expect(() => new RecordingWriter(stream({ maxFileBytes: 0 }))).toThrow(RangeError);
  });
});
