/**
 * The OKX replay events' `data`, the contract between the replay source (recordings → events)
 * and the hub timeline (events → v5 pushes and REST answers). `ReplayEvent.symbol` is the instId.
 *
 * - kind `trade`: one `OkxTradeEvent` per trade, each trade id once, in id order.
 * - kind `book_snapshot`: the first recorded book of a run (levels best first, all of them).
 * - kind `book_update`: the changes from the previous recorded book to the next: a level whose
 *   size changed, appeared or whose order count changed, with its new text; a vanished level
 *   as OKX deletes one, `[px, "0", "0", "0"]` [capture]. Applying the
 *   updates to the snapshot reproduces every recorded book exactly.
 */
import type { OkxLevel, OkxRestTrade } from './wire.js';

export type OkxTradeEvent = OkxRestTrade;

export interface OkxBookEvent {
  readonly bids: readonly OkxLevel[];
  readonly asks: readonly OkxLevel[];
  /** The recorded book's own `ts` (ms text). */
  readonly ts: string;
}
