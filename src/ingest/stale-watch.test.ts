/**
 * The staleness watch decides per symbol: a lull of one channel (trades stop while the book
 * moves) is quiet, not stale; silence on every channel is stale, reported once, and live again
 * with the next message; a link silent as long as a stale symbol is recycled.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { NormalizedMessage, Quote, Trade } from '../core/types.js';
import { quote as quoteOf, trade as tradeOf } from '../test-support/client-gateway.js';
import { StaleWatch } from './stale-watch.js';

const CHECK_MS = 100;

interface Statused {
  symbol: string;
  state: string;
  reason: string;
}

/** A message of `symbol` received at `at`. */
function at<T extends NormalizedMessage>(msg: T, time: number): T {
  return { ...msg, timestamp: time, localTimestamp: time };
}

const trade = (symbol: string, time: number): Trade => at(tradeOf(symbol, 100), time);
const quote = (symbol: string, time: number): Quote => at(quoteOf(symbol, 100), time);

describe('StaleWatch', () => {
  let clock = 1_000_000;
  let lastFrameAt = clock;
  let statuses: Statused[] = [];
  let recycled: string[] = [];
  let watch: StaleWatch;

  /** Move time on by `ms`, the watch's interval running on the way. */
  function advance(ms: number): void {
    for (let t = 0; t < ms; t += CHECK_MS) {
      clock += CHECK_MS;
      vi.advanceTimersByTime(CHECK_MS);
    }
  }

  function deliver(msg: NormalizedMessage): void {
    lastFrameAt = msg.localTimestamp;
    watch.observe(msg);
  }

  beforeEach(() => {
    vi.useFakeTimers();
    statuses = [];
    recycled = [];
    watch = new StaleWatch({
      staleness: { floorMs: 1000, factor: 4, minSamples: 3 },
      checkMs: CHECK_MS,
      now: () => clock,
      logger: silentLogger(),
      linkState: () => 'connected',
      lastFrameAt: () => lastFrameAt,
      status: (symbol, state, reason) => statuses.push({ symbol, state, reason }),
      recycle: (reason) => recycled.push(reason),
    });
    watch.start();
    // Learn the rhythm: a trade and a quote of each symbol every 200 ms.
    for (let i = 0; i < 10; i++) {
      advance(200);
      for (const s of ['AAA/USD', 'BBB/USD']) {
        deliver(trade(s, clock));
        deliver(quote(s, clock));
      }
    }
  });

  afterEach(() => {
    watch.stop();
    vi.useRealTimers();
  });

  it('trades silent while the book moves: the channel is quiet, the symbol is not stale', () => {
    for (let i = 0; i < 15; i++) {
      advance(200);
      deliver(quote('AAA/USD', clock));
      deliver(trade('BBB/USD', clock));
      deliver(quote('BBB/USD', clock));
    }
    expect(watch.quietChannels()).toEqual(['AAA/USD trade']);
    expect(watch.staleSymbols()).toEqual([]);
    expect(statuses).toEqual([]);
    deliver(trade('AAA/USD', clock));
    expect(watch.quietChannels()).toEqual([]);
    expect(statuses).toEqual([]);
  });

  it('every channel of a symbol silent: stale once, live again with its next message; the link is kept', () => {
    for (let i = 0; i < 15; i++) {
      advance(200);
      deliver(trade('BBB/USD', clock));
    }
    expect(watch.staleSymbols()).toEqual(['AAA/USD']);
    expect(statuses).toEqual([
      {
        symbol: 'AAA/USD',
        state: 'stale',
        reason: expect.stringMatching(
          /^every channel of AAA\/USD silent for \d+ms \(usual gap \d+ms, stale after 1000ms\)$/,
        ),
      },
    ]);
    expect(recycled).toEqual([]);
    advance(200);
    deliver(quote('AAA/USD', clock));
    expect(watch.staleSymbols()).toEqual([]);
    expect(statuses[1]).toEqual({
      symbol: 'AAA/USD',
      state: 'connected',
      reason: expect.stringMatching(/^AAA\/USD live again after \d+ms of silence$/),
    });
  });

  it('the whole link silent as long as a stale symbol: the connection is recycled', () => {
    advance(1500);
    expect(watch.staleSymbols().sort()).toEqual(['AAA/USD', 'BBB/USD']);
    expect(recycled).toHaveLength(1);
    expect(recycled[0]).toMatch(/^every channel silent for \d+ms \(stale: AAA\/USD, BBB\/USD\)/);
  });
});
