/**
 * The two ingest faults resilience.test.ts leaves out, against the real replay hub (a generated
 * Binance recording, in-process publishers, the hub on 127.0.0.1:0) and its fault injection:
 *
 * - `malformed`: the hub cuts the next frame of the symbol in half. The feed counts it
 *   (`decodeErrors`, the gateway's `/metrics`), logs it, skips it and goes on. Which frame is cut
 *   is whichever comes next, so a plain client of the hub on the same streams says which one it
 *   was: a cut diff-depth event is a hole in the sequence, and the book resyncs from a REST
 *   snapshot; any other cut frame leaves the book alone.
 * - `rest429` on the snapshot endpoint while a `gap` forces a resync: the feed's snapshot fetch
 *   gets 429 with `Retry-After`, waits it out before each retry (the hub's own log of each 429
 *   says when it answered), and the book is synced again once the fault is used up. The limit is
 *   the client's, not the symbol's: another symbol's resync meanwhile waits out the same Retry-After.
 *
 * One hub for the file; each test closes its feeds and clears its faults.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startReplay, type ReplayStack } from '../app/replay-stack.js';
import { upstreamUrls } from '../app/ingest-stack.js';
import { silentLogger } from '../core/logger.js';
import type { NormalizedMessage } from '../core/types.js';
import { BINANCE_FEED_STREAMS, createBinanceFeed, type BinanceFeed } from '../exchanges/binance/client.js';
import { binanceStreamName } from '../exchanges/binance/codec.js';
import { venueFor } from '../exchanges/index.js';
import { createHttpHandler } from '../gateway/http.js';
import { IngestMetrics } from '../gateway/metrics.js';
import { PriceCache } from '../gateway/prices.js';
import { captureLogs, LOG_LEVEL, type LogLine } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import type { FeedErrorEvent } from './feed-events.js';

const SYMBOL = 'BTC/USDT';

let root: string;
let stack: ReplayStack;
let hubUrl: string;
/** What the hub logged (each fault injection is one line). */
let hubLog: LogLine[];
let gateway: Server;
let metricsUrl: string;
const metrics = new IngestMetrics({ processMetrics: false });
const feeds: BinanceFeed[] = [];
const observers: WebSocket[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-resilience-faults-'));
  const venue = venueFor('binance');
  await venue.generate({
    root,
    seed: 'resilience-faults',
    startMs: Date.UTC(2026, 0, 5, 14, 30),
    minutes: 3,
    symbols: venue.sampleSymbols,
  });
  const hubLogs = captureLogs('info');
  hubLog = hubLogs.lines;
  stack = await startReplay({
    root,
    exchanges: ['binance'],
    speed: 2,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: hubLogs.logger,
  });
  hubUrl = `http://127.0.0.1:${stack.port}`;
  gateway = createServer(
    createHttpHandler({ prices: new PriceCache(), publicDir: root, logger: silentLogger(), metrics }),
  );
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/metrics`;
}, 60_000);

afterEach(async () => {
  for (const ws of observers.splice(0)) ws.terminate();
  await Promise.all(feeds.splice(0).map((f) => f.close()));
  await fetch(`${hubUrl}/control/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await new Promise<void>((resolve) => gateway?.close(() => resolve()));
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

interface Running {
  readonly feed: BinanceFeed;
  readonly out: NormalizedMessage[];
  readonly errors: FeedErrorEvent[];
  readonly log: LogLine[];
}

function openFeed(): Running {
  const urls = upstreamUrls(hubUrl, 'binance');
  const { logger, lines } = captureLogs('info');
  const feed = createBinanceFeed({
    wsBaseUrl: urls.ws,
    restBaseUrl: urls.rest,
    symbols: venueFor('binance').sampleSymbols,
    bookDepth: 10,
    logger,
    // Quick retries; a Retry-After still sets the floor of a snapshot retry.
    backoff: { baseMs: 10, maxMs: 40 },
  });
  feeds.push(feed);
  const out: NormalizedMessage[] = [];
  const errors: FeedErrorEvent[] = [];
  feed.on('error', (e) => errors.push(e));
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return { feed, out, errors, log: lines };
}

/** A plain client of the hub on the feed's own streams of `symbol`: it sees every frame the feed sees. */
async function observe(symbol: string): Promise<string[]> {
  const streams = BINANCE_FEED_STREAMS.map((k) => binanceStreamName(symbol, k)).join('/');
  const ws = new WebSocket(`ws://127.0.0.1:${stack.port}/binance/stream?streams=${streams}`);
  observers.push(ws);
  const frames: string[] = [];
  ws.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return frames;
}

function unparsable(frame: string): boolean {
  try {
    JSON.parse(frame);
    return false;
  } catch {
    return true;
  }
}

async function arm(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${hubUrl}/control/faults`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(201);
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

const after = (out: NormalizedMessage[], index: number, test: (m: NormalizedMessage) => boolean): boolean =>
  out.slice(index).some(test);

const isBook = (m: NormalizedMessage): boolean => m.type === 'book_snapshot' && m.symbol === SYMBOL;
const isResync = (m: NormalizedMessage): boolean =>
  m.type === 'status' && m.state === 'resyncing' && m.symbol === SYMBOL;

/** The published book after `index` is valid: a bid below an ask. */
function lastBookValid(out: NormalizedMessage[], index: number): void {
  const book = out
    .slice(index)
    .filter((m) => m.type === 'book_snapshot' && m.symbol === SYMBOL)
    .at(-1);
  if (book?.type !== 'book_snapshot') throw new Error(`no ${SYMBOL} book published after message ${index}`);
  expect(book.bids.length).toBeGreaterThan(0);
  expect(book.asks.length).toBeGreaterThan(0);
  expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]);
}

/** The event type of a cut Binance frame: the first field of every event, so it survives the cut. */
function cutKind(frame: string): string {
  const kind = /"e":"(\w+)"/.exec(frame)?.[1];
  if (kind === undefined) throw new Error(`a cut frame without its event type: ${frame.slice(0, 120)}`);
  return kind;
}

describe('malformed frame', () => {
  it('counted, logged and skipped: trades go on; a cut trade or ticker leaves the book alone, a cut depth event resyncs it', async () => {
    const r = openFeed();
    metrics.addFeed(r.feed);
    const seen = await observe(SYMBOL);
    const cutFrames = () => seen.filter(unparsable);
    const book = () => r.feed.book(SYMBOL)!;
    const tradeAfter = (from: number) => () =>
      after(r.out, from, (m) => m.type === 'trade' && m.symbol === SYMBOL);
    await until(() => r.out.some(isBook) && book().state === 'synced', 10_000, 'first book');

    // 1. One frame cut. Trades outnumber depth events many times over: the first cut that is not
    // a depth event is looked at (a depth event cut here is looked at in step 2's way).
    let other: string | undefined;
    for (let round = 1; round <= 10 && other === undefined; round++) {
      const from = r.out.length;
      const decodeErrors = r.feed.stats().decodeErrors;
      const gaps = book().stats.gaps;
      const before = cutFrames().length;
      await arm({ exchange: 'binance', symbol: SYMBOL, fault: 'malformed', count: 1 });
      await until(() => cutFrames().length === before + 1, 5000, `cut frame ${round}`);
      await until(() => r.feed.stats().decodeErrors === decodeErrors + 1, 5000, `decode error ${round}`);
      const kind = cutKind(cutFrames().at(-1)!);
      if (kind === 'depthUpdate') {
        await until(() => book().stats.gaps > gaps && book().state === 'synced', 8000, 'resynced');
        continue;
      }
      other = kind;
      // A depth event after the cut still follows on from the last one: applied, no gap, no resync.
      const applied = book().stats.applied;
      await until(() => book().stats.applied >= applied + 2, 5000, `depth applied after a cut ${kind}`);
      expect(book().stats.gaps).toBe(gaps);
      expect(book().state).toBe('synced');
      expect(after(r.out, from, isResync)).toBe(false);
      lastBookValid(r.out, from);
      await until(tradeAfter(from), 5000, `trades after a cut ${kind}`);
    }
    expect(other, 'a frame other than a depth event was cut').toBeDefined();

    // 2. Frames cut until a depth event is among them: its successor's U is past the last u + 1,
    // a gap, so the book is resynced from a REST snapshot; trades go on meanwhile.
    const from = r.out.length;
    const gaps = book().stats.gaps;
    const before = cutFrames().length;
    await arm({ exchange: 'binance', symbol: SYMBOL, fault: 'malformed', count: 1000 });
    await until(
      () =>
        cutFrames()
          .slice(before)
          .some((f) => cutKind(f) === 'depthUpdate'),
      8000,
      'a cut depth event',
    );
    const res = await fetch(`${hubUrl}/control/faults?exchange=binance&fault=malformed`, {
      method: 'DELETE',
    });
    const { cleared } = (await res.json()) as { cleared: { injected: number }[] };
    expect(cleared).toHaveLength(1);
    await until(() => cutFrames().length - before === cleared[0].injected, 5000, 'every cut frame');
    await until(() => book().stats.gaps > gaps, 5000, 'gap after a cut depth event');
    await until(() => after(r.out, from, isResync), 5000, 'resyncing status');
    const resync = r.out.findIndex((m, i) => i >= from && isResync(m));
    const status = r.out[resync];
    expect(status.type === 'status' && status.reason).toMatch(/^sequence gap: /);
    await until(() => after(r.out, resync, isBook) && book().state === 'synced', 8000, 'book synced again');
    lastBookValid(r.out, resync);
    await until(tradeAfter(resync), 5000, 'trades after the resync');

    // Every cut frame counted once, as a decode error event; the link kept.
    const cutInAll = cutFrames().length;
    expect(cleared[0].injected).toBeGreaterThan(0);
    await until(() => r.feed.stats().decodeErrors === cutInAll, 5000, 'every cut frame counted');
    const stats = r.feed.stats();
    expect(stats).toMatchObject({ state: 'connected', reconnects: 0 });
    const decodeEvents = r.errors.filter((e) => e.kind === 'decode');
    expect(decodeEvents).toHaveLength(cutInAll);
    expect(decodeEvents[0].message).toMatch(/^binance: malformed JSON frame \(\d+ chars\)$/);
    // Logged: a warning for the first (then one per 1000), the others at debug.
    const warned = r.log.filter((l) => l.msg === 'undecodable frame skipped' && l.level === LOG_LEVEL.warn);
    expect(warned).toHaveLength(1);
    expect(warned[0].decodeErrors).toBe(1);

    const text = await scrape(metricsUrl);
    expect(value(text, 'tickstream_ingest_decode_errors_total{exchange="binance"}')).toBe(cutInAll);
    expect(value(text, `tickstream_ingest_gaps_total{exchange="binance",symbol="${SYMBOL}"}`)).toBe(
      book().stats.gaps,
    );
  });
});

describe('REST 429 on a resync', () => {
  it('a gap while the snapshot endpoint answers 429: each retry waits out Retry-After, the book recovers once the fault is used up', async () => {
    const r = openFeed();
    const book = () => r.feed.book(SYMBOL)!;
    await until(() => r.out.some(isBook) && book().state === 'synced', 10_000, 'first book');
    const snapshots = book().stats.snapshots;
    const failedBefore = book().stats.snapshotErrors;
    const injectedBefore = hubLog.length;
    const from = r.out.length;

    const retryAfterS = 1;
    const refusals = 3;
    await arm({
      exchange: 'binance',
      symbol: SYMBOL,
      fault: 'rest429',
      count: refusals,
      retryAfter: retryAfterS,
    });
    await arm({ exchange: 'binance', symbol: SYMBOL, fault: 'gap', count: 1 });
    await until(() => after(r.out, from, isResync), 8000, 'resyncing status');
    const resync = r.out.findIndex((m, i) => i >= from && isResync(m));
    await until(
      () => after(r.out, resync, isBook) && book().state === 'synced',
      refusals * retryAfterS * 1000 + 8000,
      'book synced again',
    );
    lastBookValid(r.out, resync);

    // The hub answered exactly `refusals` 429s (the rule is used up) and logged when.
    const refused = hubLog
      .slice(injectedBefore)
      .filter((l) => l.msg === 'fault injected' && l.fault === 'rest429' && l.exchange === 'binance');
    expect(refused).toHaveLength(refusals);
    const listed = (await (await fetch(`${hubUrl}/control/faults`)).json()) as { faults: unknown[] };
    expect(listed.faults).toEqual([]);
    const hubMetrics = await scrape(`${hubUrl}/metrics`);
    expect(
      value(
        hubMetrics,
        'tickstream_hub_faults_injected_total{exchange="binance",fault="rest429",symbol="BTCUSDT"}',
      ),
    ).toBe(refusals);

    // Not hammered: each request after a 429 came at least Retry-After later.
    const times = refused.map((l) => Number(l.time));
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1], `429 number ${i + 1} after number ${i}`).toBeGreaterThanOrEqual(
        retryAfterS * 1000 - 20,
      );
    }
    // The feed saw each 429 as a failed snapshot, then used one good snapshot.
    expect(book().stats.snapshotErrors - failedBefore).toBe(refusals);
    expect(book().stats.snapshots - snapshots).toBe(1);
    expect(book().stats.gaps).toBe(1);
    const failures = r.log.filter((l) => l.msg === 'book snapshot failed; retrying');
    expect(failures).toHaveLength(refusals);
    expect(JSON.stringify(failures[0].err)).toMatch(/HTTP 429/);
    // Trades never stopped, and the link was kept.
    await until(() => after(r.out, resync, (m) => m.type === 'trade' && m.symbol === SYMBOL), 5000, 'trades');
    expect(r.feed.stats()).toMatchObject({ state: 'connected', reconnects: 0 });
  });

  it("one symbol's 429 holds every symbol's resync until its Retry-After has passed", async () => {
    const r = openFeed();
    const books = (symbol: string) => r.feed.book(symbol)!;
    const OTHER = 'ETH/USDT';
    await until(() => [SYMBOL, OTHER].every((s) => books(s).state === 'synced'), 10_000, 'first books');
    const otherSnapshots = books(OTHER).stats.snapshots;
    const logged = hubLog.length;
    const retryAfterS = 2;
    await arm({ exchange: 'binance', symbol: SYMBOL, fault: 'rest429', count: 1, retryAfter: retryAfterS });
    await arm({ exchange: 'binance', symbol: SYMBOL, fault: 'gap', count: 1 });
    const refusal = () =>
      hubLog.slice(logged).find((l) => l.msg === 'fault injected' && l.fault === 'rest429');
    await until(() => refusal() !== undefined, 8000, 'the 429');
    const refusedAt = Number(refusal()!.time);
    const holdEnds = refusedAt + retryAfterS * 1000;

    // The other symbol's book breaks while the hold is on: its snapshot waits for the hold too.
    const from = r.out.length;
    await arm({ exchange: 'binance', symbol: OTHER, fault: 'gap', count: 1 });
    const otherResync = (m: NormalizedMessage) =>
      m.type === 'status' && m.state === 'resyncing' && m.symbol === OTHER;
    await until(() => after(r.out, from, otherResync), 5000, `${OTHER} resyncing`);
    const gapSeenAt = Date.now();
    expect(gapSeenAt, `${OTHER}'s gap came within the hold`).toBeLessThan(holdEnds - 200);
    expect(books(OTHER).state).toBe('fetching');
    await until(() => books(OTHER).stats.snapshots > otherSnapshots, 8000, `${OTHER} synced again`);
    const otherSyncedAt = Date.now();
    expect(otherSyncedAt).toBeGreaterThanOrEqual(holdEnds - 20);
    // Both books recover, each with one fresh snapshot; the hub refused only the one request.
    await until(() => books(SYMBOL).state === 'synced', 8000, `${SYMBOL} synced again`);
    expect(books(OTHER).stats.snapshots - otherSnapshots).toBe(1);
    expect(books(OTHER).stats.snapshotErrors).toBe(0);
    expect(books(SYMBOL).stats.snapshotErrors).toBe(1);
    expect(
      hubLog.slice(logged).filter((l) => l.msg === 'fault injected' && l.fault === 'rest429'),
    ).toHaveLength(1);
  });
});
