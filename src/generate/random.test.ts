import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

function meanAndSd(xs: number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return [mean, Math.sqrt(variance)];
}

describe('Rng', () => {
  it('is deterministic: the same seed gives the same sequence', () => {
    expect(draws(new Rng('tickstream'), 1000)).toEqual(draws(new Rng('tickstream'), 1000));
    expect(draws(new Rng(42), 10)).toEqual(draws(new Rng('42'), 10));
  });

  it('pins the sequence, so generated datasets stay identical across releases', () => {
    expect(draws(new Rng('tickstream'), 3)).toEqual([3902935806, 2625264105, 2964297146]);
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(new Rng('a'), 10)).not.toEqual(draws(new Rng('b'), 10));
    expect(draws(new Rng(1), 10)).not.toEqual(draws(new Rng(2), 10));
  });

  it('forks independent streams that do not depend on how much the parent consumed', () => {
    const a = new Rng('root');
    const b = new Rng('root');
    draws(b, 100);
    expect(draws(a.fork('BTCUSDT'), 10)).toEqual(draws(b.fork('BTCUSDT'), 10));
    expect(draws(a.fork('BTCUSDT'), 10)).not.toEqual(draws(a.fork('ETHUSDT'), 10));
  });

  it('draws uniform floats in [0, 1) and integers in inclusive ranges', () => {
    const rng = new Rng('uniform');
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const f = rng.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      seen.add(rng.int(3, 7));
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('draws from distributions with the right moments', () => {
    const rng = new Rng('moments');
    const n = 50_000;
    const [normalMean, normalSd] = meanAndSd(Array.from({ length: n }, () => rng.normal(10, 2)));
    expect(normalMean).toBeCloseTo(10, 1);
    expect(normalSd).toBeCloseTo(2, 1);
    const [expMean] = meanAndSd(Array.from({ length: n }, () => rng.exponential(4)));
    expect(expMean).toBeCloseTo(0.25, 2);
    for (const mean of [0.3, 5, 80]) {
      const [m, sd] = meanAndSd(Array.from({ length: n }, () => rng.poisson(mean)));
      expect(Math.abs(m - mean) / mean).toBeLessThan(0.03);
      expect(Math.abs(sd - Math.sqrt(mean)) / Math.sqrt(mean)).toBeLessThan(0.05);
    }
    const logs = Array.from({ length: n }, () => rng.logNormal(0.05, 1.5)).sort((a, b) => a - b);
    expect(logs[n / 2] / 0.05).toBeCloseTo(1, 1);
    expect(Array.from({ length: n }, () => rng.bernoulli(0.2)).filter(Boolean).length / n).toBeCloseTo(
      0.2,
      2,
    );
  });
});
