import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClientOptions } from '../client/index.js';
import { useTickstreamClient } from './context.js';
import { FlushScheduler, type FlushPace } from './flush-scheduler.js';
import { useStreams } from './use-streams.js';

export interface Candle {
  /** Start of the interval, ms (exchange time: replay time when replaying). */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface CandlesOptions extends ClientOptions {
  /** Candles kept, oldest dropped first (default 500). */
  readonly limit?: number;
  readonly pace?: FlushPace;
}

/** Fold a trade into `candles` (sorted by time); a trade older than the last candle is dropped. */
export function addTrade(
  candles: Candle[],
  intervalMs: number,
  at: number,
  price: number,
  amount: number,
): void {
  const time = Math.floor(at / intervalMs) * intervalMs;
  const last = candles[candles.length - 1];
  if (last !== undefined && time < last.time) return;
  if (last !== undefined && time === last.time) {
    candles[candles.length - 1] = {
      time,
      open: last.open,
      high: Math.max(last.high, price),
      low: Math.min(last.low, price),
      close: price,
      volume: last.volume + amount,
    };
  } else {
    candles.push({ time, open: price, high: price, low: price, close: price, volume: amount });
  }
}

/**
 * Live candles of `symbol` (or `exchange:symbol`) built from its trades, `intervalMs` each, from
 * the moment the hook mounts (or the interval changes). Re-rendered at most once per frame.
 */
export function useCandles(
  symbol: string,
  intervalMs: number,
  options: CandlesOptions = {},
): readonly Candle[] {
  const client = useTickstreamClient(options);
  const limit = options.limit ?? 500;
  const store = useRef<Candle[]>([]);
  const [candles, setCandles] = useState<readonly Candle[]>([]);
  const scheduler = useMemo(
    () => new FlushScheduler(() => setCandles(store.current.slice()), options.pace ?? 'frame'),
    [options.pace],
  );
  useEffect(() => () => scheduler.cancel(), [scheduler]);
  useEffect(() => {
    store.current = [];
    setCandles([]);
  }, [symbol, intervalMs]);
  useStreams(client, [`trade@${symbol}`], (m) => {
    if (m.data.type !== 'trade') return;
    addTrade(store.current, intervalMs, m.data.timestamp, m.data.price, m.data.amount);
    if (store.current.length > limit) store.current.splice(0, store.current.length - limit);
    scheduler.schedule();
  });
  return candles;
}
