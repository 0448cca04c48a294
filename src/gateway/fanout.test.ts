import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { TopicFanout, type FanoutClient } from './fanout.js';

/** Stands in for a ws connection: records what it is sent and reports a chosen backlog. */
class RecordingWs {
  readonly sent: Buffer[] = [];
  constructor(public bufferedAmount = 0) {}
  send(data: Buffer): void {
    this.sent.push(data);
  }
}

class FakeClient implements FanoutClient {
  readonly recorder: RecordingWs;
  readonly ws: WebSocket;
  readonly socket = new PassThrough();
  constructor(buffered = 0) {
    this.recorder = new RecordingWs(buffered);
    this.ws = this.recorder as unknown as WebSocket;
  }
}

const trade: Trade = {
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: 1,
  localTimestamp: 2,
  id: '1',
  price: 1,
  amount: 1,
  side: 'buy',
};

describe('TopicFanout', () => {
  it('sends one shared Buffer per message and drops slow clients without skipping others', () => {
    const bus = new MemoryBus();
    const slow: FakeClient[] = [];
    const fanout: TopicFanout<FakeClient> = new TopicFanout<FakeClient>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 100,
      onSlow: (c) => {
        slow.push(c);
        fanout.remove('trade@BTC/USDT', c);
      },
    });
    const clients = [0, 500, 0, 500, 0, 0].map((b) => new FakeClient(b));
    for (const c of clients) fanout.add('trade@BTC/USDT', c);
    bus.publish('trade@BTC/USDT', trade);
    bus.publish('trade@BTC/USDT', trade);

    const fast = clients.filter((c) => c.recorder.bufferedAmount === 0);
    expect(slow).toHaveLength(2);
    for (const c of fast) expect(c.recorder.sent).toHaveLength(2);
    for (const c of fast) expect(c.recorder.sent[0]).toBe(fast[0].recorder.sent[0]);
    expect(fast[0].recorder.sent[0].toString()).toBe(
      '{"stream":"trade@BTC/USDT","data":' + JSON.stringify(trade) + '}',
    );
    expect(fanout.counters).toEqual({ busMessages: 2, framesBuilt: 2, framesSent: 8 });
  });

  it('subscribes the bus while a client or watcher wants a topic and reports demand', () => {
    const bus = new MemoryBus();
    const fanout = new TopicFanout<FakeClient>({
      bus,
      logger: silentLogger(),
      maxBufferedBytes: 100,
      onSlow: () => {},
    });
    const events: string[] = [];
    fanout.onDemandChange((t, d) => events.push(`${d ? '+' : '-'}${t}`));
    const c = new FakeClient();
    const seen: number[] = [];
    const unwatch = fanout.watch('ticker@X', (m) => seen.push(m.position.offset));
    fanout.add('ticker@X', c);
    expect(bus.activeTopics()).toEqual(['ticker@X']);
    bus.publish('ticker@X', trade);
    fanout.remove('ticker@X', c);
    expect(bus.activeTopics()).toEqual(['ticker@X']);
    unwatch();
    unwatch();
    expect(bus.activeTopics()).toEqual([]);
    expect(fanout.demandedTopics()).toEqual([]);
    expect(seen).toEqual([1]);
    expect(fanout.counters.framesBuilt).toBe(1);
    expect(events).toEqual(['+ticker@X', '-ticker@X']);
  });
});
