/**
 * The aggregator against a real replay hub (generated recordings of Binance and OKX, which share
 * BTC/USDT; in-process publishers; the hub on a loopback port), its faults driving every failure:
 * a stalled primary fails over within 8 s on the default checks and comes back only after the hold
 * time; a killed connection fails over at once; no healthy source is `failover_failed`. The gateway's
 * health and sources endpoints are read over HTTP from the same stack. One hub for the file; each
 * test starts its own ingest and clears the faults it armed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Exchange, NormalizedMessage, Quote } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { createGateway } from '../gateway/server.js';
import type { FailoverFailed, SourceSwitch } from '../ingest/aggregator.js';
import { until } from '../test-support/until.js';
import { configSchema } from '../config/schema.js';
import { startIngest, type AggregatorSettings, type IngestStack } from './ingest-stack.js';
import { PUBLIC_DIR } from './paths.js';
import { startReplay, type ReplayStack } from './replay-stack.js';

const SYMBOL = 'BTC/USDT';
const EXCHANGES: readonly Exchange[] = ['binance', 'okx'];
/** The aggregator's start-up grace in these tests: no failover while the feeds connect. */
const GRACE_MS = 3000;

let root: string;
let replay: ReplayStack;
let control: string;
const running: { ingest: IngestStack; bus: MemoryBus }[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-aggregator-'));
  for (const name of EXCHANGES) {
    await venueFor(name).generate({
      root,
      seed: 'aggregator',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 3,
      symbols: [SYMBOL],
    });
  }
  replay = await startReplay({
    root,
    exchanges: EXCHANGES,
    speed: 1,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
  });
  control = `http://127.0.0.1:${replay.port}/control/faults`;
}, 60_000);

afterEach(async () => {
  await fetch(control, { method: 'DELETE' });
  for (const r of running.splice(0)) {
    await r.ingest.close();
    await r.bus.close();
  }
});

afterAll(async () => {
  await replay?.close();
  await rm(root, { recursive: true, force: true });
});

interface Run {
  readonly ingest: IngestStack;
  readonly bus: MemoryBus;
  readonly switches: SourceSwitch[];
  readonly failures: FailoverFailed[];
  /** Messages on the aggregated topics of BTC/USDT (book, ticker, quote, status), as published. */
  readonly aggregated: { topic: string; data: NormalizedMessage; at: number }[];
  /** Receipt times of every data message from each exchange's own streams. */
  readonly dataAt: Record<Exchange, number[]>;
  readonly startedAt: number;
}

function start(settings: Partial<AggregatorSettings>): Run {
  const bus = new MemoryBus();
  const ingest = startIngest({
    bus,
    symbols: new Map(EXCHANGES.map((e) => [e, [SYMBOL]] as const)),
    upstream: `http://127.0.0.1:${replay.port}`,
    bookDepth: 20,
    logger: silentLogger(),
    // The feeds' own staleness watch would recycle a stalled connection before the aggregator's
    // no-data check: here the aggregator's checks are what is tested (resilience.test.ts tests the watch).
    config: configSchema.parse({ staleFloorMs: 60_000 }),
    aggregator: { startupGraceMs: GRACE_MS, ...settings },
  });
  running.push({ ingest, bus });
  const run: Run = {
    ingest,
    bus,
    switches: [],
    failures: [],
    aggregated: [],
    dataAt: { binance: [], okx: [], kraken: [], alpaca: [] },
    startedAt: Date.now(),
  };
  ingest.aggregator.on('sourceSwitch', (s) => run.switches.push(s));
  ingest.aggregator.on('failover_failed', (f) => run.failures.push(f));
  for (const type of ['book', 'ticker', 'quote', 'status']) {
    bus.subscribe(`${type}@${SYMBOL}`, (m: BusMessage) =>
      run.aggregated.push({ topic: m.topic, data: m.data, at: Date.now() }),
    );
  }
  for (const e of EXCHANGES) {
    for (const type of ['trade', 'book', 'ticker']) {
      bus.subscribe(`${type}@${e}:${SYMBOL}`, () => run.dataAt[e].push(Date.now()));
    }
  }
  return run;
}

function healthy(run: Run, exchange: Exchange): boolean {
  const group = run.ingest.sources().find((s) => s.symbol === SYMBOL);
  return group?.sources.find((s) => s.exchange === exchange)?.healthy === true;
}

async function bothHealthy(run: Run): Promise<void> {
  await until(
    () =>
      Date.now() - run.startedAt > GRACE_MS &&
      healthy(run, 'binance') &&
      healthy(run, 'okx') &&
      run.ingest.aggregator.activeSource(SYMBOL) === 'binance',
    15_000,
    'both sources healthy, binance active, past the start-up grace',
  );
  run.switches.length = 0;
}

async function arm(exchange: Exchange, fault: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await fetch(control, {
    method: 'POST',
    body: JSON.stringify({ exchange, symbol: SYMBOL, fault, count: 1, ...extra }),
  });
  expect(res.status).toBe(201);
  return Date.now();
}

describe('aggregator failover against the replay hub', () => {
  it('fails a stalled primary over to the secondary within 8 s on the default checks, and switches back only after the hold', async () => {
    const hold = 3000;
    const run = start({ switchBackHoldMs: hold });
    await bothHealthy(run);
    const stalledAt = await arm('binance', 'stall', { ms: 6500 });

    await until(() => run.switches.length >= 1, 8000, 'a source switch within 8 s');
    const away = run.switches[0];
    expect(away).toMatchObject({ symbol: SYMBOL, from: 'binance', to: 'okx' });
    // The stall is seen by whichever check fires first: the aggregator's no-data timeout, or the
    // feed's staleness watch recycling the silent connection (then the source is disconnected).
    expect(['no_data', 'disconnected']).toContain(away.reason);
    expect(away.at - stalledAt).toBeLessThan(8000);
    expect(run.ingest.aggregator.activeSource(SYMBOL)).toBe('okx');
    const status = run.aggregated.find(
      (m) => m.data.type === 'status' && m.data.reason.includes('sourceSwitch'),
    );
    expect(status?.data).toMatchObject({
      exchange: 'okx',
      reason: `sourceSwitch binance → okx (${away.reason})`,
    });

    // The aggregated streams keep flowing, from the secondary.
    const after = run.aggregated.length;
    await until(
      () =>
        run.aggregated.slice(after).some((m) => m.topic === `book@${SYMBOL}` && m.data.exchange === 'okx'),
      5000,
      'the aggregated book from okx',
    );

    await until(() => run.switches.length >= 2, 20_000, 'the switch back');
    const back = run.switches[1];
    expect(back).toMatchObject({ from: 'okx', to: 'binance', reason: 'primary_recovered' });
    const resumed = run.dataAt.binance.find((t) => t > away.at);
    expect(resumed).toBeDefined();
    expect(back.at - (resumed as number)).toBeGreaterThanOrEqual(hold);
    expect(run.switches).toHaveLength(2);
  }, 40_000);

  it('fails over at once when the primary connection is killed, and back after it reconnected and held', async () => {
    const hold = 2000;
    const run = start({ switchBackHoldMs: hold });
    await bothHealthy(run);
    const killedAt = await arm('binance', 'disconnect');
    await until(() => run.switches.length >= 1, 8000, 'a source switch');
    expect(run.switches[0]).toMatchObject({ from: 'binance', to: 'okx', reason: 'disconnected' });
    expect(run.switches[0].at - killedAt).toBeLessThan(2000);
    await until(() => run.switches.length >= 2, 20_000, 'the switch back');
    expect(run.switches[1]).toMatchObject({ from: 'okx', to: 'binance', reason: 'primary_recovered' });
    expect(run.switches[1].at - run.switches[0].at).toBeGreaterThanOrEqual(hold);
    expect(run.ingest.feeds.get('binance')?.stats().reconnects).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('reports failover_failed when no source is healthy, and keeps the active source', async () => {
    const run = start({ noDataTimeoutMs: 1500, healthCheckIntervalMs: 300, switchBackHoldMs: 1000 });
    await bothHealthy(run);
    await Promise.all([arm('binance', 'stall', { ms: 5000 }), arm('okx', 'stall', { ms: 5000 })]);
    await until(() => run.failures.length >= 1, 8000, 'failover_failed');
    const failed = run.failures[0];
    expect(failed.symbol).toBe(SYMBOL);
    // Whichever was active when the last source fell silent stays active.
    expect(EXCHANGES).toContain(failed.active);
    for (const why of Object.values(failed.reasons)) expect(['no_data', 'disconnected']).toContain(why);
    expect(Object.keys(failed.reasons).sort()).toEqual(['binance', 'okx']);
    expect(run.ingest.sources()[0].failoverFailed).toBe(true);
    // The feeds' own stale statuses come too; the aggregator's is the one naming the failed failover.
    const status = run.aggregated.find(
      (m) => m.data.type === 'status' && m.data.reason.startsWith('failover_failed'),
    );
    expect(status?.data.type === 'status' && status.data.reason).toMatch(
      /^failover_failed: no healthy source/,
    );
    expect(run.failures).toHaveLength(1);
  }, 30_000);

  it('publishes the consolidated quote with the venue of each side', async () => {
    const run = start({});
    await until(() => run.aggregated.some((m) => m.data.type === 'quote'), 10_000, 'a consolidated quote');
    await bothHealthy(run);
    const quotes = run.aggregated.filter((m) => m.data.type === 'quote').map((m) => m.data);
    for (const q of quotes) {
      if (q.type !== 'quote') continue;
      expect(EXCHANGES).toContain(q.bidExchange);
      expect(EXCHANGES).toContain(q.askExchange);
      expect(q.mid).toBeCloseTo((q.bid + q.ask) / 2, 9);
    }
    // Between two messages (ingest handles each one synchronously) the consolidated quote is the best
    // of the venues' own latest quotes: both venues are healthy here.
    const latest = run.bus.getLatest(`quote@${SYMBOL}`)?.data as Quote | undefined;
    const own = EXCHANGES.map((e) => run.bus.getLatest(`quote@${e}:${SYMBOL}`)?.data as Quote | undefined);
    expect(latest).toBeDefined();
    expect(own.every((q) => q?.type === 'quote')).toBe(true);
    const mine = own as Quote[];
    const bestBid = mine.reduce((a, b) => (b.bid > a.bid ? b : a));
    const bestAsk = mine.reduce((a, b) => (b.ask < a.ask ? b : a));
    expect(latest).toMatchObject({
      exchange: 'binance',
      bid: bestBid.bid,
      bidExchange: bestBid.exchange,
      ask: bestAsk.ask,
      askExchange: bestAsk.exchange,
    });
  }, 30_000);
});

describe('health and sources endpoints', () => {
  it('report ingest per exchange, the active source and the fallback level of each pair', async () => {
    const run = start({});
    const gateway = createGateway({
      bus: run.bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir: PUBLIC_DIR,
      pricePairs: [SYMBOL],
    });
    const { port } = await gateway.listen();
    try {
      const base = `http://127.0.0.1:${port}/api/market-data`;
      const before = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
      expect(before).toMatchObject({ isLeader: true, ingest: { running: false } });
      expect(before.alerts).toContainEqual(expect.objectContaining({ code: 'no_ingest' }));

      gateway.attachIngest(run.ingest);
      await bothHealthy(run);
      let health: Record<string, unknown> = {};
      for (let i = 0; i < 200 && health.status !== 'healthy'; i++) {
        health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
        if (health.status !== 'healthy') await new Promise((r) => setTimeout(r, 50));
      }
      expect(health).toMatchObject({
        status: 'healthy',
        isLeader: true,
        ingest: {
          running: true,
          exchanges: { binance: { state: 'connected' }, okx: { state: 'connected' } },
        },
        subscriptions: { ingest: { binance: [SYMBOL], okx: [SYMBOL] } },
        activeSources: { [SYMBOL]: 'binance' },
        prices: { [SYMBOL]: { level: 'live', staleness: 'fresh' } },
        alerts: [],
        websocket: {
          state: 'connected',
          isLeader: true,
          consecutiveErrors: 0,
          circuitBreaker: { state: 'closed', failureCount: 0 },
        },
        fallback: { [SYMBOL]: 'live' },
      });
      expect((health.websocket as { uptime: number }).uptime).toBeGreaterThan(0);
      const short = await fetch(`http://127.0.0.1:${port}/health`);
      expect(short.status).toBe(200);
      expect(await short.json()).toMatchObject({
        status: 'healthy',
        websocket_connected: true,
        subscribed_symbols: 1,
        reconnect_attempts: 0,
      });

      const res = await fetch(`${base}/sources`);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const sources = (await res.json()) as {
        active: Record<string, string>;
        symbols: unknown[];
        sources: Record<string, unknown>[];
      };
      expect(sources.active).toEqual({ [SYMBOL]: 'binance' });
      expect(sources.symbols).toEqual([
        { symbol: SYMBOL, primary: 'binance', active: 'binance', failoverFailed: false },
      ]);
      expect(sources.sources.map((s) => s.exchange)).toEqual(['binance', 'okx']);
      for (const s of sources.sources) {
        expect(s).toMatchObject({ symbol: SYMBOL, connected: true, healthy: true, errors: 0 });
        expect(s.messages).toBeGreaterThan(0);
        expect(typeof s.lastUpdate).toBe('number');
        expect(typeof s.latencyMs).toBe('number');
        expect(s.feed).toMatchObject({ state: 'connected' });
      }
    } finally {
      await gateway.close();
    }
  }, 30_000);
});
