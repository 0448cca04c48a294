import { createReadStream, type ReadStream } from 'node:fs';
import { once } from 'node:events';
import { basename, resolve } from 'node:path';
import { DecodeError, TickstreamError } from '../core/errors.js';
import { splitLines } from './lines.js';
import type { RecordedResponse } from './record.js';

export interface BadLineInfo {
  file: string;
  /** 1-based. */
  lineNumber: number;
  error: Error;
}

/** A place in a recorded series: a line of one of its files. */
export interface RecordPosition {
  readonly file: string;
  /** 1-based. */
  readonly lineNumber: number;
}

/** A start position that does not lie in the recordings; the message names the file, the line and what to do. */
export class RecordPositionError extends TickstreamError {
  readonly file: string;
  readonly lineNumber: number;

  constructor(position: RecordPosition, why: string, options: { cause?: unknown } = {}) {
    super(
      'ERR_POSITION',
      `cannot start reading at ${position.file} line ${position.lineNumber}: ${why}; ` +
        'start from another position (or from the beginning)',
      options,
    );
    this.file = position.file;
    this.lineNumber = position.lineNumber;
  }
}

export interface ReadRecordsOptions {
  /**
   * Start exactly here: `file` is one of `files`, `lineNumber` the first line to yield, up to one
   * past the file's last line (nothing more in that file: reading goes on with the next). The
   * lines before are counted, never decoded or parsed. A position that does not lie in the files
   * fails the read with a {@link RecordPositionError}. Not together with `startFile`.
   */
  from?: RecordPosition;
  /**
   * Resume loosely in this file (one of `files`). When it is not in the list (deleted or rotated
   * away), reading starts at the first file whose name sorts after it, i.e. the next later recording.
   */
  startFile?: string;
  /** The first line of `startFile` to yield (1-based); earlier lines are skipped. Default 1. */
  startLine?: number;
  /** Called for every line that is not a valid record; the line is skipped, never thrown. */
  onBadLine?: (info: BadLineInfo) => void;
}

/** A record and its position, e.g. for a publisher to save the last one it handed on. */
export interface ReadItem<T> extends RecordPosition {
  readonly record: RecordedResponse<T>;
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

function indexOfFile(files: readonly string[], file: string): number {
  const wanted = resolve(file);
  return files.findIndex((f) => resolve(f) === wanted);
}

function firstFileIndex(files: readonly string[], startFile: string | undefined): number {
  if (startFile === undefined) return 0;
  const exact = indexOfFile(files, startFile);
  if (exact >= 0) return exact;
  const name = basename(startFile);
  const later = files.findIndex((f) => basename(f) > name);
  return later >= 0 ? later : files.length;
}

/** The index of `from.file` in `files`, or the error saying why the position is not there. */
function exactFileIndex(files: readonly string[], from: RecordPosition): number {
  if (!Number.isSafeInteger(from.lineNumber) || from.lineNumber < 1) {
    throw new RecordPositionError(from, 'a line number is a whole number from 1');
  }
  const index = indexOfFile(files, from.file);
  if (index >= 0) return index;
  const last = files[files.length - 1];
  if (last === undefined) throw new RecordPositionError(from, 'the series has no recordings (any more)');
  if (basename(from.file) > basename(last)) {
    throw new RecordPositionError(from, `it is past the end of the recordings, the last being ${last}`);
  }
  throw new RecordPositionError(from, 'the file is not among the recordings (any more)');
}

async function closeStream(stream: ReadStream): Promise<void> {
  if (stream.closed) return;
  const closed = once(stream, 'close');
  stream.destroy();
  await closed;
}

/**
 * The records of `file` from line `firstLine`. With `exact`, a file that is gone or shorter than
 * `firstLine - 1` lines fails with a {@link RecordPositionError}; otherwise it simply yields nothing.
 */
async function* readFile<T>(
  file: string,
  firstLine: number,
  exact: boolean,
  onBadLine: ReadRecordsOptions['onBadLine'],
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  const lines = splitLines(stream, firstLine - 1);
  let lineNumber = firstLine - 1;
  try {
    let next: IteratorResult<string, number>;
    while (!(next = await lines.next()).done) {
      lineNumber++;
      const line = next.value;
      if (line.length === 0) continue;
      const parsed = parseRecordLine<T>(line);
      if (parsed.ok) yield { record: parsed.record, file, lineNumber };
      else onBadLine?.({ file, lineNumber, error: parsed.error });
    }
    if (exact && next.value < firstLine - 1) {
      throw new RecordPositionError(
        { file, lineNumber: firstLine },
        `the file ends before that line (it has ${next.value} lines)`,
      );
    }
  } catch (error) {
    const gone = exact && lineNumber < firstLine && (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!gone) throw error;
    throw new RecordPositionError({ file, lineNumber: firstLine }, 'the file no longer exists', {
      cause: error,
    });
  } finally {
    await lines.return(0);
    await closeStream(stream);
  }
}

/**
 * Streams the records of `files` in order, one line at a time (a file is never read whole), each
 * with its position. Empty lines are skipped silently; malformed ones go to `onBadLine`. Leaving
 * the loop early (`break`, `return`, a throw) closes the open file before the loop statement completes.
 */
export async function* readRecords<T = unknown>(
  files: readonly string[],
  options: ReadRecordsOptions = {},
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const { from, startFile } = options;
  if (from !== undefined && startFile !== undefined) {
    throw new RangeError('readRecords: give `from` (exact) or `startFile` (loose), not both');
  }
  let first: number;
  let firstLine: number;
  if (from !== undefined) {
    first = exactFileIndex(files, from);
    firstLine = from.lineNumber;
  } else {
    first = firstFileIndex(files, startFile);
    const resumesInFirst = startFile !== undefined && resolve(files[first] ?? '') === resolve(startFile);
    const startLine = options.startLine ?? 1;
    firstLine = resumesInFirst && startLine > 1 ? Math.ceil(startLine) : 1;
  }
  for (let i = first; i < files.length; i++) {
    yield* readFile<T>(
      files[i],
      i === first ? firstLine : 1,
      i === first && from !== undefined,
      options.onBadLine,
    );
  }
}
