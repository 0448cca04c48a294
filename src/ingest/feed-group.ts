/**
 * One venue feed made of several connections: a venue whose channels live on different URLs
 * (OKX: trades, books and tickers on `/ws/v5/public`, candles on `/ws/v5/business`) runs one
 * `createVenueFeed` per URL and groups them here into the one `Feed` the app sees.
 *
 * - Messages of every part go into one queue, in arrival order.
 * - Subscribe and unsubscribe go to every part; each part subscribes its own channels.
 * - Connection statuses are merged per symbol: the group's state is the least connected part's
 *   (disconnected < connecting < authenticating < connected; a part that has not reported yet does
 *   not count), and a status goes out only when that merged state changes, its reason prefixed
 *   with the part that moved it (`business: …`). A status
 *   that is no transition of its part (a venue notice while connected) passes through with the
 *   merged state; `stale` and `resyncing` pass through as they are, prefixed.
 * - Stats add up the parts' counters; state is the merged state; latency is the first part's.
 * - `book(symbol)`: the first part that keeps one.
 * - Leaving the loop, `close()`, or a part whose message stream fails closes every part.
 */
import type { BookView } from '../book/book-view.js';
import type { Logger } from '../core/logger.js';
import type { Exchange, FeedState, NormalizedMessage, Status } from '../core/types.js';
import type { BreakerState } from './circuit-breaker.js';
import { TypedEmitter, emitMessageEvent, type FeedEventName, type FeedEvents } from './feed-events.js';
import { FeedQueue, type FeedStats, type SymbolStats } from './feed.js';
import type { VenueFeed } from './venue-feed.js';

export interface FeedPart {
  /** For status reasons: `public`, `business`. */
  readonly name: string;
  readonly feed: VenueFeed;
}

const RANK: Readonly<Record<FeedState, number>> = {
  disconnected: 0,
  connecting: 1,
  authenticating: 2,
  connected: 3,
};
const BY_RANK: readonly FeedState[] = ['disconnected', 'connecting', 'authenticating', 'connected'];
const BREAKER_RANK: readonly BreakerState[] = ['closed', 'half-open', 'open'];
/** Events of a part that the group passes on as they are; data and statuses come from its own merge. */
const LINK_EVENTS = ['connected', 'disconnected', 'error', 'max_reconnects_reached'] as const;

function isFeedState(state: Status['state']): state is FeedState {
  return state in RANK;
}

export function createFeedGroup<X extends Exchange>(
  exchange: X,
  parts: readonly FeedPart[],
  options: FeedGroupOptions = {},
): VenueFeed & { readonly exchange: X } {
  if (parts.length === 0) throw new TypeError(`feed group of ${exchange}: no parts`);
  return new FeedGroup(exchange, parts, options);
}

export interface FeedGroupOptions {
  /** Messages held for a slow consumer before the oldest are dropped. Default 100000. */
  readonly maxQueued?: number;
  /** Where a part whose message stream fails is reported. */
  readonly logger?: Logger;
}

class FeedGroup<X extends Exchange> implements VenueFeed {
  readonly exchange: X;
  private readonly parts: readonly FeedPart[];
  private readonly queue: FeedQueue;
  private readonly log: Logger | undefined;
  /** Per symbol, each part's last connection state. */
  private readonly states = new Map<string, Array<FeedState | undefined>>();
  /** Per symbol, the merged state last sent. */
  private readonly sent = new Map<string, FeedState>();
  private pumps: Promise<unknown> | undefined = undefined;
  private closed = false;
  private iterated = false;
  private readonly events: TypedEmitter<FeedEvents>;

  constructor(exchange: X, parts: readonly FeedPart[], options: FeedGroupOptions) {
    this.exchange = exchange;
    this.parts = parts;
    this.log = options.logger;
    this.queue = new FeedQueue(options.maxQueued ?? 100_000, () => void this.close());
    this.events = new TypedEmitter<FeedEvents>((err, event) =>
      this.log?.error({ err, event }, 'feed event listener threw'),
    );
    for (const part of parts) {
      for (const name of LINK_EVENTS) this.forward(part, name);
    }
  }

  on<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  off<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  messages(): AsyncIterable<NormalizedMessage> {
    const iterable = this.queue.iterate();
    this.iterated = true;
    this.start();
    return iterable;
  }

  start(): void {
    if (this.pumps === undefined && !this.closed) {
      this.pumps = Promise.all(this.parts.map((part, i) => this.pump(part, i)))
        .catch((err: unknown) => {
          this.log?.error({ err }, `${this.exchange} feed part failed; feed closed`);
          void this.close();
        })
        .finally(() => this.queue.end());
    }
  }

  private forward<K extends (typeof LINK_EVENTS)[number]>(part: FeedPart, name: K): void {
    part.feed.on(name, (event: FeedEvents[K]) => this.events.emit(name, event));
  }

  private deliver(msg: NormalizedMessage): void {
    if (this.iterated) this.queue.push(msg);
    emitMessageEvent(this.events, msg);
  }

  subscribe(symbols: string[]): void {
    for (const part of this.parts) part.feed.subscribe(symbols);
  }

  unsubscribe(symbols: string[]): void {
    for (const part of this.parts) part.feed.unsubscribe(symbols);
  }

  stats(): FeedStats {
    const all = this.parts.map((p) => p.feed.stats());
    const sum = (key: keyof FeedStats): number => all.reduce((n, s) => n + (s[key] as number), 0);
    const last = all.map((s) => s.lastMessageAt).filter((t): t is number => t !== undefined);
    return {
      exchange: this.exchange,
      state: BY_RANK[Math.min(...all.map((s) => RANK[s.state]))],
      reconnects: sum('reconnects'),
      messages: sum('messages'),
      frames: sum('frames'),
      decodeErrors: sum('decodeErrors'),
      gaps: sum('gaps'),
      resyncs: sum('resyncs'),
      checksumMismatches: sum('checksumMismatches'),
      crossedBooks: sum('crossedBooks'),
      crossedTickers: sum('crossedTickers'),
      rejectedRequests: sum('rejectedRequests'),
      lastMessageAt: last.length === 0 ? undefined : Math.max(...last),
      latencyMs: all.find((s) => s.latencyMs !== undefined)?.latencyMs,
      dropped: sum('dropped') + this.queue.dropped,
      subscriptions: all[0].subscriptions,
      breaker: BREAKER_RANK[Math.max(...all.map((s) => BREAKER_RANK.indexOf(s.breaker)))],
      breakerFailures: Math.max(...all.map((s) => s.breakerFailures)),
      consecutiveErrors: Math.max(...all.map((s) => s.consecutiveErrors)),
      connectedSince: all.some((s) => s.connectedSince === undefined)
        ? undefined
        : Math.max(...all.map((s) => s.connectedSince ?? 0)),
      pingRttMs: all.find((s) => s.pingRttMs !== undefined)?.pingRttMs,
      staleSymbols: [...new Set(all.flatMap((s) => s.staleSymbols))],
      quietChannels: [...new Set(all.flatMap((s) => s.quietChannels))],
      bySymbol: sumBySymbol(all),
    };
  }

  book(symbol: string): BookView | undefined {
    for (const part of this.parts) {
      const book = part.feed.book(symbol);
      if (book !== undefined) return book;
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.parts.map((p) => p.feed.close()));
    if (this.pumps === undefined) this.queue.end();
    else await this.pumps;
  }

  private async pump(part: FeedPart, index: number): Promise<void> {
    for await (const msg of part.feed.messages()) {
      if (msg.type === 'status') this.onStatus(part, index, msg);
      else this.deliver(msg);
    }
  }

  private onStatus(part: FeedPart, index: number, status: Status): void {
    const prefixed: Status = { ...status, reason: `${part.name}: ${status.reason}` };
    const state = status.state;
    if (!isFeedState(state)) {
      this.deliver(prefixed);
      return;
    }
    let states = this.states.get(status.symbol);
    if (states === undefined) {
      states = this.parts.map((): FeedState | undefined => undefined);
      this.states.set(status.symbol, states);
    }
    const previous = states[index];
    states[index] = state;
    // A part that has not reported yet does not count: the first status is the first part's own.
    let rank = RANK.connected;
    for (const s of states) if (s !== undefined) rank = Math.min(rank, RANK[s]);
    const merged = BY_RANK[rank];
    if (previous === state && this.sent.has(status.symbol)) {
      this.deliver({ ...prefixed, state: merged }); // no transition of this part: a notice
      return;
    }
    if (this.sent.get(status.symbol) === merged) return;
    this.sent.set(status.symbol, merged);
    this.deliver({ ...prefixed, state: merged });
  }
}

function sumBySymbol(all: readonly FeedStats[]): Record<string, SymbolStats> {
  const out: Record<string, SymbolStats> = {};
  for (const stats of all) {
    for (const [symbol, s] of Object.entries(stats.bySymbol)) {
      const t = out[symbol];
      out[symbol] =
        t === undefined
          ? s
          : {
              messages: t.messages + s.messages,
              gaps: t.gaps + s.gaps,
              resyncs: t.resyncs + s.resyncs,
              checksumMismatches: t.checksumMismatches + s.checksumMismatches,
              crossedBooks: t.crossedBooks + s.crossedBooks,
            };
    }
  }
  return out;
}
