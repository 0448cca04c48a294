import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { startPeerServer, type Peer, type PeerServer, type ServerSide } from '../test-support/ws-peers.js';
import { TopicFanout, sentTypeOf } from './fanout.js';

let peers: PeerServer;
beforeAll(async () => {
  peers = await startPeerServer();
});
afterAll(() => peers.close());

const trade = (id: number): Trade => ({
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: 1,
  localTimestamp: 2,
  id: String(id),
  price: 1,
  amount: 1,
  side: 'buy',
});

describe('TopicFanout', () => {
  it('frames a turn of bus messages once per topic, and drops a client that stops reading', async () => {
    const bus = new MemoryBus({ epoch: 'ab12cd34' });
    const slow: ServerSide[] = [];
    const fanout: TopicFanout<ServerSide> = new TopicFanout<ServerSide>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 64 * 1024,
      onSlow: (c) => {
        slow.push(c);
        fanout.remove('trade@BTC/USDT', c);
      },
    });
    const clients: Peer[] = [];
    for (let i = 0; i < 6; i++) clients.push(await peers.connect());
    for (const c of clients) fanout.add('trade@BTC/USDT', c.sub);
    bus.publish('trade@BTC/USDT', trade(0));
    bus.publish('trade@BTC/USDT', trade(1));
    await Promise.all(clients.map((c) => c.until(2)));
    expect(fanout.counters).toEqual({ busMessages: 2, batchesFramed: 1, deliveries: 12, socketWrites: 6 });
    expect(clients[0].received[0]).toBe(
      '{"stream":"trade@BTC/USDT","data":' + JSON.stringify(trade(0)) + ',"offset":1,"epoch":"ab12cd34"}',
    );
    for (const c of clients) expect(c.received).toEqual(clients[0].received);

    clients[1].stopReading();
    let published = 2;
    // Bounded: loopback buffers fill within a few MB; give up at 2000 turns.
    for (let turn = 0; slow.length === 0 && turn < 2000; turn++) {
      for (let i = 0; i < 50; i++) bus.publish('trade@BTC/USDT', trade(published++));
      await new Promise((r) => setImmediate(r));
    }
    expect(slow).toEqual([clients[1].sub]);
    const fast = clients.filter((_, i) => i !== 1);
    await Promise.all(fast.map((c) => c.until(published)));
    for (const c of fast) expect(c.received.length).toBe(published);
    fanout.close();
  });

  it('subscribes the bus while a client or watcher wants a topic and reports demand', async () => {
    const bus = new MemoryBus();
    const fanout = new TopicFanout<ServerSide>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 1 << 20,
      onSlow: () => {},
    });
    const events: string[] = [];
    fanout.onDemandChange((t, d) => events.push(`${d ? '+' : '-'}${t}`));
    const c = await peers.connect();
    const seen: number[] = [];
    const unwatch = fanout.watch('ticker@X', (m) => seen.push(m.position.offset));
    fanout.add('ticker@X', c.sub);
    expect(bus.activeTopics()).toEqual(['ticker@X']);
    bus.publish('ticker@X', trade(0));
    fanout.remove('ticker@X', c.sub);
    expect(bus.activeTopics()).toEqual(['ticker@X']);
    unwatch();
    unwatch();
    expect(bus.activeTopics()).toEqual([]);
    expect(fanout.demandedTopics()).toEqual([]);
    expect(seen).toEqual([1]);
    await new Promise((r) => setImmediate(r));
    // The client left before the flush: the queued message was not sent to anyone.
    expect(fanout.counters.deliveries).toBe(0);
    expect(c.received).toEqual([]);
    expect(events).toEqual(['+ticker@X', '-ticker@X']);
  });

  it('sends a topic under each view name, compact views in the compact shape, and keeps demand until the last view goes', async () => {
    const bus = new MemoryBus({ epoch: 'e1' });
    const fanout = new TopicFanout<ServerSide>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 1 << 20,
      onSlow: () => {},
    });
    const events: string[] = [];
    fanout.onDemandChange((t, d) => events.push(`${d ? '+' : '-'}${t}`));
    const [plain, spelled, compactA, compactB] = await Promise.all([1, 2, 3, 4].map(() => peers.connect()));
    const topic = 'trade@BTC/USDT';
    const compactView = { name: 'trade@btc-usdt', compact: true };
    fanout.add(topic, plain.sub);
    fanout.add(topic, spelled.sub, { name: 'trade@BTC_USDT', compact: false });
    fanout.add(topic, compactA.sub, compactView);
    fanout.add(topic, compactB.sub, compactView);
    expect(bus.activeTopics()).toEqual([topic]);
    bus.publish(topic, trade(5));
    await Promise.all([plain, spelled, compactA, compactB].map((c) => c.until(1)));
    const at1 = ',"offset":1,"epoch":"e1"}';
    expect(plain.received).toEqual(['{"stream":"trade@BTC/USDT","data":' + JSON.stringify(trade(5)) + at1]);
    expect(spelled.received).toEqual(['{"stream":"trade@BTC_USDT","data":' + JSON.stringify(trade(5)) + at1]);
    const compactFrame =
      '{"stream":"trade@btc-usdt","data":{"e":"trade","t":5,"m":false,"p":1,"q":1,"s":"BTC/USDT"}' + at1;
    expect(compactA.received).toEqual([compactFrame]);
    expect(compactB.received).toEqual([compactFrame]);
    // Three channels (two names plain, one compact): three batches for four clients.
    expect(fanout.counters).toMatchObject({ busMessages: 1, batchesFramed: 3, deliveries: 4 });

    fanout.remove(topic, compactA.sub, compactView);
    fanout.remove(topic, plain.sub);
    fanout.remove(topic, spelled.sub, { name: 'trade@BTC_USDT', compact: false });
    // Removing with a view the client does not hold changes nothing.
    fanout.remove(topic, compactB.sub, { name: 'trade@btc-usdt', compact: false });
    expect(bus.activeTopics()).toEqual([topic]);
    bus.publish(topic, trade(6));
    await compactB.until(2);
    expect(compactB.received[1]).toBe(
      compactFrame.replace('"t":5', '"t":6').replace('"offset":1', '"offset":2'),
    );
    fanout.remove(topic, compactB.sub, compactView);
    expect(bus.activeTopics()).toEqual([]);
    expect(events).toEqual(['+trade@BTC/USDT', '-trade@BTC/USDT']);
    expect([plain, spelled, compactA].map((c) => c.received.length)).toEqual([1, 1, 1]);
    fanout.close();
  });

  it('a client joining after a turn published: what was queued goes out first, so its latest value is not repeated', async () => {
    const bus = new MemoryBus({ epoch: 'e' });
    const fanout = new TopicFanout<ServerSide>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 1 << 20,
      onSlow: () => {},
    });
    const [early, late] = await Promise.all([peers.connect(), peers.connect()]);
    const topic = 'ticker@BTC/USDT';
    const view = { name: topic, compact: false };
    fanout.add(topic, early.sub);
    bus.publish(topic, trade(1), { latestTtlMs: 60_000 });
    bus.publish(topic, trade(2), { latestTtlMs: 60_000 });
    // Same turn: 1 and 2 are still queued when `late` joins with the latest value (2).
    fanout.flushTopic(topic);
    fanout.sendNow(late.sub, view, bus.getLatest(topic) as BusMessage);
    fanout.add(topic, late.sub);
    bus.publish(topic, trade(3), { latestTtlMs: 60_000 });
    await Promise.all([early.until(3), late.until(2)]);
    const offsets = (p: Peer): unknown[] =>
      p.received.map((r) => (JSON.parse(r) as { offset: number }).offset);
    expect(offsets(early)).toEqual([1, 2, 3]);
    expect(offsets(late)).toEqual([2, 3]);

    const other = await peers.connect();
    fanout.sendBatch(other.sub, { name: 'ticker@btc-usdt', compact: true }, [
      (await bus.history(topic, { offset: 0, epoch: 'e' }, 10)).messages[0],
    ]);
    await other.until(1);
    expect(other.received).toEqual([
      '{"stream":"ticker@btc-usdt","data":{"e":"trade","t":1,"m":false,"p":1,"q":1,"s":"BTC/USDT"},"offset":1,"epoch":"e"}',
    ]);
    fanout.close();
  });
});

describe('sentTypeOf', () => {
  it('maps channels, as clients spell them, to the /metrics stream types', () => {
    expect(sentTypeOf('trade@BTC/USDT')).toBe('trade');
    expect(sentTypeOf('depth@btc-usdt')).toBe('book');
    expect(sentTypeOf('book_change@binance:BTC/USDT')).toBe('book');
    expect(sentTypeOf('ticker@ETH_USDT\u0000')).toBe('ticker');
    expect(sentTypeOf('nonsense')).toBe('other');
  });
});
