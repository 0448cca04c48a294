import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { applyDiff, type TextBook } from '../../replay/level-diff.js';
import { ReplayPublisher } from '../../replay/publisher.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { writeKrakenRecords, writeKrakenSample } from './test-support/recordings.js';
import {
  KRAKEN_DEPTH_ENDPOINT,
  KRAKEN_TRADES_ENDPOINT,
  KrakenReplaySource,
  type KrakenBookEvent,
  type KrakenTradeEvent,
} from './replay-source.js';
import type { KrakenRestDepthBook, KrakenRestResponse, KrakenRestTradeRow } from './wire.js';

const START = Date.UTC(2026, 0, 5, 14);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-kraken-src-'));
  await writeKrakenSample({ root, symbols: ['BTC/USD', 'ETH/USD'], startMs: START, seconds: 40 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function collect(source: KrakenReplaySource): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of source.pass(0, 0)) out.push(e);
  return out;
}

async function recorded<T>(
  dir: string,
  endpoint: string,
  symbol: string,
): Promise<{ ts: number; data: T }[]> {
  const out: { ts: number; data: T }[] = [];
  for await (const { record } of readRecords<T>(await listRecordingFiles(dir, 'kraken', endpoint, symbol))) {
    out.push({ ts: record.ts, data: record.data });
  }
  return out;
}

const RESULT_KEY: Record<string, string> = { 'BTC/USD': 'XXBTZUSD', 'ETH/USD': 'XETHZUSD' };

/** A recorded Depth body as the book the hub holds: `[price, volume]`, zero volumes left out. */
function bookOf(body: KrakenRestResponse<Record<string, KrakenRestDepthBook>>, key: string): TextBook {
  const side = (levels: KrakenRestDepthBook['asks']): [string, string][] =>
    levels.filter((l) => +l[1] !== 0).map((l) => [l[0], l[1]]);
  const book = body.result![key];
  return { bids: side(book.bids), asks: side(book.asks) };
}

describe('KrakenReplaySource', () => {
  it('plays every polled trade once, in id order, with its own price, volume, side and µs time', async () => {
    const source = await KrakenReplaySource.open(root, silentLogger());
    expect(source.symbols).toEqual(['BTC/USD', 'ETH/USD']);
    const events = await collect(source);
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
    for (const symbol of source.symbols) {
      const polls = await recorded<{ result: Record<string, KrakenRestTradeRow[]> }>(
        root,
        KRAKEN_TRADES_ENDPOINT,
        symbol,
      );
      const all = new Map<number, KrakenRestTradeRow>();
      let rows = 0;
      for (const p of polls) {
        for (const row of p.data.result[RESULT_KEY[symbol]]) {
          all.set(row[6], row);
          rows++;
        }
      }
      expect(rows).toBeGreaterThan(all.size); // the polls do overlap
      const played = events.filter((e) => e.symbol === symbol && e.kind === 'trade');
      const trades = played.map((e) => e.data as KrakenTradeEvent);
      expect(trades.map((t) => t.tradeId)).toEqual([...all.keys()].sort((a, b) => a - b));
      for (const [i, t] of trades.entries()) {
        const row = all.get(t.tradeId) as KrakenRestTradeRow;
        expect([t.price, t.qty, t.side, t.ordType]).toEqual([
          row[0],
          row[1],
          row[3] === 'b' ? 'buy' : 'sell',
          row[4] === 'm' ? 'market' : 'limit',
        ]);
        expect(Math.round(t.timestamp * 1000)).toBe(Math.round(row[2] * 1e6));
        expect(played[i].ts).toBe(Math.floor(t.timestamp));
      }
      expect(source.stats().duplicates).toBeGreaterThan(0);
    }
  });

  it('turns the Depth books into one snapshot and diffs that rebuild every recorded book', async () => {
    const events = await collect(await KrakenReplaySource.open(root, silentLogger()));
    for (const symbol of ['BTC/USD', 'ETH/USD']) {
      const books = await recorded<KrakenRestResponse<Record<string, KrakenRestDepthBook>>>(
        root,
        KRAKEN_DEPTH_ENDPOINT,
        symbol,
      );
      const mine = events.filter((e) => e.symbol === symbol && e.kind !== 'trade');
      expect(mine.map((e) => e.kind)).toEqual(['book_snapshot', ...books.slice(1).map(() => 'book_update')]);
      let book: TextBook = mine[0].data as KrakenBookEvent;
      expect(book).toEqual(bookOf(books[0].data, RESULT_KEY[symbol]));
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i].ts).toBe(books[i].ts);
        book = applyDiff(book, mine[i].data as KrakenBookEvent);
        expect(book).toEqual(bookOf(books[i].data, RESULT_KEY[symbol]));
      }
    }
  });

  it('drops a level whose volume prints as zero instead of sending it, or its removal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-kraken-zero-'));
    try {
      const depth = (asks: [string, string, number][]): unknown => ({
        error: [],
        result: { XXBTZUSD: { asks, bids: [['94000.00000', '1.000', 1]] } },
      });
      await writeKrakenRecords(dir, KRAKEN_DEPTH_ENDPOINT, 'BTC/USD', [
        {
          ts: START,
          data: depth([
            ['94001.00000', '0.000', 1],
            ['94002.00000', '2.000', 1],
          ]),
        },
        { ts: START + 1000, data: depth([['94002.00000', '2.000', 1]]) },
        {
          ts: START + 2000,
          data: depth([
            ['94001.00000', '0.500', 2],
            ['94002.00000', '0.000', 2],
          ]),
        },
      ]);
      const source = await KrakenReplaySource.open(dir, silentLogger());
      const events = await collect(source);
      expect(events.map((e) => [e.kind, e.data])).toEqual([
        ['book_snapshot', { bids: [['94000.00000', '1.000']], asks: [['94002.00000', '2.000']] }],
        ['book_update', { bids: [], asks: [] }],
        [
          'book_update',
          {
            bids: [],
            asks: [
              ['94001.00000', '0.500'],
              ['94002.00000', '0.000'],
            ],
          },
        ],
      ]);
      expect(source.stats().zeroLevels).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips, counts and survives bodies that are Kraken errors or not Kraken shapes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-kraken-bad-'));
    try {
      const row = (id: number, s: number): KrakenRestTradeRow => [
        '94000.10000',
        '0.01000000',
        s,
        'b',
        'l',
        '',
        id,
      ];
      await writeKrakenRecords(dir, KRAKEN_TRADES_ENDPOINT, 'BTC/USD', [
        { ts: START, data: { error: ['EGeneral:Too many requests'] } },
        { ts: START + 1, data: { error: [], result: { XXBTZUSD: [['x']], last: '1' } } },
        { ts: START + 2, data: { error: [], result: { XXBTZUSD: [row(7, START / 1000)], last: '1' } } },
      ]);
      const source = await KrakenReplaySource.open(dir, silentLogger());
      const events = await collect(source);
      expect(events.map((e) => (e.data as KrakenTradeEvent).tradeId)).toEqual([7]);
      expect(source.stats().badLines).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts at the first capture and loops with times and ids always rising', async () => {
    const source = await KrakenReplaySource.open(root, silentLogger());
    const firsts = await Promise.all(
      ['BTC/USD', 'ETH/USD'].flatMap((symbol) =>
        [KRAKEN_TRADES_ENDPOINT, KRAKEN_DEPTH_ENDPOINT].map(async (endpoint) => {
          const [first] = await recorded(root, endpoint, symbol);
          return first.ts;
        }),
      ),
    );
    expect(await source.recordingStart()).toBe(Math.min(...firsts));
    const onePass = (await collect(await KrakenReplaySource.open(root, silentLogger()))).length;
    const events: ReplayEvent[] = [];
    const abort = new AbortController();
    const publisher = new ReplayPublisher({ source, speed: 'max', loop: true, logger: silentLogger() });
    await publisher.run(
      {
        push(e) {
          if (events.length === onePass * 3) abort.abort();
          else events.push(e);
        },
      },
      abort.signal,
    );
    expect(events.length).toBe(onePass * 3);
    for (const symbol of source.symbols) {
      const mine = events.filter((e) => e.symbol === symbol);
      expect(mine.filter((e) => e.kind === 'book_snapshot').length).toBe(1);
      const trades = mine.filter((e) => e.kind === 'trade').map((e) => e.data as KrakenTradeEvent);
      for (let i = 1; i < trades.length; i++) {
        expect(trades[i].tradeId).toBe(trades[i - 1].tradeId + 1);
        expect(trades[i].timestamp).toBeGreaterThanOrEqual(trades[i - 1].timestamp);
      }
      for (let i = 1; i < mine.length; i++) expect(mine[i].ts).toBeGreaterThanOrEqual(mine[i - 1].ts);
    }
    const passStart = (k: number): number => events[k * onePass].ts;
    const passEnd = (k: number): number =>
      Math.max(...events.slice(k * onePass, (k + 1) * onePass).map((e) => e.ts));
    expect(passStart(1)).toBe(passEnd(0) + 1000);
    expect(passStart(2)).toBe(passEnd(1) + 1000);
  });
});
