/**
 * Ingest resilience against the real replay hub (generated Binance and Kraken recordings,
 * in-process publishers, the hub on 127.0.0.1:0), every failure driven by the hub's fault
 * injection or by a TCP relay in front of it that refuses connections as a stopped hub would:
 * the circuit breaker, the retry limit, adaptive staleness and recycling, reconnects after the
 * venue closes, resyncs on gap and checksum faults with their counters on the gateway's `/metrics`,
 * and a `close()` that leaves no timer behind. One hub for the file; each test clears its faults.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../app/replay-stack.js';
import { upstreamUrls } from '../app/ingest-stack.js';
import { silentLogger } from '../core/logger.js';
import type { Exchange, NormalizedMessage, Status } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { createHttpHandler } from '../gateway/http.js';
import { IngestMetrics } from '../gateway/metrics.js';
import { PriceCache } from '../gateway/prices.js';
import { startTcpRelay, type TcpRelay } from '../test-support/tcp-relay.js';
import { until } from '../test-support/until.js';
import type { Feed } from './feed.js';
import type { ResilienceOptions } from './venue-feed.js';

const EXCHANGES: readonly Exchange[] = ['binance', 'kraken'];

let root: string;
let stack: ReplayStack;
let hubUrl: string;
const open: Feed[] = [];
const relays: TcpRelay[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-resilience-'));
  for (const name of EXCHANGES) {
    const venue = venueFor(name);
    await venue.generate({
      root,
      seed: 'resilience',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 3,
      symbols: venue.sampleSymbols,
    });
  }
  stack = await startReplay({
    root,
    exchanges: EXCHANGES,
    speed: 2,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
  });
  hubUrl = `http://127.0.0.1:${stack.port}`;
}, 60_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await fetch(`${hubUrl}/control/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

interface Running {
  readonly feed: Feed;
  readonly out: NormalizedMessage[];
  statuses(symbol?: string): Status[];
}

/** Quick retries for tests: 10–40 ms backoff. */
const FAST: ResilienceOptions = { backoff: { baseMs: 10, maxMs: 40 } };

function openFeed(exchange: Exchange, resilience: ResilienceOptions, upstream = hubUrl): Running {
  const venue = venueFor(exchange);
  const feed = venue.createFeed({
    urls: upstreamUrls(upstream, exchange),
    symbols: venue.sampleSymbols,
    bookDepth: 10,
    logger: silentLogger(),
    resilience: { ...FAST, ...resilience },
  });
  open.push(feed);
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return {
    feed,
    out,
    statuses: (symbol) =>
      out.filter((m): m is Status => m.type === 'status' && (symbol === undefined || m.symbol === symbol)),
  };
}

async function arm(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${hubUrl}/control/faults`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(201);
}

const after = (out: NormalizedMessage[], index: number, test: (m: NormalizedMessage) => boolean): boolean =>
  out.slice(index).some(test);

describe('circuit breaker', () => {
  it('opens after N straight failed connects, makes no attempt while open, half-opens, re-opens on a failed trial and closes after M successes', async () => {
    const relay = await startTcpRelay(stack.port);
    relays.push(relay);
    const openMs = 300;
    const r = openFeed(
      'binance',
      { breaker: { failures: 3, openMs, successes: 2 }, stableAfterMs: 100 },
      `http://127.0.0.1:${relay.port}`,
    );
    const breaker = (state: string) => (m: NormalizedMessage) =>
      m.type === 'status' && m.symbol === 'BTC/USDT' && m.reason.startsWith(`circuit breaker ${state}`);
    await until(() => r.feed.stats().state === 'connected', 5000, 'first connect');

    await relay.refuse(); // the hub is gone: every attempt is refused
    await until(() => r.out.some(breaker('open')), 5000, 'breaker open');
    expect(r.feed.stats().breaker).toBe('open');
    const opened = r.statuses('BTC/USDT').find(breaker('open'))!;
    expect(opened.reason).toMatch(/3 connection attempts failed in a row/);
    // A trial while still refused fails and opens it again.
    await until(() => r.out.filter(breaker('open')).length >= 2, 5000, 'breaker open again');
    const sts = r.statuses('BTC/USDT');
    const iOpen = sts.findIndex(breaker('open'));
    const iHalf = sts.findIndex(breaker('half-open'));
    expect(iHalf).toBeGreaterThan(iOpen);
    expect(sts.slice(iHalf).find(breaker('open'))!.reason).toMatch(/failed while half-open/);
    // No attempt while open: the first connecting status after the opening waits out openMs.
    const nextAttempt = sts.slice(iOpen).find((s) => s.state === 'connecting')!;
    expect(nextAttempt.timestamp - opened.timestamp).toBeGreaterThanOrEqual(openMs - 2);

    await relay.accept(); // the hub is back
    await until(() => r.feed.stats().breaker === 'closed', 8000, 'breaker closed');
    const closed = r.statuses('BTC/USDT').find(breaker('closed'))!;
    expect(closed.reason).toMatch(/2 successes in a row/);
    const tradesBefore = r.out.length;
    await until(() => after(r.out, tradesBefore, (m) => m.type === 'trade'), 5000, 'trades again');
  });
});

describe('retry limit', () => {
  it('gives up after maxReconnects: the max_reconnects_reached event and status, and no further attempt', async () => {
    const relay = await startTcpRelay(stack.port);
    relays.push(relay);
    await relay.refuse();
    const venue = venueFor('kraken');
    const feed = venue.createFeed({
      urls: upstreamUrls(`http://127.0.0.1:${relay.port}`, 'kraken'),
      symbols: venue.sampleSymbols,
      bookDepth: 10,
      logger: silentLogger(),
      resilience: { ...FAST, maxReconnects: 3, breaker: { failures: 100 } },
    });
    open.push(feed);
    // Events only: no iterator consumer.
    const gaveUp: { attempts: number; reason: string }[] = [];
    const statuses: Status[] = [];
    const disconnected: string[] = [];
    feed.on('max_reconnects_reached', (e) => gaveUp.push(e));
    feed.on('status', (s) => statuses.push(s));
    feed.on('disconnected', (e) => disconnected.push(e.reason));
    feed.start();
    await until(() => gaveUp.length === 1, 5000, 'max_reconnects_reached');
    expect(gaveUp[0].attempts).toBe(3);
    const last = statuses.filter((s) => s.symbol === 'BTC/USD').at(-1)!;
    expect(last.state).toBe('disconnected');
    expect(last.reason).toMatch(/^max_reconnects_reached: 3 reconnect attempts failed in a row/);
    expect(disconnected.length).toBeGreaterThanOrEqual(4);
    await relay.accept();
    const seen = statuses.length;
    await new Promise((r) => setTimeout(r, 300)); // 10× the longest backoff: an attempt would have come
    expect(statuses.length).toBe(seen);
    expect(feed.stats().reconnects).toBe(3);
  });
});

describe('adaptive staleness', () => {
  it('a stalled connection: its busy channels go stale within seconds, the silent link is recycled, data flows again', async () => {
    const r = openFeed('kraken', { staleness: { floorMs: 1000, factor: 4, minSamples: 4 } });
    // Learn the normal traffic: a few book updates of each symbol.
    await until(
      () =>
        ['BTC/USD', 'ETH/USD'].every(
          (s) => r.out.filter((m) => m.type === 'quote' && m.symbol === s).length >= 6,
        ),
      10_000,
      'learned traffic',
    );
    const armedAt = Date.now();
    const from = r.out.length;
    await arm({ exchange: 'kraken', symbol: 'BTC/USD', fault: 'stall', count: 1, ms: 8000 });
    await until(
      () => after(r.out, from, (m) => m.type === 'status' && m.state === 'stale' && m.symbol === 'BTC/USD'),
      5000,
      'stale status',
    );
    const stale = r.out.slice(from).find((m): m is Status => m.type === 'status' && m.state === 'stale')!;
    expect(stale.reason).toMatch(/silent for \d+ms \(usual gap \d+ms, stale after \d+ms\)/);
    expect(stale.localTimestamp - armedAt).toBeLessThan(5000);
    await until(
      () => after(r.out, from, (m) => m.type === 'status' && /every channel silent/.test(m.reason)),
      5000,
      'recycle',
    );
    const recycled = r.out.findIndex(
      (m, i) => i >= from && m.type === 'status' && /every channel silent/.test(m.reason),
    );
    expect((r.out[recycled] as Status).state).toBe('disconnected');
    await until(
      () => after(r.out, recycled, (m) => m.type === 'status' && m.reason === 'reconnected'),
      5000,
      'reconnect',
    );
    await until(
      () => after(r.out, recycled, (m) => m.type === 'trade' || m.type === 'quote'),
      8000,
      'data again',
    );
    // A channel that never had a normal rhythm (a bar a minute) is never called stale.
    expect(r.out.some((m) => m.type === 'status' && m.state === 'stale' && m.reason.startsWith('bar'))).toBe(
      false,
    );
    expect(r.feed.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('one busy channel held back is quiet, not stale: its symbol speaks on, the link is kept', async () => {
    // The floor sits above the longest natural lull of these recordings' trades (about 1.6 s at speed 2).
    const r = openFeed('binance', { staleness: { floorMs: 2500, factor: 4, minSamples: 4 } });
    await until(
      () => r.out.filter((m) => m.type === 'trade' && m.symbol === 'BTC/USDT').length >= 40,
      10_000,
      'trades',
    );
    const from = r.out.length;
    // Holds BTC/USDT's next frame of one stream (and the frames behind it) for 5 s; its depth flows on.
    await arm({ exchange: 'binance', symbol: 'BTC/USDT', fault: 'latency', count: 1, ms: 5000 });
    await until(
      () => r.feed.stats().quietChannels.some((c) => c.startsWith('BTC/USDT ')),
      6000,
      'quiet channel',
    );
    expect(r.feed.stats().staleSymbols).toEqual([]);
    await until(() => r.feed.stats().quietChannels.length === 0, 8000, 'channel speaking again');
    expect(after(r.out, from, (m) => m.type === 'status' && m.state === 'stale')).toBe(false);
    expect(after(r.out, from, (m) => m.type === 'status' && m.state === 'disconnected')).toBe(false);
    expect(r.feed.stats().reconnects).toBe(0);
  });
});

describe('venue closes', () => {
  it.each([
    ['binance', 'BTC/USDT', 'disconnect', /1001/],
    ['kraken', 'BTC/USD', 'close1008', /1008/],
  ] as const)(
    '%s %s: %s → disconnected and reconnected statuses, data flowing again',
    async (exchange, symbol, fault, code) => {
      const r = openFeed(exchange, {});
      const connected: string[] = [];
      const disconnected: string[] = [];
      r.feed.on('connected', (e) => connected.push(e.reason));
      r.feed.on('disconnected', (e) => disconnected.push(e.reason));
      await until(() => r.out.some((m) => m.type === 'trade'), 10_000, 'first trade');
      await arm({ exchange, symbol, fault, count: 1 });
      await until(() => disconnected.length === 1, 5000, 'disconnected');
      expect(disconnected[0]).toMatch(code);
      const down = r.statuses(symbol).findIndex((s) => s.state === 'disconnected');
      expect(r.statuses(symbol)[down].reason).toMatch(code);
      await until(() => connected.includes('reconnected'), 5000, 'reconnected');
      const at = r.out.findIndex(
        (m) => m.type === 'status' && m.symbol === symbol && m.reason === 'reconnected',
      );
      await until(
        () => after(r.out, at, (m) => m.type === 'trade' && m.symbol === symbol),
        8000,
        'trades again',
      );
      expect(r.feed.stats()).toMatchObject({ state: 'connected', reconnects: 1, breaker: 'closed' });
    },
  );
});

describe('book faults and /metrics', () => {
  let server: Server;
  let metricsUrl: string;
  const metrics = new IngestMetrics({ processMetrics: false });

  beforeAll(async () => {
    const handler = createHttpHandler({
      prices: new PriceCache(),
      publicDir: root,
      logger: silentLogger(),
      metrics,
    });
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const scrape = async (): Promise<string> => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    return res.text();
  };
  const value = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };

  it.each([
    ['binance', 'BTC/USDT', 'gap', 'gaps'],
    ['kraken', 'BTC/USD', 'checksum', 'checksum_failures'],
  ] as const)(
    '%s %s: %s → resyncing status, book synced again, counters on /metrics',
    async (exchange, symbol, fault, counter) => {
      const r = openFeed(exchange, {});
      metrics.addFeed(r.feed);
      await until(
        () => r.out.some((m) => m.type === 'book_snapshot' && m.symbol === symbol),
        10_000,
        'first book',
      );
      const from = r.out.length;
      await arm({ exchange, symbol, fault, count: 1 });
      await until(
        () =>
          after(r.out, from, (m) => m.type === 'status' && m.state === 'resyncing' && m.symbol === symbol),
        8000,
        'resyncing',
      );
      const resync = r.out.findIndex((m, i) => i >= from && m.type === 'status' && m.state === 'resyncing');
      await until(
        () => after(r.out, resync, (m) => m.type === 'book_snapshot' && m.symbol === symbol),
        8000,
        'book again',
      );
      const book = r.out.slice(resync).find((m) => m.type === 'book_snapshot' && m.symbol === symbol);
      if (book?.type !== 'book_snapshot') throw new Error('no book after the resync');
      expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]);

      const text = await scrape();
      const labels = `{exchange="${exchange}",symbol="${symbol}"}`;
      expect(value(text, `tickstream_ingest_${counter}_total${labels}`)).toBeGreaterThanOrEqual(1);
      expect(value(text, `tickstream_ingest_resyncs_total${labels}`)).toBeGreaterThanOrEqual(1);
      expect(value(text, `tickstream_ingest_messages_total${labels}`)).toBeGreaterThan(0);
      expect(value(text, `tickstream_ingest_breaker_state{exchange="${exchange}"}`)).toBe(0);
      expect(value(text, `tickstream_ingest_reconnects_total{exchange="${exchange}"}`)).toBe(0);
      expect(value(text, `tickstream_ingest_lag_seconds_count${labels}`)).toBeGreaterThan(0);
      expect(text).toMatch(new RegExp(`tickstream_ingest_decode_errors_total\\{exchange="${exchange}"\\} 0`));
    },
  );
});

describe('close', () => {
  it('leaves no timer or socket behind, also while reconnecting', async () => {
    // The hub's own timers and sockets come and go: compare counts, never more than before.
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((h) => h === kind).length;
    const settled = (timers: number, sockets: number): boolean =>
      count('Timeout') <= timers && count('TCPSocketWrap') <= sockets;
    const timers = count('Timeout');
    const sockets = count('TCPSocketWrap');
    const r = openFeed('kraken', { staleCheckMs: 50 });
    await until(() => r.out.some((m) => m.type === 'quote'), 10_000, 'data');
    await r.feed.close();
    const relay = await startTcpRelay(stack.port);
    relays.push(relay);
    await relay.refuse();
    const down = openFeed(
      'binance',
      { backoff: { baseMs: 1000, maxMs: 1000 } },
      `http://127.0.0.1:${relay.port}`,
    );
    await until(() => down.statuses().some((s) => s.state === 'disconnected'), 5000, 'refused');
    // Waiting out a 1 s backoff: a reconnect timer is pending, and close() must clear it.
    expect(count('Timeout')).toBeGreaterThan(timers);
    await down.feed.close();
    await relay.close();
    relays.splice(0);
    await until(() => settled(timers, sockets), 3000, 'timers and sockets released');
    expect(settled(timers, sockets)).toBe(true);
  });
});
