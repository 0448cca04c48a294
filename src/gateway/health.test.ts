/**
 * The health report's status and alerts from controlled ingest, bus, load and leadership states
 * (the same endpoints over HTTP against a real replay hub: src/app/aggregator-failover.test.ts;
 * the real Redis failure: the leader election tests).
 */
import { describe, expect, it } from 'vitest';
import type { BusStatus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { priceTopic } from '../bus/price-topic.js';
import type { Exchange, Trade } from '../core/types.js';
import type { SymbolSourcesView } from '../ingest/aggregator.js';
import type { FeedStats } from '../ingest/feed.js';
import type { SourceHealthView } from '../ingest/source-health.js';
import type { Leadership } from '../scale/leadership.js';
import { loneLeader } from '../scale/leadership.js';
import { HealthReporter, httpStatusOf, type GatewayLoad, type IngestStatus } from './health.js';
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
    breakerFailures: 0,
    consecutiveErrors: 0,
    connectedSince: state === 'connected' ? NOW - 60_000 : undefined,
    pingRttMs: 3.2,
    staleSymbols: [],
    quietChannels: [],
    bySymbol: {},
  };
}

function follower(): Leadership {
  return {
    instanceId: 'host-b:2:ffff',
    isLeader: () => false,
    leaderId: () => 'host-a:1:eeee',
    leaderSince: () => undefined,
    onChange: () => () => undefined,
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
  /** Age of the price at NOW, ms (default 100). */
  priceAgeMs?: number;
  /** The price is also on the bus's latest-price cache (as ingest keeps it). */
  onBus?: boolean;
  /** Default: ingest attached. */
  ingest?: boolean;
  leadership?: Leadership;
  bus?: BusStatus;
  load?: Partial<GatewayLoad>;
}): HealthReporter {
  const prices = new PriceCache();
  const bus = new MemoryBus();
  if (opts.priced) {
    const age = opts.priceAgeMs ?? 100;
    const trade: Trade = {
      type: 'trade',
      exchange: 'binance',
      symbol: SYMBOL,
      timestamp: NOW - age - 100,
      localTimestamp: NOW - age,
      id: '1',
      price: 100,
      amount: 1,
      side: 'buy',
    };
    prices.update(trade);
    if (opts.onBus === true) bus.publish(priceTopic(SYMBOL), trade, { latestTtlMs: 300_000 });
  }
  const latest = new LatestPriceResolver({ prices, bus, now: () => NOW });
  const r = new HealthReporter({
    pairs: [SYMBOL],
    latest,
    load: () => ({
      connections: 5,
      maxConnections: 200,
      subscriptions: 7,
      busTopics: 3,
      clientTopics: ['trade@BTC/USDT', 'book@binance:BTC/USDT', 'ticker@ETH/USDT'],
      ...opts.load,
    }),
    leadership: opts.leadership ?? loneLeader('host-a:1:eeee', NOW - 1000),
    busStatus: () => opts.bus ?? { kind: 'memory', state: 'healthy' },
    now: () => NOW,
  });
  const ingest: IngestStatus = { feedStats: () => opts.feeds, sources: () => opts.symbols };
  if (opts.ingest ?? true) r.attachIngest(ingest);
  return r;
}

const connected = (): FeedStats[] => [feed('binance', 'connected'), feed('okx', 'connected')];
const codes = (r: HealthReporter): string[] => r.health().alerts.map((a) => a.code);

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
    const exchange = {
      state: 'connected',
      uptime: 60_000,
      consecutiveErrors: 0,
      circuitBreaker: { state: 'closed', failureCount: 0 },
      reconnects: 0,
      messages: 10,
      decodeErrors: 0,
      lastMessageAt: NOW - 100,
      latencyMs: 12,
      breaker: 'closed',
      pingRttMs: 3.2,
      staleSymbols: [],
      quietChannels: [],
      subscriptions: [SYMBOL],
      symbols: {},
    };
    const h = r.health();
    expect(h).toEqual({
      status: 'healthy',
      timestamp: NOW,
      instanceId: 'host-a:1:eeee',
      isLeader: true,
      leaderId: 'host-a:1:eeee',
      websocket: {
        state: 'connected',
        isLeader: true,
        uptime: 60_000,
        consecutiveErrors: 0,
        circuitBreaker: { state: 'closed', failureCount: 0 },
      },
      broadcasting: {
        activeSubscriptions: 7,
        subscribedPairs: ['BTC/USDT', 'ETH/USDT'],
        connections: 5,
        busTopics: 3,
      },
      scaling: { connections: 5, maxConnections: 200, capacityPercentage: 2.5, recommendation: 'ok' },
      bus: { kind: 'memory', state: 'healthy' },
      ingest: { running: true, exchanges: { binance: exchange, okx: exchange } },
      subscriptions: { ingest: { binance: [SYMBOL], okx: [SYMBOL] }, clients: 7, busTopics: 3 },
      capacity: { connections: 5, maxConnections: 200, percent: 2.5 },
      activeSources: { [SYMBOL]: 'binance' },
      fallback: { [SYMBOL]: 'live' },
      prices: {
        [SYMBOL]: {
          symbol: SYMBOL,
          level: 'live',
          staleness: 'fresh',
          price: 100,
          timestamp: NOW - 200,
          source: 'binance',
          ageMs: 100,
          receivedAt: NOW - 100,
        },
      },
      alerts: [],
    });
    expect(httpStatusOf(h.status)).toBe(200);
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
    const h = r.health();
    expect(h.status).toBe('degraded');
    expect(httpStatusOf(h.status)).toBe(200);
    expect(h.websocket).toMatchObject({
      state: 'disconnected',
      uptime: 0,
      circuitBreaker: { state: 'open' },
    });
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
    expect(httpStatusOf(h.status)).toBe(503);
    expect(h.alerts).toContainEqual(expect.objectContaining({ code: 'no_healthy_source', symbol: SYMBOL }));

    const unpriced = reporter({ feeds: [feed('binance', 'connected')], symbols: [], priced: false });
    expect(unpriced.health()).toMatchObject({
      status: 'unhealthy',
      prices: { [SYMBOL]: { level: 'degraded', staleness: 'stale' } },
    });
  });
});

describe('health alerts', () => {
  it('alerts on 3 or more failed connection attempts in a row, not on 2', () => {
    const two = reporter({
      feeds: [{ ...feed('binance', 'connected'), consecutiveErrors: 2 }, feed('okx', 'connected')],
      symbols: [],
      priced: true,
    });
    expect(codes(two)).toEqual([]);
    const three = reporter({
      feeds: [
        { ...feed('binance', 'connecting'), consecutiveErrors: 3, breakerFailures: 3 },
        feed('okx', 'connected'),
      ],
      symbols: [],
      priced: true,
    });
    const h = three.health();
    expect(h.status).toBe('degraded');
    expect(h.alerts).toContainEqual({
      severity: 'warning',
      code: 'consecutive_errors',
      exchange: 'binance',
      message: 'binance: 3 connection attempts failed in a row',
    });
    expect(h.websocket).toEqual({
      state: 'connecting',
      isLeader: true,
      uptime: 0,
      consecutiveErrors: 3,
      circuitBreaker: { state: 'closed', failureCount: 3 },
    });
    expect(h.ingest.exchanges.binance).toMatchObject({
      consecutiveErrors: 3,
      circuitBreaker: { state: 'closed', failureCount: 3 },
      uptime: 0,
    });
  });

  it('reports the youngest connection as the uptime of the upstream side', () => {
    const r = reporter({
      feeds: [feed('binance', 'connected'), { ...feed('okx', 'connected'), connectedSince: NOW - 5000 }],
      symbols: [],
      priced: true,
    });
    expect(r.health().websocket.uptime).toBe(5000);
    expect(r.health().ingest.exchanges.binance.uptime).toBe(60_000);
  });

  it('is degraded, still answered 200, while the bus is degraded, naming its reason', () => {
    const r = reporter({
      feeds: connected(),
      symbols: [],
      priced: true,
      bus: { kind: 'redis', state: 'degraded', reason: 'connect ECONNREFUSED 127.0.0.1:6399' },
    });
    const h = r.health();
    expect(h.status).toBe('degraded');
    expect(httpStatusOf(h.status)).toBe(200);
    expect(h.bus).toEqual({
      kind: 'redis',
      state: 'degraded',
      reason: 'connect ECONNREFUSED 127.0.0.1:6399',
    });
    expect(h.alerts).toEqual([
      {
        severity: 'critical',
        code: 'bus_unhealthy',
        message:
          'redis bus is degraded (connect ECONNREFUSED 127.0.0.1:6399): serving the local cache while it reconnects',
      },
    ]);
  });

  it('recommends scaling up and alerts from 80 % of the connection capacity', () => {
    const below = reporter({ feeds: connected(), symbols: [], priced: true, load: { connections: 159 } });
    expect(below.health().scaling).toEqual({
      connections: 159,
      maxConnections: 200,
      capacityPercentage: 79.5,
      recommendation: 'ok',
    });
    expect(codes(below)).toEqual([]);
    const at = reporter({ feeds: connected(), symbols: [], priced: true, load: { connections: 160 } });
    const h = at.health();
    expect(h.scaling).toMatchObject({ capacityPercentage: 80, recommendation: 'scale_up' });
    expect(h.status).toBe('degraded');
    expect(h.alerts).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'capacity_high',
        message: expect.stringMatching(/80%/),
      }),
    ]);
  });

  it('a quiet market is no alert: a price seconds old from the shared cache, its feed connected', () => {
    const quiet = reporter({ feeds: connected(), symbols: [], priced: true, priceAgeMs: 8000, onBus: true });
    const h = quiet.health();
    expect(h.fallback).toEqual({ [SYMBOL]: 'bus' });
    expect(h.prices).toMatchObject({ [SYMBOL]: { level: 'bus', staleness: 'acceptable' } });
    expect(h.alerts).toEqual([]);
    expect(h.status).toBe('healthy');
  });

  it('tells a price older than a minute (stale) from one merely not live', () => {
    const acceptable = reporter({ feeds: connected(), symbols: [], priced: true, priceAgeMs: 30_000 });
    expect(acceptable.health().fallback).toEqual({ [SYMBOL]: 'local' });
    expect(acceptable.health().alerts).toEqual([
      {
        severity: 'warning',
        code: 'price_not_live',
        symbol: SYMBOL,
        message: `${SYMBOL} price from the local level, acceptable`,
      },
    ]);
    const stale = reporter({ feeds: connected(), symbols: [], priced: true, priceAgeMs: 61_000 });
    const h = stale.health();
    expect(h.status).toBe('degraded');
    expect(h.alerts).toEqual([
      {
        severity: 'critical',
        code: 'price_stale',
        symbol: SYMBOL,
        message: `${SYMBOL} price is stale (last price 61 s old, from the local level)`,
      },
    ]);
  });
});

describe('health by role', () => {
  it('a follower without ingest is healthy, on standby, and names the leader', () => {
    const r = reporter({ feeds: [], symbols: [], priced: true, ingest: false, leadership: follower() });
    const h = r.health();
    expect(h).toMatchObject({
      status: 'healthy',
      isLeader: false,
      instanceId: 'host-b:2:ffff',
      leaderId: 'host-a:1:eeee',
      websocket: { state: 'standby', isLeader: false, uptime: 0 },
      ingest: { running: false, exchanges: {} },
      alerts: [],
    });
  });

  it('a leader without ingest is degraded with no_ingest and not_running', () => {
    const r = reporter({ feeds: [], symbols: [], priced: true, ingest: false });
    const h = r.health();
    expect(h.status).toBe('degraded');
    expect(h.websocket.state).toBe('not_running');
    expect(h.alerts.map((a) => a.code)).toEqual(['no_ingest']);
  });
});

describe('short health (GET /health)', () => {
  it('on a leader: upstream connection, symbols subscribed upstream, failed attempts, newest frame', () => {
    const r = reporter({
      feeds: [
        { ...feed('binance', 'connected'), lastMessageAt: NOW - 20, subscriptions: [SYMBOL, 'ETH/USDT'] },
        { ...feed('okx', 'connecting'), consecutiveErrors: 2, lastMessageAt: NOW - 5000 },
      ],
      symbols: [],
      priced: true,
    });
    expect(r.shortHealth()).toEqual({
      status: 'degraded',
      websocket_connected: true,
      subscribed_symbols: 2,
      reconnect_attempts: 2,
      last_message_time: NOW - 20,
    });
  });

  it('on a follower: the bus is its upstream, client pairs its symbols, the newest price its last message', () => {
    const ok = reporter({ feeds: [], symbols: [], priced: true, ingest: false, leadership: follower() });
    expect(ok.shortHealth()).toEqual({
      status: 'healthy',
      websocket_connected: true,
      subscribed_symbols: 2,
      reconnect_attempts: 0,
      last_message_time: NOW - 100,
    });
    const cut = reporter({
      feeds: [],
      symbols: [],
      priced: false,
      ingest: false,
      leadership: follower(),
      bus: { kind: 'redis', state: 'degraded', reason: 'connection lost' },
    });
    expect(cut.shortHealth()).toEqual({
      status: 'unhealthy',
      websocket_connected: false,
      subscribed_symbols: 2,
      reconnect_attempts: 0,
      last_message_time: null,
    });
  });
});
