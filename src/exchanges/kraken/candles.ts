/**
 * One pair's v2 `ohlc` candles at every interval Kraken offers, from its replayed trades. A
 * candle starts on a multiple of its length since the Unix epoch (UTC minutes, hours and days;
 * weeks from Thursday 1970-01-01 [unconfirmed for 10080 and 21600]) and covers the trades in it;
 * Kraken sends an update on each trade, so only candles that had a trade exist. A trade timed
 * before the open candle (late) joins it, as the rolling windows do. Each interval keeps its
 * recent closed candles for the subscription snapshot.
 */
import {
  addTrade,
  emptyAggregate,
  type TradeAggregate,
  type TradeUnits,
} from '../../replay/trade-aggregate.js';
import { KRAKEN_OHLC_INTERVALS, type KrakenOhlcInterval } from './wire.js';

/** Closed candles kept per interval for the snapshot [unconfirmed: Kraken's own count]. */
export const SNAPSHOT_CANDLES = 60;

class Series {
  readonly lengthMs: number;
  /** Oldest first; the last one is the open candle. */
  readonly candles: TradeAggregate[] = [];

  constructor(readonly interval: KrakenOhlcInterval) {
    this.lengthMs = interval * 60_000;
  }

  add(t: TradeUnits): TradeAggregate {
    const candles = this.candles;
    const open = candles.length === 0 ? undefined : candles[candles.length - 1];
    const begin = Math.floor(t.time / this.lengthMs) * this.lengthMs;
    if (open !== undefined && begin <= open.start) {
      addTrade(open, t);
      return open;
    }
    const candle = emptyAggregate(begin);
    addTrade(candle, t);
    candles.push(candle);
    if (candles.length > SNAPSHOT_CANDLES + 1) candles.shift();
    return candle;
  }
}

export class KrakenCandles {
  private readonly series = new Map<KrakenOhlcInterval, Series>(
    KRAKEN_OHLC_INTERVALS.map((interval) => [interval, new Series(interval)]),
  );

  /** Fold one trade (the newest, in id order) into every interval. */
  add(t: TradeUnits): void {
    for (const s of this.series.values()) s.add(t);
  }

  /** The open candle of `interval` (the one the last trade went into); undefined before any trade. */
  open(interval: KrakenOhlcInterval): TradeAggregate | undefined {
    const candles = this.candlesOf(interval);
    return candles[candles.length - 1];
  }

  /** The recent candles of `interval`, oldest first, the open one last. */
  recent(interval: KrakenOhlcInterval): readonly TradeAggregate[] {
    return this.candlesOf(interval);
  }

  private candlesOf(interval: KrakenOhlcInterval): TradeAggregate[] {
    return (this.series.get(interval) as Series).candles;
  }
}
