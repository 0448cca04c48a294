/**
 * Readers for the real Binance captures in src/exchanges/binance/fixtures (see its README).
 * Test support only (excluded from the build).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = new URL('../fixtures/', import.meta.url);

function read(name: string): string {
  return readFileSync(fileURLToPath(new URL(name, dir)), 'utf8');
}

/** One captured frame: the receipt time (ms) and the frame text exactly as received. */
export interface CapturedFrame {
  readonly localTimestamp: number;
  readonly raw: string;
}

/** cryptofeed line format `<seconds>: <frame>`; a header line `<url> <-> <ts>` opens the file. */
function parseTimestamped(line: string): { seconds: number; rest: string } {
  const sep = line.indexOf(': ');
  return { seconds: Number(line.slice(0, sep)), rest: line.slice(sep + 2) };
}

/** Every frame of combined-stream.ws.txt, in capture order. */
export function combinedStreamFrames(): CapturedFrame[] {
  const lines = read('combined-stream.ws.txt').split('\n');
  const out: CapturedFrame[] = [];
  for (const line of lines) {
    if (line.length === 0 || line.startsWith('wss://')) continue;
    const { seconds, rest } = parseTimestamped(line);
    out.push({ localTimestamp: Math.floor(seconds * 1000), raw: rest });
  }
  return out;
}

/** The recorded REST depth snapshots, by Binance symbol: the body text exactly as served. */
export function depthSnapshots(): Map<string, { readonly localTimestamp: number; readonly body: string }> {
  const out = new Map<string, { localTimestamp: number; body: string }>();
  for (const line of read('depth-snapshots.http.txt').split('\n')) {
    if (line.length === 0) continue;
    const arrow = line.indexOf(' -> ');
    const url = new URL(line.slice(0, arrow));
    const { seconds, rest } = parseTimestamped(line.slice(arrow + 4));
    out.set(url.searchParams.get('symbol') ?? '', { localTimestamp: Math.floor(seconds * 1000), body: rest });
  }
  return out;
}

/** btcusdt-depth-raw.jsonl: raw `btcusdt@depth` frames, one per line. */
export function btcDepthRawFrames(): string[] {
  return read('btcusdt-depth-raw.jsonl')
    .split('\n')
    .filter((l) => l.length > 0);
}
