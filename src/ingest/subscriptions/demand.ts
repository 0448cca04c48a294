/**
 * Demand-driven subscriptions: the symbols gateway clients asked for. The gateway reports each
 * stream that gains its first or loses its last subscriber through `StreamDemandListener`
 * (stream names stay the gateway's business); a symbol stays wanted until a grace period after
 * its last stream was released, so a client that reconnects or flips between streams causes no
 * unsubscribe/subscribe churn upstream.
 */
import type { Exchange } from '../../core/types.js';
import { systemSchedule, type Cancel, type Schedule } from './timers.js';
import { wantKey, type SymbolWant } from './wants.js';

/** What the gateway tells ingest: one call per stream that gains its first / loses its last subscriber. */
export interface StreamDemandListener {
  /** A stream of `symbol` on `exchange` (undefined: the aggregated stream) is now wanted. */
  demanded(symbol: string, exchange: Exchange | undefined): void;
  /** That stream has no subscriber any more. */
  released(symbol: string, exchange: Exchange | undefined): void;
}

export interface DemandOptions {
  /** How long a symbol stays subscribed after its last stream was released, ms. */
  readonly graceMs: number;
  /** Receives the whole demanded set whenever it changes. */
  readonly onChange: (wants: readonly SymbolWant[]) => void;
  readonly schedule?: Schedule;
}

interface Entry {
  readonly want: SymbolWant;
  /** Streams of this want with a subscriber (`trade@X` and `book@X` are two). */
  streams: number;
  /** Set while the grace period after the last release runs. */
  release: Cancel | undefined;
}

export class DemandSubscriptions implements StreamDemandListener {
  private readonly graceMs: number;
  private readonly onChange: (wants: readonly SymbolWant[]) => void;
  private readonly schedule: Schedule;
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(opts: DemandOptions) {
    this.graceMs = opts.graceMs;
    this.onChange = opts.onChange;
    this.schedule = opts.schedule ?? systemSchedule;
  }

  demanded(symbol: string, exchange: Exchange | undefined): void {
    if (this.closed) return;
    const want: SymbolWant = exchange === undefined ? { symbol } : { symbol, exchange };
    const key = wantKey(want);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      existing.streams++;
      existing.release?.();
      existing.release = undefined;
      return;
    }
    this.entries.set(key, { want, streams: 1, release: undefined });
    this.changed();
  }

  released(symbol: string, exchange: Exchange | undefined): void {
    if (this.closed) return;
    const key = wantKey(exchange === undefined ? { symbol } : { symbol, exchange });
    const entry = this.entries.get(key);
    if (entry === undefined || entry.streams === 0) return;
    entry.streams--;
    if (entry.streams > 0) return;
    if (this.graceMs <= 0) {
      this.drop(key, entry);
      return;
    }
    entry.release = this.schedule(() => this.drop(key, entry), this.graceMs);
  }

  /** Everything wanted now, symbols in their grace period included. */
  wants(): SymbolWant[] {
    return [...this.entries.values()].map((e) => e.want);
  }

  /** Cancel every pending release; later calls are ignored. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) entry.release?.();
    this.entries.clear();
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry || entry.streams > 0) return;
    this.entries.delete(key);
    this.changed();
  }

  private changed(): void {
    this.onChange(this.wants());
  }
}
