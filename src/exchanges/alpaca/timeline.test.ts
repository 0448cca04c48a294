import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { AlpacaTimeline } from './timeline.js';
import { alpacaTrade } from './test-support/hub.js';

describe('AlpacaTimeline', () => {
  it('skips an event it cannot apply, counting it, and keeps serving the rest', () => {
    const published: string[] = [];
    const timeline = new AlpacaTimeline(
      { has: () => true, publish: (channel) => void published.push(channel) },
      silentLogger(),
      ['AAPL'],
    );
    const bad = alpacaTrade('AAPL', '2026-01-05T15:00:00Z', 1, 1, 1);
    (bad.data as { p: unknown }).p = 'one';
    timeline.push(bad);
    timeline.push({ ...alpacaTrade('AAPL', 'yesterday', 1, 1, 2), ts: Date.parse('2026-01-05T15:00:01Z') });
    timeline.push({ ...alpacaTrade('AAPL', '2026-01-05T15:00:02Z', 1, 1, 3), kind: 'book_update' });
    expect(timeline.counters.badEvents).toBe(3);
    expect(published).toEqual([]);
    timeline.push(alpacaTrade('AAPL', '2026-01-05T15:00:03Z', 1, 1, 4));
    // Both encodings, the symbol's and the * channel, and FAKEPACA on test.
    expect(published.sort()).toEqual(
      [
        'json|live|t|AAPL',
        'json|live|t|*',
        'json|test|t|FAKEPACA',
        'msgpack|live|t|AAPL',
        'msgpack|live|t|*',
        'msgpack|test|t|FAKEPACA',
      ].sort(),
    );
    expect(timeline.market('AAPL')?.latestTrade?.i).toBe(4);
  });
});
