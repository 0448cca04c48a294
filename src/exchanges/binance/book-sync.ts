/**
 * Local L2 book for one Binance Spot symbol, kept exactly per EXCHANGES.md 1.5:
 *
 * 1. Buffer diff events; the first one triggers `GET <rest>/api/v3/depth?symbol=X&limit=N`.
 * 2. Snapshot `lastUpdateId` < first buffered `U` → fetch again.
 * 3. Drop buffered events with `u <= lastUpdateId`; the first applied must satisfy
 *    `U <= lastUpdateId + 1 <= u`, every later one `U === prev u + 1`.
 * 4. On a gap: log, count, emit a `resyncing` status and start again from a fresh snapshot.
 * 5. A crossed book (best bid >= best ask), from a snapshot or after a diff, is never published:
 *    it is counted, the symbol is flagged (one warning and one `resyncing` status per episode)
 *    and the book is rebuilt from a fresh snapshot, fetched with the same pacing as after a gap.
 *
 * Emits a `book_change` (isSnapshot true) for each snapshot, the `book_change` of each applied
 * diff, and after each of those a top-N `book_snapshot` (sequence = book update id) and, when the
 * top of book changed, a `quote`. Every `timestamp` is exchange time: a diff's `E`, and for a
 * snapshot (REST depth carries no time) the `E` of the newest buffered diff it reaches into.
 */
import { ConnectionError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { BookSnapshot, Level, NormalizedMessage } from '../../core/types.js';
import { NumericOrderBook } from '../../book/order-book.js';
import { TopOfBookQuotes } from '../../book/top-quote.js';
import { Backoff, type BackoffOptions } from '../../ingest/backoff.js';
import { decodeRestDepth, type BinanceDepthDiff, type DecodedRestDepth } from './codec.js';
import { toBinanceSymbol } from './symbols.js';

export interface BookSyncOptions {
  /** Canonical (`NKN/USDT`). */
  readonly symbol: string;
  /** `https://api.binance.com` or a replay hub's `http://127.0.0.1:3100/binance`. */
  readonly restBaseUrl: string;
  readonly emit: (msg: NormalizedMessage) => void;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Levels per side in the emitted `book_snapshot`s. Default 20. */
  readonly depth?: number;
  /**
   * REST `limit`. Default 1000 (weight 50); the doc's 5000 costs weight 250 per resync, a
   * fifth of the per-minute budget for a handful of symbols. Deeper levels are unknown either way.
   */
  readonly snapshotLimit?: number;
  /** Delay between snapshot retries (errors, stale snapshots). */
  readonly backoff?: BackoffOptions;
  /** Diffs buffered while a snapshot is fetched; the oldest are dropped beyond it. Default 10000. */
  readonly maxBuffered?: number;
  readonly fetchTimeoutMs?: number;
}

export interface BookSyncStats {
  gaps: number;
  resyncs: number;
  /** Snapshots fetched and used. */
  snapshots: number;
  /** Snapshots refetched because `lastUpdateId` < first buffered `U`. */
  staleSnapshots: number;
  snapshotErrors: number;
  applied: number;
  /** Diffs already covered by the book (`u <= book id`). */
  skipped: number;
  /** Resyncs that waited for the backoff because the previous snapshot had not proved stable. */
  pacedResyncs: number;
  /** Book states refused as crossed (best bid >= best ask): snapshots, and books after a diff. */
  crossed: number;
}

/** Diffs that must apply cleanly after a snapshot before resyncs go back to being immediate. */
const STABLE_AFTER_DIFFS = 50;

export type BookSyncState = 'idle' | 'fetching' | 'synced';

export class BinanceBookSync {
  readonly symbol: string;
  readonly book = new NumericOrderBook();
  readonly stats: BookSyncStats = {
    gaps: 0,
    resyncs: 0,
    snapshots: 0,
    staleSnapshots: 0,
    snapshotErrors: 0,
    applied: 0,
    skipped: 0,
    pacedResyncs: 0,
    crossed: 0,
  };

  private readonly log: Logger;
  private readonly emit: (msg: NormalizedMessage) => void;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly depth: number;
  private readonly url: string;
  private readonly backoff: Backoff;
  private readonly maxBuffered: number;
  private readonly fetchTimeoutMs: number;
  private readonly quotes: TopOfBookQuotes;

  private syncState: BookSyncState = 'idle';
  private buffer: BinanceDepthDiff[] = [];
  private bookId = -1;
  private firstPending = true;
  /** Bumped on reset/close/resync so a late snapshot response is ignored. */
  private generation = 0;
  private abort: AbortController | undefined = undefined;
  private retryTimer: NodeJS.Timeout | undefined = undefined;
  private closed = false;
  /** Diffs applied since the last snapshot; below STABLE_AFTER_DIFFS a resync backs off. */
  private cleanSinceSnapshot = STABLE_AFTER_DIFFS;
  /** A crossed book was refused and no book has been published since. */
  private crossedEpisode = false;

  constructor(options: BookSyncOptions) {
    this.symbol = options.symbol;
    this.log = options.logger.child({ symbol: options.symbol });
    this.emit = options.emit;
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.depth = options.depth ?? 20;
    this.backoff = new Backoff(options.backoff ?? { baseMs: 500, maxMs: 30_000 });
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
    this.quotes = new TopOfBookQuotes('binance', options.symbol);
    const base = options.restBaseUrl.replace(/\/+$/, '');
    this.url = `${base}/api/v3/depth?symbol=${toBinanceSymbol(options.symbol)}&limit=${options.snapshotLimit ?? 1000}`;
  }

  get state(): BookSyncState {
    return this.syncState;
  }

  /** True from refusing a crossed book until the next book is published. */
  get crossed(): boolean {
    return this.crossedEpisode;
  }

  /** The book's update id (`lastUpdateId`, then the last applied `u`); undefined until synced. */
  get updateId(): number | undefined {
    return this.syncState === 'synced' ? this.bookId : undefined;
  }

  /** Feed one diff event, in stream order. */
  push(diff: BinanceDepthDiff): void {
    if (this.closed) return;
    if (this.syncState === 'synced') {
      this.apply(diff);
    } else {
      if (this.buffer.length >= this.maxBuffered) this.buffer.shift();
      this.buffer.push(diff);
      if (this.syncState === 'idle') {
        this.syncState = 'fetching';
        // Gap after gap right after a snapshot: back off, or persistent gaps would burn the REST weight.
        if (this.cleanSinceSnapshot < STABLE_AFTER_DIFFS) {
          this.stats.pacedResyncs++;
          this.retry(0);
        } else this.fetchSnapshot();
      }
    }
  }

  /** Forget the book and the buffer (e.g. the stream reconnected); the next diff starts over. */
  reset(): void {
    this.cancel();
    this.syncState = 'idle';
    this.buffer = [];
    this.book.clear();
    this.bookId = -1;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private cancel(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private fetchSnapshot(): void {
    const gen = ++this.generation;
    const abort = new AbortController();
    this.abort = abort;
    const timer = setTimeout(() => abort.abort(), this.fetchTimeoutMs);
    this.fetchFn(this.url, { signal: abort.signal })
      .then(async (res) => {
        if (!res.ok) {
          const retryAfter = Number(res.headers.get('retry-after'));
          await res.body?.cancel();
          throw new SnapshotHttpError(res.status, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
        }
        return decodeRestDepth(await res.json());
      })
      .then(
        (snap) => {
          if (gen === this.generation) this.onSnapshot(snap);
        },
        (err: unknown) => {
          if (gen !== this.generation) return;
          this.stats.snapshotErrors++;
          this.log.warn({ err, url: this.url }, 'depth snapshot failed; retrying');
          this.retry(err instanceof SnapshotHttpError ? err.retryAfterMs : 0);
        },
      )
      .catch((err: unknown) => this.log.error({ err }, 'book sync failed on a snapshot'))
      .finally(() => clearTimeout(timer));
  }

  private retry(minDelayMs: number): void {
    this.abort = undefined;
    const delay = Math.max(minDelayMs, this.backoff.next());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.fetchSnapshot();
    }, delay);
  }

  private onSnapshot(snap: DecodedRestDepth): void {
    this.abort = undefined;
    const firstU = this.buffer[0].firstUpdateId;
    if (snap.lastUpdateId < firstU) {
      this.stats.staleSnapshots++;
      this.log.debug(
        { lastUpdateId: snap.lastUpdateId, firstU },
        'snapshot older than the first buffered diff; refetching',
      );
      this.retry(0);
      return;
    }
    this.cleanSinceSnapshot = 0;
    const book = this.book;
    book.clear();
    setLevels(book, 'bid', snap.bids);
    setLevels(book, 'ask', snap.asks);
    const exchangeTime = this.snapshotTime(snap.lastUpdateId);
    if (book.isCrossed()) {
      // Keep the buffer and state 'fetching': a later snapshot can still bridge it.
      this.refuseCrossed(`snapshot lastUpdateId=${snap.lastUpdateId}`, exchangeTime);
      book.clear();
      this.retry(0);
      return;
    }
    this.stats.snapshots++;
    this.bookId = snap.lastUpdateId;
    this.firstPending = true;
    this.syncState = 'synced';
    this.crossedEpisode = false;
    this.quotes.reset();
    const localTime = this.now();
    this.emit({
      type: 'book_change',
      exchange: 'binance',
      symbol: this.symbol,
      timestamp: exchangeTime,
      localTimestamp: localTime,
      bids: snap.bids,
      asks: snap.asks,
      sequence: snap.lastUpdateId,
      isSnapshot: true,
    });
    this.publishTop(exchangeTime, localTime);
    const buffered = this.buffer;
    this.buffer = [];
    // push() routes each one: applied while synced, buffered again if a gap restarted the sync.
    for (let i = 0; i < buffered.length; i++) this.push(buffered[i]);
  }

  private apply(diff: BinanceDepthDiff): void {
    const change = diff.change;
    const u = change.sequence;
    if (u <= this.bookId) {
      this.stats.skipped++;
      return;
    }
    const U = diff.firstUpdateId;
    const next = this.bookId + 1;
    if (this.firstPending ? U > next || next > u : U !== next) {
      this.onGap(diff, next);
      return;
    }
    this.firstPending = false;
    setLevels(this.book, 'bid', change.bids);
    setLevels(this.book, 'ask', change.asks);
    this.bookId = u;
    if (this.book.isCrossed()) {
      this.onCrossedDiff(diff);
      return;
    }
    this.stats.applied++;
    if (++this.cleanSinceSnapshot === STABLE_AFTER_DIFFS) this.backoff.reset();
    this.emit(change);
    this.publishTop(change.timestamp, change.localTimestamp);
  }

  /** The top-N `book_snapshot` of the (validated) book, then a `quote` if the top changed. */
  private publishTop(timestamp: number, localTimestamp: number): void {
    this.emit(this.top(timestamp, localTimestamp));
    const quote = this.quotes.next(this.book, timestamp, localTimestamp);
    if (quote !== undefined) this.emit(quote);
  }

  /**
   * Exchange time of a snapshot: the `E` of the newest buffered diff whose updates start at or
   * before `lastUpdateId` (the diff it ends in, or the last one it fully covers). The first
   * buffered diff always qualifies, or the snapshot would have been refetched as stale.
   */
  private snapshotTime(lastUpdateId: number): number {
    const buffer = this.buffer;
    let i = 0;
    while (i + 1 < buffer.length && buffer[i + 1].firstUpdateId <= lastUpdateId) i++;
    return buffer[i].change.timestamp;
  }

  /** The diff crossed the book: drop the book and resync, the diff buffered as after a gap. */
  private onCrossedDiff(diff: BinanceDepthDiff): void {
    this.stats.resyncs++;
    this.refuseCrossed(`diff U=${diff.firstUpdateId} u=${diff.change.sequence}`, diff.change.timestamp);
    this.reset();
    this.push(diff);
  }

  /** Count a refused crossed book; warn and emit a `resyncing` status once per episode. */
  private refuseCrossed(source: string, exchangeTime: number): void {
    this.stats.crossed++;
    const bid = this.book.bids.bestPrice();
    const ask = this.book.asks.bestPrice();
    if (this.crossedEpisode) {
      this.log.debug({ bid, ask, source, crossed: this.stats.crossed }, 'book still crossed');
      return;
    }
    this.crossedEpisode = true;
    this.log.warn({ bid, ask, source }, 'crossed book refused (best bid >= best ask); resyncing');
    this.emit({
      type: 'status',
      exchange: 'binance',
      symbol: this.symbol,
      timestamp: exchangeTime,
      localTimestamp: this.now(),
      state: 'resyncing',
      reason: `crossed book: best bid ${bid} >= best ask ${ask} (${source})`,
    });
  }

  private onGap(diff: BinanceDepthDiff, expected: number): void {
    this.stats.gaps++;
    this.stats.resyncs++;
    const U = diff.firstUpdateId;
    const u = diff.change.sequence;
    this.log.warn({ expected, U, u }, 'depth sequence gap; resyncing from a fresh snapshot');
    this.emit({
      type: 'status',
      exchange: 'binance',
      symbol: this.symbol,
      timestamp: diff.change.timestamp,
      localTimestamp: this.now(),
      state: 'resyncing',
      reason: `depth gap: expected U=${expected}, got U=${U} u=${u}`,
    });
    this.reset();
    this.push(diff);
  }

  private top(timestamp: number, localTimestamp: number): BookSnapshot {
    return {
      type: 'book_snapshot',
      exchange: 'binance',
      symbol: this.symbol,
      timestamp,
      localTimestamp,
      depth: this.depth,
      bids: this.book.bids.top(this.depth),
      asks: this.book.asks.top(this.depth),
      sequence: this.bookId,
    };
  }
}

function setLevels(book: NumericOrderBook, side: 'bid' | 'ask', levels: readonly Level[]): void {
  for (let i = 0; i < levels.length; i++) book.applyLevel(side, levels[i][0], levels[i][1]);
}

class SnapshotHttpError extends ConnectionError {
  readonly retryAfterMs: number;
  constructor(status: number, retryAfterMs: number) {
    super(`depth snapshot: HTTP ${status}`);
    this.retryAfterMs = retryAfterMs;
  }
}
