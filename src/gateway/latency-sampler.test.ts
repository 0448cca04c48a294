import { describe, expect, it } from 'vitest';
import { LatencySampler, type LatencyStage } from './latency-sampler.js';

function sampler(every: number): {
  s: LatencySampler;
  seen: [LatencyStage, number][];
  set: (wall: number, mono: number) => void;
} {
  const seen: [LatencyStage, number][] = [];
  let wall = 0;
  let mono = 0;
  const s = new LatencySampler({
    observe: (stage, seconds) => seen.push([stage, seconds]),
    every,
    now: () => wall,
    clock: () => mono,
  });
  return {
    s,
    seen,
    set: (w, m) => {
      wall = w;
      mono = m;
    },
  };
}

describe('LatencySampler', () => {
  it('samples one message in `every`, each stage from its own clocks', () => {
    const { s, seen, set } = sampler(4);
    set(10_050, 500);
    for (let i = 0; i < 3; i++) s.onBusMessage({ timestamp: 10_000, localTimestamp: 10_020 }, true);
    s.onFlushed();
    expect(seen).toEqual([]);
    s.onBusMessage({ timestamp: 10_000, localTimestamp: 10_020 }, true);
    expect(seen).toEqual([
      ['exchange_to_receipt', 0.02],
      ['receipt_to_bus', 0.03],
    ]);
    set(10_060, 502.5);
    s.onFlushed();
    expect(seen[2]).toEqual(['bus_to_flush', 0.0025]);
    s.onFlushed();
    expect(seen).toHaveLength(3);
  });

  it('counts clock skew as zero and times no flush for a message no client was sent', () => {
    const { s, seen, set } = sampler(1);
    set(1000, 0);
    s.onBusMessage({ timestamp: 2000, localTimestamp: 1500 }, false);
    s.onFlushed();
    expect(seen).toEqual([
      ['exchange_to_receipt', 0],
      ['receipt_to_bus', 0],
    ]);
  });

  it('refuses a sampling rate that is not a whole number >= 1', () => {
    expect(() => new LatencySampler({ observe: () => undefined, every: 0 })).toThrow(
      /whole number >= 1, got 0/,
    );
  });
});
