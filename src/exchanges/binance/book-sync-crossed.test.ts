import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackoffOptions } from '../../ingest/backoff.js';
import type { BookSnapshot, NormalizedMessage, Quote, Status } from '../../core/types.js';
import { FakeBinance } from './test-support/fake-binance.js';
import { until } from '../../test-support/until.js';
import { LOG_LEVEL, captureLogs, type LogLine } from '../../test-support/log-capture.js';
import { BookSync } from '../../book/book-sync.js';
import { binanceBookRule } from './book-sync.js';
import { decodeDepthUpdate, type BinanceDepthDiff } from './codec.js';

let server: FakeBinance;
beforeEach(async () => {
  server = await FakeBinance.start();
});
afterEach(async () => {
  await server.close();
});

/** Exchange times far in the past (2020-01-06), so they cannot be mistaken for the local clock. */
const E0 = Date.UTC(2020, 0, 6, 12);

function newSync(out: NormalizedMessage[], backoff: BackoffOptions = { random: () => 0 }) {
  const { logger, lines } = captureLogs();
  const sync = new BookSync({
    exchange: 'binance',
    symbol: 'BTC/USDT',
    rule: binanceBookRule({ restBaseUrl: server.restBaseUrl }),
    emit: (m) => out.push(m),
    logger,
    backoff,
  });
  return { sync, lines };
}

type Side = Array<[string, string]>;

/** Diff `U..u` at exchange time `E0 + 100 * u`. */
function diff(U: number, u: number, b: Side = [], a: Side = []): BinanceDepthDiff {
  return decodeDepthUpdate({ e: 'depthUpdate', E: E0 + 100 * u, s: 'BTCUSDT', U, u, b, a }, Date.now());
}

const body = (lastUpdateId: number, bids: Side, asks: Side) => ({
  status: 200,
  body: JSON.stringify({ lastUpdateId, bids, asks }),
});
const GOOD_BIDS: Side = [['67000.00', '1.0']];
const GOOD_ASKS: Side = [['67001.00', '2.0']];
/** A bid above the best ask: best bid 67002 >= best ask 67001. */
const CROSSED_BIDS: Side = [['67002.00', '0.5'], ...GOOD_BIDS];

function isCrossed(m: NormalizedMessage): boolean {
  if (m.type === 'book_snapshot')
    return m.bids.length > 0 && m.asks.length > 0 && m.bids[0][0] >= m.asks[0][0];
  if (m.type === 'quote') return m.bid >= m.ask;
  return false;
}

const statuses = (out: NormalizedMessage[]) => out.filter((m): m is Status => m.type === 'status');
const crossedWarnings = (lines: LogLine[]) =>
  lines.filter((l) => l.level === LOG_LEVEL.warn && l.msg.startsWith('crossed book refused'));

describe('BinanceBookSync refuses a crossed book', () => {
  it('never publishes a crossed snapshot: counts it, flags the symbol once and refetches until one bridges', async () => {
    server.depth = (_s, n) => (n <= 2 ? body(100, CROSSED_BIDS, GOOD_ASKS) : body(101, GOOD_BIDS, GOOD_ASKS));
    const out: NormalizedMessage[] = [];
    const { sync, lines } = newSync(out);
    sync.push(diff(100, 100));
    sync.push(diff(101, 101));
    await until(() => sync.state === 'synced', 5000, 'an uncrossed snapshot');
    sync.push(diff(102, 102, [['67000.00', '3.0']]));

    expect(server.restRequests).toHaveLength(3);
    expect(sync.stats).toMatchObject({ crossed: 2, snapshots: 1, applied: 1, gaps: 0 });
    expect(sync.crossed).toBe(false);
    expect(out.filter(isCrossed)).toEqual([]);
    expect(statuses(out)).toEqual([
      expect.objectContaining({
        state: 'resyncing',
        symbol: 'BTC/USDT',
        timestamp: E0 + 100 * 100, // the snapshot ends in diff 100
        reason: 'crossed book: best bid 67002 >= best ask 67001 (snapshot lastUpdateId=100)',
      }),
    ]);
    expect(crossedWarnings(lines)).toHaveLength(1);
    expect(crossedWarnings(lines)[0]).toMatchObject({ symbol: 'BTC/USDT', bid: 67002, ask: 67001 });
    expect(out.map((m) => m.type)).toEqual([
      'status',
      'book_change',
      'book_snapshot',
      'quote',
      'book_change',
      'book_snapshot',
      'quote',
    ]);
  });

  it('refuses a diff that crosses the book: nothing of it is published and the book resyncs', async () => {
    server.depth = (_s, n) => (n === 1 ? body(100, GOOD_BIDS, GOOD_ASKS) : body(102, GOOD_BIDS, GOOD_ASKS));
    const out: NormalizedMessage[] = [];
    const { sync, lines } = newSync(out);
    sync.push(diff(100, 100));
    await until(() => sync.state === 'synced');
    sync.push(diff(101, 101, [['67001.50', '1.0']])); // bid 67001.5 over the ask 67001
    expect(sync.state).toBe('fetching');
    expect(sync.crossed).toBe(true);
    sync.push(diff(102, 102, [['67001.50', '0']]));
    await until(() => sync.state === 'synced', 5000, 'resync');
    sync.push(diff(103, 103, [], [['67000.50', '1.0']]));

    expect(sync.stats).toMatchObject({ crossed: 1, resyncs: 1, pacedResyncs: 1, gaps: 0, snapshots: 2 });
    expect(out.filter(isCrossed)).toEqual([]);
    expect(out.some((m) => 'sequence' in m && m.sequence === 101)).toBe(false);
    expect(statuses(out)).toEqual([
      expect.objectContaining({
        state: 'resyncing',
        timestamp: E0 + 100 * 101,
        reason: 'crossed book: best bid 67001.5 >= best ask 67001 (diff U=101 u=101)',
      }),
    ]);
    expect(crossedWarnings(lines)).toHaveLength(1);
    const lastQuote = out.filter((m): m is Quote => m.type === 'quote').at(-1);
    expect(lastQuote).toMatchObject({ bid: 67000, ask: 67000.5, timestamp: E0 + 100 * 103 });
  });

  it('paces refetches while the exchange stays crossed instead of hammering the REST endpoint', async () => {
    server.depth = (_s, n) =>
      n === 1 ? body(100, GOOD_BIDS, GOOD_ASKS) : body(200, CROSSED_BIDS, GOOD_ASKS);
    const out: NormalizedMessage[] = [];
    // Delays close to their ceilings: 99, 199, 399, 799 ms …
    const { sync, lines } = newSync(out, { baseMs: 100, random: () => 0.999 });
    sync.push(diff(100, 100));
    await until(() => sync.state === 'synced');
    const crossedAt = Date.now();
    let u = 101;
    sync.push(diff(u, u, [['67001.50', '1.0']]));
    // The stream goes on (the book stays crossed) for 1.2 s.
    while (Date.now() - crossedAt < 1200) {
      await new Promise((r) => setTimeout(r, 20));
      u++;
      sync.push(diff(u, u, [['67001.50', String(u)]]));
    }
    const refetches = server.restRequests.length - 1;
    // Paced at ~99, ~298 and ~697 ms (the next is due at ~1496); a tight loop would make hundreds.
    expect(refetches).toBeGreaterThanOrEqual(2);
    expect(refetches).toBeLessThanOrEqual(3);
    expect(sync.stats.crossed).toBe(1 + refetches);
    expect(sync.state).toBe('fetching');
    expect(out.filter(isCrossed)).toEqual([]);
    expect(statuses(out)).toHaveLength(1);
    expect(crossedWarnings(lines)).toHaveLength(1);
    sync.close();
  });
});

describe('BinanceBookSync timestamps are exchange time', () => {
  it('stamps a snapshot with the E of the buffered diff it ends in, and each diff, book and quote with its E', async () => {
    server.depth = () => body(102, GOOD_BIDS, GOOD_ASKS);
    const out: NormalizedMessage[] = [];
    const { sync } = newSync(out);
    for (let u = 100; u <= 103; u++) sync.push(diff(u, u));
    await until(() => sync.state === 'synced');
    const fetchedBy = Date.now();
    sync.push(diff(104, 104, [['67000.50', '1.0']]));

    const books = out.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
    expect(books.map((b) => [b.sequence, b.timestamp])).toEqual([
      [102, E0 + 100 * 102],
      [103, E0 + 100 * 103],
      [104, E0 + 100 * 104],
    ]);
    const snapshot = out.find((m) => m.type === 'book_change' && m.isSnapshot);
    expect(snapshot).toMatchObject({ sequence: 102, timestamp: E0 + 100 * 102 });
    const quotes = out.filter((m): m is Quote => m.type === 'quote');
    expect(quotes.map((q) => [q.bid, q.ask, q.timestamp])).toEqual([
      [67000, 67001, E0 + 100 * 102],
      [67000.5, 67001, E0 + 100 * 104],
    ]);
    for (const m of out) {
      expect(m.localTimestamp).toBeGreaterThan(fetchedBy - 5000);
      expect(m.localTimestamp).toBeLessThanOrEqual(Date.now());
    }
  });
});
