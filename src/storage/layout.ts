/**
 * The storage layout: `<root>/<platform>/<endpoint>/<symbol>/<ISO start time>.jsonl`.
 *
 * Symbols become one path segment through a reversible escape: `%` and the characters that are
 * unsafe in file names on some system (`/ \ : * ? " < > |`, control characters) become `%XX`
 * (upper-case hex of the UTF-16 code unit, like URL encoding), and so does a leading `.`.
 * Kraken's `BTC/USD` is stored as `BTC%2FUSD`; Binance's `BTCUSDT` and OKX's `BTC-USDT` are
 * unchanged. `symbolFromPathSegment(symbolToPathSegment(s)) === s` for every string.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const RECORDING_EXTENSION = '.jsonl';

const ISO_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const UNSAFE_IN_SEGMENT = /[%/\\:*?"<>|\u0000-\u001f\u007f]/g;
const ESCAPE = /%([0-9A-F]{2})/g;

/** `/api/v3/depth` → `api_v3_depth`, `/0/public/Trades` → `0_public_Trades`. A query string is ignored. */
export function endpointName(restPath: string): string {
  const path = restPath.split('?', 1)[0];
  return path
    .split('/')
    .filter((part) => part.length > 0)
    .join('_');
}

function escapeChar(char: string): string {
  return '%' + char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}

/** A symbol as one safe, reversible directory name (see the module comment). */
export function symbolToPathSegment(symbol: string): string {
  if (symbol.length === 0) throw new RangeError('symbol must not be empty');
  const escaped = symbol.replace(UNSAFE_IN_SEGMENT, escapeChar);
  return escaped.startsWith('.') ? escapeChar('.') + escaped.slice(1) : escaped;
}

/** The inverse of `symbolToPathSegment`. */
export function symbolFromPathSegment(segment: string): string {
  return segment.replace(ESCAPE, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The start time encoded in a recording's file name, or undefined when the name is not one. */
export function parseRecordingFileName(fileName: string): number | undefined {
  if (!fileName.endsWith(RECORDING_EXTENSION)) return undefined;
  const iso = fileName.slice(0, -RECORDING_EXTENSION.length);
  if (!ISO_NAME.test(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export function recordingFileName(startMs: number): string {
  return new Date(startMs).toISOString() + RECORDING_EXTENSION;
}

export function streamDirectory(root: string, platform: string, endpoint: string, symbol: string): string {
  return join(root, platform, endpoint, symbolToPathSegment(symbol));
}

export function recordingFilePath(
  root: string,
  platform: string,
  endpoint: string,
  symbol: string,
  startMs: number,
): string {
  return join(streamDirectory(root, platform, endpoint, symbol), recordingFileName(startMs));
}

async function entries(dir: string, want: 'dir' | 'file'): Promise<string[]> {
  try {
    const found = await readdir(dir, { withFileTypes: true });
    return found.filter((e) => (want === 'dir' ? e.isDirectory() : e.isFile())).map((e) => e.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The recordings of one stream, full paths, oldest first. Other files are ignored. */
export async function listRecordingFiles(
  root: string,
  platform: string,
  endpoint: string,
  symbol: string,
): Promise<string[]> {
  const dir = streamDirectory(root, platform, endpoint, symbol);
  const named: { name: string; startMs: number }[] = [];
  for (const name of await entries(dir, 'file')) {
    const startMs = parseRecordingFileName(name);
    if (startMs !== undefined) named.push({ name, startMs });
  }
  named.sort((a, b) => a.startMs - b.startMs || byName(a.name, b.name));
  return named.map((n) => join(dir, n.name));
}

/** Symbols recorded for an endpoint (decoded back from their directory names), sorted. */
export async function listSymbols(root: string, platform: string, endpoint: string): Promise<string[]> {
  const dirs = await entries(join(root, platform, endpoint), 'dir');
  return dirs.map(symbolFromPathSegment).sort(byName);
}

/** Symbols recorded under any of `endpoints` of `platform`, once each, sorted. */
export async function listSymbolsOf(
  root: string,
  platform: string,
  endpoints: readonly string[],
): Promise<string[]> {
  const all = new Set<string>();
  for (const endpoint of endpoints) for (const s of await listSymbols(root, platform, endpoint)) all.add(s);
  return [...all].sort(byName);
}

export async function listEndpoints(root: string, platform: string): Promise<string[]> {
  return (await entries(join(root, platform), 'dir')).sort(byName);
}

export async function listPlatforms(root: string): Promise<string[]> {
  return (await entries(root, 'dir')).sort(byName);
}
