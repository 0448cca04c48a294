import { BookSide } from './book-side.js';

/** An L2 book: bids best (highest) first, asks best (lowest) first. */
export class OrderBook<V> {
  readonly bids = new BookSide<V>(true);
  readonly asks = new BookSide<V>(false);

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** True when the best bid is at or above the best ask. */
  isCrossed(): boolean {
    const bid = this.bids.bestPrice();
    const ask = this.asks.bestPrice();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }
}

/** A book whose level values are amounts as numbers (the normalized model). */
export class NumericOrderBook extends OrderBook<number> {
  /** Apply one level; amount 0 removes it. */
  applyLevel(side: 'bid' | 'ask', price: number, amount: number): void {
    const s = side === 'bid' ? this.bids : this.asks;
    if (amount === 0) s.delete(price);
    else s.set(price, amount);
  }
}
