/**
 * `GET /api/market-data/health`, `GET /health` and `GET /api/market-data/sources`: what ingest is
 * doing (the upstream connections aggregated as `websocket`, and per exchange), whether this
 * instance leads, what the gateway serves (subscriptions, capacity and a scaling
 * recommendation), the bus, and per symbol which level of the latest-price fallback serves it.
 * Alerts and status: src/gateway/health-alerts.ts.
 */
import type { BusStatus } from '../bus/bus.js';
import type { FeedState } from '../core/types.js';
import type { SymbolSourcesView } from '../ingest/aggregator.js';
import type { BreakerState } from '../ingest/circuit-breaker.js';
import type { FeedStats, SymbolStats } from '../ingest/feed.js';
import type { SourceHealthView } from '../ingest/source-health.js';
import type { Leadership } from '../scale/leadership.js';
import { parseStream } from './streams.js';
import {
  CAPACITY_ALERT_PERCENT,
  healthAlerts,
  healthStatus,
  type HealthAlert,
  type HealthSnapshot,
  type HealthStatus,
} from './health-alerts.js';
import type { FallbackLevel, LatestPrice, LatestPriceResolver } from './latest-price.js';

export {
  CAPACITY_ALERT_PERCENT,
  CONSECUTIVE_ERRORS_ALERT,
  httpStatusOf,
  type HealthAlert,
  type HealthAlertCode,
  type HealthStatus,
} from './health-alerts.js';

/** What the health endpoints read from ingest, when this process runs it. */
export interface IngestStatus {
  feedStats(): readonly FeedStats[];
  sources(): readonly SymbolSourcesView[];
}

export interface GatewayLoad {
  readonly connections: number;
  readonly maxConnections: number;
  readonly subscriptions: number;
  readonly busTopics: number;
  /** Streams with at least one client. */
  readonly clientTopics: readonly string[];
}

export interface HealthReporterOptions {
  readonly pairs: readonly string[];
  readonly latest: LatestPriceResolver;
  readonly load: () => GatewayLoad;
  readonly leadership: Leadership;
  readonly busStatus: () => BusStatus;
  readonly now?: () => number;
}

export interface CircuitBreakerHealth {
  readonly state: BreakerState;
  /** Failed attempts in a row counted towards opening it. */
  readonly failureCount: number;
}

/** One exchange's ingest as the health endpoint shows it. */
export interface FeedHealth {
  readonly state: FeedState;
  /** Since the connection got connected, ms (0 while it is not). */
  readonly uptime: number;
  /** Failed connection attempts since the last one that got connected. */
  readonly consecutiveErrors: number;
  readonly circuitBreaker: CircuitBreakerHealth;
  readonly reconnects: number;
  readonly messages: number;
  readonly decodeErrors: number;
  readonly lastMessageAt: number | undefined;
  readonly latencyMs: number | undefined;
  /** Canonical symbols subscribed. */
  readonly subscriptions: readonly string[];
  /** Per subscribed symbol: messages, gaps, resyncs, checksum mismatches, crossed books. */
  readonly symbols: Readonly<Record<string, SymbolStats>>;
  /** The connection's circuit breaker: `closed` (normal), `open` (no attempts), `half-open` (on trial). */
  readonly breaker: BreakerState;
  /** Round trip of the last heartbeat ping, ms; undefined for venues whose server pings. */
  readonly pingRttMs: number | undefined;
  /** Symbols silent on every channel beyond their usual rhythm. */
  readonly staleSymbols: readonly string[];
  /** `<symbol> <channel>` pairs silent beyond their own rhythm while their symbol speaks (no alert). */
  readonly quietChannels: readonly string[];
}

/**
 * The upstream side as one connection: the worst state, uptime and breaker of the exchanges.
 * `standby`: a follower, which by design has no upstream (it serves from the bus); `not_running`:
 * a leader whose ingest is not attached.
 */
export type WebsocketState = FeedState | 'standby' | 'not_running';

export interface WebsocketHealth {
  readonly state: WebsocketState;
  readonly isLeader: boolean;
  readonly uptime: number;
  readonly consecutiveErrors: number;
  readonly circuitBreaker: CircuitBreakerHealth;
}

export type ScalingRecommendation = 'ok' | 'scale_up';

export interface HealthReport {
  readonly status: HealthStatus;
  readonly timestamp: number;
  readonly instanceId: string;
  readonly isLeader: boolean;
  readonly leaderId: string | undefined;
  readonly websocket: WebsocketHealth;
  readonly broadcasting: {
    readonly activeSubscriptions: number;
    /** Symbols with at least one client stream, sorted. */
    readonly subscribedPairs: readonly string[];
    readonly connections: number;
    readonly busTopics: number;
  };
  readonly scaling: {
    readonly connections: number;
    readonly maxConnections: number;
    readonly capacityPercentage: number;
    readonly recommendation: ScalingRecommendation;
  };
  readonly bus: BusStatus;
  readonly ingest: { readonly running: boolean; readonly exchanges: Readonly<Record<string, FeedHealth>> };
  readonly subscriptions: {
    readonly ingest: Readonly<Record<string, readonly string[]>>;
    readonly clients: number;
    readonly busTopics: number;
  };
  readonly capacity: {
    readonly connections: number;
    readonly maxConnections: number;
    readonly percent: number;
  };
  readonly activeSources: Readonly<Record<string, string>>;
  readonly fallback: Readonly<Record<string, FallbackLevel>>;
  readonly prices: Readonly<Record<string, LatestPrice>>;
  readonly alerts: readonly HealthAlert[];
}

/** `GET /health`, for load balancers. */
export interface ShortHealth {
  readonly status: HealthStatus;
  /** Leader: any upstream exchange connection is up. Follower: the bus (its upstream) is healthy. */
  readonly websocket_connected: boolean;
  /** Symbols subscribed upstream (leader) or by clients (follower). */
  readonly subscribed_symbols: number;
  /** Failed connection attempts since the last successful connect, summed over exchanges. */
  readonly reconnect_attempts: number;
  /** Newest upstream frame or price receipt, ms since the epoch; null before any. */
  readonly last_message_time: number | null;
}

const STATE_RANK: Readonly<Record<FeedState, number>> = {
  disconnected: 0,
  connecting: 1,
  authenticating: 2,
  connected: 3,
};
const BREAKER_RANK: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

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

  health(): HealthReport {
    const now = this.now();
    const load = this.opts.load();
    const snap = this.snapshot(load);
    const { feeds, symbols, prices } = snap;
    const alerts = healthAlerts(snap);
    const leadership = this.opts.leadership;
    const exchanges: Record<string, FeedHealth> = {};
    for (const f of feeds) exchanges[f.exchange] = feedHealth(f, now);
    const percent = snap.capacityPercentage;
    return {
      status: healthStatus(snap, alerts),
      timestamp: now,
      instanceId: leadership.instanceId,
      isLeader: snap.isLeader,
      leaderId: leadership.leaderId(),
      websocket: websocketHealth(snap, now),
      broadcasting: {
        activeSubscriptions: load.subscriptions,
        subscribedPairs: pairsOf(load.clientTopics),
        connections: load.connections,
        busTopics: load.busTopics,
      },
      scaling: {
        connections: load.connections,
        maxConnections: load.maxConnections,
        capacityPercentage: percent,
        recommendation: percent >= CAPACITY_ALERT_PERCENT ? 'scale_up' : 'ok',
      },
      bus: snap.bus,
      ingest: { running: snap.ingesting, exchanges },
      subscriptions: {
        ingest: Object.fromEntries(feeds.map((f) => [f.exchange, f.subscriptions])),
        clients: load.subscriptions,
        busTopics: load.busTopics,
      },
      capacity: { connections: load.connections, maxConnections: load.maxConnections, percent },
      activeSources: Object.fromEntries(symbols.map((s) => [s.symbol, s.active])),
      fallback: Object.fromEntries(prices.map((p) => [p.symbol, p.level])),
      prices: Object.fromEntries(prices.map((p) => [p.symbol, p])),
      alerts,
    };
  }

  /** The short answer of `GET /health`. */
  shortHealth(): ShortHealth {
    const load = this.opts.load();
    const snap = this.snapshot(load);
    const alerts = healthAlerts(snap);
    const upstream = snap.ingesting || snap.isLeader;
    let last: number | null = null;
    for (const f of snap.feeds)
      if (f.lastMessageAt !== undefined && (last === null || f.lastMessageAt > last)) last = f.lastMessageAt;
    // The price's own receive time: `now - ageMs` would be off by the tick between two clock reads.
    for (const p of snap.prices) {
      if (p.receivedAt === undefined) continue;
      if (last === null || p.receivedAt > last) last = p.receivedAt;
    }
    const upstreamSymbols = new Set(snap.feeds.flatMap((f) => f.subscriptions));
    return {
      status: healthStatus(snap, alerts),
      websocket_connected: upstream
        ? snap.feeds.some((f) => f.state === 'connected')
        : snap.bus.state === 'healthy',
      subscribed_symbols: upstream ? upstreamSymbols.size : pairsOf(load.clientTopics).length,
      reconnect_attempts: snap.feeds.reduce((n, f) => n + f.consecutiveErrors, 0),
      last_message_time: last,
    };
  }

  sources(): Record<string, unknown> {
    const now = this.now();
    const feeds = new Map((this.ingest?.feedStats() ?? []).map((f) => [f.exchange, f] as const));
    const symbols = this.ingest?.sources() ?? [];
    const sources: (SourceHealthView & { feed: FeedHealth | undefined })[] = [];
    for (const s of symbols) {
      for (const source of s.sources) {
        const feed = feeds.get(source.exchange);
        sources.push({ ...source, feed: feed === undefined ? undefined : feedHealth(feed, now) });
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

  private snapshot(load: GatewayLoad): HealthSnapshot {
    return {
      isLeader: this.opts.leadership.isLeader(),
      ingesting: this.ingest !== undefined,
      feeds: this.ingest?.feedStats() ?? [],
      symbols: this.ingest?.sources() ?? [],
      prices: this.opts.pairs.map((p) => this.opts.latest.resolve(p)),
      bus: this.opts.busStatus(),
      capacityPercentage:
        load.maxConnections > 0 ? Math.round((load.connections / load.maxConnections) * 1000) / 10 : 100,
    };
  }
}

function feedHealth(f: FeedStats, now: number): FeedHealth {
  return {
    state: f.state,
    uptime: uptimeOf(f, now),
    consecutiveErrors: f.consecutiveErrors,
    circuitBreaker: { state: f.breaker, failureCount: f.breakerFailures },
    reconnects: f.reconnects,
    messages: f.messages,
    decodeErrors: f.decodeErrors,
    lastMessageAt: f.lastMessageAt,
    latencyMs: f.latencyMs === undefined ? undefined : Math.round(f.latencyMs),
    subscriptions: f.subscriptions,
    symbols: f.bySymbol,
    breaker: f.breaker,
    pingRttMs: f.pingRttMs === undefined ? undefined : Math.round(f.pingRttMs * 10) / 10,
    staleSymbols: f.staleSymbols,
    quietChannels: f.quietChannels,
  };
}

function uptimeOf(f: FeedStats, now: number): number {
  return f.state === 'connected' && f.connectedSince !== undefined ? Math.max(0, now - f.connectedSince) : 0;
}

/** The exchanges as one upstream: the worst of each figure. */
function websocketHealth(s: HealthSnapshot, now: number): WebsocketHealth {
  const feeds = s.feeds;
  if (feeds.length === 0) {
    return {
      state: s.ingesting ? 'disconnected' : s.isLeader ? 'not_running' : 'standby',
      isLeader: s.isLeader,
      uptime: 0,
      consecutiveErrors: 0,
      circuitBreaker: { state: 'closed', failureCount: 0 },
    };
  }
  let worst = feeds[0];
  let breaker = feeds[0];
  for (const f of feeds) {
    if (STATE_RANK[f.state] < STATE_RANK[worst.state]) worst = f;
    if (BREAKER_RANK[f.breaker] > BREAKER_RANK[breaker.breaker]) breaker = f;
  }
  return {
    state: worst.state,
    isLeader: s.isLeader,
    uptime: Math.min(...feeds.map((f) => uptimeOf(f, now))),
    consecutiveErrors: Math.max(...feeds.map((f) => f.consecutiveErrors)),
    circuitBreaker: {
      state: breaker.breaker,
      failureCount: Math.max(...feeds.map((f) => f.breakerFailures)),
    },
  };
}

/** The symbols of some streams, each once, sorted. */
function pairsOf(topics: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of topics) {
    const r = parseStream(t);
    if (r.ok) out.add(r.stream.symbol);
  }
  return [...out].sort();
}
