/**
 * What a venue declares for `tickstream record`: the REST series to poll, how often, what each
 * request weighs and the exchange's rate limits. The recorder (this folder) runs any plan; the
 * plans live in the venue folders (`src/exchanges/<venue>/record-plan.ts`).
 */
import type { Config } from '../config/schema.js';

export type RequestParams = Record<string, string | number>;

/** One REST call: the concrete path below the venue's base URL and its query parameters. */
export interface RecordRequest {
  readonly path: string;
  readonly params: RequestParams;
}

/** Where an item of a cursor series (a trade, a quote, a bar) stands: its id and time. */
export interface ItemMark {
  /** Numeric trade id, where the venue numbers its trades. */
  readonly id?: number;
  /** Item time, ms since epoch. */
  readonly timeMs: number;
}

/** What one answer of a cursor series holds. */
export interface PageSummary {
  readonly items: number;
  /** The oldest and the newest item of the page (none on an empty page). */
  readonly oldest?: ItemMark;
  readonly newest?: ItemMark;
  /** The page holds as many items as a page can: more wait past `newest`, poll again at once. */
  readonly full: boolean;
  /** The rest of the same window of a paged answer, fetched right away. */
  readonly nextPage?: RecordRequest;
  /** Where the next poll continues from, when not `newest` (the end of an empty window read). */
  readonly continueFrom?: ItemMark;
}

/**
 * How a cursor series proves that no item was missed between two polls:
 * - `consecutive-ids`: ids rise by one per trade; a page whose oldest id is past the last
 *   recorded id + 1 left a gap.
 * - `overlap`: the page must reach back to the last recorded trade (oldest id at or below it);
 *   for latest-N endpoints, whose ids need not be consecutive.
 * - `windowed`: every poll reads a time window from the last item on, page by page to its end,
 *   so nothing can fall between polls (there is nothing to check).
 */
export type Continuity = 'consecutive-ids' | 'overlap' | 'windowed';

/** One polled series: one endpoint of one symbol. */
export interface RecordSeries {
  /** The exchange's own symbol spelling: the storage directory. */
  readonly symbol: string;
  /**
   * The request of the next poll, or undefined when there is nothing to ask yet (a window not
   * yet complete). `after` is where the series stands (cursor series: the newest item recorded
   * so far, also by an earlier run; undefined before the first), `nowMs` the wall clock.
   */
  request(after: ItemMark | undefined, nowMs: number): RecordRequest | undefined;
  /** Cursor series only: what the answer to `request` holds. Throws when the body is not such a page. */
  read?(body: unknown, request: RecordRequest): PageSummary;
}

export interface RecordEndpoint {
  /** The name `--interval` uses: `trades`, `depth`, `info`, `quotes`, `bars`. */
  readonly key: string;
  /** Storage endpoint directory (`api_v3_historicalTrades`), as `generate` writes it. */
  readonly endpoint: string;
  /** Units each request takes from the venue's rate limits. */
  readonly weight: number;
  /** Between polls of one series, unless `--interval` says otherwise. */
  readonly intervalMs: number;
  /** Set on cursor series (trades, quotes, bars): see Continuity. */
  readonly continuity?: Continuity;
  readonly series: readonly RecordSeries[];
}

/** A published rate limit: at most `limit` weight units in any `windowMs`. */
export interface RateLimitRule {
  /** For logs: `REQUEST_WEIGHT`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /** `venue`: one budget for every request; `endpoint`: one budget per endpoint. */
  readonly scope: 'venue' | 'endpoint';
}

export interface RecordPlan {
  /** Storage platform directory (`binance`). */
  readonly platform: string;
  /** The exchange's REST base URL (`https://api.binance.com`). */
  readonly liveBaseUrl: string;
  /** Sent with every request (credentials); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly rateLimits: readonly RateLimitRule[];
  readonly endpoints: readonly RecordEndpoint[];
  /** An error answered with HTTP 200 (Kraken's `error`, OKX's `code`): its text; undefined when fine. */
  errorOf?(body: unknown): string | undefined;
}

export interface VenueRecordOptions {
  /** The exchange's own symbol spellings. */
  readonly symbols: readonly string[];
  /** The run's settings, for venue-specific ones (credentials, feed). */
  readonly config: Config;
}
