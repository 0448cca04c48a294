import { describe, expect, it } from 'vitest';
import type { RawData } from 'ws';
import { T0, baseBook, sleep, snapshotEvent, tradeEvent, updateEvent, useHub } from './test-support/hub.js';
import type { BinanceLevel } from './wire.js';

const { start, client, clients } = useHub();

describe('Binance replay endpoint: fan-out', () => {
  it('frames a turn once per envelope, whatever the number of consumers or events', async () => {
    const h = await start();
    const { hub, venue } = h;
    const raws = await Promise.all([1, 2, 3].map(() => client('/binance/ws/btcusdt@trade')));
    const combined = await Promise.all([1, 2].map(() => client('/binance/stream?streams=btcusdt@trade')));
    const rawBytes: string[] = [];
    raws[0].ws.on('message', (d: RawData) => rawBytes.push(String(d)));

    const before = venue.counters();
    for (let i = 0; i < 10; i++) hub.push(tradeEvent(T0 + i, 100 + i, '67000.10000000', '0.00100000'));
    await Promise.all([...raws, ...combined].map((c) => c.count(10)));
    const mid = venue.counters();
    expect(mid.batchesFramed - before.batchesFramed).toBe(2); // one turn × envelopes in use
    expect(mid.payloadsSerialized - before.payloadsSerialized).toBe(10);
    expect(mid.deliveries - before.deliveries).toBe(10 * 5);
    expect(mid.socketWrites - before.socketWrites).toBe(5);

    // Twice the consumers: same number of frames built.
    await Promise.all([1, 2, 3, 4, 5].map(() => client('/binance/stream?streams=btcusdt@trade')));
    for (let i = 10; i < 20; i++) hub.push(tradeEvent(T0 + i, 100 + i, '67000.10000000', '0.00100000'));
    await Promise.all(clients.map((c) => c.count(c.messages.length >= 10 ? 20 : 10)));
    const after = venue.counters();
    expect(after.batchesFramed - mid.batchesFramed).toBe(2);
    expect(after.deliveries - mid.deliveries).toBe(10 * 10);

    // Only raw consumers on a stream: one frame per event.
    await client('/binance/ws/btcusdt@aggTrade');
    const aggBefore = venue.counters().batchesFramed;
    hub.push(tradeEvent(T0 + 30, 200, '67000.10000000', '0.00100000'));
    await clients[clients.length - 1].count(1);
    expect(venue.counters().batchesFramed - aggBefore).toBe(2 + 1); // trade (raw + combined) + aggTrade (raw)

    // Every consumer got the same bytes.
    expect(rawBytes[0]).toBe(JSON.stringify(raws[1].messages[0]));
    expect(combined[0].messages[0]).toEqual({ stream: 'btcusdt@trade', data: raws[2].messages[0] });
  });

  it('serializes an event only when one of its streams has a subscriber, and once for all of them', async () => {
    const { hub, venue } = await start();
    hub.push(snapshotEvent(T0, baseBook(1000)));
    const serialized = (): number => venue.counters().payloadsSerialized;
    const before = serialized();
    // Nobody listens: no JSON is built for the trade or the depth update.
    hub.push(tradeEvent(T0 + 1, 1, '67000.10000000', '0.00100000'));
    hub.push(updateEvent(T0 + 2, 1001, 1001, [['66996.00000000', '3.00000000']], []));
    expect(serialized()).toBe(before);

    // One update goes to the three diff-depth streams, raw and combined: serialized once.
    const raw = await client('/binance/ws/btcusdt@depth/btcusdt@depth@100ms');
    const combined = await client('/binance/stream?streams=btcusdt@depth@1000ms/btcusdt@depth@100ms');
    hub.push(updateEvent(T0 + 3, 1002, 1002, [['66995.00000000', '1.00000000']], []));
    expect(await raw.count(2)).toHaveLength(2);
    expect(await combined.count(2)).toHaveLength(2);
    expect(serialized()).toBe(before + 1);
  });

  it('drops a consumer that stops reading while a fast one gets everything', async () => {
    const h = await start({ maxBufferedBytes: 256 * 1024 });
    const { hub, venue } = h;
    hub.push(snapshotEvent(T0, baseBook(1000)));
    const fast = await client('/binance/ws/btcusdt@depth@100ms');
    const slow = await client('/binance/ws/btcusdt@depth@100ms');
    slow.ws.pause();

    // ~10 KB depthUpdate events.
    const bids: BinanceLevel[] = [];
    for (let i = 0; i < 300; i++) bids.push([(60000 + i).toFixed(8), '1.00000000']);
    let u = 1000;
    let pushed = 0;
    for (let batch = 0; batch < 4000 && venue.counters().slowConsumersDropped === 0; batch++) {
      for (let k = 0; k < 4; k++) {
        u++;
        hub.push(updateEvent(T0 + u, u, u, bids, []));
        pushed++;
      }
      await sleep(0);
    }
    expect(venue.counters().slowConsumersDropped).toBe(1);
    for (let k = 0; k < 20; k++) {
      u++;
      hub.push(updateEvent(T0 + u, u, u, bids, []));
      pushed++;
    }
    const got = await fast.count(pushed, 20_000);
    expect(got).toHaveLength(pushed);
    expect((got[pushed - 1] as { u: number }).u).toBe(u);
    expect(fast.isOpen).toBe(true);
    expect(venue.stats().consumers).toBeGreaterThanOrEqual(1);

    slow.ws.resume();
    const closed = await slow.closed;
    expect([1013, 1006]).toContain(closed.code);
    expect(slow.messages.length).toBeLessThan(pushed);
    await sleep(10);
    expect(venue.stats().consumers).toBe(1);
    expect(venue.counters().slowConsumersDropped).toBe(1);
  });
});
