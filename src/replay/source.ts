import { listRecordingFiles } from '../storage/layout.js';
import { readRecords } from '../storage/reader.js';
import type { ReplayEvent } from './events.js';

/**
 * One exchange's recordings as a replay timeline. A pass reads the recordings once, in time
 * order, every event at its own recorded time — also what the recordings date from before they
 * began (trades a first poll returned). `--loop` runs pass after pass: times shifted by
 * `timeShift` (which puts the pass past the previous pass's last event) and every id (trade
 * ids, book update ids) shifted past the highest one emitted, so nothing ever goes backwards.
 */
export interface ReplaySource {
  /** Native symbols this source replays. */
  readonly symbols: readonly string[];
  pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent>;
  /**
   * The same pass as {@link pass}, in runs of events that were ready together (a chunk of a
   * compiled timeline): one async step per run instead of per event, on the replay's hot path.
   */
  chunks?(index: number, timeShift: number): AsyncGenerator<readonly ReplayEvent[]>;
  /**
   * Capture time of the earliest recorded response (undefined with none): the replay clock
   * starts there, so the first pass's events dated earlier are the opening history, played at
   * once. Later passes play them at their own times, like everything else.
   */
  recordingStart(): Promise<number | undefined>;
  /** Counters worth reporting (duplicates dropped, gaps, bad lines, …). */
  stats(): Record<string, number>;
}

/** Pass `index` of `source` in runs of events: its own {@link ReplaySource.chunks}, or one event a run. */
export async function* passChunks(
  source: ReplaySource,
  index: number,
  timeShift: number,
): AsyncGenerator<readonly ReplayEvent[]> {
  if (source.chunks !== undefined) {
    yield* source.chunks(index, timeShift);
    return;
  }
  for await (const event of source.pass(index, timeShift)) yield [event];
}

/** The events of `runs`, one by one (a {@link ReplaySource.pass} made of its chunks). */
export async function* eventsOf(runs: AsyncIterable<readonly ReplayEvent[]>): AsyncGenerator<ReplayEvent> {
  for await (const run of runs) yield* run;
}

/**
 * The span of values (times, ids) a run has emitted, pass after pass, and the shift that puts
 * the next pass after all of them. The lowest value is where the first pass began; the highest
 * is the true end so far, whatever each pass's own span was.
 */
export class SpanTracker {
  private min = Infinity;
  private max = -Infinity;

  /** Note a value as emitted (already shifted). */
  see(value: number): void {
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * The shift that moves the first pass's values to start `step` after the highest value seen
   * (1 for ids, the loop gap for times); 0 before anything was seen.
   */
  shiftPast(step: number): number {
    return this.max < this.min ? 0 : this.max + step - this.min;
  }
}

/**
 * The earliest capture time (`ts` of the first record) over several recordings' file lists, each
 * oldest first, as `recordingStart` needs it; undefined when none has a record.
 */
export async function earliestCapture(fileLists: Iterable<readonly string[]>): Promise<number | undefined> {
  let start: number | undefined;
  for (const files of fileLists) {
    for await (const { record } of readRecords(files)) {
      if (start === undefined || record.ts < start) start = record.ts;
      break;
    }
  }
  return start;
}

/**
 * The earliest capture over the recordings of `symbols` (as stored) under `endpoints` of
 * `platform`: a venue source's `recordingStart`.
 */
export async function recordingStartOf(
  root: string,
  platform: string,
  endpoints: readonly string[],
  symbols: readonly string[],
): Promise<number | undefined> {
  const lists: string[][] = [];
  for (const symbol of symbols) {
    for (const endpoint of endpoints) lists.push(await listRecordingFiles(root, platform, endpoint, symbol));
  }
  return earliestCapture(lists);
}
