/**
 * Binance klines of one symbol, derived from its replayed trades: every interval of
 * {@link KLINE_SPECS}, in UTC and in UTC+8, at once and in exact decimals.
 *
 * Cheap per trade whatever the number of intervals: a trade goes into the open second (the 1s
 * klines) and the open minute; when a minute is over it is folded into every longer interval.
 * So a kline asked for mid-interval still covers the whole interval, as on Binance.
 *
 * Time is replay time, driven by the caller's cadence clock: {@link kline} is asked at each
 * boundary `at`. An interval that ended by `at` gets its final push (`x: true`, once); an open
 * one is pushed when the caller says a push is due. A trade timed before the open interval
 * (late) joins it, as the rolling windows do. A kline with no trade carries the previous close as
 * o/h/l/c, zero volumes and `f`/`L` -1; before the symbol's first trade there is no kline.
 */
import { formatProductUnits, formatUnits } from '../../core/decimal.js';
import {
  addTrade,
  clearAggregate,
  copyAggregate,
  emptyAggregate,
  mergeAggregate,
  type TradeAggregate,
  type TradeUnits,
} from '../../replay/trade-aggregate.js';
import { KLINE_SPECS, intervalEnd, intervalStart, type KlineSpec } from './kline-intervals.js';
import type { BinanceKlineEvent } from './wire.js';

const MINUTE_SPEC: KlineSpec = { interval: '1m', offsetMs: 0, streamSuffix: 'kline_1m' };

/** The open interval of one spec and the trades in it so far. */
class Slot {
  readonly spec: KlineSpec;
  /** Fed trade by trade (1s); otherwise fed whole minutes. */
  readonly direct: boolean;
  started = false;
  start = 0;
  end = 0;
  readonly agg: TradeAggregate = emptyAggregate(0);
  /** The last price before this interval (o/h/l/c of a kline without trades); -1n before any. */
  base = -1n;

  constructor(spec: KlineSpec) {
    this.spec = spec;
    this.direct = spec.interval === '1s';
  }

  /** Move to the interval holding `t`, keeping the last price. */
  roll(t: number): void {
    if (this.agg.count > 0) this.base = this.agg.close;
    this.start = intervalStart(this.spec, t);
    this.end = intervalEnd(this.spec, this.start);
    clearAggregate(this.agg, this.start);
    this.started = true;
  }
}

export class KlineSeries {
  readonly symbol: string;
  /** Indexed like {@link KLINE_SPECS}. */
  private readonly slots: readonly Slot[];
  /** The 1s slots (fed per trade) and the others (fed per minute). */
  private readonly seconds: readonly Slot[];
  private readonly longer: readonly Slot[];
  private readonly minute = new Slot(MINUTE_SPEC);
  /** Reused for an open kline: folded minutes plus the open minute. */
  private readonly scratch = emptyAggregate(0);

  constructor(symbol: string) {
    this.symbol = symbol;
    this.slots = KLINE_SPECS.map((spec) => new Slot(spec));
    this.seconds = this.slots.filter((s) => s.direct);
    this.longer = this.slots.filter((s) => !s.direct);
  }

  /** A trade (already de-duplicated, in trade-id order). */
  addTrade(t: TradeUnits): void {
    const seconds = this.seconds;
    for (let i = 0; i < seconds.length; i++) {
      const s = seconds[i];
      if (!s.started || t.time >= s.end) s.roll(t.time);
      addTrade(s.agg, t);
    }
    const m = this.minute;
    if (!m.started) m.roll(t.time);
    else if (t.time >= m.end) this.foldMinute(t.time);
    addTrade(m.agg, t);
  }

  /**
   * The kline event of `KLINE_SPECS[index]` at boundary `at` (replay ms), or undefined when
   * nothing is due: the final push of an interval that ended by `at`; else, when `push`, the open
   * interval so far. `previousAt` is the caller's previous boundary: an interval that ended by
   * then closed while nobody asked, and gets no late final.
   */
  kline(index: number, at: number, previousAt: number, push: boolean): BinanceKlineEvent | undefined {
    const m = this.minute;
    if (!m.started) return undefined;
    if (at >= m.end) this.foldMinute(at);
    const slot = this.slots[index];
    if (!slot.started) slot.roll(at);
    if (slot.end <= previousAt) slot.roll(previousAt);
    if (slot.end <= at) {
      const final = this.event(slot, slot.agg, at, true);
      slot.roll(at);
      return final;
    }
    if (!push) return undefined;
    if (slot.direct) return this.event(slot, slot.agg, at, false);
    const open = this.scratch;
    copyAggregate(open, slot.agg);
    if (m.start >= slot.start && m.start < slot.end) mergeAggregate(open, m.agg);
    return this.event(slot, open, at, false);
  }

  /** Fold the minute that is over into every longer interval, then open the minute holding `t`. */
  private foldMinute(t: number): void {
    const m = this.minute;
    if (m.agg.count > 0) {
      const longer = this.longer;
      for (let i = 0; i < longer.length; i++) {
        const s = longer[i];
        if (!s.started || m.start >= s.end) s.roll(m.start);
        mergeAggregate(s.agg, m.agg);
      }
    }
    m.roll(t);
  }

  private event(slot: Slot, a: TradeAggregate, at: number, closed: boolean): BinanceKlineEvent | undefined {
    let o: string, h: string, l: string, c: string;
    if (a.count > 0) {
      o = formatUnits(a.open);
      h = formatUnits(a.high);
      l = formatUnits(a.low);
      c = formatUnits(a.close);
    } else {
      if (slot.base < 0n) return undefined;
      o = h = l = c = formatUnits(slot.base);
    }
    const s = this.symbol;
    return {
      e: 'kline',
      E: at,
      s,
      k: {
        t: slot.start,
        T: slot.end - 1,
        s,
        i: slot.spec.interval,
        f: a.firstId,
        L: a.lastId,
        o,
        c,
        h,
        l,
        v: formatUnits(a.volume),
        n: a.count,
        x: closed,
        q: formatProductUnits(a.quoteVolume),
        V: formatUnits(a.takerVolume),
        Q: formatProductUnits(a.takerQuoteVolume),
        B: '0',
      },
    };
  }
}
