/**
 * One pair's full order book as the replay hub holds it: each level as the REST text it was
 * recorded with (for `/0/public/Depth`), as the v2 text at the pair's precision (what the
 * WebSocket sends and the checksum reads), and the time it last changed. From it come the
 * per-depth views a v2 subscriber sees: snapshots of the top N and, for each book event, the
 * changes inside that window (Kraken's truncation rule: a level pushed below the window is not
 * deleted, the client truncates; a level entering it from below is sent).
 */
import { BookSide } from '../../book/book-side.js';
import { OrderBook } from '../../book/order-book.js';
import { diffSorted, type TextBook, type TextLevel } from '../../replay/level-diff.js';
import { CHECKSUM_LEVELS, krakenTextChecksum, type KrakenPrecision } from './checksum.js';
import { toFixedText } from './wire-format.js';
import type { KrakenRestDepthLevel } from './wire.js';

interface HeldLevel {
  /** As recorded from REST: `["83930.30000", "0.420"]`. */
  readonly rest: TextLevel;
  /** At the pair's v2 precision: `["83930.3", "0.42000000"]`. */
  readonly wire: TextLevel;
  /** Unix seconds of the level's last change. */
  readonly seconds: number;
}

/** The top `n` of both sides as v2 text, best first. */
export interface WireBook {
  readonly bids: TextLevel[];
  readonly asks: TextLevel[];
}

export class KrakenBookState {
  readonly precision: KrakenPrecision;
  private readonly book = new OrderBook<HeldLevel>();
  private loaded = false;

  constructor(precision: KrakenPrecision) {
    this.precision = precision;
  }

  /** True once a snapshot was loaded. */
  get hasBook(): boolean {
    return this.loaded;
  }

  /**
   * Replace the book with a snapshot (REST text, zero volumes already dropped) at replay time
   * `ts`. Throws ERR_ENCODE, leaving the book as it was, when a level is off the pair's grid.
   */
  replace(snapshot: TextBook, ts: number): void {
    const bids = this.held(snapshot.bids, ts);
    const asks = this.held(snapshot.asks, ts);
    this.book.clear();
    for (const level of bids) this.book.bids.set(+level.rest[0], level);
    for (const level of asks) this.book.asks.set(+level.rest[0], level);
    this.loaded = true;
  }

  /** Apply a diff (volume zero removes a level); an off-grid level throws before any change. */
  apply(diff: TextBook, ts: number): void {
    const bids = this.held(diff.bids, ts);
    const asks = this.held(diff.asks, ts);
    applySide(this.book.bids, bids);
    applySide(this.book.asks, asks);
  }

  /** The best `n` levels a side as v2 text. */
  top(n: number): WireBook {
    return { bids: wireTop(this.book.bids, n), asks: wireTop(this.book.asks, n) };
  }

  /** Kraken's CRC32 of the top 10 (v2 text, so exactly what a client rebuilds from the wire). */
  checksum(): number {
    const top = this.top(CHECKSUM_LEVELS);
    return krakenTextChecksum(top.asks, top.bids);
  }

  /**
   * What a subscriber at a depth whose window was `before` and is now `after` (the top of this
   * book before and after one event, both from {@link top}) must be sent: every level that
   * changed or entered the window, and a removal only for a level that left the book itself.
   */
  windowChange(before: WireBook, after: WireBook): WireBook {
    const diff = diffSorted(before, after);
    return {
      bids: this.keepRemovals(diff.bids, this.book.bids),
      asks: this.keepRemovals(diff.asks, this.book.asks),
    };
  }

  /** `/0/public/Depth` levels, best first: `[price, volume, seconds]` as recorded. */
  restLevels(side: 'bids' | 'asks', count: number): KrakenRestDepthLevel[] {
    const levels = this.book[side].top(count);
    const out = new Array<KrakenRestDepthLevel>(levels.length);
    for (let i = 0; i < levels.length; i++) {
      const { rest, seconds } = levels[i][1];
      out[i] = [rest[0], rest[1], seconds];
    }
    return out;
  }

  /** The best bid and ask as v2 text; undefined for an empty side. */
  bestBid(): TextLevel | undefined {
    return this.book.bids.best()?.[1].wire;
  }

  bestAsk(): TextLevel | undefined {
    return this.book.asks.best()?.[1].wire;
  }

  private held(levels: readonly TextLevel[], ts: number): HeldLevel[] {
    const seconds = Math.floor(ts / 1000);
    const { priceDecimals, qtyDecimals } = this.precision;
    const out = new Array<HeldLevel>(levels.length);
    for (let i = 0; i < levels.length; i++) {
      const rest = levels[i];
      const wire: TextLevel = [
        toFixedText(rest[0], priceDecimals, 'book price'),
        toFixedText(rest[1], qtyDecimals, 'book volume'),
      ];
      out[i] = { rest, wire, seconds };
    }
    return out;
  }

  /** Changes with a removal kept only where the level is gone from the whole book. */
  private keepRemovals(changes: TextLevel[], side: BookSide<HeldLevel>): TextLevel[] {
    let kept = 0;
    for (let i = 0; i < changes.length; i++) {
      const level = changes[i];
      if (+level[1] === 0 && side.has(+level[0])) continue;
      changes[kept++] = level;
    }
    changes.length = kept;
    return changes;
  }
}

function applySide(side: BookSide<HeldLevel>, levels: readonly HeldLevel[]): void {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    const price = +level.rest[0];
    if (+level.rest[1] === 0) side.delete(price);
    else side.set(price, level);
  }
}

function wireTop(side: BookSide<HeldLevel>, n: number): TextLevel[] {
  const count = Math.min(n, side.size);
  const out = new Array<TextLevel>(count);
  for (let i = 0; i < count; i++) out[i] = (side.get(side.priceAt(i) as number) as HeldLevel).wire;
  return out;
}
