import type { Bus } from '../bus/bus.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { VenueUrls } from '../exchanges/venue.js';
import type { IngestMetrics } from '../gateway/metrics.js';
import type { Feed } from '../ingest/feed.js';
import { BusRouter } from '../ingest/router.js';
import type { ResilienceOptions } from '../ingest/venue-feed.js';

export interface IngestOptions {
  bus: Bus;
  /** Canonical symbols to subscribe, per exchange, in priority order (the first is the primary source). */
  symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** A replay hub base URL (`http://127.0.0.1:3100`) instead of the real exchanges. */
  upstream?: string;
  bookDepth: number;
  logger: Logger;
  latestTtlMs?: number;
  /** The run's settings, handed to each venue's feed (Alpaca's key pair and feed, resilience). */
  config?: Config;
  /** Each feed is reported there (the gateway's `/metrics`). */
  metrics?: IngestMetrics;
}

export interface IngestStack {
  readonly feeds: ReadonlyMap<Exchange, Feed>;
  readonly router: BusRouter;
  close(): Promise<void>;
}

/** `http://host:port` → `{ws: 'ws://host:port/<prefix>', rest: 'http://host:port/<prefix>'}`. */
export function upstreamUrls(upstream: string, prefix: string): VenueUrls {
  const base = new URL(upstream);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const path = base.pathname.replace(/\/+$/, '');
  const hostPart = `//${base.host}${path}/${prefix}`;
  return { ws: `${secure ? 'wss' : 'ws'}:${hostPart}`, rest: `${secure ? 'https' : 'http'}:${hostPart}` };
}

/** The first exchange (in priority order) that carries each symbol feeds its aggregated streams. */
export function primarySources(symbols: ReadonlyMap<Exchange, readonly string[]>): Map<string, Exchange> {
  const primary = new Map<string, Exchange>();
  for (const [exchange, list] of symbols) for (const s of list) if (!primary.has(s)) primary.set(s, exchange);
  return primary;
}

/** The config keys of backoff, circuit breaker, retry limit and staleness as feed options. */
export function resilienceFromConfig(config: Config): ResilienceOptions {
  return {
    backoff: { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs },
    breaker: {
      failures: config.breakerFailures,
      openMs: config.breakerOpenMs,
      successes: config.breakerSuccesses,
    },
    maxReconnects: config.maxReconnects,
    staleness: { factor: config.staleFactor, floorMs: config.staleFloorMs },
  };
}

/** Exchange clients → normalized messages → bus (per-exchange and aggregated streams). */
export function startIngest(opts: IngestOptions): IngestStack {
  // Look every venue up first: an unknown one is refused before anything connects.
  const venues = [...opts.symbols.keys()].map(venueFor);
  const primary = primarySources(opts.symbols);
  const router = new BusRouter(opts.bus, {
    latestTtlMs: opts.latestTtlMs ?? 60_000,
    primaryFor: (symbol) => primary.get(symbol),
  });
  const feeds = new Map<Exchange, Feed>();
  const pumps: Promise<void>[] = [];
  for (const venue of venues) {
    const exchange = venue.exchange;
    const symbols = opts.symbols.get(exchange) ?? [];
    const urls = opts.upstream ? upstreamUrls(opts.upstream, exchange) : venue.live;
    const logger = opts.logger.child({ component: 'ingest', exchange });
    const resilience = opts.config === undefined ? undefined : resilienceFromConfig(opts.config);
    const feed = venue.createFeed({
      urls,
      symbols,
      bookDepth: opts.bookDepth,
      logger,
      config: opts.config,
      resilience,
    });
    feeds.set(exchange, feed);
    opts.metrics?.addFeed(feed);
    pumps.push(
      (async () => {
        for await (const msg of feed.messages()) router.route(msg);
      })().catch((err: unknown) => logger.error({ err }, 'ingest stopped on an error')),
    );
    logger.info({ ws: urls.ws, symbols }, 'ingest started');
  }

  return {
    feeds,
    router,
    async close() {
      await Promise.all([...feeds.values()].map((f) => f.close()));
      await Promise.all(pumps);
    },
  };
}
