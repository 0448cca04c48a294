/**
 * What Kraken v2's `trade` and `ohlc` snapshots mean to a feed. Each (re)subscription starts
 * with a snapshot of the recent past (the last trades, the recent candles), then updates. The
 * feed's streams start at its first subscription, as Binance's do: that first snapshot only
 * marks where each symbol stands. A later one (after a reconnect) fills the hole: whatever it
 * holds past what was already passed on goes out, exactly once.
 *
 * - Trades: Kraken's `trade_id` rises by one per trade of a pair; a trade goes out when its id is
 *   above the last one passed on.
 * - Bars: an `ohlc` update carries the whole open candle so far, on every trade, and there is no
 *   "closed" flag. A candle is closed once a later one of the same symbol appears (Kraken has
 *   moved on: no trade joins it any more), so the last state of a candle goes out then. That
 *   waits for the next candle's first trade: no timer guesses at the end of a quiet minute.
 */
import type { Bar, NormalizedMessage, Trade } from '../../core/types.js';

/** Where passed-on messages go (the feed's frame sink). */
export interface MessageSink {
  message(msg: NormalizedMessage): void;
}

/**
 * One frame's entries in order: an entry of a symbol whose first snapshot this is only marks
 * where that symbol stands (`mark`); every other entry goes to `next`.
 */
function walkFrame<T extends { readonly symbol: string }>(
  entries: readonly T[],
  isSnapshot: boolean,
  sink: MessageSink,
  known: (symbol: string) => boolean,
  mark: (entry: T) => void,
  next: (entry: T, sink: MessageSink) => void,
): void {
  let firstSeen: Set<string> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (isSnapshot && (firstSeen?.has(entry.symbol) === true || !known(entry.symbol))) {
      (firstSeen ??= new Set()).add(entry.symbol);
      mark(entry);
    } else {
      next(entry, sink);
    }
  }
}

export class KrakenTradeResume {
  /** Per symbol, the id of the last trade passed on (or seen in the first snapshot). */
  private readonly lastIds = new Map<string, number>();

  /** Pass on the trades of one frame that were not passed on before. */
  frame(trades: readonly Trade[], isSnapshot: boolean, sink: MessageSink): void {
    walkFrame(trades, isSnapshot, sink, this.known, this.mark, this.next);
  }

  private readonly known = (symbol: string): boolean => this.lastIds.has(symbol);

  private readonly mark = (trade: Trade): void => {
    const id = Number(trade.id);
    const last = this.lastIds.get(trade.symbol);
    if (last === undefined || id > last) this.lastIds.set(trade.symbol, id);
  };

  private readonly next = (trade: Trade, sink: MessageSink): void => {
    const id = Number(trade.id);
    const last = this.lastIds.get(trade.symbol);
    if (last !== undefined && id <= last) return;
    this.lastIds.set(trade.symbol, id);
    sink.message(trade);
  };
}

export class KrakenClosedBars {
  /** Per symbol, the latest state of its newest candle, not passed on yet. */
  private readonly open = new Map<string, Bar>();

  /** Pass on each candle that one frame shows closed (a snapshot's candles are oldest first). */
  frame(bars: readonly Bar[], isSnapshot: boolean, sink: MessageSink): void {
    walkFrame(bars, isSnapshot, sink, this.known, this.mark, this.next);
  }

  private readonly known = (symbol: string): boolean => this.open.has(symbol);

  private readonly mark = (bar: Bar): void => {
    const held = this.open.get(bar.symbol);
    if (held === undefined || bar.timestamp >= held.timestamp) this.open.set(bar.symbol, bar);
  };

  private readonly next = (bar: Bar, sink: MessageSink): void => {
    const held = this.open.get(bar.symbol);
    if (held !== undefined) {
      if (bar.timestamp < held.timestamp) return; // closed and passed on already
      if (bar.timestamp > held.timestamp) sink.message(held);
    }
    this.open.set(bar.symbol, bar);
  };
}
