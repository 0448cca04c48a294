import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClientOptions, Trade } from '../client/index.js';
import { useTickstreamClient } from './context.js';
import { FlushScheduler, type FlushPace } from './flush-scheduler.js';
import { useClientStatus, type StreamStatus } from './status.js';
import { useStreams } from './use-streams.js';

export interface TradesOptions extends ClientOptions {
  /** Re-render pace: `'frame'` (default) or ms. */
  readonly pace?: FlushPace;
}

export interface TradesView {
  /** Newest first, at most `n`. */
  readonly trades: readonly Trade[];
  readonly status: StreamStatus;
  readonly error: Error | undefined;
}

/**
 * The last `n` trades of `symbol` (or `exchange:symbol`; or of several, merged in arrival order),
 * newest first, re-rendered at most once per frame.
 */
export function useTrades(
  symbol: string | readonly string[],
  n = 50,
  options: TradesOptions = {},
): TradesView {
  const client = useTickstreamClient(options);
  const { status, error } = useClientStatus(client);
  const [trades, setTrades] = useState<readonly Trade[]>([]);
  const incoming = useRef<Trade[]>([]);
  const scheduler = useMemo(
    () =>
      new FlushScheduler(() => {
        const fresh = incoming.current;
        incoming.current = [];
        if (fresh.length === 0) return;
        setTrades((prev) => [...fresh.reverse(), ...prev].slice(0, n));
      }, options.pace ?? 'frame'),
    [n, options.pace],
  );
  useEffect(() => () => scheduler.cancel(), [scheduler]);
  const symbolsKey = typeof symbol === 'string' ? symbol : symbol.join('\n');
  const streams = useMemo(
    () => (symbolsKey === '' ? [] : symbolsKey.split('\n').map((s) => `trade@${s}`)),
    [symbolsKey],
  );
  useEffect(() => {
    incoming.current = [];
    setTrades([]);
  }, [symbolsKey]);
  useStreams(client, streams, (m) => {
    if (m.data.type !== 'trade') return;
    incoming.current.push(m.data);
    if (incoming.current.length > n) incoming.current.splice(0, incoming.current.length - n);
    scheduler.schedule();
  });
  return { trades, status, error };
}
