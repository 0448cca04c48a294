import { beforeAll, describe, expect, it } from 'vitest';
import { MarketSimulator, type SimTrade } from './market.js';
import { binanceProfileFor as profileFor } from '../exchanges/binance/profiles.js';
import { Rng } from './random.js';
import { autocorrelation, mean, quantile, variance } from './stats.js';

const START = Date.UTC(2026, 0, 5, 14);
const SECONDS = 1800;

interface Run {
  trades: SimTrade[];
  /** Fills that did not trade at the best price of the side they hit, at that moment. */
  offTouch: number;
  /** Fills larger than the level they hit. */
  oversized: number;
  /** Per second: best bid, best ask (ticks), lastUpdateId and the 100 best level sizes. */
  seconds: { bid: number; ask: number; updateId: number; sizes: number[] }[];
}

function simulate(symbol: string, seed: string, seconds = SECONDS): Run {
  const run: Run = { trades: [], offTouch: 0, oversized: 0, seconds: [] };
  const sim: MarketSimulator = new MarketSimulator({
    profile: profileFor(symbol),
    rng: new Rng(seed),
    startMs: START,
    onTrade: (trade) => {
      run.trades.push(trade);
      const side = trade.buyerIsMaker ? sim.bids : sim.asks;
      if (side.best() !== trade.priceTicks) run.offTouch++;
      if (trade.qtySteps > side.qtyAt(0)) run.oversized++;
    },
  });
  for (let s = 1; s <= seconds; s++) {
    sim.advanceTo(START + s * 1000);
    run.seconds.push({
      bid: sim.bids.tickAt(0),
      ask: sim.asks.tickAt(0),
      updateId: sim.lastUpdateId,
      sizes: sim.bids.levels(100).map(([, qty]) => qty),
    });
  }
  return run;
}

function perSecondCounts(trades: SimTrade[], seconds = SECONDS): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (const t of trades) counts[Math.min(seconds - 1, Math.floor((t.time - START) / 1000))]++;
  return counts;
}

describe.each([
  ['BTCUSDT', 'market-test-btc', 1e-5],
  ['ETHUSDT', 'market-test-eth', 1e-4],
])('MarketSimulator %s', (symbol, seed, stepSize) => {
  let run: Run;

  beforeAll(() => {
    run = simulate(symbol, seed);
  });

  it('fills every trade at the best price of the side it hits, never for more than the level holds', () => {
    expect(run.trades.length).toBeGreaterThan(1000);
    expect(run.offTouch).toBe(0);
    expect(run.oversized).toBe(0);
    expect(run.trades.some((t) => t.buyerIsMaker)).toBe(true);
    expect(run.trades.some((t) => !t.buyerIsMaker)).toBe(true);
  });

  it('sweeps only a few ticks past the touch', () => {
    const sweep: number[] = [];
    let first = run.trades[0];
    for (const t of run.trades) {
      if (t.time !== first.time || t.buyerIsMaker !== first.buyerIsMaker) first = t;
      sweep.push(Math.abs(t.priceTicks - first.priceTicks));
    }
    expect(quantile(sweep, 0.9)).toBeLessThanOrEqual(2 * profileFor(symbol).levelGapTicks.top);
    expect(quantile(sweep, 0.99)).toBeLessThanOrEqual(6 * profileFor(symbol).levelGapTicks.top);
  });

  it('numbers trades consecutively in time order', () => {
    let disordered = 0;
    for (let i = 1; i < run.trades.length; i++) {
      const [prev, next] = [run.trades[i - 1], run.trades[i]];
      if (next.id !== prev.id + 1 || next.time < prev.time) disordered++;
    }
    expect(disordered).toBe(0);
  });

  it('keeps the spread at one tick most of the time and never crosses', () => {
    const spreads = run.seconds.map((s) => s.ask - s.bid);
    expect(Math.min(...spreads)).toBeGreaterThanOrEqual(1);
    expect(spreads.filter((s) => s === 1).length / spreads.length).toBeGreaterThan(0.85);
  });

  it('advances lastUpdateId by tens to hundreds per second', () => {
    const steps = run.seconds.slice(1).map((s, i) => s.updateId - run.seconds[i].updateId);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(10);
    expect(quantile(steps, 0.5)).toBeGreaterThanOrEqual(30);
    expect(quantile(steps, 0.5)).toBeLessThanOrEqual(1000);
  });

  it('sizes levels like real books: mostly small, a few walls', () => {
    const sizes = run.seconds.flatMap((s) => s.sizes).map((steps) => steps * stepSize);
    const [small, large] = symbol === 'BTCUSDT' ? [0.0001, 2] : [0.001, 30];
    const typical = sizes.filter((q) => q >= small && q <= large).length / sizes.length;
    expect(typical).toBeGreaterThan(0.85);
    expect(sizes.some((q) => q > large)).toBe(true);
  });

  it('trades in bursts: quiet seconds, busy seconds, dozens per second at the peak', () => {
    const counts = perSecondCounts(run.trades);
    expect(mean(counts)).toBeGreaterThan(2);
    expect(mean(counts)).toBeLessThan(12);
    expect(variance(counts) / mean(counts)).toBeGreaterThan(2);
    expect(counts.filter((c) => c === 0).length / counts.length).toBeGreaterThan(0.05);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(24);
  });

  it('clusters volatility: absolute 1-second returns are positively autocorrelated', () => {
    const mids = run.seconds.map((s) => (s.bid + s.ask) / 2);
    const returns = mids.slice(1).map((m, i) => Math.log(m / mids[i]));
    const abs = returns.map(Math.abs);
    expect(autocorrelation(abs, 1)).toBeGreaterThan(0.08);
    expect(mean([1, 2, 3, 4, 5].map((lag) => autocorrelation(abs, lag)))).toBeGreaterThan(0.08);
    expect(Math.abs(autocorrelation(returns, 1))).toBeLessThan(0.15);
  });
});

describe('MarketSimulator books', () => {
  it.each(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'])(
    '%s keeps ≥ 100 sorted levels a side, bids below asks, every 100 ms',
    (symbol) => {
      const sim = new MarketSimulator({
        profile: profileFor(symbol),
        rng: new Rng(`books-${symbol}`),
        startMs: START,
        onTrade: () => undefined,
      });
      const problems: string[] = [];
      for (let t = START; t <= START + 300_000; t += 100) {
        sim.advanceTo(t);
        const bids = sim.bids.levels(1000);
        const asks = sim.asks.levels(1000);
        if (bids.length < 100 || asks.length < 100)
          problems.push(`${t}: ${bids.length}/${asks.length} levels`);
        if (bids[0][0] >= asks[0][0]) problems.push(`${t}: crossed ${bids[0][0]} ≥ ${asks[0][0]}`);
        for (let i = 1; i < bids.length; i++)
          if (bids[i][0] >= bids[i - 1][0]) problems.push(`${t}: bids unsorted`);
        for (let i = 1; i < asks.length; i++)
          if (asks[i][0] <= asks[i - 1][0]) problems.push(`${t}: asks unsorted`);
        for (const [, qty] of [...bids, ...asks])
          if (!(Number.isInteger(qty) && qty > 0)) problems.push(`${t}: qty ${qty}`);
      }
      expect(problems).toEqual([]);
    },
  );

  it('is deterministic for a seed', () => {
    const a = simulate('ETHUSDT', 'same', 120);
    const b = simulate('ETHUSDT', 'same', 120);
    const c = simulate('ETHUSDT', 'other', 120);
    expect(a.trades).toEqual(b.trades);
    expect(a.seconds).toEqual(b.seconds);
    expect(c.trades).not.toEqual(a.trades);
  });
});

describe('MarketSimulator book depth', () => {
  it('keeps a profile’s `bookLevels` a side (150 by default) and refuses a depth it cannot repair', () => {
    const depthAfter = (bookLevels: number | undefined): [number, number] => {
      const profile = { ...profileFor('BTCUSDT'), bookLevels };
      const sim = new MarketSimulator({ profile, rng: new Rng('depth'), startMs: START, onTrade: () => {} });
      sim.advanceTo(START + 30_000);
      return [sim.bids.levels(1000).length, sim.asks.levels(1000).length];
    };
    for (const n of depthAfter(undefined)) expect(n).toBeGreaterThanOrEqual(150);
    for (const n of depthAfter(450)) expect(n).toBeGreaterThanOrEqual(450);
    expect(() => depthAfter(20)).toThrow(/bookLevels/);
  });
});

describe('MarketSimulator activity and book-change hooks', () => {
  function run(activity?: (ms: number) => number): { trades: SimTrade[]; changes: number[] } {
    const out = { trades: [] as SimTrade[], changes: [] as number[] };
    const sim = new MarketSimulator({
      profile: profileFor('BTCUSDT'),
      rng: new Rng('activity'),
      startMs: START,
      onTrade: (t) => out.trades.push(t),
      activity,
      onBookChange: (ms) => out.changes.push(ms),
    });
    sim.advanceTo(START + 120_000);
    return out;
  }

  it('prints no trade while the activity is 0 and more where it is high', () => {
    const closedFirstMinute = run((ms) => (ms < START + 60_000 ? 0 : 1));
    expect(closedFirstMinute.trades.length).toBeGreaterThan(0);
    expect(closedFirstMinute.trades.every((t) => t.time >= START + 60_000)).toBe(true);
    const busy = run((ms) => (ms < START + 60_000 ? 4 : 1));
    const early = (r: { trades: SimTrade[] }): number =>
      r.trades.filter((t) => t.time < START + 60_000).length;
    const late = (r: { trades: SimTrade[] }): number => r.trades.length - early(r);
    expect(early(busy)).toBeGreaterThan(2 * late(busy));
  });

  it('reports every grid step and every taker order as a possible book change, in time order', () => {
    const { trades, changes } = run();
    for (let k = 1; k < changes.length; k++) expect(changes[k]).toBeGreaterThanOrEqual(changes[k - 1]);
    const gridSteps = changes.filter((ms) => (ms - START) % 100 === 0).length;
    expect(gridSteps).toBeGreaterThanOrEqual(1200);
    const takerTimes = new Set(trades.map((t) => t.time));
    for (const ms of takerTimes) expect(changes).toContain(ms);
  });
});
