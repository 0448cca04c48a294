/**
 * One side of a simulated order book: prices as whole ticks, quantities as whole lot steps,
 * kept sorted best level first (bids descending, asks ascending). A side holds a few hundred
 * levels, so sorted arrays beat any tree here.
 */
export class Ladder {
  readonly side: 'bid' | 'ask';
  private readonly ticks: number[] = [];
  private readonly qtys: number[] = [];
  private readonly sign: number;

  constructor(side: 'bid' | 'ask') {
    this.side = side;
    this.sign = side === 'bid' ? -1 : 1;
  }

  get size(): number {
    return this.ticks.length;
  }

  tickAt(index: number): number {
    return this.ticks[index];
  }

  qtyAt(index: number): number {
    return this.qtys[index];
  }

  /** The best price, or undefined when the side is empty. */
  best(): number | undefined {
    return this.ticks[0];
  }

  /** The deepest price held, or undefined when the side is empty. */
  worst(): number | undefined {
    return this.ticks[this.ticks.length - 1];
  }

  /** True when `a` is a better price than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.sign * a < this.sign * b;
  }

  /** `tick` moved `distance` ticks away from the top of this side (down for bids, up for asks). */
  away(tick: number, distance: number): number {
    return tick + this.sign * distance;
  }

  /** The index of `tick`, or of where it would be inserted. */
  indexOf(tick: number): number {
    const key = this.sign * tick;
    let lo = 0;
    let hi = this.ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sign * this.ticks[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(tick: number): boolean {
    const i = this.indexOf(tick);
    return i < this.ticks.length && this.ticks[i] === tick;
  }

  /** Sets the quantity at `tick`, adding the level when it is new. */
  set(tick: number, qty: number): void {
    if (!(qty > 0)) throw new RangeError(`level quantity must be positive, got ${qty}`);
    const i = this.indexOf(tick);
    if (i < this.ticks.length && this.ticks[i] === tick) {
      this.qtys[i] = qty;
    } else {
      this.ticks.splice(i, 0, tick);
      this.qtys.splice(i, 0, qty);
    }
  }

  setQtyAt(index: number, qty: number): void {
    if (!(qty > 0)) throw new RangeError(`level quantity must be positive, got ${qty}`);
    this.qtys[index] = qty;
  }

  removeAt(index: number): void {
    this.ticks.splice(index, 1);
    this.qtys.splice(index, 1);
  }

  /** Removes every level strictly better than `limit`; returns how many went. */
  removeBetterThan(limit: number): number {
    const count = this.indexOf(limit);
    if (count > 0) {
      this.ticks.splice(0, count);
      this.qtys.splice(0, count);
    }
    return count;
  }

  /** Keeps the best `maxLevels` levels; returns how many went. */
  truncate(maxLevels: number): number {
    const extra = this.ticks.length - maxLevels;
    if (extra <= 0) return 0;
    this.ticks.length = maxLevels;
    this.qtys.length = maxLevels;
    return extra;
  }

  /** The best `limit` levels as `[tick, qty]` pairs, best first. */
  levels(limit: number): [tick: number, qty: number][] {
    const n = Math.min(limit, this.ticks.length);
    const out = new Array<[number, number]>(n);
    for (let i = 0; i < n; i++) out[i] = [this.ticks[i], this.qtys[i]];
    return out;
  }
}
