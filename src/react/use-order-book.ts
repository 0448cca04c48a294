import { useEffect, useMemo, useRef, useState } from 'react';
import type { BookSnapshot, ClientOptions, Exchange, Level } from '../client/index.js';
import { useTickstreamClient } from './context.js';
import { FlushScheduler, type FlushPace } from './flush-scheduler.js';
import { useClientStatus, type StreamStatus } from './status.js';
import { useStreams } from './use-streams.js';

export interface OrderBookView {
  /** Best first, at most `depth`. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  /** Best ask − best bid, undefined while a side is empty. */
  readonly spread: number | undefined;
  readonly mid: number | undefined;
  readonly exchange: Exchange | undefined;
  readonly timestamp: number | undefined;
  readonly sequence: number | undefined;
  readonly status: StreamStatus;
  readonly error: Error | undefined;
}

export interface OrderBookOptions extends ClientOptions {
  /** Re-render pace: `'frame'` (default, at most once per animation frame) or ms. */
  readonly pace?: FlushPace;
}

/**
 * The top `depth` levels of `symbol`'s book (`BTC/USDT`, or one venue's: `binance:BTC/USDT`) from
 * the gateway's `book@` stream (validated top-20 snapshots), re-rendered at most once per frame.
 */
export function useOrderBook(symbol: string, depth = 20, options: OrderBookOptions = {}): OrderBookView {
  const client = useTickstreamClient(options);
  const { status, error } = useClientStatus(client);
  const [book, setBook] = useState<BookSnapshot>();
  const latest = useRef<BookSnapshot | undefined>(undefined);
  const scheduler = useMemo(
    () => new FlushScheduler(() => setBook(latest.current), options.pace ?? 'frame'),
    [options.pace],
  );
  useEffect(() => () => scheduler.cancel(), [scheduler]);
  useEffect(() => {
    latest.current = undefined;
    setBook(undefined);
  }, [symbol]);
  useStreams(client, [`book@${symbol}`], (m) => {
    if (m.data.type !== 'book_snapshot') return;
    latest.current = m.data;
    scheduler.schedule();
  });
  return useMemo(() => {
    const bids = book?.bids.slice(0, depth) ?? [];
    const asks = book?.asks.slice(0, depth) ?? [];
    const bestBid = bids[0]?.[0];
    const bestAsk = asks[0]?.[0];
    const both = bestBid !== undefined && bestAsk !== undefined;
    return {
      bids,
      asks,
      spread: both ? bestAsk - bestBid : undefined,
      mid: both ? (bestAsk + bestBid) / 2 : undefined,
      exchange: book?.exchange,
      timestamp: book?.timestamp,
      sequence: book?.sequence,
      status,
      error,
    };
  }, [book, depth, status, error]);
}
