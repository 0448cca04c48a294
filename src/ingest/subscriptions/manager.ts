/**
 * The union of every subscription source (static config, gateway demand, positions), applied to
 * the feeds as deltas. Each source replaces its own wants as a whole; a symbol is subscribed on an
 * exchange when its first source wants it there and unsubscribed only when the last one lets go,
 * so a symbol two sources share never churns.
 */
import type { Logger } from '../../core/logger.js';
import type { Exchange } from '../../core/types.js';
import { wantKey, type SymbolCatalog, type SymbolWant } from './wants.js';

/** What the manager drives: a feed (`Feed.subscribe/unsubscribe` take canonical symbols). */
export interface SubscriptionTarget {
  subscribe(symbols: string[]): void;
  unsubscribe(symbols: string[]): void;
}

export interface SubscriptionManagerOptions {
  /** One target per ingested exchange, in priority order (the first carrying a symbol is its primary). */
  readonly targets: ReadonlyMap<Exchange, SubscriptionTarget>;
  /** Where a want without an exchange goes: every exchange listing the symbol. */
  readonly catalog: SymbolCatalog;
  readonly logger: Logger;
}

/** A source's wants resolved to exchanges: exchange → symbols. */
type Resolved = Map<Exchange, Set<string>>;

export class SubscriptionManager {
  private readonly targets: ReadonlyMap<Exchange, SubscriptionTarget>;
  private readonly catalog: SymbolCatalog;
  private readonly log: Logger;
  private readonly bySource = new Map<string, Resolved>();
  /** Wants of each source that no ingested exchange lists, already warned about. */
  private readonly unplaced = new Map<string, Set<string>>();
  /** exchange → symbol → the sources that want it there. */
  private readonly holders = new Map<Exchange, Map<string, Set<string>>>();
  private readonly primary = new Map<string, Exchange>();

  constructor(opts: SubscriptionManagerOptions) {
    this.targets = opts.targets;
    this.catalog = opts.catalog;
    this.log = opts.logger;
    for (const exchange of this.targets.keys()) this.holders.set(exchange, new Map());
  }

  /** Replace everything `source` wants; the feeds get only what changed in the union. */
  set(source: string, wants: Iterable<SymbolWant>): void {
    const next = this.resolve(source, wants);
    const previous = this.bySource.get(source) ?? new Map<Exchange, Set<string>>();
    this.bySource.set(source, next);
    for (const [exchange, holders] of this.holders) {
      const before = previous.get(exchange) ?? EMPTY;
      const after = next.get(exchange) ?? EMPTY;
      const added: string[] = [];
      const removed: string[] = [];
      for (const symbol of after) {
        if (before.has(symbol)) continue;
        let set = holders.get(symbol);
        if (set === undefined) {
          set = new Set();
          holders.set(symbol, set);
          added.push(symbol);
        }
        set.add(source);
      }
      for (const symbol of before) {
        if (after.has(symbol)) continue;
        const set = holders.get(symbol);
        if (set === undefined) continue;
        set.delete(source);
        if (set.size === 0) {
          holders.delete(symbol);
          removed.push(symbol);
        }
      }
      this.apply(exchange, source, added, removed);
    }
  }

  /** Symbols subscribed on `exchange` by any source. */
  subscribed(exchange: Exchange): string[] {
    return [...(this.holders.get(exchange)?.keys() ?? [])];
  }

  /** The exchanges, in priority order, that have `symbol` subscribed now. */
  exchangesOf(symbol: string): Exchange[] {
    return [...this.holders].filter(([, holders]) => holders.has(symbol)).map(([exchange]) => exchange);
  }

  /** The sources that keep `symbol` subscribed on `exchange` (`static`, `demand`, `positions`). */
  sourcesOf(exchange: Exchange, symbol: string): string[] {
    return [...(this.holders.get(exchange)?.get(symbol) ?? [])];
  }

  /** The first exchange, in priority order, that has `symbol` subscribed: its aggregated streams' source. */
  primaryFor(symbol: string): Exchange | undefined {
    return this.primary.get(symbol);
  }

  private resolve(source: string, wants: Iterable<SymbolWant>): Resolved {
    const resolved: Resolved = new Map();
    const unplaced = new Set<string>();
    for (const want of wants) {
      const exchanges =
        want.exchange === undefined
          ? this.catalog.listedOn(want.symbol).filter((e) => this.targets.has(e))
          : this.targets.has(want.exchange)
            ? [want.exchange]
            : [];
      if (exchanges.length === 0) unplaced.add(wantKey(want));
      for (const exchange of exchanges) {
        let set = resolved.get(exchange);
        if (set === undefined) {
          set = new Set();
          resolved.set(exchange, set);
        }
        set.add(want.symbol);
      }
    }
    const warned = this.unplaced.get(source);
    const fresh = [...unplaced].filter((k) => warned?.has(k) !== true);
    if (fresh.length > 0) {
      this.log.warn(
        { source, wants: fresh, exchanges: [...this.targets.keys()] },
        'no ingested exchange lists these symbols; nothing subscribed for them (check the symbol and --exchanges)',
      );
    }
    this.unplaced.set(source, unplaced);
    return resolved;
  }

  private apply(exchange: Exchange, source: string, added: string[], removed: string[]): void {
    if (added.length === 0 && removed.length === 0) return;
    const target = this.targets.get(exchange);
    if (target === undefined) return;
    const refused = added.length > 0 ? this.subscribeEach(exchange, target, added) : [];
    if (removed.length > 0) target.unsubscribe(removed);
    for (const symbol of refused) this.forget(exchange, symbol);
    const subscribed = added.filter((s) => !refused.includes(s));
    for (const symbol of [...added, ...removed]) this.refreshPrimary(symbol);
    this.log.info({ exchange, source, subscribed, unsubscribed: removed }, 'subscriptions changed');
  }

  /**
   * Subscribe `symbols`; when the feed throws (a symbol it cannot spell), try them one by one so
   * one bad symbol neither stops the others nor escapes into the source. Returns the refused ones.
   */
  private subscribeEach(exchange: Exchange, target: SubscriptionTarget, symbols: string[]): string[] {
    try {
      target.subscribe(symbols);
      return [];
    } catch {
      const refused: string[] = [];
      for (const symbol of symbols) {
        try {
          target.subscribe([symbol]);
        } catch (err) {
          refused.push(symbol);
          this.log.warn({ exchange, symbol, err }, `the ${exchange} feed refused ${symbol}; not subscribed`);
        }
      }
      return refused;
    }
  }

  /** Drop a symbol the feed refused from every source's wants there, so nothing unsubscribes it later. */
  private forget(exchange: Exchange, symbol: string): void {
    this.holders.get(exchange)?.delete(symbol);
    for (const resolved of this.bySource.values()) resolved.get(exchange)?.delete(symbol);
  }

  private refreshPrimary(symbol: string): void {
    for (const [exchange, holders] of this.holders) {
      if (holders.has(symbol)) {
        this.primary.set(symbol, exchange);
        return;
      }
    }
    this.primary.delete(symbol);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
