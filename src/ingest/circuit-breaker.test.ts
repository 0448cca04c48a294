import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';

function breaker(opts = { failures: 3, openMs: 1000, successes: 2 }) {
  let now = 0;
  const changes: [BreakerState, string][] = [];
  const b = new CircuitBreaker(
    opts,
    (s, r) => changes.push([s, r]),
    () => now,
  );
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after N straight failures only: a success in between starts the count again', () => {
    const { b, changes } = breaker();
    b.recordFailure('refused');
    b.recordFailure('refused');
    b.recordSuccess();
    b.recordFailure('refused');
    b.recordFailure('refused');
    expect(b.state).toBe('closed');
    b.recordFailure('timeout');
    expect(b.state).toBe('open');
    expect(changes).toEqual([
      ['open', '3 connection attempts failed in a row (last: timeout); no attempt for 1000ms'],
    ]);
  });

  it('waits openMs while open, turns half-open at the next attempt, and closes after M successes', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure('refused');
    expect(b.waitMs()).toBe(1000);
    advance(400);
    b.beforeAttempt();
    expect(b.state).toBe('open');
    expect(b.waitMs()).toBe(600);
    advance(600);
    b.beforeAttempt();
    expect(b.state).toBe('half-open');
    expect(b.waitMs()).toBe(0);
    b.recordSuccess();
    expect(b.state).toBe('half-open');
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(changes.map((c) => c[0])).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failure while half-open opens it again at once, with a fresh open period', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure('refused');
    advance(1000);
    b.beforeAttempt();
    b.recordSuccess();
    b.recordFailure('dropped');
    expect(b.state).toBe('open');
    expect(b.waitMs()).toBe(1000);
    expect(changes.at(-1)?.[1]).toMatch(/^failed while half-open \(dropped\)/);
  });

  it('refuses settings it cannot work with, naming them', () => {
    expect(() => new CircuitBreaker({ failures: 0 }, () => {})).toThrow(
      /failures must be a whole number >= 1, got 0/,
    );
    expect(() => new CircuitBreaker({ successes: 1.5 }, () => {})).toThrow(/successes/);
    expect(() => new CircuitBreaker({ openMs: -1 }, () => {})).toThrow(/openMs must be >= 0/);
  });
});
