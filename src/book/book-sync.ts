/**
 * The generic local L2 book of one symbol, kept valid by a venue's `BookRule` (book-rule.ts).
 *
 * - Snapshots: from REST (`rest` rules: events are buffered while it is fetched, a snapshot older
 *   than the first buffered event is fetched again, then the buffer is bridged onto it) or from
 *   the stream (`change.isSnapshot`; `resubscribe` rules wait for one and drop updates meanwhile).
 * - Each update: the rule says apply, skip (already covered) or gap; applied levels (amount 0
 *   removes), then truncation to the rule's depth, then its checksum, if the event carries one.
 * - A gap, a checksum mismatch or a crossed book (best bid >= best ask) is never published: it is
 *   counted, announced by a `resyncing` status (a crossed book once per episode) and the book is
 *   rebuilt (REST snapshot, or resubscribing through the feed).
 * - Pacing: every fetch or resubscription takes a token from the feed's shared `ResyncPacer`; a
 *   resync before the last snapshot proved stable (STABLE_AFTER_EVENTS clean updates) first waits
 *   out a growing backoff, so a venue that keeps failing is not hammered. A snapshot answered
 *   with a Retry-After (HTTP 429) is retried no sooner, and holds the shared pacer until then.
 *
 * Emits the `book_change` of each snapshot and applied update, and after each a top-N
 * `book_snapshot` (sequence = the book's update id) and, when the top of book moved, a `quote`.
 * Timestamps are exchange time: an event's own, and for a REST snapshot the time of the newest
 * buffered event it reaches into.
 */
import { DecodeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BookChange, Exchange, NormalizedMessage } from '../core/types.js';
import { Backoff, type BackoffOptions } from '../ingest/backoff.js';
import type { RateLimitOptions } from '../ingest/rate-limiter.js';
import { BookPublisher } from './book-publisher.js';
import type { BookChecksum, BookEvent, BookRule, RestBookSnapshot, RestResync } from './book-rule.js';
import { LocalBook } from './local-book.js';
import { newBookSyncStats, type BookSyncState, type BookSyncStats, type BookView } from './book-view.js';
import type { NumericOrderBook } from './order-book.js';
import { ResyncPacer, type CancelTask } from './resync-pacer.js';
import { SnapshotHttpError, fetchSnapshotJson } from './snapshot-fetch.js';

export interface BookSyncOptions<E extends BookEvent> {
  readonly exchange: Exchange;
  /** Canonical (`BTC/USDT`). */
  readonly symbol: string;
  readonly rule: BookRule<E>;
  readonly emit: (msg: NormalizedMessage) => void;
  readonly logger: Logger;
  /** REST snapshots (`rest` rules). Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** `resubscribe` rules (required there): unsubscribe and subscribe this symbol's book channel. */
  readonly resubscribe?: () => void;
  /** Shared by every book of a feed. Default: one of its own at `resyncRate`. */
  readonly pacer?: ResyncPacer;
  /** Rate of the book's own pacer when none is shared. Default `DEFAULT_RESYNC_RATE`. */
  readonly resyncRate?: RateLimitOptions;
  readonly now?: () => number;
  /** Levels per side in the emitted `book_snapshot`s. Default 20. */
  readonly depth?: number;
  /** Delay before retries (errors, stale or crossed snapshots) and before resyncs of an unstable book. */
  readonly backoff?: BackoffOptions;
  /** Events buffered while a REST snapshot is fetched; the oldest are dropped beyond it. Default 10000. */
  readonly maxBuffered?: number;
  /** A REST snapshot, or the stream snapshot after a resubscription, within this, or retry. Default 10000. */
  readonly snapshotTimeoutMs?: number;
}

/** Resync pace when the venue names none: 10 at once, then 2 per second. */
export const DEFAULT_RESYNC_RATE: RateLimitOptions = { perSecond: 2, burst: 10 };

/** Updates that must apply cleanly after a snapshot before resyncs go back to being immediate. */
const STABLE_AFTER_EVENTS = 50;

export class BookSync<E extends BookEvent> implements BookView {
  readonly symbol: string;
  readonly stats: BookSyncStats = newBookSyncStats();

  private readonly exchange: Exchange;
  private readonly rule: BookRule<E>;
  private readonly rest: RestResync<E> | undefined;
  private readonly restUrl: string;
  private readonly log: Logger;
  private readonly fetchFn: typeof fetch;
  private readonly resubscribe: () => void;
  private readonly pacer: ResyncPacer;
  private readonly ownsPacer: boolean;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly maxBuffered: number;
  private readonly snapshotTimeoutMs: number;
  private readonly local: LocalBook<E>;
  private readonly publish: BookPublisher;
  /** Built once: the pacer runs it when this book's turn comes. */
  private readonly runResync: () => void;

  private syncState: BookSyncState = 'idle';
  private buffer: E[] = [];
  private sequence = -1;
  /** The next update is the first after a REST snapshot and may overlap it. */
  private bridging = false;
  /** Bumped on reset/close/fetch so a late snapshot response is ignored. */
  private generation = 0;
  private abort: AbortController | undefined = undefined;
  private retryTimer: NodeJS.Timeout | undefined = undefined;
  private cancelPaced: CancelTask | undefined = undefined;
  private closed = false;
  /** Updates applied since the last snapshot; below STABLE_AFTER_EVENTS a resync backs off. */
  private cleanSinceSnapshot = STABLE_AFTER_EVENTS;
  private crossedEpisode = false;

  constructor(options: BookSyncOptions<E>) {
    const rule = options.rule;
    if (rule.resync.kind === 'resubscribe' && options.resubscribe === undefined) {
      throw new TypeError(`book sync ${options.symbol}: a resubscribe rule needs the resubscribe option`);
    }
    this.symbol = options.symbol;
    this.exchange = options.exchange;
    this.rule = rule;
    this.rest = rule.resync.kind === 'rest' ? rule.resync : undefined;
    this.restUrl = this.rest?.url(options.symbol) ?? '';
    this.log = options.logger.child({ symbol: options.symbol });
    this.fetchFn = options.fetch ?? fetch;
    this.resubscribe = options.resubscribe ?? noop;
    this.ownsPacer = options.pacer === undefined;
    this.pacer = options.pacer ?? new ResyncPacer(options.resyncRate ?? DEFAULT_RESYNC_RATE, options.now);
    this.now = options.now ?? Date.now;
    this.backoff = new Backoff(options.backoff ?? { baseMs: 500, maxMs: 30_000 });
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 10_000;
    this.local = new LocalBook(rule);
    this.publish = new BookPublisher({
      exchange: options.exchange,
      symbol: options.symbol,
      depth: options.depth ?? 20,
      emit: options.emit,
      now: this.now,
    });
    this.runResync = () => {
      this.cancelPaced = undefined;
      if (this.rest !== undefined) this.fetchSnapshot(this.rest);
      else this.resubscribeNow();
    };
  }

  get book(): NumericOrderBook {
    return this.local.levels;
  }

  get state(): BookSyncState {
    return this.syncState;
  }

  get crossed(): boolean {
    return this.crossedEpisode;
  }

  get updateId(): number | undefined {
    return this.syncState === 'synced' ? this.sequence : undefined;
  }

  /** Feed one book event, in stream order. */
  push(event: E): void {
    if (this.closed) return;
    if (event.change.isSnapshot) this.onStreamSnapshot(event);
    else if (this.syncState === 'synced') this.apply(event);
    else if (this.rest !== undefined) this.bufferEvent(event);
    else this.dropWhileUnsynced(event);
  }

  /** Forget the book and the buffer (e.g. the stream reconnected); the next event starts over. */
  reset(): void {
    this.cancel();
    this.syncState = 'idle';
    this.buffer = [];
    this.local.clear();
    this.sequence = -1;
  }

  close(): void {
    this.closed = true;
    this.reset();
    if (this.ownsPacer) this.pacer.close();
  }

  private cancel(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cancelPaced?.();
    this.cancelPaced = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private bufferEvent(event: E): void {
    if (this.buffer.length >= this.maxBuffered) this.buffer.shift();
    this.buffer.push(event);
    if (this.syncState === 'idle') {
      this.syncState = 'fetching';
      this.requestBook();
    }
  }

  /** A `resubscribe` rule without a book: updates are dropped; one while nothing is asked for means the snapshot was missed. */
  private dropWhileUnsynced(event: E): void {
    this.stats.dropped++;
    if (this.syncState !== 'idle') return;
    this.stats.resyncs++;
    const reason = `update before any snapshot (${this.rule.describe(event)})`;
    this.log.warn({ reason }, 'book update without a snapshot; resubscribing');
    this.publish.resyncing(`no snapshot: ${reason}`, event.change.timestamp);
    this.restart(event);
  }

  /** Get a fresh book: at once, or after the backoff when the last snapshot had not proved stable. */
  private requestBook(): void {
    if (this.cleanSinceSnapshot < STABLE_AFTER_EVENTS) {
      this.stats.pacedResyncs++;
      this.retryAfter(0);
    } else {
      this.cancelPaced = this.pacer.schedule(this.runResync);
    }
  }

  private retryAfter(minDelayMs: number): void {
    this.abort = undefined;
    const delay = Math.max(minDelayMs, this.backoff.next());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.cancelPaced = this.pacer.schedule(this.runResync);
    }, delay);
  }

  private fetchSnapshot(rest: RestResync<E>): void {
    const gen = ++this.generation;
    const abort = new AbortController();
    this.abort = abort;
    fetchSnapshotJson(this.fetchFn, this.restUrl, abort, this.snapshotTimeoutMs)
      .then((body) => rest.decode(body))
      .then(
        (snap) => {
          if (gen === this.generation) this.onRestSnapshot(rest, snap);
        },
        (err: unknown) => {
          if (gen !== this.generation) return;
          this.stats.snapshotErrors++;
          this.log.warn({ err, url: this.restUrl }, 'book snapshot failed; retrying');
          const retryAfterMs = err instanceof SnapshotHttpError ? err.retryAfterMs : 0;
          // The venue's limit is the client's, not this symbol's: every book of the feed waits.
          if (retryAfterMs > 0) this.pacer.holdUntil(this.now() + retryAfterMs);
          this.retryAfter(retryAfterMs);
        },
      )
      .catch((err: unknown) => this.log.error({ err }, 'book sync failed on a snapshot'));
  }

  /** Ask the feed for a new subscription; its snapshot must come within `snapshotTimeoutMs`. */
  private resubscribeNow(): void {
    this.resubscribe();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.stats.snapshotErrors++;
      this.log.warn({ timeoutMs: this.snapshotTimeoutMs }, 'no book snapshot after resubscribing; retrying');
      this.retryAfter(0);
    }, this.snapshotTimeoutMs);
  }

  private onRestSnapshot(rest: RestResync<E>, snap: RestBookSnapshot): void {
    this.abort = undefined;
    const first = rest.firstSequence(this.buffer[0]);
    if (snap.sequence < first) {
      this.stats.staleSnapshots++;
      this.log.debug(
        { snapshot: snap.sequence, first },
        'snapshot older than the first buffered event; refetching',
      );
      this.retryAfter(0);
      return;
    }
    this.cleanSinceSnapshot = 0;
    this.local.replace(snap.bids, snap.asks);
    const exchangeTime = this.snapshotTime(rest, snap.sequence);
    if (this.local.isCrossed()) {
      // Keep the buffer and state 'fetching': a later snapshot can still bridge it.
      this.refuseCrossed(rest.describe(snap), exchangeTime);
      this.local.clear();
      this.retryAfter(0);
      return;
    }
    this.onSynced(snap.sequence, true);
    const change: BookChange = {
      type: 'book_change',
      exchange: this.exchange,
      symbol: this.symbol,
      timestamp: exchangeTime,
      localTimestamp: this.now(),
      bids: snap.bids,
      asks: snap.asks,
      sequence: snap.sequence,
      isSnapshot: true,
    };
    this.publish.change(change, this.local.levels, snap.sequence);
    const buffered = this.buffer;
    this.buffer = [];
    // push() routes each one: applied while synced, buffered again if a gap restarted the sync.
    for (let i = 0; i < buffered.length; i++) this.push(buffered[i]);
  }

  /** A snapshot on the stream replaces the book, whatever state it was in. */
  private onStreamSnapshot(event: E): void {
    this.cancel();
    this.buffer = [];
    this.cleanSinceSnapshot = 0;
    this.local.clear();
    this.local.apply(event);
    if (this.checksumFails(event)) return;
    if (this.local.isCrossed()) {
      this.onCrossedEvent(event);
      return;
    }
    this.onSynced(event.change.sequence, false);
    this.publish.change(event.change, this.local.levels, this.sequence);
  }

  private onSynced(sequence: number, bridging: boolean): void {
    this.stats.snapshots++;
    this.sequence = sequence;
    this.bridging = bridging;
    this.syncState = 'synced';
    this.crossedEpisode = false;
    this.publish.restart();
  }

  private apply(event: E): void {
    const continuity = this.rule.continues(event, this.sequence, this.bridging);
    if (continuity === 'skip') {
      this.stats.skipped++;
      return;
    }
    if (continuity !== 'apply') {
      this.onGap(event, continuity.gap);
      return;
    }
    this.bridging = false;
    this.local.apply(event);
    this.sequence = event.change.sequence;
    if (this.checksumFails(event)) return;
    if (this.local.isCrossed()) {
      this.onCrossedEvent(event);
      return;
    }
    this.stats.applied++;
    if (++this.cleanSinceSnapshot === STABLE_AFTER_EVENTS) this.backoff.reset();
    this.publish.change(event.change, this.local.levels, this.sequence);
  }

  /** True (and the resync under way) when the event's checksum disagrees with the local book. */
  private checksumFails(event: E): boolean {
    const checksum = this.rule.checksum;
    if (checksum === undefined) return false;
    const expected = checksum.expected(event);
    if (expected === undefined) return false;
    this.stats.checksums++;
    const actual = this.localChecksum(checksum, event);
    if (actual === expected) return false;
    this.stats.checksumMismatches++;
    this.stats.resyncs++;
    const source = this.rule.describe(event);
    this.log.warn({ expected, actual, source }, 'book checksum mismatch; resyncing');
    this.publish.resyncing(
      `checksum mismatch: ${source} says ${expected}, local book ${actual}`,
      event.change.timestamp,
    );
    this.restart(event);
    return true;
  }

  /**
   * The rule's checksum of the local book, or why it cannot be computed (a value the venue's
   * format cannot write, e.g. more decimals than the pair has): a mismatch all the same.
   */
  private localChecksum(checksum: BookChecksum<E>, event: E): number | string {
    try {
      return this.local.checksum(checksum, event);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return `not computable (${err.message})`;
    }
  }

  private onGap(event: E, reason: string): void {
    this.stats.gaps++;
    this.stats.resyncs++;
    this.log.warn({ reason }, 'book sequence gap; resyncing');
    this.publish.resyncing(`sequence gap: ${reason}`, event.change.timestamp);
    this.restart(event);
  }

  /** The event crossed the book: nothing of it is published and the book is rebuilt. */
  private onCrossedEvent(event: E): void {
    this.stats.resyncs++;
    this.refuseCrossed(this.rule.describe(event), event.change.timestamp);
    this.restart(event);
  }

  /** Drop the book and get a fresh one; a REST rule buffers the event (as the first after the gap). */
  private restart(event: E): void {
    this.reset();
    if (this.rest === undefined) {
      this.syncState = 'resubscribing';
      this.requestBook();
    } else if (!event.change.isSnapshot) {
      this.push(event);
    }
  }

  /** Count a refused crossed book; warn and emit a `resyncing` status once per episode. */
  private refuseCrossed(source: string, exchangeTime: number): void {
    this.stats.crossed++;
    const bid = this.local.levels.bids.bestPrice();
    const ask = this.local.levels.asks.bestPrice();
    if (this.crossedEpisode) {
      this.log.debug({ bid, ask, source, crossed: this.stats.crossed }, 'book still crossed');
      return;
    }
    this.crossedEpisode = true;
    this.log.warn({ bid, ask, source }, 'crossed book refused (best bid >= best ask); resyncing');
    this.publish.resyncing(`crossed book: best bid ${bid} >= best ask ${ask} (${source})`, exchangeTime);
  }

  /**
   * Exchange time of a REST snapshot: the time of the newest buffered event whose updates start
   * at or before the snapshot (the one it ends in, or the last it fully covers). The first
   * buffered event always qualifies, or the snapshot would have been refetched as stale.
   */
  private snapshotTime(rest: RestResync<E>, sequence: number): number {
    const buffer = this.buffer;
    let i = 0;
    while (i + 1 < buffer.length && rest.firstSequence(buffer[i + 1]) <= sequence) i++;
    return buffer[i].change.timestamp;
  }
}

function noop(): void {}
