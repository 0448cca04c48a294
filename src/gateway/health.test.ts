/**
 * The health report's status and alerts from controlled ingest states (the same endpoints over
 * HTTP against a real replay hub: src/app/aggregator-failover.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import type { Exchange } from '../core/types.js';
import type { SymbolSourcesView } from '../ingest/aggregator.js';
import type { FeedStats } from '../ingest/feed.js';
import type { SourceHealthView } from '../ingest/source-health.js';
import { HealthReporter, type IngestStatus } from './health.js';
import { LatestPriceResolver } from './latest-price.js';
import { PriceCache } from './prices.js';

const SYMBOL = 'BTC/USDT';
const NOW = 50_000_000;

function feed(exchange: Exchange, state: FeedStats['state']): FeedStats {
  return {
    exchange,
    state,
    reconnects: 0,
    messages: 10,
    frames: 10,
    decodeErrors: 0,
    gaps: 0,
    resyncs: 0,
    checksumMismatches: 0,
    crossedBooks: 0,
    crossedTickers: 0,
    rejectedRequests: 0,
    lastMessageAt: NOW - 100,
    latencyMs: 12.4,
    dropped: 0,
    subscriptions: [SYMBOL],
    breaker: 'closed',
    pingRttMs: 3.2,
    staleSymbols: [],
    bySymbol: {},
  };
}

function source(exchange: Exchange, healthy: boolean): SourceHealthView {
  return {
    exchange,
    symbol: SYMBOL,
    connected: healthy,
    state: healthy ? 'connected' : 'disconnected',
    healthy,
    reason: healthy ? undefined : 'disconnected',
    latencyMs: 3,
    lastUpdate: NOW - 100,
    messages: 10,
    errors: 0,
    recentErrors: 0,
  };
}

function reporter(opts: {
  feeds: FeedStats[];
  symbols: SymbolSourcesView[];
  priced: boolean;
}): HealthReporter {
  const prices = new PriceCache();
  if (opts.priced) {
    prices.update({
      type: 'trade',
      exchange: 'binance',
      symbol: SYMBOL,
      timestamp: NOW - 200,
      localTimestamp: NOW - 100,
      id: '1',
      price: 100,
      amount: 1,
      side: 'buy',
    });
  }
  const latest = new LatestPriceResolver({ prices, bus: new MemoryBus(), now: () => NOW });
  const r = new HealthReporter({
    pairs: [SYMBOL],
    latest,
    load: () => ({ connections: 5, maxConnections: 200, subscriptions: 7, busTopics: 3 }),
    now: () => NOW,
  });
  const ingest: IngestStatus = { feedStats: () => opts.feeds, sources: () => opts.symbols };
  r.attachIngest(ingest);
  return r;
}

const group = (active: Exchange, failed: boolean, ...healthy: boolean[]): SymbolSourcesView => ({
  symbol: SYMBOL,
  primary: 'binance',
  active,
  failoverFailed: failed,
  sources: [source('binance', healthy[0]), source('okx', healthy[1])],
});

describe('health report', () => {
  it('is healthy with every feed connected, the primaries active and live prices', () => {
    const r = reporter({
      feeds: [feed('binance', 'connected'), feed('okx', 'connected')],
      symbols: [group('binance', false, true, true)],
      priced: true,
    });
    expect(r.health()).toEqual({
      status: 'healthy',
      isLeader: true,
      timestamp: NOW,
      ingest: {
        running: true,
        exchanges: {
          binance: {
            state: 'connected',
            reconnects: 0,
            messages: 10,
            decodeErrors: 0,
            lastMessageAt: NOW - 100,
            latencyMs: 12,
            breaker: 'closed',
            pingRttMs: 3.2,
            staleSymbols: [],
            subscriptions: [SYMBOL],
          },
          okx: {
            state: 'connected',
            reconnects: 0,
            messages: 10,
            decodeErrors: 0,
            lastMessageAt: NOW - 100,
            latencyMs: 12,
            breaker: 'closed',
            pingRttMs: 3.2,
            staleSymbols: [],
            subscriptions: [SYMBOL],
          },
        },
      },
      subscriptions: { ingest: { binance: [SYMBOL], okx: [SYMBOL] }, clients: 7, busTopics: 3 },
      capacity: { connections: 5, maxConnections: 200, percent: 2.5 },
      activeSources: { [SYMBOL]: 'binance' },
      prices: {
        [SYMBOL]: {
          symbol: SYMBOL,
          level: 'live',
          staleness: 'fresh',
          price: 100,
          timestamp: NOW - 200,
          source: 'binance',
          ageMs: 100,
        },
      },
      alerts: [],
    });
  });

  it('is degraded while a symbol is failed over, with the feed and failover alerts', () => {
    const r = reporter({
      feeds: [feed('binance', 'disconnected'), feed('okx', 'connected')],
      symbols: [group('okx', false, false, true)],
      priced: true,
    });
    const h = r.health();
    expect(h.status).toBe('degraded');
    expect(h.alerts).toEqual([
      {
        severity: 'critical',
        code: 'feed_down',
        exchange: 'binance',
        message: 'binance ingest is disconnected',
      },
      {
        severity: 'warning',
        code: 'failover_active',
        symbol: SYMBOL,
        exchange: 'okx',
        message: `${SYMBOL} is served by okx while its primary binance recovers`,
      },
    ]);
    expect(r.sources()).toMatchObject({
      running: true,
      active: { [SYMBOL]: 'okx' },
      symbols: [{ symbol: SYMBOL, primary: 'binance', active: 'okx', failoverFailed: false }],
    });
  });

  it('names an open circuit breaker and stale channels, on the health and the sources views', () => {
    const r = reporter({
      feeds: [
        { ...feed('binance', 'disconnected'), breaker: 'open' },
        { ...feed('okx', 'connected'), staleSymbols: [SYMBOL] },
      ],
      symbols: [group('okx', false, false, true)],
      priced: true,
    });
    const h = r.health() as { status: string; alerts: { code: string; exchange?: string }[] };
    expect(h.status).toBe('degraded');
    expect(h.alerts.map((a) => [a.code, a.exchange])).toEqual([
      ['feed_down', 'binance'],
      ['breaker_open', 'binance'],
      ['stale_channels', 'okx'],
      ['failover_active', 'okx'],
    ]);
    const sources = r.sources() as { sources: { exchange: string; feed: { breaker: string } }[] };
    expect(sources.sources.map((s) => [s.exchange, s.feed.breaker])).toEqual([
      ['binance', 'open'],
      ['okx', 'closed'],
    ]);
  });

  it('is unhealthy when no feed is connected or no pair has a price', () => {
    const down = reporter({
      feeds: [feed('binance', 'disconnected'), feed('okx', 'connecting')],
      symbols: [group('binance', true, false, false)],
      priced: true,
    });
    const h = down.health();
    expect(h.status).toBe('unhealthy');
    expect(h.alerts).toContainEqual(expect.objectContaining({ code: 'no_healthy_source', symbol: SYMBOL }));

    const unpriced = reporter({ feeds: [feed('binance', 'connected')], symbols: [], priced: false });
    expect(unpriced.health()).toMatchObject({
      status: 'unhealthy',
      prices: { [SYMBOL]: { level: 'degraded', staleness: 'stale' } },
    });
  });
});
