import { BookSyncError } from '../../core/errors.js';
import type { BinanceDepthUpdateEvent, BinanceLevel, BinanceRestDepth } from './wire.js';

/** The level changes between two books: absolute quantities, zero = the level is gone. */
export interface DepthDiff {
  /** Best (highest) first. */
  bids: BinanceLevel[];
  /** Best (lowest) first. */
  asks: BinanceLevel[];
}

export interface DepthDifferStats {
  /** Snapshots accepted: the base plus every one that produced an update. */
  snapshots: number;
  /** Snapshots skipped because their lastUpdateId was not above the previous one. */
  stale: number;
  /** depthUpdate events emitted. */
  updates: number;
  /** Of those, events with no level change (the id still advanced). */
  unchanged: number;
  /** Levels carried by all emitted events. */
  levels: number;
}

const zeroCache: string[] = [];

/** Zero written with as many decimals as `qty` has: `"12.50000000"` → `"0.00000000"`. */
export function zeroLike(qty: string): string {
  const dot = qty.indexOf('.');
  const decimals = dot < 0 ? 0 : qty.length - dot - 1;
  let zero = zeroCache[decimals];
  if (zero === undefined) {
    zero = decimals === 0 ? '0' : '0.' + '0'.repeat(decimals);
    zeroCache[decimals] = zero;
  }
  return zero;
}

/** True when `a` sorts before `b` on a side (bids: higher first; asks: lower first). */
function before(a: number, b: number, descending: boolean): boolean {
  return descending ? a > b : a < b;
}

function isSorted(levels: readonly BinanceLevel[], descending: boolean): boolean {
  for (let i = 1; i < levels.length; i++) {
    if (before(+levels[i][0], +levels[i - 1][0], descending)) return false;
  }
  return true;
}

/** `levels` best first: the array itself when already in order, otherwise a sorted copy. */
export function sortedLevels(levels: readonly BinanceLevel[], descending: boolean): readonly BinanceLevel[] {
  if (isSorted(levels, descending)) return levels;
  const copy = levels.slice();
  copy.sort(descending ? (x, y) => +y[0] - +x[0] : (x, y) => +x[0] - +y[0]);
  return copy;
}

/** Merge-walk two sorted sides and push every changed, new or vanished level into `out`. */
function diffSide(
  prev: readonly BinanceLevel[],
  next: readonly BinanceLevel[],
  descending: boolean,
  out: BinanceLevel[],
): void {
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    if (j >= next.length) {
      const gone = prev[i++];
      out.push([gone[0], zeroLike(gone[1])]);
      continue;
    }
    if (i >= prev.length) {
      out.push(next[j++]);
      continue;
    }
    const p = prev[i];
    const n = next[j];
    if (p[0] === n[0]) {
      // Same spelling, same level (the common case): no number parsing needed.
      if (p[1] !== n[1]) out.push(n);
      i++;
      j++;
      continue;
    }
    const pp = +p[0];
    const np = +n[0];
    if (pp === np) {
      // Same level: emit when the quantity changed (or the price is spelled differently).
      if (p[1] !== n[1] || p[0] !== n[0]) out.push(n);
      i++;
      j++;
    } else if (before(pp, np, descending)) {
      out.push([p[0], zeroLike(p[1])]);
      i++;
    } else {
      out.push(n);
      j++;
    }
  }
}

/**
 * The diff that turns book `prev` into book `next`: every level whose quantity changed or that
 * appeared (with its absolute quantity, exact strings from `next`) and every level that
 * disappeared (quantity zero with the decimals of its old quantity). Prices compare as numbers.
 */
export function diffDepth(prev: BinanceRestDepth, next: BinanceRestDepth): DepthDiff {
  const bids: BinanceLevel[] = [];
  const asks: BinanceLevel[] = [];
  diffSide(sortedLevels(prev.bids, true), sortedLevels(next.bids, true), true, bids);
  diffSide(sortedLevels(prev.asks, false), sortedLevels(next.asks, false), false, asks);
  return { bids, asks };
}

function applySide(
  book: readonly BinanceLevel[],
  update: readonly BinanceLevel[],
  descending: boolean,
): BinanceLevel[] {
  const levels = sortedLevels(book, descending);
  const changes = sortedLevels(update, descending);
  const out: BinanceLevel[] = [];
  let i = 0;
  let j = 0;
  while (i < levels.length || j < changes.length) {
    if (j < changes.length) {
      const change = changes[j];
      const cp = +change[0];
      // The same price twice in one event: the later one wins.
      if (j + 1 < changes.length && +changes[j + 1][0] === cp) {
        j++;
        continue;
      }
      if (i >= levels.length || !before(+levels[i][0], cp, descending)) {
        if (i < levels.length && +levels[i][0] === cp) i++;
        if (+change[1] !== 0) out.push(change);
        j++;
        continue;
      }
    }
    out.push(levels[i++]);
  }
  return out;
}

/**
 * Apply one diff event to a REST book following Binance's sync rule and return the new book
 * (the input is not modified; unchanged levels are shared). An event with `u <= lastUpdateId`
 * is stale and returns `book` itself; one with `U > lastUpdateId + 1` is a gap and throws
 * {@link BookSyncError}.
 */
export function applyDepthUpdate(book: BinanceRestDepth, ev: BinanceDepthUpdateEvent): BinanceRestDepth {
  if (ev.u <= book.lastUpdateId) return book;
  if (ev.U > book.lastUpdateId + 1) {
    throw new BookSyncError(
      `${ev.s} depthUpdate gap: U=${ev.U} after lastUpdateId=${book.lastUpdateId} (expected ≤ ${book.lastUpdateId + 1})`,
    );
  }
  return {
    lastUpdateId: ev.u,
    bids: applySide(book.bids, ev.b, true),
    asks: applySide(book.asks, ev.a, false),
  };
}

/**
 * Derives Binance spot `depthUpdate` events from consecutive REST depth snapshots of one symbol.
 *
 * The first snapshot is the base (push returns null). Each later one yields the diff from the
 * previous accepted snapshot with `U = previous lastUpdateId + 1` and `u = its lastUpdateId`,
 * so applying every event to the first snapshot reproduces every later one exactly and
 * consecutive events satisfy `U === previous u + 1`. A snapshot whose lastUpdateId is not
 * above the previous one is stale: it is skipped (null) and counted. A snapshot equal to the
 * previous one still yields an event, with empty `b`/`a`, so the ids stay continuous.
 *
 * Snapshots are only read, never modified; emitted levels may share arrays with them.
 */
export class DepthDiffer {
  readonly symbol: string;
  readonly stats: DepthDifferStats = { snapshots: 0, stale: 0, updates: 0, unchanged: 0, levels: 0 };
  private prev: BinanceRestDepth | undefined = undefined;

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /** True once a base snapshot has been taken. */
  hasBase(): boolean {
    return this.prev !== undefined;
  }

  /** lastUpdateId of the last accepted snapshot, 0 before the first. */
  get lastUpdateId(): number {
    return this.prev === undefined ? 0 : this.prev.lastUpdateId;
  }

  push(snapshot: BinanceRestDepth, eventTime: number): BinanceDepthUpdateEvent | null {
    const sorted: BinanceRestDepth = {
      lastUpdateId: snapshot.lastUpdateId,
      bids: sortedLevels(snapshot.bids, true) as BinanceLevel[],
      asks: sortedLevels(snapshot.asks, false) as BinanceLevel[],
    };
    const prev = this.prev;
    if (prev === undefined) {
      this.prev = sorted;
      this.stats.snapshots++;
      return null;
    }
    if (snapshot.lastUpdateId <= prev.lastUpdateId) {
      this.stats.stale++;
      return null;
    }
    const bids: BinanceLevel[] = [];
    const asks: BinanceLevel[] = [];
    diffSide(prev.bids, sorted.bids, true, bids);
    diffSide(prev.asks, sorted.asks, false, asks);
    this.prev = sorted;
    const stats = this.stats;
    stats.snapshots++;
    stats.updates++;
    stats.levels += bids.length + asks.length;
    if (bids.length === 0 && asks.length === 0) stats.unchanged++;
    return {
      e: 'depthUpdate',
      E: eventTime,
      s: this.symbol,
      U: prev.lastUpdateId + 1,
      u: snapshot.lastUpdateId,
      b: bids,
      a: asks,
    };
  }

  /** Forget the base: the next snapshot starts a new run (the stats are kept). */
  reset(): void {
    this.prev = undefined;
  }
}
