// @vitest-environment happy-dom
/**
 * The React hooks against a real gateway on loopback (a memory bus the test publishes into):
 * status transitions, debounced renders, staleness, pair changes on one connection, recovery
 * after the gateway restarts, the kept prices, books, trades, candles and sources.
 */
import { act, renderHook, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '../client/index.js';
import type { BookSnapshot } from '../core/types.js';
import { TestGateway, ticker, trade } from '../test-support/client-gateway.js';
import { TickstreamProvider } from './context.js';
import { addTrade, useCandles, type Candle } from './use-candles.js';
import { useOrderBook } from './use-order-book.js';
import { usePriceStream } from './use-price-stream.js';
import { useSources } from './use-sources.js';
import { useTrades } from './use-trades.js';

const gw = new TestGateway();
beforeAll(() => gw.start());
afterAll(() => gw.close());
afterEach(() => localStorage.clear());

let sockets = 0;
class CountingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    sockets++;
  }
}

const base = () => ({
  url: gw.url,
  WebSocket: CountingWebSocket as unknown as WebSocketConstructor,
  backoff: { initialMs: 50, maxMs: 200 },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function book(symbol: string, mid: number): BookSnapshot {
  const now = Date.now();
  const levels = (sign: number) =>
    Array.from({ length: 20 }, (_, i) => [mid + sign * (0.5 + i), 1 + i] as const);
  return {
    type: 'book_snapshot',
    exchange: 'okx',
    symbol,
    timestamp: now,
    localTimestamp: now,
    depth: 20,
    bids: levels(-1),
    asks: levels(1),
    sequence: 7,
  };
}

describe('usePriceStream', () => {
  it('goes connecting → connected and renders at most once per debounce window however fast the market', async () => {
    let renders = 0;
    const { result, unmount } = renderHook(() => {
      renders++;
      return usePriceStream(['BTC/USDT'], { ...base(), debounceMs: 400 });
    });
    expect(result.current.status).toBe('connecting');
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(150);
    const before = renders;
    const started = Date.now();
    for (let i = 1; i <= 40; i++) {
      gw.bus.publish('ticker@BTC/USDT', ticker('BTC/USDT', 60_000 + i));
      await sleep(25);
    }
    await waitFor(() => expect(result.current.prices['BTC/USDT']?.price).toBe(60_040), { timeout: 3000 });
    const windows = Math.ceil((Date.now() - started) / 400) + 1;
    expect(renders - before).toBeLessThanOrEqual(windows + 1);
    expect(renders - before).toBeGreaterThanOrEqual(2);
    expect(result.current.prices['BTC/USDT']).toMatchObject({
      pair: 'BTC/USDT',
      bid: 60_039.5,
      ask: 60_040.5,
      exchange: 'binance',
    });
    unmount();
  });

  it('prices a pair with no ticker by its trades, keeping what a ticker told', async () => {
    const { result, unmount } = renderHook(() =>
      usePriceStream(['AAPL', 'SOL/USDT'], { ...base(), debounceMs: 0 }),
    );
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(100);
    gw.bus.publish('trade@AAPL', trade('AAPL', 231.5, 'alpaca'));
    gw.bus.publish('ticker@SOL/USDT', ticker('SOL/USDT', 150));
    await waitFor(() => expect(result.current.prices.AAPL?.price).toBe(231.5), { timeout: 3000 });
    expect(result.current.prices.AAPL).toMatchObject({ exchange: 'alpaca', bid: undefined });
    gw.bus.publish('trade@SOL/USDT', trade('SOL/USDT', 151));
    await waitFor(() => expect(result.current.prices['SOL/USDT']?.price).toBe(151), { timeout: 3000 });
    expect(result.current.prices['SOL/USDT']).toMatchObject({ bid: 149.5, ask: 150.5 });
    unmount();
  });

  it('marks a quiet pair stale after staleAfterMs and live again on its next update', async () => {
    const { result, unmount } = renderHook(() =>
      usePriceStream(['ETH/USDT'], { ...base(), debounceMs: 0, staleAfterMs: 400 }),
    );
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(100);
    gw.bus.publish('ticker@ETH/USDT', ticker('ETH/USDT', 2000));
    await waitFor(() => expect(result.current.prices['ETH/USDT']?.price).toBe(2000));
    expect(result.current.isPriceStale('ETH/USDT')).toBe(false);
    await waitFor(() => expect(result.current.stalePairs).toEqual(['ETH/USDT']), { timeout: 3000 });
    expect(result.current.isPriceStale('ETH/USDT')).toBe(true);
    gw.bus.publish('ticker@ETH/USDT', ticker('ETH/USDT', 2001));
    await waitFor(() => expect(result.current.stalePairs).toEqual([]), { timeout: 3000 });
    unmount();
  });

  it('changes pairs between renders on the same connection', async () => {
    const opened = sockets;
    const { result, rerender, unmount } = renderHook(
      ({ pairs }) => usePriceStream(pairs, { ...base(), debounceMs: 0 }),
      {
        initialProps: { pairs: ['SOL/USDT'] },
      },
    );
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    for (const pairs of [['SOL/USDT', 'ADA/USDT'], ['ADA/USDT'], ['ADA/USDT', 'XRP/USDT'], ['XRP/USDT']]) {
      rerender({ pairs });
      await sleep(80);
    }
    gw.bus.publish('ticker@XRP/USDT', ticker('XRP/USDT', 0.5));
    gw.bus.publish('ticker@SOL/USDT', ticker('SOL/USDT', 150));
    await waitFor(() => expect(result.current.prices['XRP/USDT']?.price).toBe(0.5));
    expect(result.current.prices['SOL/USDT']).toBeUndefined();
    expect(sockets - opened).toBe(1);
    unmount();
  });

  it('shows degraded while the gateway is away, then live again without remounting', async () => {
    const { result, unmount } = renderHook(() => usePriceStream(['DOT/USDT'], { ...base(), debounceMs: 0 }));
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(100);
    gw.bus.publish('ticker@DOT/USDT', ticker('DOT/USDT', 7));
    await waitFor(() => expect(result.current.prices['DOT/USDT']?.price).toBe(7));
    await act(() => gw.stop());
    await waitFor(() => expect(result.current.status).toBe('degraded'), { timeout: 5000 });
    expect(result.current.prices['DOT/USDT']?.price).toBe(7);
    gw.bus.publish('ticker@DOT/USDT', ticker('DOT/USDT', 8)); // while away: recovered on return
    await act(() => gw.start());
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 8000 });
    await waitFor(() => expect(result.current.prices['DOT/USDT']?.price).toBe(8), { timeout: 3000 });
    unmount();
  });

  it('keeps the last prices in local storage and shows them as degraded and stale before the gateway answers', async () => {
    const first = renderHook(() => usePriceStream(['LTC/USDT'], { ...base(), debounceMs: 0 }));
    await waitFor(() => expect(first.result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(100);
    gw.bus.publish('ticker@LTC/USDT', ticker('LTC/USDT', 90));
    await waitFor(() => expect(first.result.current.prices['LTC/USDT']?.price).toBe(90));
    first.unmount();

    const later = renderHook(() => usePriceStream(['LTC/USDT'], { ...base(), url: 'http://127.0.0.1:9' }));
    expect(later.result.current.prices['LTC/USDT']).toMatchObject({ price: 90, cached: true });
    await waitFor(() => expect(later.result.current.status).toBe('degraded'));
    await waitFor(() => expect(later.result.current.isPriceStale('LTC/USDT')).toBe(true));
    later.unmount();
  });
});

describe('useOrderBook, useTrades, useCandles, useSources', () => {
  const wrapper = ({ children }: { children?: ReactNode }) =>
    createElement(TickstreamProvider, { options: base() }, children);

  it('share one connection under a provider and render the book, the tape and candles', async () => {
    const opened = sockets;
    const { result, unmount } = renderHook(
      () => ({
        book: useOrderBook('okx:BTC/USDT', 10),
        tape: useTrades('BTC/USDT', 3),
        candles: useCandles('BTC/USDT', 60_000),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.book.status).toBe('connected'), { timeout: 5000 });
    await sleep(150);
    gw.bus.publish('book@okx:BTC/USDT', book('BTC/USDT', 100));
    for (const p of [1, 2, 3, 4, 5]) gw.bus.publish('trade@BTC/USDT', trade('BTC/USDT', p));
    await waitFor(() => expect(result.current.book.bids).toHaveLength(10));
    expect(result.current.book.asks).toHaveLength(10);
    expect(result.current.book.bids[0][0]).toBe(99.5);
    expect(result.current.book.asks[0][0]).toBe(100.5);
    expect(result.current.book.spread).toBe(1);
    expect(result.current.book.bids.every((l, i, a) => i === 0 || l[0] < a[i - 1][0])).toBe(true);
    await waitFor(() => expect(result.current.tape.trades.map((t) => t.price)).toEqual([5, 4, 3]));
    await waitFor(() => expect(result.current.candles.at(-1)).toMatchObject({ high: 5, low: 1, close: 5 }));
    expect(sockets - opened).toBe(1);
    unmount();
  });

  it('merges the trades of several symbols into one tape, newest first', async () => {
    const { result, unmount } = renderHook(() => useTrades(['XRP/USDT', 'kraken:XRP/USD'], 4), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('connected'), { timeout: 5000 });
    await sleep(150);
    // Order holds per stream; across streams it is arrival order, so these come apart in time.
    gw.bus.publish('trade@XRP/USDT', trade('XRP/USDT', 0.51));
    await sleep(40);
    gw.bus.publish('trade@kraken:XRP/USD', trade('XRP/USD', 0.52, 'kraken'));
    await sleep(40);
    gw.bus.publish('trade@XRP/USDT', trade('XRP/USDT', 0.53));
    await waitFor(() =>
      expect(result.current.trades.map((t) => [t.exchange, t.price])).toEqual([
        ['binance', 0.53],
        ['kraken', 0.52],
        ['binance', 0.51],
      ]),
    );
    unmount();
  });

  it('polls sources and health', async () => {
    const { result, unmount } = renderHook(() => useSources({ ...base(), pollMs: 100 }));
    await waitFor(() => expect(result.current.health?.status).toBeDefined(), { timeout: 5000 });
    expect(result.current.sources).toMatchObject({ running: false });
    expect(result.current.health).toMatchObject({ isLeader: true });
    unmount();
  });

  it('folds trades into candles per interval, dropping trades older than the last candle', () => {
    const c: Candle[] = [];
    addTrade(c, 60_000, 120_000, 10, 1);
    addTrade(c, 60_000, 150_000, 12, 1);
    addTrade(c, 60_000, 170_000, 9, 2);
    addTrade(c, 60_000, 185_000, 11, 1);
    addTrade(c, 60_000, 100_000, 50, 1);
    expect(c).toEqual([
      { time: 120_000, open: 10, high: 12, low: 9, close: 9, volume: 4 },
      { time: 180_000, open: 11, high: 11, low: 11, close: 11, volume: 1 },
    ]);
  });
});
