/**
 * `GET /api/market-data/health` and `GET /api/market-data/sources`: what ingest is doing (state
 * per exchange, the aggregator's sources and active source per symbol), what the gateway serves
 * (subscriptions, capacity) and, per symbol, which level of the latest-price fallback serves it
 * and how stale it is. A lone instance is its own leader.
 */
import type { Exchange } from '../core/types.js';
import type { SymbolSourcesView } from '../ingest/aggregator.js';
import type { FeedStats } from '../ingest/feed.js';
import type { SourceHealthView } from '../ingest/source-health.js';
import type { LatestPrice, LatestPriceResolver } from './latest-price.js';

/** What the health endpoints read from ingest, when this process runs it. */
export interface IngestStatus {
  feedStats(): readonly FeedStats[];
  sources(): readonly SymbolSourcesView[];
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthAlert {
  readonly severity: 'warning' | 'critical';
  readonly code:
    | 'no_ingest'
    | 'feed_down'
    | 'breaker_open'
    | 'stale_channels'
    | 'no_healthy_source'
    | 'failover_active'
    | 'price_not_live';
  readonly message: string;
  readonly exchange?: Exchange;
  readonly symbol?: string;
}

export interface GatewayLoad {
  readonly connections: number;
  readonly maxConnections: number;
  readonly subscriptions: number;
  readonly busTopics: number;
}

export interface HealthReporterOptions {
  readonly pairs: readonly string[];
  readonly latest: LatestPriceResolver;
  readonly load: () => GatewayLoad;
  readonly now?: () => number;
}

/** One exchange's ingest as the health endpoint shows it. */
export interface FeedHealth {
  readonly state: FeedStats['state'];
  readonly reconnects: number;
  readonly messages: number;
  readonly decodeErrors: number;
  readonly lastMessageAt: number | undefined;
  readonly latencyMs: number | undefined;
  readonly subscriptions: readonly string[];
  /** The connection's circuit breaker: `closed` (normal), `open` (no attempts), `half-open` (on trial). */
  readonly breaker: FeedStats['breaker'];
  /** Round trip of the last heartbeat ping, ms; undefined for venues whose server pings. */
  readonly pingRttMs: number | undefined;
  /** Symbols with a channel gone silent beyond its usual rhythm. */
  readonly staleSymbols: readonly string[];
}

export class HealthReporter {
  private readonly opts: HealthReporterOptions;
  private readonly now: () => number;
  private ingest: IngestStatus | undefined;

  constructor(opts: HealthReporterOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Ingest started in this process (or stopped: undefined). */
  attachIngest(ingest: IngestStatus | undefined): void {
    this.ingest = ingest;
  }

  health(): Record<string, unknown> {
    const feeds = this.ingest?.feedStats() ?? [];
    const symbols = this.ingest?.sources() ?? [];
    const prices = this.opts.pairs.map((p) => this.opts.latest.resolve(p));
    const alerts = this.alerts(feeds, symbols, prices);
    const load = this.opts.load();
    const exchanges: Record<string, FeedHealth> = {};
    for (const f of feeds) exchanges[f.exchange] = feedHealth(f);
    return {
      status: statusOf(this.ingest !== undefined, feeds, prices, alerts),
      isLeader: true,
      timestamp: this.now(),
      ingest: { running: this.ingest !== undefined, exchanges },
      subscriptions: {
        ingest: Object.fromEntries(feeds.map((f) => [f.exchange, f.subscriptions])),
        clients: load.subscriptions,
        busTopics: load.busTopics,
      },
      capacity: {
        connections: load.connections,
        maxConnections: load.maxConnections,
        percent: Math.round((load.connections / load.maxConnections) * 1000) / 10,
      },
      activeSources: Object.fromEntries(symbols.map((s) => [s.symbol, s.active])),
      prices: Object.fromEntries(prices.map((p) => [p.symbol, p])),
      alerts,
    };
  }

  sources(): Record<string, unknown> {
    const feeds = new Map((this.ingest?.feedStats() ?? []).map((f) => [f.exchange, f] as const));
    const symbols = this.ingest?.sources() ?? [];
    const sources: (SourceHealthView & { feed: FeedHealth | undefined })[] = [];
    for (const s of symbols) {
      for (const source of s.sources) {
        const feed = feeds.get(source.exchange);
        sources.push({ ...source, feed: feed === undefined ? undefined : feedHealth(feed) });
      }
    }
    return {
      running: this.ingest !== undefined,
      active: Object.fromEntries(symbols.map((s) => [s.symbol, s.active])),
      symbols: symbols.map((s) => ({
        symbol: s.symbol,
        primary: s.primary,
        active: s.active,
        failoverFailed: s.failoverFailed,
      })),
      sources,
    };
  }

  private alerts(
    feeds: readonly FeedStats[],
    symbols: readonly SymbolSourcesView[],
    prices: readonly LatestPrice[],
  ): HealthAlert[] {
    const out: HealthAlert[] = [];
    if (this.ingest === undefined) {
      out.push({ severity: 'warning', code: 'no_ingest', message: 'ingest is not running in this process' });
    }
    for (const f of feeds) {
      if (f.state !== 'connected') {
        out.push({
          severity: 'critical',
          code: 'feed_down',
          exchange: f.exchange,
          message: `${f.exchange} ingest is ${f.state}`,
        });
      }
      if (f.breaker !== 'closed') {
        out.push({
          severity: 'critical',
          code: 'breaker_open',
          exchange: f.exchange,
          message: `${f.exchange} circuit breaker is ${f.breaker}: connection attempts are held back`,
        });
      }
      if (f.staleSymbols.length > 0) {
        out.push({
          severity: 'warning',
          code: 'stale_channels',
          exchange: f.exchange,
          message: `${f.exchange} has stale channels for ${f.staleSymbols.join(', ')}`,
        });
      }
    }
    for (const s of symbols) {
      if (s.failoverFailed) {
        const why = s.sources.map((x) => `${x.exchange}: ${x.reason ?? 'healthy'}`).join(', ');
        out.push({
          severity: 'critical',
          code: 'no_healthy_source',
          symbol: s.symbol,
          message: `no healthy source for ${s.symbol} (${why})`,
        });
      } else if (s.active !== s.primary) {
        out.push({
          severity: 'warning',
          code: 'failover_active',
          symbol: s.symbol,
          exchange: s.active,
          message: `${s.symbol} is served by ${s.active} while its primary ${s.primary} recovers`,
        });
      }
    }
    for (const p of prices) {
      if (p.level !== 'live' || p.staleness !== 'fresh') {
        out.push({
          severity: p.level === 'degraded' ? 'critical' : 'warning',
          code: 'price_not_live',
          symbol: p.symbol,
          message: `${p.symbol} price from the ${p.level} level, ${p.staleness}`,
        });
      }
    }
    return out;
  }
}

function feedHealth(f: FeedStats): FeedHealth {
  return {
    state: f.state,
    reconnects: f.reconnects,
    messages: f.messages,
    decodeErrors: f.decodeErrors,
    lastMessageAt: f.lastMessageAt,
    latencyMs: f.latencyMs === undefined ? undefined : Math.round(f.latencyMs),
    subscriptions: f.subscriptions,
    breaker: f.breaker,
    pingRttMs: f.pingRttMs === undefined ? undefined : Math.round(f.pingRttMs * 10) / 10,
    staleSymbols: f.staleSymbols,
  };
}

/**
 * Unhealthy: ingest runs here but no feed is connected, or no pair has any price. Degraded: any
 * alert. Healthy otherwise.
 */
function statusOf(
  ingesting: boolean,
  feeds: readonly FeedStats[],
  prices: readonly LatestPrice[],
  alerts: readonly HealthAlert[],
): HealthStatus {
  const anyConnected = feeds.some((f) => f.state === 'connected');
  const allDegraded = prices.length > 0 && prices.every((p) => p.level === 'degraded');
  if ((ingesting && !anyConnected) || allDegraded) return 'unhealthy';
  return alerts.length > 0 ? 'degraded' : 'healthy';
}
