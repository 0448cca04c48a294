/**
 * Staleness per (symbol, channel) that adapts to each channel's own traffic. For every pair it
 * learns the usual gap between messages and the longest recent gap, and calls the pair stale once
 * it has been silent for
 *
 *     max(factor × usual gap, peakFactor × recent peak gap, floorMs)
 *
 * - usual gap: EWMA of the gaps (alpha `alpha`): a busy book (a message every 100 ms) is stale
 *   within the floor, a symbol trading once a minute only after minutes;
 * - recent peak gap: the longest gap seen, decaying with half-life `peakHalfLifeMs`. Real traffic
 *   is bursty (fifty trades, then nine seconds of nothing): an EWMA alone would flag every lull;
 * - floorMs: nothing is stale sooner than this.
 *
 * A pair is judged only after `minSamples` gaps; until then it has no "normal" to depart from.
 * No timer of its own: `check(now)` is called by the owner's one interval.
 */
export interface StalenessOptions {
  /** Multiple of the usual gap. Default 5. */
  readonly factor?: number;
  /** Multiple of the recent peak gap. Default 1.5. */
  readonly peakFactor?: number;
  /** Never stale sooner than this, ms. Default 3000. */
  readonly floorMs?: number;
  /** Gaps seen before a pair can be stale. Default 5. */
  readonly minSamples?: number;
  /** EWMA weight of a new gap. Default 0.1. */
  readonly alpha?: number;
  /** Half-life of the recent peak gap, ms. Default 60000. */
  readonly peakHalfLifeMs?: number;
}

export const DEFAULT_STALENESS = Object.freeze({
  factor: 5,
  peakFactor: 1.5,
  floorMs: 3000,
  minSamples: 5,
  alpha: 0.1,
  peakHalfLifeMs: 60_000,
});

/** One pair's change of state, as `check` reports it. */
export interface StaleChange {
  readonly symbol: string;
  readonly channel: string;
  readonly stale: boolean;
  /** Silence so far (stale) or the silence that just ended (live again), ms. */
  readonly silentMs: number;
  /** The threshold that applied, ms. */
  readonly thresholdMs: number;
  readonly usualGapMs: number;
}

interface Track {
  readonly symbol: string;
  readonly channel: string;
  lastAt: number;
  usualGap: number;
  peakGap: number;
  peakAt: number;
  samples: number;
  stale: boolean;
}

export class StalenessTracker {
  private readonly o: Required<StalenessOptions>;
  /** By symbol, then channel (no key string built per message). */
  private readonly bySymbol = new Map<string, Map<string, Track>>();

  constructor(options: StalenessOptions = {}) {
    this.o = { ...DEFAULT_STALENESS, ...options };
    const { factor, peakFactor, floorMs, minSamples, alpha, peakHalfLifeMs } = this.o;
    if (!(factor > 0) || !(peakFactor >= 0) || !(floorMs >= 0) || !(peakHalfLifeMs > 0)) {
      throw new RangeError('staleness: factor and peakHalfLifeMs must be > 0, peakFactor and floorMs >= 0');
    }
    if (!Number.isInteger(minSamples) || minSamples < 1) {
      throw new RangeError(`staleness: minSamples must be a whole number >= 1, got ${minSamples}`);
    }
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`staleness: alpha must be in (0, 1], got ${alpha}`);
  }

  /**
   * A message of `channel` for `symbol` arrived at `at`. Returns the "live again" change when the
   * pair was stale, else undefined.
   */
  observe(symbol: string, channel: string, at: number): StaleChange | undefined {
    let channels = this.bySymbol.get(symbol);
    if (channels === undefined) {
      channels = new Map();
      this.bySymbol.set(symbol, channels);
    }
    const t = channels.get(channel);
    if (t === undefined) {
      channels.set(channel, {
        symbol,
        channel,
        lastAt: at,
        usualGap: 0,
        peakGap: 0,
        peakAt: at,
        samples: 0,
        stale: false,
      });
      return undefined;
    }
    const gap = Math.max(0, at - t.lastAt);
    // Messages of one frame (or one instant) are one arrival: a zero gap would drag the usual gap to 0.
    if (gap === 0 && !t.stale) return undefined;
    let change: StaleChange | undefined;
    if (t.stale) {
      t.stale = false;
      change = {
        symbol,
        channel,
        stale: false,
        silentMs: gap,
        thresholdMs: this.threshold(t, at),
        usualGapMs: t.usualGap,
      };
    } else {
      // A silence that ended in staleness is no normal gap: it does not teach the pair anything.
      t.usualGap = t.samples === 0 ? gap : t.usualGap + this.o.alpha * (gap - t.usualGap);
      if (gap >= this.decayedPeak(t, at)) {
        t.peakGap = gap;
        t.peakAt = at;
      }
      t.samples++;
    }
    t.lastAt = at;
    return change;
  }

  /** Pairs that went stale since the last check. */
  check(now: number): StaleChange[] {
    const out: StaleChange[] = [];
    for (const t of this.all()) {
      if (t.stale || t.samples < this.o.minSamples) continue;
      const silent = now - t.lastAt;
      const threshold = this.threshold(t, now);
      if (silent >= threshold) {
        t.stale = true;
        out.push({
          symbol: t.symbol,
          channel: t.channel,
          stale: true,
          silentMs: silent,
          thresholdMs: threshold,
          usualGapMs: t.usualGap,
        });
      }
    }
    return out;
  }

  /**
   * The link was down or is new: silence until `now` says nothing about the channels. Pairs keep
   * what they learned (and a stale pair stays stale until its next message).
   */
  restartClocks(now: number): void {
    for (const t of this.all()) t.lastAt = Math.max(t.lastAt, now);
  }

  /** Forget a symbol (unsubscribed). */
  forget(symbol: string): void {
    this.bySymbol.delete(symbol);
  }

  isStale(symbol: string, channel: string): boolean {
    return this.bySymbol.get(symbol)?.get(channel)?.stale ?? false;
  }

  /** Symbols with at least one stale channel (or with `channel` stale, when given). */
  staleSymbols(channel?: string): string[] {
    const out = new Set<string>();
    for (const t of this.all())
      if (t.stale && (channel === undefined || t.channel === channel)) out.add(t.symbol);
    return [...out];
  }

  /** The (symbol, channel) pairs stale now. */
  stalePairs(): Array<{ symbol: string; channel: string }> {
    const out: Array<{ symbol: string; channel: string }> = [];
    for (const t of this.all()) if (t.stale) out.push({ symbol: t.symbol, channel: t.channel });
    return out;
  }

  private *all(): IterableIterator<Track> {
    for (const channels of this.bySymbol.values()) yield* channels.values();
  }

  private threshold(t: Track, now: number): number {
    return Math.max(this.o.factor * t.usualGap, this.o.peakFactor * this.decayedPeak(t, now), this.o.floorMs);
  }

  private decayedPeak(t: Track, now: number): number {
    return t.peakGap * Math.pow(0.5, Math.max(0, now - t.peakAt) / this.o.peakHalfLifeMs);
  }
}
