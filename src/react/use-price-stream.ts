import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ClientOptions, Exchange } from '../client/index.js';
import { useTickstreamClient } from './context.js';
import { FlushScheduler } from './flush-scheduler.js';
import { loadPrices, savePrices } from './price-storage.js';
import { useClientStatus, type StreamStatus } from './status.js';
import { useStreams } from './use-streams.js';

export interface PriceView {
  readonly pair: string;
  /** The last trade's price or the ticker's last, whichever came later. */
  readonly price: number;
  /** From the ticker; undefined on a venue without one (Alpaca's stocks trade and quote). */
  readonly bid: number | undefined;
  readonly ask: number | undefined;
  readonly change24hPct: number | undefined;
  readonly volume24h: number | undefined;
  /** Exchange time of the update, ms. */
  readonly timestamp: number;
  /** When this client received it, ms. */
  readonly receivedAt: number;
  readonly exchange: Exchange;
  /** Shown from local storage, not yet confirmed by the gateway. */
  readonly cached?: boolean;
}

export interface PriceStreamOptions extends ClientOptions {
  /** A pair without an update for this long is stale (default 30,000 ms). */
  readonly staleAfterMs?: number;
  /** At most one re-render per this many ms however fast the market (default 500). */
  readonly debounceMs?: number;
  /** `localStorage` key of the kept prices; `false` keeps none (default `tickstream:prices`). */
  readonly storageKey?: string | false;
  /** Also take the price from `trade@` (default true): the only price of a venue with no ticker. */
  readonly trades?: boolean;
}

export interface PriceStream {
  readonly prices: Readonly<Record<string, PriceView>>;
  readonly status: StreamStatus;
  readonly isPriceStale: (pair: string) => boolean;
  readonly stalePairs: readonly string[];
  readonly error: Error | undefined;
}

const STALE_DEFAULT_MS = 30_000;

/**
 * Live prices of `pairs` (`BTC/USDT`, or one venue's: `binance:BTC/USDT`) from the gateway's
 * ticker streams and trades (a venue without a ticker, like Alpaca's stocks, is priced by its
 * trades). Renders at most every `debounceMs`; a pair quiet for `staleAfterMs` is stale;
 * the last prices are kept in local storage and shown, as `degraded`, until the gateway answers.
 */
export function usePriceStream(pairs: readonly string[], options: PriceStreamOptions = {}): PriceStream {
  const client = useTickstreamClient(options);
  const { status: clientStatus, error } = useClientStatus(client);
  const storageKey = options.storageKey === undefined ? 'tickstream:prices' : options.storageKey;
  const staleAfterMs = options.staleAfterMs ?? STALE_DEFAULT_MS;
  const [prices, setPrices] = useState<Record<string, PriceView>>(() =>
    storageKey === false ? {} : loadPrices(storageKey),
  );
  const pending = useRef(new Map<string, PriceView>());
  const scheduler = useMemo(
    () =>
      new FlushScheduler(() => {
        if (pending.current.size === 0) return;
        const updates = Object.fromEntries(pending.current);
        pending.current = new Map();
        setPrices((prev) => {
          const next = { ...prev, ...updates };
          if (storageKey !== false) savePrices(storageKey, next);
          return next;
        });
      }, options.debounceMs ?? 500),
    [options.debounceMs, storageKey],
  );
  useEffect(() => () => scheduler.cancel(), [scheduler]);

  const pairsKey = pairs.join('\n');
  const pairList = useMemo(() => (pairsKey === '' ? [] : pairsKey.split('\n')), [pairsKey]);
  const withTrades = options.trades ?? true;
  const streamOf = useMemo(() => {
    const m = new Map<string, string>();
    for (const p of pairList) {
      m.set(`ticker@${p}`, p);
      if (withTrades) m.set(`trade@${p}`, p);
    }
    return m;
  }, [pairList, withTrades]);
  const shown = useRef(prices);
  shown.current = prices;
  useStreams(client, [...streamOf.keys()], (m) => {
    const pair = streamOf.get(m.stream);
    if (pair === undefined) return;
    const d = m.data;
    if (d.type !== 'ticker' && d.type !== 'trade') return;
    // A trade moves the price; bid, ask and the 24 h figures stay what the last ticker said.
    const ticker = d.type === 'ticker' ? d : (pending.current.get(pair) ?? shown.current[pair]);
    pending.current.set(pair, {
      pair,
      price: d.type === 'ticker' ? d.last : d.price,
      bid: ticker?.bid,
      ask: ticker?.ask,
      change24hPct: ticker?.change24hPct,
      volume24h: ticker?.volume24h,
      timestamp: d.timestamp,
      receivedAt: Date.now(),
      exchange: d.exchange,
    });
    scheduler.schedule();
  });

  const stalePairs = useStalePairs(pairList, prices, staleAfterMs);
  const isPriceStale = useCallback((pair: string) => stalePairs.includes(pair), [stalePairs]);
  const showingCached = Object.values(prices).some((p) => p.cached === true);
  const status: StreamStatus = clientStatus === 'connecting' && showingCached ? 'degraded' : clientStatus;
  const visible = useMemo(() => {
    const out: Record<string, PriceView> = {};
    for (const p of pairList) if (prices[p] !== undefined) out[p] = prices[p];
    return out;
  }, [prices, pairList]);
  return { prices: visible, status, isPriceStale, stalePairs, error };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Pairs whose last live update is older than `staleAfterMs`; a cached price is stale until
 * confirmed, and a pair never heard of turns stale `staleAfterMs` after mounting. The list is
 * state that changes only when the set does, so the check's timer causes no other render.
 */
function useStalePairs(
  pairs: readonly string[],
  prices: Readonly<Record<string, PriceView>>,
  staleAfterMs: number,
): readonly string[] {
  const mountedAt = useRef(Date.now());
  const compute = (now: number): string[] =>
    pairs.filter((p) => {
      const v = prices[p];
      if (v === undefined) return now - mountedAt.current >= staleAfterMs;
      return v.cached === true || now - v.receivedAt >= staleAfterMs;
    });
  const latest = useRef(compute);
  latest.current = compute;
  const [stale, setStale] = useState<readonly string[]>([]);
  const shown = useRef(stale);
  const refresh = useCallback(() => {
    const next = latest.current(Date.now());
    // Compared here, not in an updater: an updater returning the same state may still re-render.
    if (sameList(shown.current, next)) return;
    shown.current = next;
    setStale(next);
  }, []);
  useEffect(refresh, [refresh, prices, pairs]);
  useEffect(() => {
    const timer = setInterval(refresh, Math.max(100, Math.min(1000, staleAfterMs / 4)));
    return () => clearInterval(timer);
  }, [refresh, staleAfterMs]);
  return stale;
}
