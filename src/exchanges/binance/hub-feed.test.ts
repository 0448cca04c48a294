import { describe, expect, it } from 'vitest';
import { T0, baseBook, snapshotEvent, tradeEvent, useHub } from './test-support/hub.js';

const { start: hub, client } = useHub();

describe('Binance replay timeline clock', () => {
  it('keeps the cadenced streams going after an event whose time is not a number', async () => {
    const { hub: replay, venue } = await hub();
    const c = await client('/binance/stream?streams=btcusdt@depth5@100ms/btcusdt@depth5');
    // A malformed recording (a trade time that is no number) reaches the hub as the first event.
    replay.push(tradeEvent(Number.NaN, 1, '67000.50000000', '0.01000000', false));
    replay.push(snapshotEvent(T0 + 10, baseBook(1000)));
    replay.advanceTo(T0 + 100);
    replay.advanceTo(T0 + 1000);
    const frames = (await c.count(3)) as { stream: string; data: { lastUpdateId: number } }[];
    const ids = (stream: string): number[] =>
      frames.filter((f) => f.stream === stream).map((f) => f.data.lastUpdateId);
    expect([ids('btcusdt@depth5@100ms'), ids('btcusdt@depth5')]).toEqual([[1000, 1000], [1000]]);
    expect(venue.stats().replayTime).toBe(T0 + 1000);
    expect(venue.counters().badEvents).toBe(1);
  });
});
