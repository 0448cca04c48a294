import { describe, expect, it } from 'vitest';
import { Garch, HawkesProcess } from './processes.js';
import { Rng } from './random.js';
import { autocorrelation, mean, variance } from './stats.js';

describe('Garch', () => {
  it('clusters volatility around the long-run level', () => {
    const rng = new Rng('garch');
    const garch = new Garch(1e-4);
    const returns: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = rng.normal(0, garch.sd);
      returns.push(r);
      garch.update(r);
    }
    const abs = returns.map(Math.abs);
    expect(autocorrelation(abs, 1)).toBeGreaterThan(0.1);
    expect(autocorrelation(returns, 1)).toBeLessThan(0.05);
    const sd = Math.sqrt(returns.reduce((a, r) => a + r * r, 0) / returns.length);
    expect(sd / 1e-4).toBeGreaterThan(0.8);
    expect(sd / 1e-4).toBeLessThan(1.25);
  });
});

describe('HawkesProcess', () => {
  it('arrives in bursts: counts per second are overdispersed, with quiet seconds', () => {
    const rng = new Rng('hawkes');
    const branching = 0.7;
    const hawkes = new HawkesProcess(branching, 3 / 1000, 0.15);
    const baseline = (5 * (1 - branching)) / 1000;
    const counts = new Array<number>(3600).fill(0);
    for (let second = 0; second < counts.length; second++) {
      const end = (second + 1) * 1000;
      let t = hawkes.next(rng, baseline, second * 1000, end);
      while (t !== undefined) {
        counts[second]++;
        hawkes.arrive(t);
        t = hawkes.next(rng, baseline, t, end);
      }
    }
    expect(mean(counts)).toBeGreaterThan(3.5);
    expect(mean(counts)).toBeLessThan(6.5);
    expect(variance(counts) / mean(counts)).toBeGreaterThan(2);
    expect(counts.filter((c) => c === 0).length).toBeGreaterThan(100);
    expect(Math.max(...counts)).toBeGreaterThan(20);
  });
});
