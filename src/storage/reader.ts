import { createReadStream, type ReadStream } from 'node:fs';
import { once } from 'node:events';
import { basename, resolve } from 'node:path';
import { DecodeError } from '../core/errors.js';
import { splitLines } from './lines.js';
import type { RecordedResponse } from './record.js';

export interface BadLineInfo {
  file: string;
  /** 1-based. */
  lineNumber: number;
  error: Error;
}

export interface ReadRecordsOptions {
  /**
   * Resume in this file (one of `files`). When it is not in the list (deleted or rotated away),
   * reading starts at the first file whose name sorts after it, i.e. the next later recording.
   */
  startFile?: string;
  /** The first line of `startFile` to yield (1-based); earlier lines are skipped. Default 1. */
  startLine?: number;
  /** Called for every line that is not a valid record; the line is skipped, never thrown. */
  onBadLine?: (info: BadLineInfo) => void;
}

export interface ReadItem<T> {
  record: RecordedResponse<T>;
  file: string;
  /** 1-based line number of `record` in `file`. */
  lineNumber: number;
}

type Parsed<T> = { ok: true; record: RecordedResponse<T> } | { ok: false; error: Error };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the envelope only; `data` is the raw REST body and is passed through untouched. */
export function parseRecordLine<T = unknown>(line: string): Parsed<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    return { ok: false, error: new DecodeError('line is not valid JSON', { cause }) };
  }
  if (!isPlainObject(value)) return { ok: false, error: new DecodeError('record is not a JSON object') };
  if (typeof value.ts !== 'number' || !Number.isFinite(value.ts)) {
    return { ok: false, error: new DecodeError('record has no numeric "ts"') };
  }
  const request = value.request;
  if (!isPlainObject(request) || typeof request.path !== 'string' || !isPlainObject(request.params)) {
    return { ok: false, error: new DecodeError('record has no "request" with "path" and "params"') };
  }
  if (!('data' in value)) return { ok: false, error: new DecodeError('record has no "data"') };
  return { ok: true, record: value as unknown as RecordedResponse<T> };
}

function firstFileIndex(files: readonly string[], startFile: string | undefined): number {
  if (startFile === undefined) return 0;
  const wanted = resolve(startFile);
  const exact = files.findIndex((f) => resolve(f) === wanted);
  if (exact >= 0) return exact;
  const name = basename(startFile);
  const later = files.findIndex((f) => basename(f) > name);
  return later >= 0 ? later : files.length;
}

async function closeStream(stream: ReadStream): Promise<void> {
  if (stream.closed) return;
  const closed = once(stream, 'close');
  stream.destroy();
  await closed;
}

async function* readFile<T>(
  file: string,
  firstLine: number,
  onBadLine: ReadRecordsOptions['onBadLine'],
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  let lineNumber = 0;
  try {
    for await (const line of splitLines(stream)) {
      lineNumber++;
      if (lineNumber < firstLine || line.length === 0) continue;
      const parsed = parseRecordLine<T>(line);
      if (parsed.ok) yield { record: parsed.record, file, lineNumber };
      else onBadLine?.({ file, lineNumber, error: parsed.error });
    }
  } finally {
    await closeStream(stream);
  }
}

/**
 * Streams the records of `files` in order, one line at a time (a file is never read whole).
 * Empty lines are skipped silently; malformed ones go to `onBadLine`. Leaving the loop early
 * (`break`, `return`, a throw) closes the open file before the loop statement completes.
 */
export async function* readRecords<T = unknown>(
  files: readonly string[],
  options: ReadRecordsOptions = {},
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const first = firstFileIndex(files, options.startFile);
  const resumesInFirst =
    options.startFile !== undefined && resolve(files[first] ?? '') === resolve(options.startFile);
  for (let i = first; i < files.length; i++) {
    const firstLine = i === first && resumesInFirst ? Math.max(1, options.startLine ?? 1) : 1;
    yield* readFile<T>(files[i], firstLine, options.onBadLine);
  }
}
