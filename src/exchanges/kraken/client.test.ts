/**
 * The Kraken v2 feed against the real replay hub (its Kraken endpoint on loopback): subscriptions,
 * the validated book against the hub's own REST Depth, trades and closed bars across a reconnect
 * (through a TCP relay the test cuts), system status and refusals.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { Bar, BookSnapshot, Level, NormalizedMessage, Status, Trade } from '../../core/types.js';
import { until } from '../../test-support/until.js';
import { tradeEvent } from './test-support/events.js';
import { startKrakenHub, type RunningKrakenHub } from './test-support/hub.js';
import { writeKrakenSample } from './test-support/recordings.js';
import { LOG_LEVEL, captureLogs, type LogLine } from '../../test-support/log-capture.js';
import { startTcpRelay } from '../../test-support/tcp-relay.js';
import { createKrakenFeed, krakenFeedSpec, type KrakenFeed, type KrakenFeedOptions } from './client.js';
import { KrakenReplaySource } from './replay-source.js';
import type { KrakenRestDepthBook, KrakenRestResponse } from './wire.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hub(symbols = ['BTC/USD', 'ETH/USD']): Promise<RunningKrakenHub> {
  const h = await startKrakenHub({ symbols });
  cleanups.push(() => h.close());
  return h;
}

const portOf = (h: RunningKrakenHub): number => Number(new URL(h.wsUrl).port);

function start(wsBaseUrl: string, extra: Partial<KrakenFeedOptions> = {}) {
  const { logger, lines } = captureLogs();
  const feed: KrakenFeed = createKrakenFeed({
    wsBaseUrl,
    symbols: ['BTC/USD'],
    logger,
    backoff: { random: () => 0 },
    ...extra,
  });
  cleanups.push(() => feed.close());
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return { feed, out, lines };
}

/** Acks logged (at debug) for `request`, e.g. `subscribe BTC/USD ohlc`. */
const acks = (lines: LogLine[], request: string) =>
  lines.filter((l) => l.msg === 'control request acknowledged' && l.request === request).length;
const trades = (out: NormalizedMessage[]) => out.filter((m): m is Trade => m.type === 'trade');
const bars = (out: NormalizedMessage[]) => out.filter((m): m is Bar => m.type === 'bar');

async function restBook(h: RunningKrakenHub, pair: string, count: number): Promise<KrakenRestDepthBook> {
  const res = await fetch(`${h.restBase}/0/public/Depth?pair=${pair}&count=${count}`);
  const body = (await res.json()) as KrakenRestResponse<Record<string, KrakenRestDepthBook>>;
  return Object.values(body.result!)[0];
}

const levels = (side: KrakenRestDepthBook['bids']): Level[] => side.map(([p, q]) => [Number(p), Number(q)]);

describe('krakenFeedSpec', () => {
  const spec = krakenFeedSpec({ wsBaseUrl: 'wss://ws.kraken.com/' });
  const subs = (channel: (typeof spec.channels)[number]) =>
    ['BTC/USD', 'ETH/USD'].map((symbol) => ({ symbol, native: symbol, channel }));

  it('opens <base>/v2 and subscribes trade, book, ticker and ohlc', () => {
    expect(spec.url).toBe('wss://ws.kraken.com/v2');
    expect(krakenFeedSpec({ wsBaseUrl: 'ws://127.0.0.1:3100/kraken' }).url).toBe(
      'ws://127.0.0.1:3100/kraken/v2',
    );
    expect(spec.channels).toEqual(['trade', 'book', 'ticker', 'ohlc']);
    expect(spec.requests).toMatchObject({ oneChannelPerMessage: true });
  });

  it('writes one message per channel with a symbol list and req_id; unsubscribe names the same depth and interval', () => {
    expect(spec.controlMessage('subscribe', subs('book'), 3)).toBe(
      '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD","ETH/USD"],"depth":25},"req_id":3}',
    );
    expect(spec.controlMessage('unsubscribe', subs('book'), 4)).toBe(
      '{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD","ETH/USD"],"depth":25},"req_id":4}',
    );
    expect(spec.controlMessage('subscribe', subs('ohlc'), 5)).toBe(
      '{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD","ETH/USD"],"interval":1},"req_id":5}',
    );
    expect(spec.controlMessage('subscribe', subs('trade').slice(0, 1), 6)).toBe(
      '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"]},"req_id":6}',
    );
  });

  it('subscribes the smallest Kraken depth that holds the published levels', () => {
    const depth = (bookDepth: number) => krakenFeedSpec({ wsBaseUrl: 'x', bookDepth }).book?.rule.truncateTo;
    expect([depth(5), depth(10), depth(20), depth(26), depth(1000), depth(5000)]).toEqual([
      10, 10, 25, 100, 1000, 1000,
    ]);
  });

  it('pings with {"method":"ping"} and knows the pong', () => {
    const hb = spec.heartbeat;
    if (hb.kind !== 'app') throw new Error('expected an app heartbeat');
    expect(hb.ping()).toBe('{"method":"ping"}');
    expect(hb.isPong('{"method":"pong","req_id":7,"time_in":"2024-05-20T11:08:49.272922Z"}')).toBe(true);
    expect(hb.isPong('{"channel":"heartbeat"}')).toBe(false);
  });

  it('refuses a pair it has no precision for, naming the known ones', () => {
    const { logger } = captureLogs();
    expect(() => createKrakenFeed({ wsBaseUrl: 'ws://127.0.0.1:1', symbols: ['SOL/USD'], logger })).toThrow(
      ConfigError,
    );
    expect(() => createKrakenFeed({ wsBaseUrl: 'ws://127.0.0.1:1', symbols: ['SOL/USD'], logger })).toThrow(
      'kraken: unknown pair "SOL/USD"; known pairs: BTC/USD, ETH/USD',
    );
  });
});

describe('createKrakenFeed against the real replay hub', () => {
  it('keeps both books equal to the hub’s own (REST Depth), every book message checksum-checked', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kraken-feed-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await writeKrakenSample({ root, symbols: ['BTC/USD', 'ETH/USD'], startMs: T0, seconds: 90 });
    const h = await hub();
    const { feed, out, lines } = start(`ws://127.0.0.1:${portOf(h)}/kraken`, {
      symbols: ['BTC/USD', 'ETH/USD'],
    });
    await until(() => acks(lines, 'subscribe BTC/USD book, ETH/USD book') === 2, 5000, 'book acks');

    const source = await KrakenReplaySource.open(root, silentLogger());
    let lastTrade = 0;
    for await (const event of source.pass(0, 0)) {
      h.push(event);
      if (event.kind === 'trade')
        lastTrade = Math.max(lastTrade, Number((event.data as { tradeId: number }).tradeId));
    }
    // Frames arrive in order: once this trade is out, every book frame before it was applied.
    h.push(tradeEvent('BTC/USD', lastTrade + 1_000_000, T0 + 91_000, '50000.00000', '0.00100000'));
    await until(
      () => trades(out).some((t) => Number(t.id) === lastTrade + 1_000_000),
      10_000,
      'barrier trade',
    );

    for (const [symbol, pair] of [
      ['BTC/USD', 'XBTUSD'],
      ['ETH/USD', 'ETHUSD'],
    ] as const) {
      const book = feed.book(symbol)!;
      expect(book.stats).toMatchObject({
        snapshots: 1,
        checksumMismatches: 0,
        gaps: 0,
        crossed: 0,
        resyncs: 0,
      });
      expect(book.stats.checksums).toBe(book.stats.snapshots + book.stats.applied);
      expect(book.stats.applied).toBeGreaterThan(60);
      const hubBook = await restBook(h, pair, 25);
      expect(book.book.bids.top()).toEqual(levels(hubBook.bids));
      expect(book.book.asks.top()).toEqual(levels(hubBook.asks));
      const last = out
        .filter((m): m is BookSnapshot => m.type === 'book_snapshot' && m.symbol === symbol)
        .at(-1)!;
      expect(last.bids).toEqual(levels(hubBook.bids).slice(0, 20));
      expect(last.asks).toEqual(levels(hubBook.asks).slice(0, 20));
    }
    expect(feed.stats()).toMatchObject({ decodeErrors: 0, checksumMismatches: 0, crossedTickers: 0 });
    expect(out.filter((m) => m.type === 'book_change').every((m) => !('checksum' in m))).toBe(true);
    expect(out.some((m) => m.type === 'ticker' && m.symbol === 'ETH/USD')).toBe(true);
    expect(h.hub.health().venues[0].counters).toMatchObject({ failures: 0 });
  });

  it('passes each trade and each closed minute on once: first snapshots mark the start, later ones fill a reconnect', async () => {
    const h = await hub(['BTC/USD']);
    const relay = await startTcpRelay(portOf(h));
    cleanups.push(() => relay.close());
    const trade = (id: number, atMs: number, price: string, qty: string) =>
      h.push(tradeEvent('BTC/USD', id, T0 + atMs, price, qty));
    // Minute 0 (T0 … T0+60 s) has begun before the feed subscribes.
    trade(1, 10_000, '94000.10000', '0.01000000');
    trade(2, 20_000, '94010.00000', '0.02000000');
    trade(3, 30_000, '93990.50000', '0.03000000');

    const { feed, out, lines } = start(`ws://127.0.0.1:${relay.port}/kraken`);
    await until(() => acks(lines, 'subscribe BTC/USD ohlc') === 1, 5000, 'ohlc ack');
    trade(4, 40_000, '94005.00000', '0.04000000');
    trade(5, 65_000, '94020.00000', '0.05000000'); // minute 1 begins: minute 0 is closed
    await until(() => bars(out).length === 1 && trades(out).length === 2, 5000, 'minute 0 closed');

    relay.cutAll({ hold: true });
    await until(
      () => out.some((m) => m.type === 'status' && m.state === 'disconnected'),
      5000,
      'disconnected',
    );
    trade(6, 70_000, '94030.00000', '0.06000000');
    trade(7, 125_000, '94040.00000', '0.07000000'); // minute 2
    trade(8, 130_000, '94035.00000', '0.08000000');
    relay.release();
    await until(() => acks(lines, 'subscribe BTC/USD ohlc') === 2, 5000, 'ohlc ack after the reconnect');
    trade(9, 185_000, '94050.00000', '0.09000000'); // minute 3: minute 2 is closed
    await until(() => trades(out).length === 6 && bars(out).length === 3, 5000, 'the hole filled');

    expect(trades(out).map((t) => [t.id, t.price, t.amount, t.timestamp])).toEqual([
      ['4', 94005, 0.04, T0 + 40_000],
      ['5', 94020, 0.05, T0 + 65_000],
      ['6', 94030, 0.06, T0 + 70_000],
      ['7', 94040, 0.07, T0 + 125_000],
      ['8', 94035, 0.08, T0 + 130_000],
      ['9', 94050, 0.09, T0 + 185_000],
    ]);
    expect(bars(out).map((b) => [b.timestamp, b.interval, b.open, b.high, b.low, b.close, b.volume])).toEqual(
      [
        [T0, '1m', 94000.1, 94010, 93990.5, 94005, 0.1],
        [T0 + 60_000, '1m', 94020, 94030, 94020, 94030, 0.11],
        [T0 + 120_000, '1m', 94040, 94040, 94035, 94035, 0.15],
      ],
    );
    expect(feed.stats()).toMatchObject({ reconnects: 1, decodeErrors: 0 });
    expect(relay.connections).toBe(2);
  });

  it('turns the status frame into a status per symbol, and logs a refused pair with what was asked', async () => {
    const h = await hub(['BTC/USD']);
    const { out, lines } = start(`ws://127.0.0.1:${portOf(h)}/kraken`, { symbols: ['BTC/USD', 'ETH/USD'] });
    await until(() => lines.filter((l) => l.level === LOG_LEVEL.warn).length === 4, 5000, 'four refusals');
    const refusals = lines.filter((l) => l.level === LOG_LEVEL.warn);
    expect(refusals.map((l) => [l.msg, l.reason, l.request])).toEqual(
      ['trade', 'book', 'ticker', 'ohlc'].map((channel) => [
        'kraken rejected a control request',
        'Currency pair not supported ETH/USD',
        `subscribe BTC/USD ${channel}, ETH/USD ${channel}`,
      ]),
    );
    const system = out.filter(
      (m): m is Status => m.type === 'status' && m.reason.startsWith('kraken system'),
    );
    expect(system.map((s) => [s.symbol, s.state, s.reason])).toEqual([
      ['BTC/USD', 'connected', 'kraken system online (api v2, server 2.0.10)'],
      ['ETH/USD', 'connected', 'kraken system online (api v2, server 2.0.10)'],
    ]);
  });
});
