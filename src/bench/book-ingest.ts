/**
 * Book ingest cost: µs per OKX `books` update through the codec (JSON text → book event) and the
 * generic book sync (continuity, levels, the wire-text book, top-N snapshot and quote
 * publishing), with the checksum of the top 25 validated on every message and without.
 *
 * The stream is seeded and shaped as OKX's (fixtures/books.ws.txt): a 400-level BTC-USDT
 * snapshot, then updates of 1-4 levels each, mostly near the top (size changes, deletes as size
 * "0", inserts), with `seqId`/`prevSeqId` and the checksum OKX would send, computed while the
 * stream is built. A run that sees a gap or a mismatch throws: the figure is of a synced book.
 */
import type { WireLevel } from '../book/book-rule.js';
import { BookSync } from '../book/book-sync.js';
import { OrderBook } from '../book/order-book.js';
import { silentLogger } from '../core/logger.js';
import { OkxWireChecksum, okxBookRule, type OkxBookEvent } from '../exchanges/okx/book-rule.js';
import { decodeOkxFrame, type OkxDecoded } from '../exchanges/okx/codec.js';
import { Rng } from '../generate/random.js';
import { figure, type BenchFigure } from './report.js';

export interface BookIngestResult {
  /** Per update, checksum validated, best of the rounds. */
  readonly withChecksumUs: number;
  readonly withoutChecksumUs: number;
  readonly updates: number;
  /** Levels a side in the snapshot. */
  readonly levels: number;
}

export interface BookIngestOptions {
  readonly updates?: number;
  readonly rounds?: number;
  readonly seed?: string;
}

/** The snapshot frame, then the update frames, as OKX's text. */
export interface BookStream {
  readonly snapshot: string;
  readonly updates: readonly string[];
}

const LEVELS = 400;
/** Prices in units of the 0.1 tick; bids below MID, asks at or above: never crossed. */
const MID = 300_000;
const T0 = 1652459225000;

const priceText = (units: number): string => String(units / 10);
/** Sizes in units of 1e-6, at least 1e-4 (`String` never goes exponential there). */
const sizeText = (units: number): string => String(units / 1e6);

function frame(
  action: 'snapshot' | 'update',
  bids: WireLevel[],
  asks: WireLevel[],
  i: number,
  checksum: number,
): string {
  const seqId = 1000 + 3 * i;
  const prevSeqId = action === 'snapshot' ? -1 : seqId - 3;
  const data = { asks, bids, ts: String(T0 + 100 * i), checksum, prevSeqId, seqId };
  return JSON.stringify({ arg: { channel: 'books', instId: 'BTC-USDT' }, action, data: [data] });
}

/** A seeded OKX books stream: every checksum is the one OKX would send for the book after it. */
export function buildBookStream(updates: number, seed = 'okx-book-ingest'): BookStream {
  const rng = new Rng(seed);
  const checksum = new OkxWireChecksum();
  const book = new OrderBook<WireLevel>();
  const level = (units: number, size: number): WireLevel => [
    priceText(units),
    sizeText(size),
    '0',
    String(rng.int(1, 9)),
  ];
  const levelUnits = new Map<string, number>();
  const put = (bid: boolean, units: number, size: number, into: WireLevel[]): void => {
    const l = level(units, size);
    (bid ? book.bids : book.asks).set(units / 10, l);
    levelUnits.set(l[0], units);
    into.push(l);
  };
  const bids: WireLevel[] = [];
  const asks: WireLevel[] = [];
  for (let i = 0, b = MID - 1, a = MID; i < LEVELS; i++, b -= rng.int(1, 3), a += rng.int(1, 3)) {
    put(true, b, rng.int(100, 5_000_000), bids);
    put(false, a, rng.int(100, 5_000_000), asks);
  }
  const snapshot = frame('snapshot', bids, asks, 0, checksum.of(book));
  const out: string[] = [];
  for (let i = 1; i <= updates; i++) {
    const ub: WireLevel[] = [];
    const ua: WireLevel[] = [];
    for (let k = rng.int(1, 4); k > 0; k--) {
      const bid = rng.bernoulli(0.5);
      const side = bid ? book.bids : book.asks;
      const into = bid ? ub : ua;
      const rank = Math.min(side.size - 1, Math.floor(side.size * rng.float() ** 3));
      const price = side.priceAt(rank);
      if (price === undefined) continue;
      const existing = side.get(price) as WireLevel;
      if (into.some((l) => l[0] === existing[0])) continue; // one entry per level a message
      const units = levelUnits.get(existing[0]) as number;
      const action = rng.float();
      if (action < 0.6 || side.size < LEVELS - 20) {
        put(bid, units, rng.int(100, 5_000_000), into);
      } else if (action < 0.8) {
        side.delete(price);
        into.push([existing[0], '0', '0', '0']);
      } else {
        // A new level one tick inside an existing one, when that price is free and not crossing.
        const inside = bid ? units + 1 : units - 1;
        if ((bid ? inside < MID : inside >= MID) && !side.has(inside / 10)) {
          put(bid, inside, rng.int(100, 5_000_000), into);
        }
      }
    }
    book.bids.truncate(LEVELS);
    book.asks.truncate(LEVELS);
    out.push(frame('update', ub, ua, i, checksum.of(book)));
  }
  return { snapshot, updates: out };
}

function newSync(validateChecksum: boolean): BookSync<OkxBookEvent> {
  let published = 0;
  return new BookSync<OkxBookEvent>({
    exchange: 'okx',
    symbol: 'BTC/USDT',
    rule: okxBookRule({ validateChecksum }),
    // Counted so the published messages are built and consumed as a feed's would be.
    emit: () => void published++,
    logger: silentLogger(),
    resubscribe: () => undefined,
  });
}

/** One pass: the snapshot (untimed), then every update timed; returns µs per update. */
export function ingestPass(stream: BookStream, validateChecksum: boolean): number {
  const sync = newSync(validateChecksum);
  const out: OkxDecoded[] = [];
  const push = (text: string, ts: number): void => {
    out.length = 0;
    decodeOkxFrame(text, ts, out);
    for (let i = 0; i < out.length; i++) {
      const d = out[i];
      if (d.type === 'book') sync.push(d.event);
    }
  };
  try {
    push(stream.snapshot, T0);
    const updates = stream.updates;
    const start = performance.now();
    for (let i = 0; i < updates.length; i++) push(updates[i], T0 + i);
    const elapsedMs = performance.now() - start;
    const s = sync.stats;
    if (s.gaps !== 0 || s.checksumMismatches !== 0 || s.applied !== updates.length) {
      throw new Error(
        `book ingest bench: the stream did not stay synced (applied ${s.applied}/${updates.length}, ` +
          `gaps ${s.gaps}, checksum mismatches ${s.checksumMismatches})`,
      );
    }
    return (elapsedMs * 1000) / updates.length;
  } finally {
    sync.close();
  }
}

export async function benchBookIngest(opts: BookIngestOptions = {}): Promise<BookIngestResult> {
  const updates = opts.updates ?? 20_000;
  const rounds = opts.rounds ?? 5;
  const stream = buildBookStream(updates, opts.seed);
  ingestPass(stream, true); // warm-up of both paths
  ingestPass(stream, false);
  let withChecksumUs = Infinity;
  let withoutChecksumUs = Infinity;
  for (let r = 0; r < rounds; r++) {
    withChecksumUs = Math.min(withChecksumUs, ingestPass(stream, true));
    withoutChecksumUs = Math.min(withoutChecksumUs, ingestPass(stream, false));
    await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between rounds
  }
  return { withChecksumUs, withoutChecksumUs, updates, levels: LEVELS };
}

/** The report line: with the checksum, against the same path without it as the baseline. */
export function bookIngestFigure(result: BookIngestResult): BenchFigure {
  return figure(
    'OKX book ingest per update (codec + book sync, checksum of top 25 on every message)',
    'µs',
    result.withChecksumUs,
    result.withoutChecksumUs,
    { updates: result.updates, levels: result.levels, baseline: 'same path, checksum not validated' },
    'lower',
  );
}
