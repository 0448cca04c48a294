/**
 * The v2 book as a client sees it: recorded Depth books → KrakenReplaySource → a real hub → one
 * v2 client per depth. Every book frame is checked against a CRC32 computed here from the levels
 * as they appear in the frame text, and the book each client rebuilds (apply, then truncate to
 * its depth) must equal the recorded book truncated to that depth after every recorded step.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { KrakenTestClient, startKrakenHub } from './test-support/hub.js';
import { writeKrakenRecords, writeKrakenSample } from './test-support/recordings.js';
import { krakenTextChecksum, type TextLevel } from './checksum.js';
import { KRAKEN_DEPTH_ENDPOINT, KrakenReplaySource } from './replay-source.js';
import { KRAKEN_PAIRS } from './symbols.js';
import { toFixedText } from './wire-format.js';
import { KRAKEN_BOOK_DEPTHS, type KrakenBookDepth, type KrakenRestDepthBook } from './wire.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const PAIR = KRAKEN_PAIRS.get('BTC/USD');

type WireSides = { bids: TextLevel[]; asks: TextLevel[] };

/** A client's book: price text → qty text, as they stand in the frames. */
class ClientBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();

  constructor(readonly depth: KrakenBookDepth) {}

  /**
   * Apply one frame and check its checksum. With `step` (the recorded book after the event, whole
   * and truncated to this depth), an update must hold only changes inside the window: levels
   * now in it, and removals of levels that were in it and left the book itself.
   */
  apply(text: string, step?: { full: WireSides; window: WireSides }): void {
    const frame = JSON.parse(text) as { channel: string; type: string; data: [{ checksum: number }] };
    expect(frame.channel).toBe('book');
    if (frame.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [side, levels] of levelTexts(text)) {
      const book = side === 'bids' ? this.bids : this.asks;
      for (const [price, qty] of levels) {
        if (step !== undefined && frame.type === 'update') {
          if (+qty === 0) {
            expect(book.has(price)).toBe(true);
            expect(step.full[side].some((l) => l[0] === price)).toBe(false);
          } else {
            expect(step.window[side]).toContainEqual([price, qty]);
          }
        }
        if (+qty === 0) book.delete(price);
        else book.set(price, qty);
      }
    }
    this.truncate();
    const top = this.top(10);
    expect(frame.data[0].checksum).toBe(krakenTextChecksum(top.asks, top.bids));
  }

  top(n: number): { bids: TextLevel[]; asks: TextLevel[] } {
    const sorted = (m: Map<string, string>, desc: boolean): TextLevel[] =>
      [...m].sort((a, b) => (desc ? +b[0] - +a[0] : +a[0] - +b[0])).slice(0, n);
    return { bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }

  private truncate(): void {
    const top = this.top(this.depth);
    this.bids = new Map(top.bids);
    this.asks = new Map(top.asks);
  }
}

/**
 * The `[price, qty]` texts of a book frame's sides, read from the frame text itself (JSON.parse
 * would turn `0.10000000` into 0.1); each must carry exactly the pair's decimals.
 */
function levelTexts(text: string): Array<['bids' | 'asks', TextLevel[]]> {
  const out: Array<['bids' | 'asks', TextLevel[]]> = [];
  for (const side of ['bids', 'asks'] as const) {
    const body = new RegExp(`"${side}":\\[([^\\]]*)\\]`).exec(text)?.[1] ?? '';
    const levels: TextLevel[] = [];
    for (const m of body.matchAll(/\{"price":([0-9.]+),"qty":([0-9.]+)\}/g)) {
      expect(m[1]).toMatch(new RegExp(`^\\d+\\.\\d{${PAIR.priceDecimals}}$`));
      expect(m[2]).toMatch(new RegExp(`^\\d+\\.\\d{${PAIR.qtyDecimals}}$`));
      levels.push([m[1], m[2]]);
    }
    out.push([side, levels]);
  }
  return out;
}

/** A recorded Depth book as v2 text, zero volumes dropped, truncated to `depth`. */
function expected(book: KrakenRestDepthBook, depth: number): WireSides {
  const side = (levels: KrakenRestDepthBook['bids']): TextLevel[] =>
    levels
      .filter((l) => +l[1] !== 0)
      .slice(0, depth)
      .map((l) => [
        toFixedText(l[0], PAIR.priceDecimals, 'price'),
        toFixedText(l[1], PAIR.qtyDecimals, 'qty'),
      ]);
  return { bids: side(book.bids), asks: side(book.asks) };
}

/**
 * Replays `books` (Depth bodies, one a second) through the hub with a client per depth, each
 * joining before the step given for it, and checks every frame and every step.
 */
async function replayAndCheck(books: KrakenRestDepthBook[], joinAt: readonly number[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-kraken-book-'));
  const h = await startKrakenHub({ symbols: ['BTC/USD'] });
  const clients: Array<{ depth: KrakenBookDepth; client: KrakenTestClient; book: ClientBook }> = [];
  try {
    await writeKrakenRecords(
      dir,
      KRAKEN_DEPTH_ENDPOINT,
      'BTC/USD',
      books.map((book, i) => ({ ts: T0 + i * 1000, data: { error: [], result: { XXBTZUSD: book } } })),
    );
    const source = await KrakenReplaySource.open(dir, silentLogger());
    let step = 0;
    for await (const event of source.pass(0, 0)) {
      for (const [k, depth] of KRAKEN_BOOK_DEPTHS.entries()) {
        if (joinAt[k] !== step) continue;
        const client = await KrakenTestClient.connect(h.wsUrl);
        await client.next();
        client.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth } });
        expect(await client.next()).toMatchObject({ success: true, result: { depth } });
        const entry = { depth, client, book: new ClientBook(depth) };
        for (const frame of await client.barrier()) entry.book.apply(frame);
        clients.push(entry);
      }
      h.push(event);
      const full = expected(books[step], Infinity);
      for (const { client, book, depth } of clients) {
        const window = expected(books[step], depth);
        for (const frame of await client.barrier()) book.apply(frame, { full, window });
        expect(book.top(depth)).toEqual(window);
      }
      step++;
    }
  } finally {
    for (const { client } of clients) client.close();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Books on a grid around 94000.0 (never crossed), volumes with Depth's 3 decimals, zeros included. */
const bookArb: fc.Arbitrary<KrakenRestDepthBook> = fc
  .record({
    bids: fc.dictionary(fc.integer({ min: 1, max: 80 }).map(String), fc.integer({ min: 0, max: 4000 }), {
      maxKeys: 60,
    }),
    asks: fc.dictionary(fc.integer({ min: 1, max: 80 }).map(String), fc.integer({ min: 0, max: 4000 }), {
      maxKeys: 60,
    }),
  })
  .map(({ bids, asks }) => {
    const side = (levels: Record<string, number>, sign: number): KrakenRestDepthBook['bids'] =>
      Object.entries(levels)
        .map(([ticks, qty]) => [940_000 + sign * +ticks, qty] as const)
        .sort((a, b) => sign * (a[0] - b[0]))
        .map(([ticks, qty]) => [(ticks / 10).toFixed(5), (qty / 1000).toFixed(3), 1]);
    return { bids: side(bids, -1), asks: side(asks, 1) };
  });

/** Each book drifts from the previous one: some levels change, some go, some come. */
const runArb = fc.array(bookArb, { minLength: 2, maxLength: 8 }).chain((books) =>
  fc.tuple(
    fc.constant(books),
    fc.array(fc.integer({ min: 0, max: books.length - 1 }), {
      minLength: KRAKEN_BOOK_DEPTHS.length,
      maxLength: KRAKEN_BOOK_DEPTHS.length,
    }),
  ),
);

describe('Kraken v2 hub: book', () => {
  it('every frame passes its checksum, and the rebuilt book equals the recorded one at every depth', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ([books, joinAt]) => replayAndCheck(books, joinAt)),
      { numRuns: 25, interruptAfterTimeLimit: 20_000 },
    );
  });

  it('holds over simulated Depth recordings, with levels moving in and out of every window', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-kraken-sim-'));
    try {
      await writeKrakenSample({ root: dir, symbols: ['BTC/USD'], startMs: T0, seconds: 20, depthCount: 500 });
      const books: KrakenRestDepthBook[] = [];
      const { readRecords } = await import('../../storage/reader.js');
      const { listRecordingFiles } = await import('../../storage/layout.js');
      const files = await listRecordingFiles(dir, 'kraken', KRAKEN_DEPTH_ENDPOINT, 'BTC/USD');
      for await (const { record } of readRecords<{ result: { XXBTZUSD: KrakenRestDepthBook } }>(files)) {
        books.push(record.data.result.XXBTZUSD);
      }
      expect(books.length).toBe(21);
      await replayAndCheck(books, [0, 0, 3, 0, 5]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
