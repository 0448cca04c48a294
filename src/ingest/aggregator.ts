/**
 * Multi-source aggregator: for each canonical symbol carried by several exchanges, one active
 * source feeds the aggregated streams (`book@BTC/USDT`, `ticker@BTC/USDT`, `status@BTC/USDT`, …).
 * The active source fails over on disconnect, latency over the threshold, no data for a while or
 * an error burst, and the preferred source (the primary) takes over again once it has been
 * healthy for a hold time. Tickers are combined by the conflict resolution mode; `quote@BTC/USDT`
 * is the best bid and offer across the healthy venues, each side tagged with its venue.
 *
 * Checks run on every incoming message (at most every `evaluateEveryMs` per symbol), at once on a
 * source's status change, and on a timer every `healthCheckIntervalMs` (for symbols whose every
 * source fell silent). So a stalled primary is replaced `noDataTimeoutMs` after its last message
 * as soon as a secondary speaks, well within 8 s with the defaults.
 */
import type {
  BookChange,
  BookSnapshot,
  Exchange,
  NormalizedMessage,
  Quote,
  Status,
  Ticker,
} from '../core/types.js';
import { consolidatedQuote, resolveTicker, type ConflictResolution } from './conflict.js';
import type { FeedStats } from './feed.js';

export type {
  AggregatorEvents,
  FailoverFailed,
  SourceSwitch,
  SwitchReason,
  SymbolSourcesView,
} from './aggregator-events.js';
import type { AggregatorEvents, SwitchReason, SymbolSourcesView } from './aggregator-events.js';
import { marketDataOf } from './market-data.js';
import { SourceHealth, type HealthLimits, type UnhealthyReason } from './source-health.js';

export interface AggregatorOptions {
  /** Exchanges in priority order: the first that carries a symbol is its primary, unless `primaryExchange` does. */
  readonly exchanges: readonly Exchange[];
  /** Canonical symbols per exchange. */
  readonly symbols: ReadonlyMap<Exchange, readonly string[]>;
  readonly primaryExchange?: Exchange;
  /** Default true; false keeps every symbol on its primary whatever happens. */
  readonly enableFailover?: boolean;
  /** Default 10000. */
  readonly healthCheckIntervalMs?: number;
  /** Default 5000. */
  readonly maxSourceLatencyMs?: number;
  /** Default 5000. */
  readonly noDataTimeoutMs?: number;
  /** How long a recovered primary must stay healthy before it is switched back to. Default 30000. */
  readonly switchBackHoldMs?: number;
  /** Default 5 errors within 10000 ms. */
  readonly errorBurstCount?: number;
  readonly errorBurstWindowMs?: number;
  /** Default `primary`. */
  readonly conflictResolution?: ConflictResolution;
  /** No failover in the first moments, while the feeds connect. Default 5000. */
  readonly startupGraceMs?: number;
  /** Per-symbol pace of the checks made on incoming messages. Default 250. */
  readonly evaluateEveryMs?: number;
  /** Each exchange's feed counters: errors a feed counts count against every one of its symbols. */
  readonly feedStats?: (exchange: Exchange) => FeedStats | undefined;
  /** Where the aggregator's own aggregated messages go (tickers, consolidated quotes, switch statuses, books after a switch). */
  readonly publish: (msg: NormalizedMessage) => void;
  readonly now?: () => number;
}

type Listener<K extends keyof AggregatorEvents> = (event: AggregatorEvents[K]) => void;

/** One symbol's sources and what the aggregator keeps of each. */
interface SymbolGroup {
  readonly symbol: string;
  readonly sources: readonly SourceHealth[];
  readonly primary: SourceHealth;
  active: SourceHealth;
  failed: boolean;
  lastEval: number;
  readonly tickers: Map<Exchange, Ticker>;
  readonly quotes: Map<Exchange, Quote>;
  readonly books: Map<Exchange, BookSnapshot>;
  lastTicker: Ticker | undefined;
  lastQuote: Quote | undefined;
}

export class Aggregator {
  private readonly opts: AggregatorOptions;
  private readonly limits: HealthLimits;
  private readonly now: () => number;
  private readonly groups = new Map<string, SymbolGroup>();
  private readonly bySource = new Map<Exchange, SourceHealth[]>();
  private readonly feedErrors = new Map<Exchange, number>();
  private readonly listeners: { [K in keyof AggregatorEvents]: Set<Listener<K>> } = {
    sourceSwitch: new Set(),
    failover_failed: new Set(),
    marketData: new Set(),
  };
  private readonly startedAt: number;
  private readonly failover: boolean;
  private readonly mode: ConflictResolution;
  private readonly hold: number;
  private readonly grace: number;
  private readonly evaluateEvery: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: AggregatorOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.limits = {
      maxSourceLatencyMs: opts.maxSourceLatencyMs ?? 5000,
      noDataTimeoutMs: opts.noDataTimeoutMs ?? 5000,
      errorBurstCount: opts.errorBurstCount ?? 5,
      errorBurstWindowMs: opts.errorBurstWindowMs ?? 10_000,
    };
    this.failover = opts.enableFailover ?? true;
    this.mode = opts.conflictResolution ?? 'primary';
    this.hold = opts.switchBackHoldMs ?? 30_000;
    this.grace = opts.startupGraceMs ?? 5000;
    this.evaluateEvery = opts.evaluateEveryMs ?? 250;
    this.startedAt = this.now();
    this.buildGroups();
    const interval = opts.healthCheckIntervalMs ?? 10_000;
    this.timer = setInterval(() => this.checkAll(), interval);
    this.timer.unref();
  }

  on<K extends keyof AggregatorEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The exchange feeding `symbol`'s aggregated streams now (undefined for a symbol no source carries). */
  activeSource(symbol: string): Exchange | undefined {
    return this.groups.get(symbol)?.active.exchange;
  }

  /** Take in one normalized message from a feed (before it is routed). */
  observe(msg: NormalizedMessage): void {
    const group = this.groups.get(msg.symbol);
    const source = group?.sources.find((s) => s.exchange === msg.exchange);
    if (group === undefined || source === undefined) return;
    source.observe(msg);
    const now = this.now();
    if (msg.type === 'status' || now - group.lastEval >= this.evaluateEvery) this.evaluate(group, now);
    switch (msg.type) {
      case 'trade':
        this.emit('marketData', marketDataOf(msg));
        break;
      case 'book_snapshot':
        group.books.set(msg.exchange, msg);
        if (group.active === source) this.emit('marketData', marketDataOf(msg));
        break;
      case 'ticker':
        this.onTicker(group, source, msg);
        break;
      case 'quote':
        group.quotes.set(msg.exchange, msg);
        this.publishQuote(group);
        break;
      default:
        break;
    }
  }

  /** Every source of every symbol, and the active source of each. */
  sources(): SymbolSourcesView[] {
    const now = this.now();
    const out: SymbolSourcesView[] = [];
    for (const g of this.groups.values()) {
      out.push({
        symbol: g.symbol,
        primary: g.primary.exchange,
        active: g.active.exchange,
        failoverFailed: g.failed,
        sources: g.sources.map((s) => s.view(now, this.limits)),
      });
    }
    return out;
  }

  /** Run every check now (the timer does this every `healthCheckIntervalMs`). */
  checkAll(): void {
    const now = this.now();
    for (const group of this.groups.values()) this.evaluate(group, now);
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const set of Object.values(this.listeners)) set.clear();
  }

  private buildGroups(): void {
    const carriers = new Map<string, Exchange[]>();
    for (const exchange of this.opts.exchanges) {
      for (const symbol of this.opts.symbols.get(exchange) ?? []) {
        const list = carriers.get(symbol) ?? [];
        if (!list.includes(exchange)) list.push(exchange);
        carriers.set(symbol, list);
      }
    }
    const preferred = this.opts.primaryExchange;
    for (const [symbol, list] of carriers) {
      if (preferred !== undefined && list.includes(preferred))
        list.sort((a, b) => (a === preferred ? -1 : b === preferred ? 1 : 0));
      const sources = list.map((e) => new SourceHealth(e, symbol));
      for (const s of sources) {
        const mine = this.bySource.get(s.exchange) ?? [];
        mine.push(s);
        this.bySource.set(s.exchange, mine);
      }
      this.groups.set(symbol, {
        symbol,
        sources,
        primary: sources[0],
        active: sources[0],
        failed: false,
        lastEval: 0,
        tickers: new Map(),
        quotes: new Map(),
        books: new Map(),
        lastTicker: undefined,
        lastQuote: undefined,
      });
    }
  }

  /** Errors each feed counted since the last look, charged to every symbol of the feed. */
  private sampleFeedErrors(exchange: Exchange, now: number): void {
    const stats = this.opts.feedStats?.(exchange);
    if (stats === undefined) return;
    const total =
      stats.decodeErrors +
      stats.gaps +
      stats.checksumMismatches +
      stats.crossedBooks +
      stats.rejectedRequests;
    const before = this.feedErrors.get(exchange) ?? total;
    this.feedErrors.set(exchange, total);
    if (total > before) for (const s of this.bySource.get(exchange) ?? []) s.addErrors(total - before, now);
  }

  private evaluate(group: SymbolGroup, now: number): void {
    group.lastEval = now;
    for (const s of group.sources) {
      this.sampleFeedErrors(s.exchange, now);
      s.assess(now, this.limits);
    }
    if (!this.failover || group.sources.length === 0) return;
    if (now - this.startedAt < this.grace) return;
    const active = group.active;
    if (active.reason === undefined) {
      group.failed = false;
      const primary = group.primary;
      const since = primary.healthySince;
      if (active !== primary && since !== undefined && now - since >= this.hold) {
        this.switchTo(group, primary, 'primary_recovered', now);
      }
      return;
    }
    const next = group.sources.find((s) => s !== active && s.reason === undefined);
    if (next !== undefined) {
      this.switchTo(group, next, active.reason, now);
      return;
    }
    if (group.failed) return;
    group.failed = true;
    const reasons: Partial<Record<Exchange, UnhealthyReason>> = {};
    for (const s of group.sources) reasons[s.exchange] = s.reason;
    const listed = group.sources.map((s) => `${s.exchange}: ${s.reason ?? 'healthy'}`).join(', ');
    this.publishStatus(
      group,
      active.exchange,
      'stale',
      `failover_failed: no healthy source (${listed})`,
      now,
    );
    this.emit('failover_failed', { symbol: group.symbol, active: active.exchange, reasons, at: now });
  }

  private switchTo(group: SymbolGroup, to: SourceHealth, reason: SwitchReason, now: number): void {
    const from = group.active.exchange;
    group.active = to;
    group.failed = false;
    this.publishStatus(
      group,
      to.exchange,
      'connected',
      `sourceSwitch ${from} → ${to.exchange} (${reason})`,
      now,
    );
    // Subscribers of the aggregated book see the new source's book at once, not at its next snapshot.
    const book = group.books.get(to.exchange);
    if (book !== undefined) {
      this.opts.publish(book);
      const change: BookChange = {
        type: 'book_change',
        exchange: book.exchange,
        symbol: book.symbol,
        timestamp: book.timestamp,
        localTimestamp: book.localTimestamp,
        bids: book.bids,
        asks: book.asks,
        sequence: book.sequence,
        isSnapshot: true,
      };
      this.opts.publish(change);
    }
    const ticker = group.tickers.get(to.exchange);
    if (ticker !== undefined && this.mode === 'primary') this.publishTicker(group, ticker);
    this.emit('sourceSwitch', { symbol: group.symbol, from, to: to.exchange, reason, at: now });
  }

  private onTicker(group: SymbolGroup, source: SourceHealth, msg: Ticker): void {
    group.tickers.set(msg.exchange, msg);
    if (this.mode !== 'primary' && source.reason !== undefined && source !== group.active) return;
    const healthy: Ticker[] = [];
    for (const s of group.sources) {
      const t = group.tickers.get(s.exchange);
      if (t !== undefined && (s.reason === undefined || s === source)) healthy.push(t);
    }
    const resolved = resolveTicker(this.mode, msg, group.active.exchange, healthy, group.lastTicker);
    if (resolved !== undefined) this.publishTicker(group, resolved);
  }

  private publishTicker(group: SymbolGroup, ticker: Ticker): void {
    group.lastTicker = ticker;
    this.opts.publish(ticker);
    this.emit('marketData', marketDataOf(ticker));
  }

  /** The consolidated quote over the healthy venues (the active one when none is), when it changed. */
  private publishQuote(group: SymbolGroup): void {
    const quotes: Quote[] = [];
    for (const s of group.sources) {
      const q = group.quotes.get(s.exchange);
      if (q !== undefined && (s.reason === undefined || s === group.active)) quotes.push(q);
    }
    const best = consolidatedQuote(quotes, group.active.exchange);
    if (best === undefined) return;
    const last = group.lastQuote;
    if (
      last !== undefined &&
      last.bid === best.bid &&
      last.ask === best.ask &&
      last.bidSize === best.bidSize &&
      last.askSize === best.askSize &&
      last.bidExchange === best.bidExchange &&
      last.askExchange === best.askExchange
    ) {
      return;
    }
    group.lastQuote = best;
    this.opts.publish(best);
    this.emit('marketData', marketDataOf(best));
  }

  private publishStatus(
    group: SymbolGroup,
    exchange: Exchange,
    state: Status['state'],
    reason: string,
    now: number,
  ): void {
    this.opts.publish({
      type: 'status',
      exchange,
      symbol: group.symbol,
      timestamp: now,
      localTimestamp: now,
      state,
      reason,
    });
  }

  private emit<K extends keyof AggregatorEvents>(event: K, payload: AggregatorEvents[K] | undefined): void {
    if (payload === undefined) return;
    for (const listener of this.listeners[event] as Set<Listener<K>>) listener(payload);
  }
}
