/**
 * What one venue folder gives the rest of the platform. The app, the CLI, the generator and the
 * bench reach a venue only through this (looked up by name in `./index.ts`); everything the
 * venue needs to do these jobs lives in its own folder, on the shared framework.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import type { Feed } from '../ingest/feed.js';
import type { ResilienceOptions } from '../ingest/venue-feed.js';
import type { RecordPlan, VenueRecordOptions } from '../record/plan.js';
import type { VenueEndpoint } from '../replay/hub.js';
import type { ReplaySource } from '../replay/source.js';

/** WebSocket and REST base URLs of one venue (the exchange's own, or a replay hub's mount). */
export interface VenueUrls {
  readonly ws: string;
  readonly rest: string;
}

export interface VenueFeedOptions {
  readonly urls: VenueUrls;
  /** Canonical symbols (`BTC/USDT`). */
  readonly symbols: readonly string[];
  /** Levels per side of the `book_snapshot`s it emits. */
  readonly bookDepth: number;
  readonly logger: Logger;
  /** The run's settings, for venue-specific ones (Alpaca's key pair and feed); defaults when absent. */
  readonly config?: Config;
  /** Backoff, circuit breaker, retry limit and staleness of the feed's connections. */
  readonly resilience?: ResilienceOptions;
}

export interface VenueEndpointOptions {
  readonly logger: Logger;
  /** Native symbols the replay publishes. */
  readonly symbols: readonly string[];
  /** The run's settings, for venue-specific ones (Alpaca's accepted key pair, connection limit). */
  readonly config?: Config;
}

export interface VenueGenerateOptions {
  /** Storage root; the venue writes `<root>/<exchange>/<endpoint>/<symbol>/…`. */
  readonly root: string;
  readonly seed: string;
  /** Market time of the first capture, ms since epoch. */
  readonly startMs: number;
  readonly minutes: number;
  /** Canonical symbols. */
  readonly symbols: readonly string[];
}

export interface VenueGenerateSummary {
  readonly files: readonly string[];
  readonly bytes: number;
}

export interface VenueModule {
  readonly exchange: Exchange;
  /** For messages: `Binance`. */
  readonly title: string;
  /** The exchange's own endpoints, used when no `--upstream` hub is given. */
  readonly live: VenueUrls;
  /** Canonical symbols of the bundled sample, and the default subscription. */
  readonly sampleSymbols: readonly string[];
  /** Canonical (`BTC/USDT`) → the exchange's own spelling, and back. Throws on a bad symbol. */
  toNative(canonical: string): string;
  toCanonical(native: string): string;

  /** The venue's hub endpoint, mounted at `/<exchange>`, serving the replayed native `symbols`. */
  createEndpoint(opts: VenueEndpointOptions): VenueEndpoint;
  /** The venue's recordings under `root` as a replay timeline (no symbols when there are none). */
  openSource(root: string, logger: Logger): Promise<ReplaySource>;
  /** An ingest client for the venue (real exchange or a hub mount). */
  createFeed(opts: VenueFeedOptions): Feed;
  /**
   * One hub connection that receives the venue's real-time streams of `symbols` (native): the
   * path below the venue's mount and the messages to send once open. The replay bench's consumer.
   */
  firehose(symbols: readonly string[]): { readonly path: string; readonly subscribe: readonly string[] };
  /** Write the seeded synthetic recordings in the exchange's own REST formats. */
  generate(opts: VenueGenerateOptions): Promise<VenueGenerateSummary>;
  /**
   * What `tickstream record` polls for the native `symbols`: the REST series (storage endpoint,
   * path, parameters, weight, default interval) and the exchange's rate limits.
   */
  recordPlan(opts: VenueRecordOptions): RecordPlan;
}
