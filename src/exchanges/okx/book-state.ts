/**
 * One instrument's order book as the OKX hub holds it: every level as the exact v5 text it was
 * recorded with (`[px, sz, "0", orderCount]`), keyed by its price, with the sequence id of the
 * `books` stream. From it come what a `books` subscriber sees (the top 400, and for each event
 * only the levels that changed inside that window: a level that left it as OKX deletes one,
 * `[px, "0", "0", "0"]`), the top levels of `books5` / `bbo-tbt`, the REST `market/books` levels
 * and the checksum of the top 25 (okxBookChecksum over the exact text, so what a client rebuilds
 * from the wire checks the same way). The `books` sequence is the timeline's (OkxMarket).
 */
import { OrderBook } from '../../book/order-book.js';
import type { BookSide } from '../../book/book-side.js';
import { CHECKSUM_LEVELS, okxBookChecksum } from './checksum.js';
import type { OkxBookEvent } from './events.js';
import type { OkxLevel } from './wire.js';

/** Levels a side of the `books` channel carries [doc: 400 depth levels]. */
export const OKX_BOOK_DEPTH = 400;

/** Both sides' top levels, best first. */
export interface OkxLevels {
  readonly bids: OkxLevel[];
  readonly asks: OkxLevel[];
}

/** A deleted level as OKX sends one [capture]. */
function deletion(px: string): OkxLevel {
  return [px, '0', '0', '0'];
}

function priceOf(level: OkxLevel, what: string): number {
  const price = Number(level[0]);
  if (level[0] === '' || !Number.isFinite(price) || price <= 0) {
    throw new RangeError(`OKX ${what} level ${JSON.stringify(level)}: price is not a positive decimal`);
  }
  return price;
}

function isDeletion(level: OkxLevel): boolean {
  return Number(level[1]) === 0;
}

export class OkxBookState {
  private readonly book = new OrderBook<OkxLevel>();
  private loaded = false;

  get hasBook(): boolean {
    return this.loaded;
  }

  /** Replace the whole book (a `book_snapshot` event); a bad level throws before any change. */
  replace(event: OkxBookEvent): void {
    const bids = checked(event.bids, 'bid');
    const asks = checked(event.asks, 'ask');
    this.book.clear();
    for (const [price, level] of bids) if (!isDeletion(level)) this.book.bids.set(price, level);
    for (const [price, level] of asks) if (!isDeletion(level)) this.book.asks.set(price, level);
    this.loaded = true;
  }

  /**
   * Apply a `book_update` event's changes (size "0" deletes). A bad level, or an update before
   * any snapshot, throws before any change.
   */
  apply(event: OkxBookEvent): void {
    if (!this.loaded)
      throw new RangeError('OKX book_update before any book_snapshot: nothing to apply it to');
    const bids = checked(event.bids, 'bid');
    const asks = checked(event.asks, 'ask');
    applySide(this.book.bids, bids);
    applySide(this.book.asks, asks);
  }

  /** The best `n` levels a side. */
  top(n: number): OkxLevels {
    return { bids: topOf(this.book.bids, n), asks: topOf(this.book.asks, n) };
  }

  /** okxBookChecksum of the top 25 a side. */
  checksum(): number {
    const top = this.top(CHECKSUM_LEVELS);
    return okxBookChecksum(top.bids, top.asks);
  }

  bestBid(): OkxLevel | undefined {
    return this.book.bids.best()?.[1];
  }

  bestAsk(): OkxLevel | undefined {
    return this.book.asks.best()?.[1];
  }
}

/**
 * What a `books` subscriber whose window was `before` and is now `after` must be sent: each level
 * that is new or whose text changed, and a deletion for each that left the window.
 */
export function windowChange(before: OkxLevels, after: OkxLevels): OkxLevels {
  return {
    bids: sideChange(before.bids, after.bids, true),
    asks: sideChange(before.asks, after.asks, false),
  };
}

/** True when two top-of-book views hold the same levels with the same text. */
export function sameLevels(a: readonly OkxLevel[], b: readonly OkxLevel[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameLevel(a[i], b[i])) return false;
  return true;
}

/** True when two sides have the same best level (or are both empty). */
export function sameBest(a: readonly OkxLevel[], b: readonly OkxLevel[]): boolean {
  if (a.length === 0 || b.length === 0) return a.length === b.length;
  return sameLevel(a[0], b[0]);
}

function sameLevel(a: OkxLevel, b: OkxLevel): boolean {
  return a === b || (a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]);
}

/** Merge walk over two sides sorted best first. */
function sideChange(
  before: readonly OkxLevel[],
  after: readonly OkxLevel[],
  descending: boolean,
): OkxLevel[] {
  const out: OkxLevel[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (j >= after.length) {
      out.push(deletion(before[i++][0]));
      continue;
    }
    if (i >= before.length) {
      out.push(after[j++]);
      continue;
    }
    const pb = Number(before[i][0]);
    const pa = Number(after[j][0]);
    if (pb === pa) {
      if (!sameLevel(before[i], after[j])) out.push(after[j]);
      i++;
      j++;
    } else if (descending ? pb > pa : pb < pa) {
      out.push(deletion(before[i++][0]));
    } else {
      out.push(after[j++]);
    }
  }
  return out;
}

function checked(levels: readonly OkxLevel[], what: string): Array<[number, OkxLevel]> {
  const out = new Array<[number, OkxLevel]>(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (!Array.isArray(level) || level.length !== 4 || level.some((f) => typeof f !== 'string')) {
      throw new RangeError(
        `OKX ${what} level ${JSON.stringify(level)}: expected [px, sz, "0", orders] as text`,
      );
    }
    out[i] = [priceOf(level, what), level];
  }
  return out;
}

function applySide(side: BookSide<OkxLevel>, levels: ReadonlyArray<[number, OkxLevel]>): void {
  for (const [price, level] of levels) {
    if (isDeletion(level)) side.delete(price);
    else side.set(price, level);
  }
}

function topOf(side: BookSide<OkxLevel>, n: number): OkxLevel[] {
  const count = Math.min(n, side.size);
  const out = new Array<OkxLevel>(count);
  for (let i = 0; i < count; i++) out[i] = side.get(side.priceAt(i) as number) as OkxLevel;
  return out;
}
