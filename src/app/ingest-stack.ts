import type { Bus } from '../bus/bus.js';
import { NotAvailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { createBinanceFeed } from '../exchanges/binance/client.js';
import type { Feed } from '../ingest/feed.js';
import { BusRouter } from '../ingest/router.js';

/** Real exchange endpoints, used when no `--upstream` replay hub is given. */
const BINANCE_LIVE = { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' };

export interface IngestOptions {
  bus: Bus;
  exchanges: readonly Exchange[];
  /** Canonical symbols to subscribe on every exchange. */
  symbols: readonly string[];
  /** A replay hub base URL (`http://127.0.0.1:3100`) instead of the real exchanges. */
  upstream?: string;
  bookDepth: number;
  logger: Logger;
  latestTtlMs?: number;
}

export interface IngestStack {
  readonly feeds: ReadonlyMap<Exchange, Feed>;
  readonly router: BusRouter;
  close(): Promise<void>;
}

/** `http://host:port` → `{ws: 'ws://host:port/<prefix>', rest: 'http://host:port/<prefix>'}`. */
export function upstreamUrls(upstream: string, prefix: string): { ws: string; rest: string } {
  const base = new URL(upstream);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const path = base.pathname.replace(/\/+$/, '');
  const hostPart = `//${base.host}${path}/${prefix}`;
  return { ws: `${secure ? 'wss' : 'ws'}:${hostPart}`, rest: `${secure ? 'https' : 'http'}:${hostPart}` };
}

/** Exchange clients → normalized messages → bus (per-exchange and aggregated streams). */
export function startIngest(opts: IngestOptions): IngestStack {
  const unsupported = opts.exchanges.filter((e) => e !== 'binance');
  if (unsupported.length > 0) {
    throw new NotAvailableError(
      `Ingest from ${unsupported.join(', ')} is not available yet: this build ingests binance. Use --exchanges binance.`,
    );
  }
  const primary = opts.exchanges[0];
  const router = new BusRouter(opts.bus, {
    latestTtlMs: opts.latestTtlMs ?? 60_000,
    primaryFor: () => primary,
  });
  const urls = opts.upstream ? upstreamUrls(opts.upstream, 'binance') : BINANCE_LIVE;
  const logger = opts.logger.child({ component: 'ingest', exchange: 'binance' });
  const feed = createBinanceFeed({
    wsBaseUrl: urls.ws,
    restBaseUrl: urls.rest,
    symbols: [...opts.symbols],
    bookDepth: opts.bookDepth,
    logger,
  });
  const pump = (async () => {
    for await (const msg of feed.messages()) router.route(msg);
  })().catch((err: unknown) => logger.error({ err }, 'ingest stopped on an error'));
  logger.info({ ws: urls.ws, symbols: opts.symbols }, 'ingest started');

  return {
    feeds: new Map([['binance', feed]]),
    router,
    async close() {
      await feed.close();
      await pump;
    },
  };
}
