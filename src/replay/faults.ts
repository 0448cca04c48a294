/**
 * The hub's fault rules (DESIGN.md "Replay processes"): which fault is armed for which exchange
 * and symbol, and when it may fire next. A `count` rule fires that many times and expires; a
 * `ratePerMin` rule fires at once, then at most once every 60 000 / rate ms until cleared. The
 * venue taps (fault-tap.ts) ask {@link FaultStore.take} at the moment a fault could apply (a frame
 * of the symbol, a REST request naming it, a connection carrying it), and are told through
 * {@link FaultStore.onReady} when a rule becomes ready without a frame (connection faults). Every
 * injection is logged (one line: exchange, symbol, fault) and reported to the hub observer.
 */
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { FAULT_DEFAULTS, type FaultSpec } from './fault-spec.js';
import { SILENT_OBSERVER, type FaultKind, type HubObserver } from './hub-observer.js';

/** What the store knows of one mounted venue. */
export interface FaultVenue {
  readonly exchange: Exchange;
  /** The venue's own spelling of `symbol` (canonical `BTC/USDT` or native), undefined when unknown. */
  resolve(symbol: string): string | undefined;
  /** The canonical spelling of a native symbol, for listings. */
  canonical(native: string): string;
  /** Native symbols replayed (for hints). */
  readonly symbols: readonly string[];
  /** Faults the venue can show (a venue without checksums cannot corrupt one). */
  readonly supports: ReadonlySet<FaultKind>;
}

/** A rule as `GET /control/faults` lists it. */
export interface FaultRuleView {
  readonly id: number;
  readonly exchange: Exchange;
  /** The venue's own spelling. */
  readonly symbol: string;
  readonly canonicalSymbol: string;
  readonly fault: FaultKind;
  readonly count?: number;
  readonly ratePerMin?: number;
  /** Injections left of a `count` rule; null for a rate rule. */
  readonly remaining: number | null;
  readonly injected: number;
  readonly ms?: number;
  readonly retryAfter?: number;
}

/** One armed fault. */
export interface FaultRule {
  readonly id: number;
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly fault: FaultKind;
  /** `stall` silence / `latency` delay, ms (defaults applied). */
  readonly ms: number;
  /** `rest429` Retry-After, seconds (default applied). */
  readonly retryAfter: number;
}

interface Armed extends FaultRule {
  readonly spec: FaultSpec;
  remaining: number | null;
  injected: number;
  /** Rate rules: wall time from which the next injection may happen. */
  nextAt: number;
  timer: NodeJS.Timeout | undefined;
}

export type AddResult = { ok: true; rule: FaultRuleView } | { ok: false; error: string };

export interface FaultFilter {
  readonly exchange?: string;
  readonly symbol?: string;
  readonly fault?: string;
}

export interface FaultStoreOptions {
  readonly venues: readonly FaultVenue[];
  readonly logger: Logger;
  readonly observer?: HubObserver;
  readonly now?: () => number;
}

type ReadyListener = (rule: FaultRule) => void;

export class FaultStore {
  private readonly venues = new Map<Exchange, FaultVenue>();
  private readonly rules: Armed[] = [];
  /** Rules per exchange, so a venue without any pays one map lookup per frame. */
  private readonly perExchange = new Map<Exchange, number>();
  private readonly listeners = new Map<Exchange, ReadyListener[]>();
  private readonly logger: Logger;
  private readonly observer: HubObserver;
  private readonly now: () => number;
  private nextId = 1;

  constructor(opts: FaultStoreOptions) {
    for (const v of opts.venues) this.venues.set(v.exchange, v);
    this.logger = opts.logger.child({ component: 'faults' });
    this.observer = opts.observer ?? SILENT_OBSERVER;
    this.now = opts.now ?? Date.now;
  }

  /** The venue of `exchange`, when mounted. */
  venue(exchange: Exchange): FaultVenue | undefined {
    return this.venues.get(exchange);
  }

  /** Arm a fault; an unknown exchange, symbol or a fault the venue cannot show is refused with a hint. */
  add(spec: FaultSpec): AddResult {
    const venue = this.venues.get(spec.exchange as Exchange);
    if (venue === undefined) {
      return {
        ok: false,
        error: `exchange ${JSON.stringify(spec.exchange)} is not replayed by this hub; use one of ${[...this.venues.keys()].join(', ')}`,
      };
    }
    const native = venue.resolve(spec.symbol);
    if (native === undefined || !venue.symbols.includes(native)) {
      const known = venue.symbols.map((s) => `${venue.canonical(s)} (${s})`).join(', ');
      return {
        ok: false,
        error: `symbol ${JSON.stringify(spec.symbol)} is not replayed on ${venue.exchange}; use one of ${known}`,
      };
    }
    if (!venue.supports.has(spec.fault)) return { ok: false, error: this.unsupported(venue, spec.fault) };
    const rule: Armed = {
      id: this.nextId++,
      exchange: venue.exchange,
      symbol: native,
      fault: spec.fault,
      ms: spec.ms ?? (spec.fault === 'stall' ? FAULT_DEFAULTS.stallMs : FAULT_DEFAULTS.latencyMs),
      retryAfter: spec.retryAfter ?? FAULT_DEFAULTS.retryAfterS,
      spec,
      remaining: spec.count ?? null,
      injected: 0,
      nextAt: this.now(),
      timer: undefined,
    };
    this.rules.push(rule);
    this.perExchange.set(rule.exchange, (this.perExchange.get(rule.exchange) ?? 0) + 1);
    this.logger.info({ ...this.view(rule) }, 'fault armed');
    this.notify(rule);
    return { ok: true, rule: this.view(rule) };
  }

  /** True when `exchange` has any rule (the taps' fast path). */
  armed(exchange: Exchange): boolean {
    return (this.perExchange.get(exchange) ?? 0) > 0;
  }

  /** True when a rule for this fault is ready to fire (without firing it). */
  ready(exchange: Exchange, symbol: string, fault: FaultKind): boolean {
    return this.find(exchange, symbol, fault) !== undefined;
  }

  /**
   * Fire the ready rule for (exchange, symbol, fault), if any: counted, logged, reported.
   * The caller injects the fault when a rule is returned.
   */
  take(exchange: Exchange, symbol: string, fault: FaultKind): FaultRule | undefined {
    const rule = this.find(exchange, symbol, fault);
    if (rule === undefined) return undefined;
    rule.injected++;
    if (rule.remaining !== null) rule.remaining--;
    this.logger.info(
      { exchange, symbol, fault, injected: rule.injected, remaining: rule.remaining },
      'fault injected',
    );
    this.observer.faultInjected(exchange, fault, symbol);
    if (rule.remaining === 0) this.remove(rule);
    else if (rule.spec.ratePerMin !== undefined) {
      rule.nextAt = this.now() + 60_000 / rule.spec.ratePerMin;
      rule.timer = setTimeout(() => {
        rule.timer = undefined;
        this.notify(rule);
      }, rule.nextAt - this.now());
      rule.timer.unref();
    }
    return rule;
  }

  /** Call `listener` whenever a rule of `exchange` becomes ready (added, or its next rate slot). */
  onReady(exchange: Exchange, listener: ReadyListener): void {
    const list = this.listeners.get(exchange) ?? [];
    list.push(listener);
    this.listeners.set(exchange, list);
  }

  list(): FaultRuleView[] {
    return this.rules.map((r) => this.view(r));
  }

  /** Remove every rule matching `filter` (all when empty); returns the removed ones. */
  clear(filter: FaultFilter = {}): FaultRuleView[] {
    const wanted = filter.symbol;
    const gone = this.rules.filter(
      (r) =>
        (filter.exchange === undefined || r.exchange === filter.exchange) &&
        (wanted === undefined ||
          r.symbol === wanted ||
          this.venues.get(r.exchange)?.resolve(wanted) === r.symbol) &&
        (filter.fault === undefined || r.fault === filter.fault),
    );
    for (const r of gone) this.remove(r);
    if (gone.length > 0) this.logger.info({ ...filter, cleared: gone.length }, 'faults cleared');
    return gone.map((r) => this.view(r));
  }

  /** Stop every rate timer (the hub is closing). */
  close(): void {
    for (const r of [...this.rules]) this.remove(r);
  }

  private find(exchange: Exchange, symbol: string, fault: FaultKind): Armed | undefined {
    if (!this.armed(exchange)) return undefined;
    const t = this.now();
    for (const r of this.rules) {
      if (r.exchange !== exchange || r.symbol !== symbol || r.fault !== fault) continue;
      if (r.remaining !== null ? r.remaining > 0 : t >= r.nextAt) return r;
    }
    return undefined;
  }

  private notify(rule: Armed): void {
    for (const l of this.listeners.get(rule.exchange) ?? []) l(rule);
  }

  private remove(rule: Armed): void {
    const i = this.rules.indexOf(rule);
    if (i < 0) return;
    this.rules.splice(i, 1);
    if (rule.timer !== undefined) clearTimeout(rule.timer);
    this.perExchange.set(rule.exchange, (this.perExchange.get(rule.exchange) ?? 1) - 1);
  }

  private unsupported(venue: FaultVenue, fault: FaultKind): string {
    const able = [...this.venues.values()].filter((v) => v.supports.has(fault)).map((v) => v.exchange);
    const why =
      fault === 'checksum'
        ? `${venue.exchange} messages carry no checksum`
        : fault === 'gap'
          ? `${venue.exchange} streams carry no sequence number to skip`
          : `${venue.exchange} cannot show ${fault}`;
    return `${why}; ${fault} applies to ${able.length > 0 ? able.join(', ') : 'no venue mounted here'}`;
  }

  private view(r: Armed): FaultRuleView {
    const venue = this.venues.get(r.exchange);
    const takesMs = r.fault === 'stall' || r.fault === 'latency';
    return {
      id: r.id,
      exchange: r.exchange,
      symbol: r.symbol,
      canonicalSymbol: venue?.canonical(r.symbol) ?? r.symbol,
      fault: r.fault,
      ...(r.spec.count !== undefined && { count: r.spec.count }),
      ...(r.spec.ratePerMin !== undefined && { ratePerMin: r.spec.ratePerMin }),
      remaining: r.remaining,
      injected: r.injected,
      ...(takesMs && { ms: r.ms }),
      ...(r.fault === 'rest429' && { retryAfter: r.retryAfter }),
    };
  }
}
