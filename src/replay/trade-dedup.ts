/** What a {@link TradeDeduper} has seen so far. */
export interface TradeDedupStats {
  /** Trades dropped because their id was already emitted (poll overlap, stale polls, repeats). */
  duplicates: number;
  /** Places where the next emitted id skipped past `lastId + 1` (trades lost between polls). */
  gaps: number;
  /** Total number of trade ids skipped over by those gaps. */
  missingIds: number;
}

/**
 * Turns consecutive, overlapping REST trade polls (any venue's: the id is read by `idOf`) into
 * one stream in which every trade appears exactly once, in trade-id order.
 *
 * Each poll is sorted by id first (a copy, only when it is out of order). A trade is emitted
 * when its id is above the last emitted id; anything else is a duplicate. A poll that arrives
 * late with older content therefore yields `[]`. When the first new id jumps past
 * `lastId + 1`, the trades in between were never captured: that is counted as a gap (and the
 * number of ids it skipped as `missingIds`); the same holds for a hole inside one poll.
 */
export class TradeDeduper<T> {
  readonly stats: TradeDedupStats = { duplicates: 0, gaps: 0, missingIds: 0 };
  private readonly idOf: (trade: T) => number;
  private readonly byId: (a: T, b: T) => number;
  private last = -1;
  private started = false;

  constructor(idOf: (trade: T) => number) {
    this.idOf = idOf;
    this.byId = (a, b) => idOf(a) - idOf(b);
  }

  /** The id of the last emitted trade, undefined before the first. */
  get lastId(): number | undefined {
    return this.started ? this.last : undefined;
  }

  /** The trades of `poll` not emitted before, in id order. */
  push(poll: readonly T[]): T[] {
    const sorted = this.isSortedById(poll) ? poll : poll.slice().sort(this.byId);
    const out: T[] = [];
    const stats = this.stats;
    const idOf = this.idOf;
    for (let i = 0; i < sorted.length; i++) {
      const trade = sorted[i];
      const id = idOf(trade);
      if (this.started && id <= this.last) {
        stats.duplicates++;
        continue;
      }
      if (this.started && id > this.last + 1) {
        stats.gaps++;
        stats.missingIds += id - this.last - 1;
      }
      this.last = id;
      this.started = true;
      out.push(trade);
    }
    return out;
  }

  /** Forget the last id (a new run, e.g. `--loop` with shifted ids); the stats are kept. */
  reset(): void {
    this.last = -1;
    this.started = false;
  }

  private isSortedById(poll: readonly T[]): boolean {
    const idOf = this.idOf;
    for (let i = 1; i < poll.length; i++) if (idOf(poll[i]) < idOf(poll[i - 1])) return false;
    return true;
  }
}
