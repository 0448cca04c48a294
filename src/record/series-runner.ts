/**
 * Polls one series (one endpoint of one symbol) until stopped: waits for its next poll, takes
 * its weight from the venue's rate gate, GETs, records the body untouched, and for cursor series
 * (trades, quotes, bars) follows pages, checks that the poll continued the last one and keeps
 * the cursor. A gap halves the series' interval (down to the minimum) until polls continue each
 * other again; a full page is followed at once. 429/418 hold the venue for Retry-After.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { RecordingWriter } from '../storage/writer.js';
import { httpGet, requestUrl, type HttpAnswer } from './http-get.js';
import { MIN_INTERVAL_MS } from './intervals.js';
import type { ItemMark, PageSummary, RecordEndpoint, RecordRequest, RecordSeries } from './plan.js';
import type { RateGate } from './rate-gate.js';

/** Figures of one venue's recording, summed over its series. */
export interface VenueRecordStats {
  requests: number;
  records: number;
  bytes: number;
  errors: number;
  gaps: number;
  /** Trades known missing in gaps (consecutive ids only). */
  missingIds: number;
  /** 429/418 answers. */
  rateLimited: number;
}

export function emptyStats(): VenueRecordStats {
  return { requests: 0, records: 0, bytes: 0, errors: 0, gaps: 0, missingIds: 0, rateLimited: 0 };
}

export interface SeriesRunnerOptions {
  readonly platform: string;
  readonly endpoint: RecordEndpoint;
  readonly series: RecordSeries;
  readonly intervalMs: number;
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly gate: RateGate;
  readonly writer: RecordingWriter;
  readonly stats: VenueRecordStats;
  readonly logger: Logger;
  /** The newest item recorded by an earlier run (cursor series). */
  readonly resumeFrom?: ItemMark;
  /** Venue-level check of a 200 answer (see RecordPlan.errorOf). */
  readonly errorOf?: (body: unknown) => string | undefined;
  readonly requestTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Backoff after a 429/418 without Retry-After, and after failed polls: doubling, capped. */
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** A clean poll lengthens a shortened interval by this factor, back up to the configured one. */
const RELAX = 1.25;

type Outcome = 'ok' | 'full' | 'gap' | 'failed';

export class SeriesRunner {
  /** When the next poll goes out (ms since epoch). */
  nextPollAt = 0;
  private cursor: ItemMark | undefined;
  private currentIntervalMs: number;
  private failures = 0;
  private readonly log: Logger;

  constructor(private readonly o: SeriesRunnerOptions) {
    this.cursor = o.resumeFrom;
    this.currentIntervalMs = o.intervalMs;
    this.log = o.logger.child({ endpoint: o.endpoint.endpoint, symbol: o.series.symbol });
  }

  /** The newest item recorded (cursor series). */
  get lastItem(): ItemMark | undefined {
    return this.cursor;
  }

  /** Polls until `signal` aborts; resolves after the last write was queued. */
  async run(signal: AbortSignal): Promise<void> {
    this.nextPollAt = Date.now();
    while (!signal.aborted) {
      const wait = this.nextPollAt - Date.now();
      if (wait > 0 && !(await pause(wait, signal))) return;
      const started = Date.now();
      const outcome = await this.poll(signal);
      if (signal.aborted) return;
      this.nextPollAt = started + this.delayAfter(outcome);
    }
  }

  private delayAfter(outcome: Outcome): number {
    if (outcome === 'failed') {
      this.failures++;
      return Math.max(this.currentIntervalMs, backoff(this.failures));
    }
    this.failures = 0;
    if (outcome === 'full') return 0;
    if (outcome === 'gap') this.currentIntervalMs = Math.max(MIN_INTERVAL_MS, this.currentIntervalMs / 2);
    else this.currentIntervalMs = Math.min(this.o.intervalMs, this.currentIntervalMs * RELAX);
    return Math.round(this.currentIntervalMs);
  }

  /** One poll, its pages included. */
  private async poll(signal: AbortSignal): Promise<Outcome> {
    const { series, endpoint } = this.o;
    let request: RecordRequest | undefined = series.request(this.cursor, Date.now());
    let outcome: Outcome = 'ok';
    let firstPage = true;
    while (request !== undefined) {
      const body = await this.fetchRecorded(request, signal);
      if (body === undefined) return 'failed';
      if (series.read === undefined) return 'ok';
      let page: PageSummary;
      try {
        page = series.read(body, request);
      } catch (err) {
        this.o.stats.errors++;
        this.log.warn({ err: String(err) }, 'recorded answer is not a page the series can follow');
        return 'failed';
      }
      if (firstPage && this.isGap(page)) outcome = 'gap';
      firstPage = false;
      const before = this.cursor;
      this.advance(page);
      request = page.nextPage;
      if (request === undefined && page.full && outcome !== 'gap' && advanced(before, this.cursor)) {
        outcome = 'full';
      }
      if (endpoint.continuity === undefined) break;
    }
    return outcome;
  }

  private isGap(page: PageSummary): boolean {
    const { continuity } = this.o.endpoint;
    const last = this.cursor?.id;
    const oldest = page.oldest?.id;
    if (last === undefined || oldest === undefined || continuity === 'windowed') return false;
    const gap = continuity === 'consecutive-ids' ? oldest > last + 1 : oldest > last;
    if (!gap) return false;
    this.o.stats.gaps++;
    const missing = continuity === 'consecutive-ids' ? oldest - last - 1 : undefined;
    if (missing !== undefined) this.o.stats.missingIds += missing;
    this.log.warn(
      { lastRecordedId: last, oldestId: oldest, missing, intervalMs: Math.round(this.currentIntervalMs / 2) },
      'trade poll did not overlap the previous one (more trades than a page holds): polling sooner',
    );
    return true;
  }

  private advance(page: PageSummary): void {
    const next = page.continueFrom ?? page.newest;
    if (next === undefined) return;
    const cur = this.cursor;
    if (cur === undefined || next.timeMs > cur.timeMs || (next.id ?? -Infinity) > (cur.id ?? -Infinity)) {
      this.cursor = next;
    }
  }

  /** GET `request` (again after a 429/418) and record a good answer; its parsed body, or undefined. */
  private async fetchRecorded(request: RecordRequest, signal: AbortSignal): Promise<unknown> {
    const { gate, endpoint, stats } = this.o;
    const url = requestUrl(this.o.baseUrl, request);
    for (let limited = 1; !signal.aborted; limited++) {
      let answer: HttpAnswer;
      let answered: (() => void) | undefined;
      try {
        answered = await gate.acquire(endpoint.endpoint, endpoint.weight, signal);
        stats.requests++;
        answer = await httpGet(url, this.o.headers, this.o.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS, signal);
        answered();
      } catch (err) {
        answered?.();
        if (signal.aborted) return undefined;
        stats.errors++;
        this.log.warn({ url, err: String(err) }, 'request failed');
        return undefined;
      }
      const capturedAt = Date.now();
      if (answer.status === 429 || answer.status === 418) {
        stats.rateLimited++;
        const waitMs = answer.retryAfterMs ?? backoff(limited);
        gate.holdUntil(capturedAt + waitMs);
        this.log.warn(
          { url, status: answer.status, retryAfterMs: answer.retryAfterMs, waitMs },
          'rate limited by the exchange: holding every request of this venue',
        );
        continue;
      }
      return this.record(request, answer, capturedAt, url);
    }
    return undefined;
  }

  private async record(
    request: RecordRequest,
    answer: HttpAnswer,
    ts: number,
    url: string,
  ): Promise<unknown> {
    const { stats } = this.o;
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      body = undefined;
    }
    const problem =
      answer.status !== 200
        ? `HTTP ${answer.status}`
        : body === undefined
          ? 'the body is not JSON'
          : this.o.errorOf?.(body);
    if (problem !== undefined) {
      stats.errors++;
      this.log.warn(
        { url, status: answer.status, body: answer.body.slice(0, 300) },
        `not recorded: ${problem}`,
      );
      return undefined;
    }
    const before = this.o.writer.bytesWritten;
    await this.o.writer.writeRaw(ts, { path: request.path, params: request.params }, answer.body);
    stats.records++;
    stats.bytes += this.o.writer.bytesWritten - before;
    return body;
  }
}

function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
}

function advanced(before: ItemMark | undefined, after: ItemMark | undefined): boolean {
  if (after === undefined) return false;
  if (before === undefined) return true;
  return after.timeMs > before.timeMs || (after.id ?? -Infinity) > (before.id ?? -Infinity);
}

/** Waits `ms`; false when `signal` aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
