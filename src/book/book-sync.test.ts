/**
 * The generic book sync under test rules: a resubscribe rule with seq/prev ids and a CRC32 over
 * the levels' exact wire text (the OKX shape, test-support/toy-book.ts), a truncating rule with a checksum over
 * the numeric book (the Kraken shape), and a REST rule (the Binance shape) against a real
 * loopback HTTP server, 20 symbols resyncing through one shared pacer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookChange, BookSnapshot, Level, NormalizedMessage, Status } from '../core/types.js';
import { DecodeError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { until } from '../test-support/until.js';
import {
  RefBook,
  ToyStream,
  numericLevels,
  toyChange,
  toySeqRule,
  type TextSide,
} from '../test-support/toy-book.js';
import type { BookEvent, BookRule } from './book-rule.js';
import { BookSync, type BookSyncOptions } from './book-sync.js';
import type { NumericOrderBook } from './order-book.js';
import { ResyncPacer } from './resync-pacer.js';

const SYMBOL = 'AAA/USD';
const E0 = Date.UTC(2021, 4, 1);
const seqRule = toySeqRule;
const change = (seq: number, bids: TextSide, asks: TextSide, isSnapshot: boolean) =>
  toyChange(SYMBOL, seq, bids, asks, isSnapshot);
const numbers = numericLevels;

const syncs: Array<BookSync<BookEvent>> = [];
afterEach(() => {
  for (const s of syncs.splice(0)) s.close();
});

function newSync<E extends BookEvent>(
  rule: BookRule<E>,
  out: NormalizedMessage[],
  extra: Partial<BookSyncOptions<E>> = {},
): BookSync<E> {
  const sync = new BookSync<E>({
    exchange: 'okx',
    symbol: SYMBOL,
    rule,
    emit: (m) => out.push(m),
    logger: silentLogger(),
    backoff: { random: () => 0 },
    ...extra,
  });
  syncs.push(sync as unknown as BookSync<BookEvent>);
  return sync;
}

const statuses = (out: NormalizedMessage[]) => out.filter((m): m is Status => m.type === 'status');
const tops = (out: NormalizedMessage[]) => out.filter((m): m is BookSnapshot => m.type === 'book_snapshot');

describe('BookSync with a resubscribe rule (snapshot on the stream, seq/prev ids, checksum over wire text)', () => {
  it('applies the snapshot and every continuing update, checking each checksum over the exact strings', () => {
    const out: NormalizedMessage[] = [];
    const resubscribes: number[] = [];
    const sync = newSync(seqRule, out, { resubscribe: () => resubscribes.push(1), depth: 2 });
    const s = new ToyStream(SYMBOL);
    sync.push(
      s.snapshot(
        10,
        [
          ['100.50', '1.0'],
          ['100.00', '2'],
        ],
        [
          ['101.00', '1.50'],
          ['102', '3'],
        ],
      ),
    );
    sync.push(s.update(11, 10, [['100.50', '0']], [['100.75', '0.10']]));
    sync.push(s.update(11, 11)); // no change: the seq repeats
    sync.push(s.update(12, 11, [['100.25', '4.00']]));
    sync.push(s.update(11, 10, [['99', '9']])); // a late repeat: already covered

    expect(sync.stats).toMatchObject({
      snapshots: 1,
      applied: 3,
      skipped: 1,
      checksums: 4,
      checksumMismatches: 0,
    });
    expect(sync.state).toBe('synced');
    expect(sync.updateId).toBe(12);
    expect(resubscribes).toEqual([]);
    // Trailing zeros ("1.50", "4.00") are hashed as sent: the wire text is kept beside the numbers.
    expect(sync.book.bids.top()).toEqual([
      [100.25, 4],
      [100, 2],
    ]);
    expect(tops(out).at(-1)).toMatchObject({
      exchange: 'okx',
      depth: 2,
      sequence: 12,
      bids: [
        [100.25, 4],
        [100, 2],
      ],
      asks: [
        [100.75, 0.1],
        [101, 1.5],
      ],
    });
    expect(out.filter((m) => m.type === 'book_change').map((m) => (m as BookChange).sequence)).toEqual([
      10, 11, 11, 12,
    ]);
    expect(out.filter((m) => m.type === 'quote')).toHaveLength(3);
  });

  it('a gap resubscribes after the backoff; updates are dropped until the new snapshot, which syncs again', async () => {
    const out: NormalizedMessage[] = [];
    let resubscribes = 0;
    const sync = newSync(seqRule, out, { resubscribe: () => resubscribes++ });
    const s = new ToyStream(SYMBOL);
    sync.push(s.snapshot(10, [['100', '1']], [['101', '1']]));
    sync.push(s.update(11, 10, [['100', '2']]));
    sync.push(s.update(13, 12, [['100', '3']])); // 12 lost
    expect(sync.state).toBe('resubscribing');
    expect(statuses(out)).toEqual([
      expect.objectContaining({
        state: 'resyncing',
        exchange: 'okx',
        symbol: SYMBOL,
        timestamp: E0 + 13,
        reason: 'sequence gap: expected prev=11, got prev=12',
      }),
    ]);
    // One clean update since the snapshot: the resync waits out the backoff (0 ms here) first.
    expect(resubscribes).toBe(0);
    await until(() => resubscribes === 1, 1000, 'resubscribe');
    sync.push(s.update(14, 13, [['100', '4']]));
    expect(sync.stats).toMatchObject({ gaps: 1, resyncs: 1, pacedResyncs: 1, dropped: 1, applied: 1 });
    expect(out.some((m) => m.type === 'book_change' && m.sequence >= 13)).toBe(false);

    sync.push(s.snapshot(30, [['99', '5']], [['101', '2']]));
    sync.push(s.update(31, 30, [], [['100.5', '1']]));
    expect(sync.state).toBe('synced');
    expect(sync.stats).toMatchObject({ snapshots: 2, applied: 2, checksumMismatches: 0 });
    expect(sync.book.asks.top()).toEqual([
      [100.5, 1],
      [101, 2],
    ]);
    await new Promise((r) => setTimeout(r, 30));
    expect(resubscribes).toBe(1); // the snapshot ended the resync: no retry pending
  });

  it('a checksum mismatch is never published and resubscribes; so does a snapshot with a bad checksum', async () => {
    const out: NormalizedMessage[] = [];
    let resubscribes = 0;
    const sync = newSync(seqRule, out, { resubscribe: () => resubscribes++ });
    const s = new ToyStream(SYMBOL);
    sync.push(s.snapshot(10, [['100', '1']], [['101', '1']]));
    sync.push(s.update(11, 10, [['100.1', '1']]));
    const bad = s.update(12, 11, [['100.2', '1']], [], true);
    sync.push(bad);
    expect(sync.state).toBe('resubscribing');
    expect(sync.stats).toMatchObject({
      checksums: 3,
      checksumMismatches: 1,
      resyncs: 1,
      gaps: 0,
      applied: 1,
    });
    expect(out.some((m) => m.type === 'book_change' && m.sequence === 12)).toBe(false);
    expect(tops(out).at(-1)?.sequence).toBe(11);
    expect(statuses(out).map((m) => m.reason)).toEqual([
      `checksum mismatch: update seq=12 prev=11 says ${bad.checksum}, local book ${bad.checksum! ^ 1}`,
    ]);
    await until(() => resubscribes === 1, 1000, 'resubscribe');

    sync.push(s.snapshot(20, [['100', '1']], [['101', '1']]));
    expect(sync.state).toBe('synced');
    const badSnapshot = s.snapshot(40, [['100', '2']], [['101', '2']]);
    sync.push({ ...badSnapshot, checksum: 7 });
    expect(sync.state).toBe('resubscribing');
    expect(sync.stats).toMatchObject({ checksumMismatches: 2, resyncs: 2 });
    await until(() => resubscribes === 2, 1000, 'second resubscribe');
  });

  it('retries the resubscription when its snapshot does not come in time', async () => {
    let resubscribes = 0;
    const sync = newSync(seqRule, [], { resubscribe: () => resubscribes++, snapshotTimeoutMs: 80 });
    const s = new ToyStream(SYMBOL);
    sync.push(s.snapshot(10, [['100', '1']], [['101', '1']]));
    sync.push(s.update(12, 11));
    await until(() => resubscribes === 1, 1000, 'resubscribe');
    await until(() => resubscribes === 2, 1000, 'retry after the snapshot timeout');
    expect(sync.stats.snapshotErrors).toBe(1);
    sync.push(s.snapshot(20, [['100', '1']], [['101', '1']]));
    await new Promise((r) => setTimeout(r, 150));
    expect(resubscribes).toBe(2);
    expect(sync.stats.snapshotErrors).toBe(1);
  });

  it('an update with no snapshot ever seen resubscribes; a crossed snapshot is refused and resubscribed', async () => {
    const out: NormalizedMessage[] = [];
    let resubscribes = 0;
    const sync = newSync(seqRule, out, { resubscribe: () => resubscribes++ });
    const s = new ToyStream(SYMBOL);
    sync.push(s.update(5, 4, [['100', '1']]));
    expect(sync.state).toBe('resubscribing');
    expect(statuses(out)[0].reason).toBe('no snapshot: update before any snapshot (update seq=5 prev=4)');
    await until(() => resubscribes === 1, 1000, 'resubscribe');
    sync.push(s.update(6, 5)); // still waiting: dropped, no second request
    expect(sync.stats).toMatchObject({ dropped: 2, resyncs: 1 });

    sync.push(s.snapshot(10, [['101', '1']], [['100', '1']])); // bid 101 >= ask 100
    expect(sync.stats).toMatchObject({ crossed: 1, resyncs: 2, snapshots: 0 });
    expect(sync.crossed).toBe(true);
    expect(out.filter((m) => m.type !== 'status')).toEqual([]);
    expect(statuses(out)[1].reason).toBe(
      'crossed book: best bid 101 >= best ask 100 (update seq=10 prev=-1)',
    );
    await until(() => resubscribes === 2, 1000, 'resubscribe after the crossed snapshot');
    sync.push(s.snapshot(11, [['99', '1']], [['100', '1']]));
    expect(sync.crossed).toBe(false);
    expect(sync.state).toBe('synced');
  });

  it('close() cancels a pending resync: no resubscribe after it', async () => {
    let resubscribes = 0;
    const sync = newSync(seqRule, [], {
      resubscribe: () => resubscribes++,
      backoff: { baseMs: 100, random: () => 0.99 },
    });
    const s = new ToyStream(SYMBOL);
    sync.push(s.snapshot(10, [['100', '1']], [['101', '1']]));
    sync.push(s.update(12, 11)); // resync waits ~99 ms of backoff
    sync.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(resubscribes).toBe(0);
    sync.push(s.snapshot(20, [['100', '1']], [['101', '1']]));
    expect(sync.state).toBe('idle');
  });

  it('refuses a resubscribe rule without a way to resubscribe', () => {
    expect(() => newSync(seqRule, [])).toThrow(/needs the resubscribe option/);
  });
});

interface PlainEvent extends BookEvent {
  readonly checksum: number;
}

/** The numeric-book checksum of the truncating rule: CRC32 of `price x amount` of the top 10, asks then bids. */
function numericChecksum(
  bids: readonly (readonly [number, number])[],
  asks: readonly (readonly [number, number])[],
): number {
  const text = [...asks.slice(0, 10), ...bids.slice(0, 10)].map(([p, q]) => `${p}x${q}`).join('|');
  return crc32(text);
}

/** Kraken-shaped: no sequence, every message checked, the book truncated to the subscribed depth (3). */
const truncatingRule: BookRule<PlainEvent> = {
  continues: () => 'apply',
  describe: (e) => `${e.change.isSnapshot ? 'snapshot' : 'update'} checksum=${e.checksum}`,
  resync: { kind: 'resubscribe' },
  truncateTo: 3,
  checksum: {
    expected: (e) => e.checksum,
    compute: (book: NumericOrderBook) => numericChecksum(book.bids.top(10), book.asks.top(10)),
  },
};

describe('BookSync with a truncating rule and a checksum over the numeric book', () => {
  it('forgets levels that fall below the depth (the venue sends no delete for them), so checksums keep matching', () => {
    const ref = new RefBook(3);
    const event = (bids: TextSide, asks: TextSide, isSnapshot = false): PlainEvent => {
      ref.apply(bids, asks);
      const top = ref.sorted();
      return {
        change: change(0, bids, asks, isSnapshot),
        checksum: numericChecksum(numbers(top.bids), numbers(top.asks)),
      };
    };
    const out: NormalizedMessage[] = [];
    const sync = newSync(truncatingRule, out, { resubscribe: () => undefined });
    sync.push(
      event(
        [
          ['100', '1'],
          ['99', '1'],
          ['98', '1'],
        ],
        [
          ['101', '1'],
          ['102', '1'],
          ['103', '1'],
        ],
        true,
      ),
    );
    sync.push(event([['100.5', '2']], [])); // 98 falls off
    sync.push(event([['100.5', '0']], [])); // 98 must not come back
    sync.push(
      event(
        [],
        [
          ['100.8', '1'],
          ['100.9', '1'],
        ],
      ),
    ); // 102 and 103 fall off
    sync.push(event([], [['100.8', '0']]));
    expect(sync.stats).toMatchObject({ snapshots: 1, applied: 4, checksums: 5, checksumMismatches: 0 });
    expect(sync.book.bids.top()).toEqual([
      [100, 1],
      [99, 1],
    ]);
    expect(sync.book.asks.top()).toEqual([
      [100.9, 1],
      [101, 1],
    ]);
  });

  it('takes a checksum the rule cannot compute (DecodeError) for a mismatch: not published, resubscribed', async () => {
    const out: NormalizedMessage[] = [];
    let resubscribes = 0;
    const picky: BookRule<PlainEvent> = {
      ...truncatingRule,
      checksum: {
        expected: (e) => e.checksum,
        compute: (book: NumericOrderBook) => {
          if (book.bids.bestPrice() === 100.25)
            throw new DecodeError('bid 0 price 100.25 has more than 1 decimals');
          return numericChecksum(book.bids.top(10), book.asks.top(10));
        },
      },
    };
    const sync = newSync(picky, out, { resubscribe: () => resubscribes++ });
    const snapshot = change(0, [['100', '1']], [['101', '1']], true);
    sync.push({ change: snapshot, checksum: numericChecksum([[100, 1]], [[101, 1]]) });
    expect(sync.state).toBe('synced');
    sync.push({ change: change(0, [['100.25', '1']], [], false), checksum: 42 });
    expect(sync.state).toBe('resubscribing');
    expect(sync.stats).toMatchObject({ checksums: 2, checksumMismatches: 1, resyncs: 1, applied: 0 });
    expect(tops(out)).toHaveLength(1);
    expect(statuses(out).map((m) => m.reason)).toEqual([
      'checksum mismatch: update checksum=42 says 42, local book not computable (bid 0 price 100.25 has more than 1 decimals)',
    ]);
    await until(() => resubscribes === 1, 1000, 'resubscribe');
  });
});

interface RestEvent extends BookEvent {
  readonly first: number;
}

/** A REST snapshot server: `/book/<symbol>` answers `{seq, bids, asks}` at that symbol's current seq, recording each request's time. */
async function startRestServer(
  seqOf: (symbol: string) => number,
): Promise<{ server: Server; url: string; times: number[] }> {
  const times: number[] = [];
  const server = createServer((req, res) => {
    times.push(Date.now());
    const symbol = decodeURIComponent((req.url ?? '').replace('/book/', ''));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ seq: seqOf(symbol), bids: [[100, 1]], asks: [[101, 1]] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, times };
}

function restRule(base: string): BookRule<RestEvent> {
  return {
    continues: (e, seq, bridging) => {
      const last = e.change.sequence;
      if (last <= seq) return 'skip';
      const ok = bridging ? e.first <= seq + 1 : e.first === seq + 1;
      return ok ? 'apply' : { gap: `expected ${seq + 1}, got ${e.first}` };
    },
    describe: (e) => `update ${e.first}-${e.change.sequence}`,
    resync: {
      kind: 'rest',
      url: (symbol) => `${base}/book/${encodeURIComponent(symbol)}`,
      decode: (body) => {
        const b = body as { seq: number; bids: Level[]; asks: Level[] };
        return { sequence: b.seq, bids: b.bids, asks: b.asks };
      },
      firstSequence: (e) => e.first,
      describe: (snap) => `snapshot seq=${snap.sequence}`,
    },
  };
}

describe('BookSync with a REST rule: one pacer for many symbols', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('20 symbols syncing and then gapping at once never exceed the configured snapshot rate', async () => {
    const seqs = new Map<string, number>();
    const rest = await startRestServer((symbol) => seqs.get(symbol) ?? 0);
    server = rest.server;
    const rate = { perSecond: 20, burst: 5 };
    const pacer = new ResyncPacer(rate);
    const rule = restRule(rest.url);
    const symbols = Array.from({ length: 20 }, (_, i) => `S${i}/USD`);
    // When each fetch is issued (the pacer's doing); the server sees it then or, under load, later.
    const issued: number[] = [];
    const pacedFetch: typeof fetch = (input, init) => {
      issued.push(Date.now());
      return fetch(input, init);
    };
    const books = symbols.map((symbol) => {
      const sync = new BookSync<RestEvent>({
        exchange: 'binance',
        symbol,
        rule,
        emit: () => undefined,
        logger: silentLogger(),
        fetch: pacedFetch,
        pacer,
        backoff: { random: () => 0 },
      });
      syncs.push(sync as unknown as BookSync<BookEvent>);
      return sync;
    });
    const event = (symbol: string, first: number, last: number): RestEvent => ({
      change: { ...change(last, [], [], false), symbol },
      first,
    });

    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      seqs.set(symbols[i], 1);
      books[i].push(event(symbols[i], 1, 1));
    }
    await until(() => books.every((b) => b.state === 'synced'), 5000, 'first sync');
    for (let i = 0; i < 20; i++) {
      seqs.set(symbols[i], 5);
      books[i].push(event(symbols[i], 5, 5)); // 2-4 lost: every book gaps at once
    }
    expect(books.every((b) => b.state === 'fetching')).toBe(true);
    await until(() => books.every((b) => b.state === 'synced'), 10_000, 'resync');

    expect(rest.times).toHaveLength(40);
    for (const b of books)
      expect(b.stats).toMatchObject({ gaps: 1, resyncs: 1, snapshots: 2, snapshotErrors: 0 });
    const times = issued;
    expect(times).toHaveLength(40);
    const worstSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(worstSecond).toBeLessThanOrEqual(rate.burst + rate.perSecond);
    const worstTenth = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 100).length));
    expect(worstTenth).toBeLessThanOrEqual(rate.burst + 0.1 * rate.perSecond);
    // 40 fetches, 5 of them free: at least 35 tokens at 20/s.
    expect(times[39] - t0).toBeGreaterThanOrEqual(1700);
    pacer.close();
  });
});
