/**
 * `tickstream record` without the CLI: runs the venues' record plans into the storage layout,
 * one rate gate per venue, one writer and poller per series. A new run writes new files (never
 * appends to an old one) and continues each cursor series from the newest item already recorded.
 * `stop` lets the in-flight writes finish, then flushes, fsyncs and closes every file.
 */
import type { Logger } from '../core/logger.js';
import { RecordingWriter } from '../storage/writer.js';
import { intervalFor, type IntervalOverrides } from './intervals.js';
import type { ItemMark, RecordEndpoint, RecordPlan, RecordSeries } from './plan.js';
import { RateGate } from './rate-gate.js';
import { lastRecorded } from './resume.js';
import { emptyStats, SeriesRunner, type VenueRecordStats } from './series-runner.js';

export interface RecorderOptions {
  /** Storage root. */
  readonly root: string;
  readonly plans: readonly RecordPlan[];
  readonly intervals: IntervalOverrides;
  /** A base URL that stands in for every exchange: venue `x` is polled under `<upstream>/x`. */
  readonly upstream?: string;
  readonly logger: Logger;
  readonly requestTimeoutMs?: number;
  /** Start a new file once one holds this many bytes (RecordingWriter's default otherwise). */
  readonly maxFileBytes?: number;
}

/** What the progress display shows of one venue. */
export interface VenueProgress {
  readonly platform: string;
  readonly stats: Readonly<VenueRecordStats>;
  /** The soonest next poll of any of its series, ms since epoch. */
  readonly nextPollAt: number;
  /** Until when a 429/418 holds its requests (past: not held). */
  readonly heldUntil: number;
}

interface VenueRun {
  readonly plan: RecordPlan;
  readonly gate: RateGate;
  readonly stats: VenueRecordStats;
  readonly runners: SeriesRunner[];
}

/** The REST base of `platform`: under `upstream` when given (`http://127.0.0.1:3100/binance`). */
export function baseUrlOf(plan: RecordPlan, upstream: string | undefined): string {
  if (upstream === undefined) return plan.liveBaseUrl;
  const base = upstream.replace(/\/+$/, '').replace(/^ws(s?):/, 'http$1:');
  return `${base}/${plan.platform}`;
}

export class Recorder {
  private readonly abort = new AbortController();
  private readonly writers: RecordingWriter[] = [];
  private readonly running: Promise<void>[] = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly venues: readonly VenueRun[],
    private readonly logger: Logger,
  ) {}

  /** Resumes every cursor series from its recordings and starts polling. Throws on a plan no gate can run. */
  static async start(opts: RecorderOptions): Promise<Recorder> {
    const venues: VenueRun[] = [];
    const pending: Array<{ venue: VenueRun; runner: SeriesRunner; writer: RecordingWriter }> = [];
    for (const plan of opts.plans) {
      const gate = new RateGate(plan.rateLimits);
      for (const e of plan.endpoints) gate.check(`${plan.platform} ${e.key}`, e.weight);
      const venue: VenueRun = { plan, gate, stats: emptyStats(), runners: [] };
      venues.push(venue);
      for (const endpoint of plan.endpoints) {
        const intervalMs = intervalFor(opts.intervals, plan.platform, endpoint.key, endpoint.intervalMs);
        for (const series of endpoint.series) {
          const writer = new RecordingWriter({
            root: opts.root,
            platform: plan.platform,
            endpoint: endpoint.endpoint,
            symbol: series.symbol,
            maxFileBytes: opts.maxFileBytes,
          });
          const resumeFrom = await resumePoint(opts.root, plan.platform, endpoint, series);
          if (resumeFrom !== undefined) {
            opts.logger.info(
              { exchange: plan.platform, endpoint: endpoint.endpoint, symbol: series.symbol, ...resumeFrom },
              'resuming after the newest recorded item',
            );
          }
          const runner = new SeriesRunner({
            platform: plan.platform,
            endpoint,
            series,
            intervalMs,
            baseUrl: baseUrlOf(plan, opts.upstream),
            headers: plan.headers ?? {},
            gate,
            writer,
            stats: venue.stats,
            logger: opts.logger.child({ exchange: plan.platform }),
            resumeFrom,
            errorOf: plan.errorOf?.bind(plan),
            requestTimeoutMs: opts.requestTimeoutMs,
          });
          venue.runners.push(runner);
          pending.push({ venue, runner, writer });
        }
      }
    }
    const recorder = new Recorder(venues, opts.logger);
    for (const { venue, runner, writer } of pending) recorder.launch(venue, runner, writer);
    return recorder;
  }

  /** Files written so far, in the order they were opened. */
  get files(): string[] {
    return this.writers.flatMap((w) => [...w.files]);
  }

  progress(): VenueProgress[] {
    return this.venues.map((v) => ({
      platform: v.plan.platform,
      stats: { ...v.stats },
      nextPollAt: Math.min(...v.runners.map((r) => r.nextPollAt)),
      heldUntil: v.gate.heldUntil,
    }));
  }

  /** Stops polling; resolves once every write is done and every file fsynced and closed. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      await Promise.all(this.running);
      const closed = await Promise.allSettled(this.writers.map((w) => w.close()));
      for (const result of closed) {
        if (result.status === 'rejected')
          this.logger.error({ err: result.reason }, 'closing a recording failed');
      }
    })();
    return this.stopping;
  }

  private launch(venue: VenueRun, runner: SeriesRunner, writer: RecordingWriter): void {
    this.writers.push(writer);
    this.running.push(
      runner.run(this.abort.signal).catch((err: unknown) => {
        venue.stats.errors++;
        this.logger.error({ exchange: venue.plan.platform, err }, 'a series stopped recording: write failed');
      }),
    );
  }
}

/** The newest item of a cursor series recorded by an earlier run, or undefined. */
async function resumePoint(
  root: string,
  platform: string,
  endpoint: RecordEndpoint,
  series: RecordSeries,
): Promise<ItemMark | undefined> {
  const read = series.read;
  if (read === undefined || endpoint.continuity === undefined) return undefined;
  return lastRecorded(root, { platform, endpoint: endpoint.endpoint, symbol: series.symbol }, (record) => {
    try {
      const page = read.call(series, record.data, record.request);
      return page.continueFrom ?? page.newest;
    } catch {
      return undefined;
    }
  });
}
