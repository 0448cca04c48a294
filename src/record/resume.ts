/**
 * Where a new recording run continues: the newest item already recorded in a series, read from
 * the end of its newest files backwards (never the whole recording). A torn last line (a run
 * that was killed mid-write) and lines that are not records are passed over.
 */
import { open } from 'node:fs/promises';
import { listRecordingFiles } from '../storage/layout.js';
import type { RecordedResponse } from '../storage/record.js';
import type { SeriesId } from '../storage/series.js';

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

function isRecord(value: unknown): value is RecordedResponse {
  const r = value as RecordedResponse | null;
  return typeof r === 'object' && r !== null && typeof r.ts === 'number' && 'data' in r;
}

function parseRecord(line: string): RecordedResponse | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The records of one file, last first. Reads chunks from the end; a line is decoded once. */
export async function* recordsBackward(path: string): AsyncGenerator<RecordedResponse, void, undefined> {
  const file = await open(path, 'r');
  try {
    let end = (await file.stat()).size;
    // Bytes after the last newline seen so far, still waiting for the start of their line.
    let tail = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - CHUNK_BYTES);
      const chunk = Buffer.alloc(end - start);
      await file.read(chunk, 0, chunk.length, start);
      let buf = tail.length === 0 ? chunk : Buffer.concat([chunk, tail]);
      let stop = buf.length;
      for (let nl = buf.lastIndexOf(NEWLINE, stop - 1); nl !== -1; nl = buf.lastIndexOf(NEWLINE, stop - 1)) {
        const record = parseRecord(buf.toString('utf8', nl + 1, stop));
        if (record !== undefined) yield record;
        stop = nl;
      }
      buf = buf.subarray(0, stop);
      tail = buf;
      end = start;
    }
    if (tail.length > 0) {
      const record = parseRecord(tail.toString('utf8'));
      if (record !== undefined) yield record;
    }
  } finally {
    await file.close();
  }
}

/**
 * The first value `pick` returns for the records of `series`, newest record first, or
 * undefined when no record gives one (no recording yet).
 */
export async function lastRecorded<T>(
  root: string,
  series: SeriesId,
  pick: (record: RecordedResponse) => T | undefined,
): Promise<T | undefined> {
  const files = await listRecordingFiles(root, series.platform, series.endpoint, series.symbol);
  for (let i = files.length - 1; i >= 0; i--) {
    for await (const record of recordsBackward(files[i])) {
      const value = pick(record);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}
