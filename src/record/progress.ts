/**
 * Progress of a recording run: on a terminal one line per venue redrawn in place (requests,
 * records, bytes, errors, gaps, 429s, next poll); otherwise a pino log line per venue every
 * `logEveryMs`. Either way a last report when it stops.
 */
import type { Logger } from '../core/logger.js';
import type { VenueProgress } from './recorder.js';

export interface ProgressOptions {
  readonly read: () => readonly VenueProgress[];
  readonly logger: Logger;
  /** The terminal to draw on; undefined: log lines instead. */
  readonly tty?: NodeJS.WriteStream;
  readonly redrawMs?: number;
  readonly logEveryMs?: number;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** One venue's terminal line. */
export function progressLine(v: VenueProgress, nowMs: number, nameWidth = 8): string {
  const s = v.stats;
  const held = v.heldUntil > nowMs ? `  held ${((v.heldUntil - nowMs) / 1000).toFixed(1)}s (429)` : '';
  const next = Math.max(0, v.nextPollAt - nowMs) / 1000;
  return (
    `${v.platform.padEnd(nameWidth)} requests ${s.requests}  records ${s.records}  ${formatBytes(s.bytes)}` +
    `  errors ${s.errors}  gaps ${s.gaps}  429s ${s.rateLimited}  next poll ${next.toFixed(1)}s${held}`
  );
}

export class ProgressDisplay {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(private readonly o: ProgressOptions) {}

  start(): this {
    const every = this.o.tty ? (this.o.redrawMs ?? 500) : (this.o.logEveryMs ?? 10_000);
    this.timer = setInterval(() => this.report(), every);
    this.timer.unref();
    return this;
  }

  /** Stops redrawing; leaves the final figures on screen (or logs them). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.report();
  }

  private report(): void {
    const venues = this.o.read();
    const tty = this.o.tty;
    if (tty === undefined) {
      for (const v of venues) {
        this.o.logger.info(
          { exchange: v.platform, ...v.stats, nextPollInMs: Math.max(0, v.nextPollAt - Date.now()) },
          'recording progress',
        );
      }
      return;
    }
    const now = Date.now();
    const width = Math.max(8, ...venues.map((v) => v.platform.length + 1));
    // Back to the first line drawn last time, then each line cleared and rewritten.
    let out = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    for (const v of venues) out += `\x1b[2K${progressLine(v, now, width)}\n`;
    tty.write(out);
    this.drawn = venues.length;
  }
}
