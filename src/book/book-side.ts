/**
 * One side of an L2 order book: levels kept sorted best-first in a plain array of prices
 * (binary search) plus a map from price to value. Reads of the top N are O(N); an update is
 * O(log n) to find and O(n) to splice, which for books of a few thousand levels beats a tree.
 *
 * `V` is what a level holds: a number for normalized books, or the exchange's own strings
 * when the exact wire representation must be reproduced (replay).
 */
export class BookSide<V> {
  readonly descending: boolean;
  private readonly prices: number[] = [];
  private readonly values = new Map<number, V>();

  constructor(descending: boolean) {
    this.descending = descending;
  }

  get size(): number {
    return this.prices.length;
  }

  get(price: number): V | undefined {
    return this.values.get(price);
  }

  has(price: number): boolean {
    return this.values.has(price);
  }

  /** Insert or replace the level at `price`. */
  set(price: number, value: V): void {
    if (!this.values.has(price)) {
      this.prices.splice(this.indexFor(price), 0, price);
    }
    this.values.set(price, value);
  }

  /** Remove the level at `price`; returns false when there was none. */
  delete(price: number): boolean {
    if (!this.values.delete(price)) return false;
    this.prices.splice(this.indexFor(price), 1);
    return true;
  }

  clear(): void {
    this.prices.length = 0;
    this.values.clear();
  }

  /** Drop every level beyond the best `depth`. */
  truncate(depth: number): void {
    if (this.prices.length <= depth) return;
    for (let i = depth; i < this.prices.length; i++) this.values.delete(this.prices[i]);
    this.prices.length = depth;
  }

  bestPrice(): number | undefined {
    return this.prices[0];
  }

  best(): [price: number, value: V] | undefined {
    if (this.prices.length === 0) return undefined;
    const price = this.prices[0];
    return [price, this.values.get(price) as V];
  }

  /** Price at rank `i` (0 = best). */
  priceAt(i: number): number | undefined {
    return this.prices[i];
  }

  /** The best `n` levels (all when `n` is omitted), best first. */
  top(n = Infinity): Array<[price: number, value: V]> {
    const count = Math.min(n, this.prices.length);
    const out = new Array<[number, V]>(count);
    for (let i = 0; i < count; i++) {
      const price = this.prices[i];
      out[i] = [price, this.values.get(price) as V];
    }
    return out;
  }

  /** Index where `price` is or would be inserted, keeping best-first order. */
  private indexFor(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    const desc = this.descending;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = prices[mid];
      if (desc ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
