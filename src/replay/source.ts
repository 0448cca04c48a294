import type { ReplayEvent } from './events.js';

/**
 * One exchange's recordings as a replay timeline. A pass reads the recordings once, in time
 * order; `--loop` runs pass after pass with times shifted by `timeShift` and every id
 * (trade ids, book update ids) shifted past the previous pass, so nothing ever goes backwards.
 */
export interface ReplaySource {
  /** Native symbols this source replays. */
  readonly symbols: readonly string[];
  pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent>;
  /** Counters worth reporting (duplicates dropped, gaps, bad lines, …). */
  stats(): Record<string, number>;
}

/** Tracks the span of values seen in a pass, to shift the next pass past it. */
export class SpanTracker {
  min = Infinity;
  max = -Infinity;

  see(value: number): void {
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Shift for pass `index`: each pass moves past the whole span of the first. */
  shiftFor(index: number): number {
    if (index === 0 || this.max < this.min) return 0;
    return index * (this.max - this.min + 1);
  }
}
