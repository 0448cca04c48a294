/**
 * Book sides as exact wire text, `[price, quantity, …]` strings best first, and the diffs between
 * them: what every venue's replay needs to turn consecutive REST depth snapshots into the
 * incremental updates its WebSocket would have pushed. Prices compare as numbers; quantities
 * and spellings are kept as recorded. A level may carry more text fields after the quantity
 * (OKX: `[px, sz, "0", orders]`); every field takes part in the comparison, so a change of any
 * of them is a change of the level.
 */

/** One level as the exchange wrote it: price and quantity first, any further fields after. */
export type DiffLevel = [price: string, qty: string, ...rest: string[]];

/** The plain `[price, quantity]` level (Binance, Kraken). */
export type TextLevel = [price: string, qty: string];

export interface TextBook<L extends DiffLevel = TextLevel> {
  /** Best (highest) first. */
  readonly bids: readonly L[];
  /** Best (lowest) first. */
  readonly asks: readonly L[];
}

/** The level changes between two books: absolute quantities, zero = the level is gone. */
export interface LevelDiff<L extends DiffLevel = TextLevel> {
  bids: L[];
  asks: L[];
}

/** How a vanished level is written in a diff: its quantity zero (the remaining fields are the venue's). */
export type RemovedLevel<L extends DiffLevel> = (gone: L) => L;

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

/** The default removal: the old level with its quantity zero in its own decimals, other fields kept. */
export function zeroedLevel<L extends DiffLevel>(gone: L): L {
  const copy = gone.slice() as L;
  copy[1] = zeroLike(gone[1]);
  return copy;
}

/** True when two levels of the same spelling of a price are written identically in every field. */
function sameText(a: DiffLevel, b: DiffLevel): boolean {
  if (a.length !== b.length) return false;
  for (let k = 1; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** True when `a` sorts before `b` on a side (bids: higher first; asks: lower first). */
function before(a: number, b: number, descending: boolean): boolean {
  return descending ? a > b : a < b;
}

function isSorted(levels: readonly DiffLevel[], descending: boolean): boolean {
  for (let i = 1; i < levels.length; i++) {
    if (before(+levels[i][0], +levels[i - 1][0], descending)) return false;
  }
  return true;
}

/** `levels` best first: the array itself when already in order, otherwise a sorted copy. */
export function sortedLevels<L extends DiffLevel>(levels: readonly L[], descending: boolean): readonly L[] {
  if (isSorted(levels, descending)) return levels;
  const copy = levels.slice();
  copy.sort(descending ? (x, y) => +y[0] - +x[0] : (x, y) => +x[0] - +y[0]);
  return copy;
}

/** Both sides best first (the book itself when already so). */
export function sortedBook<L extends DiffLevel>(book: TextBook<L>): TextBook<L> {
  const bids = sortedLevels(book.bids, true);
  const asks = sortedLevels(book.asks, false);
  return bids === book.bids && asks === book.asks ? book : { bids, asks };
}

/** Merge-walk two sorted sides and push every changed, new or vanished level into `out`. */
function diffSide<L extends DiffLevel>(
  prev: readonly L[],
  next: readonly L[],
  descending: boolean,
  removed: RemovedLevel<L>,
  out: L[],
): void {
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    if (j >= next.length) {
      out.push(removed(prev[i++]));
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
      if (!sameText(p, n)) out.push(n);
      i++;
      j++;
      continue;
    }
    const pp = +p[0];
    const np = +n[0];
    if (pp === np) {
      // Same level spelled differently: emit it with the new spelling.
      out.push(n);
      i++;
      j++;
    } else if (before(pp, np, descending)) {
      out.push(removed(p));
      i++;
    } else {
      out.push(n);
      j++;
    }
  }
}

/**
 * The diff that turns book `prev` into book `next` (both best first, see {@link sortedBook}):
 * every level whose text changed in any field or that appeared (exact strings from `next`) and
 * every level that disappeared, as `removed` writes it (default: quantity zero with the decimals
 * of its old quantity).
 */
export function diffSorted<L extends DiffLevel = TextLevel>(
  prev: TextBook<L>,
  next: TextBook<L>,
  removed: RemovedLevel<L> = zeroedLevel,
): LevelDiff<L> {
  const bids: L[] = [];
  const asks: L[] = [];
  diffSide(prev.bids, next.bids, true, removed, bids);
  diffSide(prev.asks, next.asks, false, removed, asks);
  return { bids, asks };
}

/** {@link diffSorted} for books in any order. */
export function diffBooks<L extends DiffLevel = TextLevel>(
  prev: TextBook<L>,
  next: TextBook<L>,
  removed: RemovedLevel<L> = zeroedLevel,
): LevelDiff<L> {
  return diffSorted(sortedBook(prev), sortedBook(next), removed);
}

function applySide<L extends DiffLevel>(book: readonly L[], update: readonly L[], descending: boolean): L[] {
  const levels = sortedLevels(book, descending);
  const changes = sortedLevels(update, descending);
  const out: L[] = [];
  let i = 0;
  let j = 0;
  while (i < levels.length || j < changes.length) {
    if (j < changes.length) {
      const change = changes[j];
      const cp = +change[0];
      // The same price twice in one update: the later one wins.
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

/** `book` with `diff` applied (quantity zero removes a level); the input is not modified. */
export function applyDiff<L extends DiffLevel = TextLevel>(
  book: TextBook<L>,
  diff: TextBook<L>,
): { bids: L[]; asks: L[] } {
  return { bids: applySide(book.bids, diff.bids, true), asks: applySide(book.asks, diff.asks, false) };
}

/**
 * Consecutive snapshots of one book → the diff from each to the next. The first snapshot is the
 * base (null); each later one yields its diff from the previous one, so applying every diff to
 * the first reproduces every later snapshot exactly. An unchanged snapshot yields an empty diff.
 * Snapshots are only read; emitted levels may share arrays with them.
 */
export class SnapshotDiffer<L extends DiffLevel = TextLevel> {
  private prev: TextBook<L> | undefined = undefined;

  /** `removed` writes a vanished level (default {@link zeroedLevel}). */
  constructor(private readonly removed: RemovedLevel<L> = zeroedLevel) {}

  /** True once a base snapshot has been taken. */
  hasBase(): boolean {
    return this.prev !== undefined;
  }

  /** The last snapshot taken, best first. */
  get book(): TextBook<L> | undefined {
    return this.prev;
  }

  push(snapshot: TextBook<L>): LevelDiff<L> | null {
    const next = sortedBook(snapshot);
    const prev = this.prev;
    this.prev = next;
    return prev === undefined ? null : diffSorted(prev, next, this.removed);
  }

  /** Forget the base: the next snapshot starts a new run. */
  reset(): void {
    this.prev = undefined;
  }
}
