/**
 * The aggregator's rules on crafted message sequences and a controlled clock: conflict
 * resolution, the consolidated quote, failover reasons (latency, error burst), no flapping under
 * an intermittent primary, the flat `marketData` view, and a `close()` that leaves no timer.
 * The same rules against the replay hub's faults: src/app/aggregator-failover.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Exchange, NormalizedMessage, Quote, Status, Ticker, Trade } from '../core/types.js';
import { Aggregator, type AggregatorOptions, type SourceSwitch } from './aggregator.js';
import { averageTicker, consolidatedQuote, resolveTicker } from './conflict.js';
import type { FeedStats } from './feed.js';
import type { MarketData } from './market-data.js';

const SYMBOL = 'BTC/USDT';

function ticker(exchange: Exchange, last: number, timestamp: number, extra: Partial<Ticker> = {}): Ticker {
  return {
    type: 'ticker',
    exchange,
    symbol: SYMBOL,
    timestamp,
    localTimestamp: timestamp,
    last,
    bid: last - 1,
    ask: last + 1,
    bidSize: 1,
    askSize: 2,
    volume24h: 100,
    change24hPct: 1,
    ...extra,
  };
}

function quote(exchange: Exchange, bid: number, ask: number, at = 1): Quote {
  return {
    type: 'quote',
    exchange,
    symbol: SYMBOL,
    timestamp: at,
    localTimestamp: at,
    bid,
    bidSize: 1,
    ask,
    askSize: 2,
    mid: (bid + ask) / 2,
  };
}

function trade(exchange: Exchange, price: number, timestamp: number, localTimestamp = timestamp): Trade {
  return {
    type: 'trade',
    exchange,
    symbol: SYMBOL,
    timestamp,
    localTimestamp,
    id: String(timestamp),
    price,
    amount: 0.5,
    side: 'buy',
  };
}

function connected(exchange: Exchange, at: number): Status {
  return {
    type: 'status',
    exchange,
    symbol: SYMBOL,
    timestamp: at,
    localTimestamp: at,
    state: 'connected',
    reason: 'subscribed',
  };
}

/** An aggregator over binance (primary) and okx on a clock the test moves. */
function harness(opts: Partial<AggregatorOptions> = {}) {
  const clock = { now: 1_000_000 };
  const published: NormalizedMessage[] = [];
  const switches: SourceSwitch[] = [];
  const aggregator = new Aggregator({
    exchanges: ['binance', 'okx'],
    symbols: new Map([
      ['binance', [SYMBOL]],
      ['okx', [SYMBOL]],
    ]),
    // Past the grace from the first clock step on: the connected statuses come inside it.
    startupGraceMs: 50,
    evaluateEveryMs: 0,
    switchBackHoldMs: 5000,
    publish: (m) => published.push(m),
    now: () => clock.now,
    ...opts,
  });
  aggregator.on('sourceSwitch', (s) => switches.push(s));
  /** Both venues speak every 100 ms of clock time for `ms` (binance only when `primaryUp`). */
  const run = (ms: number, primaryUp = true): void => {
    for (const end = clock.now + ms; clock.now < end;) {
      clock.now += 100;
      if (primaryUp) aggregator.observe(trade('binance', 100, clock.now));
      aggregator.observe(trade('okx', 100, clock.now));
    }
  };
  aggregator.observe(connected('binance', clock.now));
  aggregator.observe(connected('okx', clock.now));
  return { clock, aggregator, published, switches, run };
}

describe('conflict resolution', () => {
  it('primary: only the active source feeds the aggregated ticker', () => {
    expect(resolveTicker('primary', ticker('okx', 10, 5), 'binance', [], undefined)).toBeUndefined();
    const own = ticker('binance', 10, 5);
    expect(resolveTicker('primary', own, 'binance', [], undefined)).toBe(own);
  });

  it('latest: whichever source reported last by exchange time; an older report never wins', () => {
    const newer = ticker('binance', 11, 20);
    const older = ticker('okx', 10, 10);
    expect(resolveTicker('latest', older, 'binance', [], newer)).toBeUndefined();
    const newest = ticker('okx', 12, 30);
    expect(resolveTicker('latest', newest, 'binance', [], newer)).toBe(newest);
  });

  it('average: the mean of the healthy sources, tagged with the venues averaged', () => {
    const a = ticker('binance', 100, 10, { bid: 99, ask: 101, volume24h: 10 });
    const b = ticker('okx', 110, 20, { bid: 109, ask: 111, volume24h: 30 });
    const avg = resolveTicker('average', b, 'binance', [a, b], undefined);
    expect(avg).toMatchObject({
      exchange: 'binance',
      last: 105,
      bid: 104,
      ask: 106,
      volume24h: 20,
      timestamp: 20,
      sources: ['binance', 'okx'],
    });
    expect(averageTicker([], 'binance')).toBeUndefined();
  });

  it('the consolidated quote takes the best bid and the best ask, each with its venue', () => {
    const q = consolidatedQuote(
      [quote('binance', 100, 103), quote('okx', 101, 104), quote('kraken', 99, 102)],
      'binance',
    );
    expect(q).toMatchObject({
      bid: 101,
      bidExchange: 'okx',
      ask: 102,
      askExchange: 'kraken',
      mid: 101.5,
      exchange: 'binance',
    });
    expect(consolidatedQuote([], 'binance')).toBeUndefined();
  });

  it('the aggregator publishes tickers by its mode', () => {
    const latest = harness({ conflictResolution: 'latest' });
    latest.run(500);
    latest.aggregator.observe(ticker('binance', 100, latest.clock.now));
    latest.aggregator.observe(ticker('okx', 90, latest.clock.now - 50));
    latest.aggregator.observe(ticker('okx', 110, latest.clock.now + 10));
    expect(
      latest.published.filter((m) => m.type === 'ticker').map((m) => (m.type === 'ticker' ? m.last : 0)),
    ).toEqual([100, 110]);

    const average = harness({ conflictResolution: 'average' });
    average.run(500);
    average.aggregator.observe(ticker('binance', 100, average.clock.now));
    average.aggregator.observe(ticker('okx', 110, average.clock.now));
    const tickers = average.published
      .filter((m) => m.type === 'ticker')
      .map((m) => (m.type === 'ticker' ? m.last : 0));
    expect(tickers).toEqual([100, 105]);

    const primary = harness();
    primary.run(500);
    primary.aggregator.observe(ticker('okx', 110, primary.clock.now));
    primary.aggregator.observe(ticker('binance', 100, primary.clock.now));
    expect(primary.published.filter((m) => m.type === 'ticker').map((m) => m.exchange)).toEqual(['binance']);
  });

  it('publishes the consolidated quote only when it changes', () => {
    const h = harness();
    h.run(500);
    h.aggregator.observe(quote('binance', 100, 102, h.clock.now));
    h.aggregator.observe(quote('okx', 101, 103, h.clock.now));
    h.aggregator.observe(quote('okx', 101, 103, h.clock.now));
    const quotes = h.published.filter((m): m is Quote => m.type === 'quote');
    expect(quotes.map((q) => [q.bid, q.bidExchange, q.ask, q.askExchange])).toEqual([
      [100, 'binance', 102, 'binance'],
      [101, 'okx', 102, 'binance'],
    ]);
  });
});

describe('failover rules', () => {
  it('an intermittent primary does not flap: back only after the hold of continuous health', () => {
    const h = harness({ noDataTimeoutMs: 1000, switchBackHoldMs: 5000 });
    h.run(2000);
    h.run(1500, false);
    expect(h.switches.map((s) => [s.to, s.reason])).toEqual([['okx', 'no_data']]);
    // Back for 3 s, silent again, back for 4 s, silent again: never held for 5 s.
    for (const up of [3000, 4000]) {
      h.run(up);
      h.run(1500, false);
    }
    expect(h.switches).toHaveLength(1);
    h.run(4900);
    expect(h.switches).toHaveLength(1);
    h.run(300);
    expect(h.switches.map((s) => [s.to, s.reason])).toEqual([
      ['okx', 'no_data'],
      ['binance', 'primary_recovered'],
    ]);
    const statuses = h.published
      .filter((m) => m.type === 'status')
      .map((m) => (m.type === 'status' ? m.reason : ''));
    expect(statuses).toEqual([
      'sourceSwitch binance → okx (no_data)',
      'sourceSwitch okx → binance (primary_recovered)',
    ]);
  });

  it('fails over on latency above the source own usual delay (a constant clock offset is not latency)', () => {
    const h = harness({ maxSourceLatencyMs: 2000 });
    const offset = 28_000_000_000; // a replay of last year: exchange times far behind, steadily
    for (let i = 0; i < 20; i++) {
      h.clock.now += 100;
      h.aggregator.observe(trade('binance', 100, h.clock.now - offset, h.clock.now));
      h.aggregator.observe(trade('okx', 100, h.clock.now));
    }
    // A closed 1-minute bar is stamped with its minute's start: not a delay.
    h.aggregator.observe({
      type: 'bar',
      exchange: 'binance',
      symbol: SYMBOL,
      timestamp: h.clock.now - offset - 60_000,
      localTimestamp: h.clock.now,
      interval: '1m',
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
    });
    h.clock.now += 100;
    h.aggregator.observe(trade('okx', 100, h.clock.now));
    expect(h.switches).toEqual([]);
    for (let i = 0; i < 40 && h.switches.length === 0; i++) {
      h.clock.now += 100;
      h.aggregator.observe(trade('binance', 100, h.clock.now - offset - 4000, h.clock.now));
      h.aggregator.observe(trade('okx', 100, h.clock.now));
    }
    expect(h.switches.map((s) => s.reason)).toEqual(['latency']);
  });

  it('fails over on an error burst counted by the feed', () => {
    let decodeErrors = 0;
    const stats = (exchange: Exchange): FeedStats =>
      ({
        exchange,
        decodeErrors: exchange === 'binance' ? decodeErrors : 0,
        gaps: 0,
        checksumMismatches: 0,
        crossedBooks: 0,
        rejectedRequests: 0,
      }) as FeedStats;
    const h = harness({ feedStats: stats, errorBurstCount: 5, errorBurstWindowMs: 10_000 });
    h.run(1000);
    decodeErrors = 4;
    h.run(200);
    expect(h.switches).toEqual([]);
    decodeErrors = 5;
    h.run(200);
    expect(h.switches.map((s) => [s.to, s.reason])).toEqual([['okx', 'errors']]);
  });

  it('switches at once on a disconnect status, and never with enableFailover false', () => {
    const h = harness();
    h.run(500);
    h.aggregator.observe({
      ...connected('binance', h.clock.now),
      state: 'disconnected',
      reason: 'socket closed',
    });
    expect(h.switches.map((s) => s.reason)).toEqual(['disconnected']);

    const off = harness({ enableFailover: false });
    off.run(500);
    off.aggregator.observe({
      ...connected('binance', off.clock.now),
      state: 'disconnected',
      reason: 'socket closed',
    });
    off.run(10_000, false);
    expect(off.switches).toEqual([]);
    expect(off.aggregator.activeSource(SYMBOL)).toBe('binance');
  });

  it('primaryExchange overrides the order of exchanges', () => {
    const h = harness({ primaryExchange: 'okx' });
    expect(h.aggregator.activeSource(SYMBOL)).toBe('okx');
    expect(h.aggregator.sources()[0]).toMatchObject({ primary: 'okx', active: 'okx' });
  });
});

describe('marketData and lifecycle', () => {
  it('carries the flat view of trades, tickers and quotes', () => {
    const h = harness();
    const seen: MarketData[] = [];
    h.run(500);
    h.aggregator.on('marketData', (d) => seen.push(d));
    h.clock.now += 100;
    const t = trade('okx', 101, h.clock.now);
    h.aggregator.observe(t);
    h.aggregator.observe(ticker('binance', 100, h.clock.now));
    h.aggregator.observe(quote('binance', 99, 101, h.clock.now));
    expect(seen[0]).toEqual({
      exchange: 'okx',
      symbol: SYMBOL,
      timestamp: t.timestamp,
      price: 101,
      volume: 0.5,
      bid: undefined,
      ask: undefined,
      type: 'trade',
      raw: t,
    });
    expect(seen[1]).toMatchObject({
      type: 'ticker',
      exchange: 'binance',
      price: 100,
      bid: 99,
      ask: 101,
      volume: 100,
    });
    expect(seen[2]).toMatchObject({ type: 'orderbook', price: 100, bid: 99, ask: 101, volume: 3 });
  });

  it('close() clears its health-check timer', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const h = harness();
      expect(vi.getTimerCount()).toBe(1);
      h.aggregator.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
