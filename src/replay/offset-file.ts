/**
 * The replay offset file of one series: where its publisher stopped, so a restart resumes there.
 *
 * Layout (../shared/DESIGN.md "Offsets"): `<state>/<platform>/<endpoint>/<symbol>_publisher.json`,
 * the symbol spelled as the storage layout spells directory names (`symbolToPathSegment`:
 * Kraken's `BTC/USD` → `BTC%2FUSD_publisher.json`), one JSON object with exactly the fields of
 * {@link OffsetRecord}.
 *
 * Writes are atomic: a temp file in the same directory is written and fsynced, renamed over the
 * offset file, then the directory is fsynced so the rename itself is durable. rename(2) replaces
 * the name atomically on POSIX file systems, so a crash at any point leaves the old file or the
 * new one, never a torn one; at worst a stale temp file stays behind, which loading ignores and
 * the next writer removes. [doc: rename(2), fsync(2) — a directory fsync persists its entries]
 */
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseRecordingFileName, symbolToPathSegment } from '../storage/layout.js';
import type { SeriesId } from '../storage/series.js';

/** Where a publisher stopped in one series. */
export interface OffsetRecord {
  readonly platform: string;
  readonly endpoint: string;
  /** The exchange's own spelling, as in `SeriesId`. */
  readonly symbol: string;
  /**
   * File name (not path) of the recording holding the last message published, e.g.
   * `2026-01-05T14:00:00.000Z.jsonl`; the directory follows from the series, so the data
   * directory can move without invalidating offsets.
   */
  readonly currentFile: string;
  /** 1-based line of `currentFile` holding the last message published: resume at the next one. */
  readonly lineNumber: number;
  /** Capture time (`ts`, ms since epoch) of the last message published. */
  readonly lastTimestamp: number;
  /** Messages published in this series since the offset was first made (carried across restarts). */
  readonly messagesPublished: number;
  /** When the record was saved, ISO 8601 (UTC). */
  readonly lastUpdated: string;
}

const OFFSET_SUFFIX = '_publisher.json';
const TEMP_SUFFIX = '.tmp';
const FIELDS: readonly (keyof OffsetRecord)[] = [
  'platform',
  'endpoint',
  'symbol',
  'currentFile',
  'lineNumber',
  'lastTimestamp',
  'messagesPublished',
  'lastUpdated',
];

/** `<state>/<platform>/<endpoint>/<symbol segment>_publisher.json`. */
export function offsetFilePath(stateDir: string, series: SeriesId): string {
  return join(stateDir, series.platform, series.endpoint, symbolToPathSegment(series.symbol) + OFFSET_SUFFIX);
}

export type OffsetLoad =
  | { readonly kind: 'missing'; readonly path: string }
  | { readonly kind: 'ok'; readonly path: string; readonly record: OffsetRecord }
  /** `problem` says what is wrong, for a log line that names `path`. */
  | { readonly kind: 'corrupt'; readonly path: string; readonly problem: string };

function isWholeNumber(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** What is wrong with `value` as the offset record of `series`, or undefined when nothing is. */
export function offsetRecordProblem(value: unknown, series: SeriesId): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const missing = FIELDS.filter((field) => !(field in record));
  if (missing.length > 0) return `missing field(s) ${missing.join(', ')}`;
  const extra = Object.keys(record).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (extra.length > 0) return `unknown field(s) ${extra.join(', ')}`;
  for (const field of ['platform', 'endpoint', 'symbol'] as const) {
    if (record[field] !== series[field]) {
      return `it is the offset of ${field} ${JSON.stringify(record[field])}, not ${JSON.stringify(series[field])}`;
    }
  }
  const file = record.currentFile;
  if (typeof file !== 'string' || basename(file) !== file || parseRecordingFileName(file) === undefined) {
    return `currentFile ${JSON.stringify(file)} is not a recording file name (<ISO time>.jsonl)`;
  }
  if (!isWholeNumber(record.lineNumber, 1)) return 'lineNumber is not a whole number from 1';
  if (typeof record.lastTimestamp !== 'number' || !Number.isFinite(record.lastTimestamp)) {
    return 'lastTimestamp is not a number';
  }
  if (!isWholeNumber(record.messagesPublished, 0)) return 'messagesPublished is not a whole number from 0';
  if (typeof record.lastUpdated !== 'string' || Number.isNaN(Date.parse(record.lastUpdated))) {
    return 'lastUpdated is not an ISO date';
  }
  return undefined;
}

/** Reads and checks the offset of `series`; never throws for a missing or corrupt file. */
export async function loadOffsetFile(stateDir: string, series: SeriesId): Promise<OffsetLoad> {
  const path = offsetFilePath(stateDir, series);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing', path };
    return { kind: 'corrupt', path, problem: `cannot be read (${(error as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'corrupt', path, problem: `not valid JSON (${(error as Error).message})` };
  }
  const problem = offsetRecordProblem(value, series);
  if (problem !== undefined) return { kind: 'corrupt', path, problem };
  return { kind: 'ok', path, record: value as OffsetRecord };
}

let tempCounter = 0;

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Opens `temp` for writing; only when its directory is missing (the first save, or the state dir
 * removed under a running replay) are the directories made, not on every save.
 */
async function openCreating(temp: string, dir: string): Promise<FileHandle> {
  try {
    return await open(temp, 'w', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    return open(temp, 'w', 0o644);
  }
}

/**
 * Replaces the offset file at `path` atomically and durably (see the module comment). Creates
 * the directories on the way. Fails (the old file untouched) when any step fails.
 */
export async function writeOffsetFile(path: string, record: OffsetRecord): Promise<void> {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`;
  const body = JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, record[f]])), null, 2) + '\n';
  try {
    const handle = await openCreating(temp, dir);
    try {
      await handle.writeFile(body, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
}

/**
 * Removes temp files left next to the offset file at `path` by a writer that crashed mid-save
 * (`<offset file>.<pid>.<n>.tmp`). Call once before the first save of a process. Returns the names removed.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = basename(path) + '.';
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stale = names.filter((n) => n.startsWith(prefix) && n.endsWith(TEMP_SUFFIX));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale;
}
