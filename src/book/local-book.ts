import type { Level } from '../core/types.js';
import type { BookChecksum, BookEvent, BookRule, WireLevel } from './book-rule.js';
import { NumericOrderBook, OrderBook } from './order-book.js';

/**
 * A symbol's local levels as a venue rule keeps them: numbers (the normalized book), plus the
 * wire text of each level when the rule hashes the exact strings received (`wireLevels`), both
 * truncated to the rule's depth after every message.
 */
export class LocalBook<E extends BookEvent> {
  readonly levels = new NumericOrderBook();
  private readonly wire = new OrderBook<WireLevel>();
  private readonly rule: BookRule<E>;

  constructor(rule: BookRule<E>) {
    this.rule = rule;
  }

  clear(): void {
    this.levels.clear();
    this.wire.clear();
  }

  isCrossed(): boolean {
    return this.levels.isCrossed();
  }

  /** Replace the book with a REST snapshot's levels (REST carries no wire text to keep). */
  replace(bids: readonly Level[], asks: readonly Level[]): void {
    this.clear();
    setLevels(this.levels, 'bid', bids);
    setLevels(this.levels, 'ask', asks);
    this.truncate();
  }

  /** Set the event's levels (amount 0 removes), in the wire book too when the rule keeps one, then truncate. */
  apply(event: E): void {
    const change = event.change;
    const wire = this.rule.wireLevels?.(event);
    if (wire === undefined) {
      setLevels(this.levels, 'bid', change.bids);
      setLevels(this.levels, 'ask', change.asks);
    } else {
      if (wire.bids.length !== change.bids.length || wire.asks.length !== change.asks.length) {
        throw new TypeError(`book rule of ${change.exchange}: wireLevels do not match the change's levels`);
      }
      this.setWithWire('bid', change.bids, wire.bids);
      this.setWithWire('ask', change.asks, wire.asks);
    }
    this.truncate();
  }

  /** The rule's checksum of the book as it is after `event`. */
  checksum(checksum: BookChecksum<E>, event: E): number {
    return checksum.compute(this.levels, this.wire, event);
  }

  private truncate(): void {
    const depth = this.rule.truncateTo;
    if (depth === undefined) return;
    this.levels.bids.truncate(depth);
    this.levels.asks.truncate(depth);
    this.wire.bids.truncate(depth);
    this.wire.asks.truncate(depth);
  }

  private setWithWire(side: 'bid' | 'ask', levels: readonly Level[], wireLevels: readonly WireLevel[]): void {
    const wireSide = side === 'bid' ? this.wire.bids : this.wire.asks;
    for (let i = 0; i < levels.length; i++) {
      const price = levels[i][0];
      const amount = levels[i][1];
      this.levels.applyLevel(side, price, amount);
      if (amount === 0) wireSide.delete(price);
      else wireSide.set(price, wireLevels[i]);
    }
  }
}

function setLevels(book: NumericOrderBook, side: 'bid' | 'ask', levels: readonly Level[]): void {
  for (let i = 0; i < levels.length; i++) book.applyLevel(side, levels[i][0], levels[i][1]);
}
