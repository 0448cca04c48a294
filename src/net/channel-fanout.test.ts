import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPeerServer, type Peer, type PeerServer, type ServerSide } from '../test-support/ws-peers.js';
import { ChannelFanout, nextFlushDelay, type PayloadJoiner } from './channel-fanout.js';
import { STREAM_TYPE_INDEX, type StreamType } from './stream-type.js';
import { frameHeaderLength } from './ws-frame.js';

type Sub = ServerSide;

let peers: PeerServer;
beforeAll(async () => {
  peers = await startPeerServer();
});
afterAll(() => peers.close());
const connectPeer = (): Promise<Peer> => peers.connect();

function closeAll(peers: readonly Peer[]): void {
  for (const p of peers) p.client.terminate();
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const payload = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function fanout(over: Partial<ConstructorParameters<typeof ChannelFanout<Sub>>[0]> = {}): ChannelFanout<Sub> {
  return new ChannelFanout<Sub>({ maxBufferedBytes: 1 << 20, onSlow: () => {}, ...over });
}

describe('ChannelFanout', () => {
  it('delivers every payload in order, bare or inside the stream envelope', async () => {
    const [a, b] = [await connectPeer(), await connectPeer()];
    const f = fanout();
    f.subscribe(a.sub, 'btcusdt@trade', false);
    f.subscribe(b.sub, 'btcusdt@trade', true);
    for (let i = 0; i < 50; i++) f.publish('btcusdt@trade', payload({ t: i }));
    await Promise.all([a.until(50), b.until(50)]);
    expect(a.received.map((m) => JSON.parse(m).t)).toEqual([...Array(50).keys()]);
    expect(b.received.map((m) => JSON.parse(m))).toEqual(
      [...Array(50).keys()].map((t) => ({ stream: 'btcusdt@trade', data: { t } })),
    );
    closeAll([a, b]);
  });

  it('frames a channel once per flush, whatever the number of subscribers, with one write each', async () => {
    const peers = await Promise.all(Array.from({ length: 20 }, connectPeer));
    const f = fanout();
    for (const p of peers) for (const ch of ['a', 'b', 'c']) f.subscribe(p.sub, ch, true);
    for (let i = 0; i < 10; i++) for (const ch of ['a', 'b', 'c']) f.publish(ch, payload(i));
    await turn();
    expect(f.counters.batchesFramed).toBe(3);
    expect(f.counters.socketWrites).toBe(60);
    expect(f.counters.deliveries).toBe(600);
    await Promise.all(peers.map((p) => p.until(30)));
    for (const p of peers) {
      const byStream = new Map<string, number[]>();
      for (const m of p.received) {
        const { stream, data } = JSON.parse(m) as { stream: string; data: number };
        byStream.set(stream, [...(byStream.get(stream) ?? []), data]);
      }
      for (const ch of ['a', 'b', 'c']) expect(byStream.get(ch)).toEqual([...Array(10).keys()]);
    }
    closeAll(peers);
  });

  it('frames payloads across every header-length boundary', async () => {
    const p = await connectPeer();
    const f = fanout({ flushBytes: 1 << 22 });
    f.subscribe(p.sub, 'x', false);
    // JSON strings of these total lengths: 7- and 16-bit lengths at their limits, then 64-bit.
    const sizes = [2, 125, 126, 127, 65_535, 65_536, 70_000];
    const texts = sizes.map((n) => JSON.stringify('y'.repeat(n - 2)));
    for (const t of texts) f.publish('x', Buffer.from(t));
    await p.until(texts.length);
    expect(p.received.map((m) => m.length)).toEqual(sizes);
    expect(p.received).toEqual(texts);
    closeAll([p]);
  });

  it('counts messages and frame bytes written by stream type, replies as control', async () => {
    const [a, b] = [await connectPeer(), await connectPeer()];
    const types = new Map<string, StreamType>([
      ['t', 'trade'],
      ['k', 'book'],
    ]);
    const asked: string[] = [];
    const f = fanout({
      streamType: (name) => {
        asked.push(name);
        return types.get(name) ?? 'other';
      },
    });
    f.subscribe(a.sub, 't', false);
    f.subscribe(b.sub, 't', true);
    f.subscribe(a.sub, 'k', false);
    f.subscribe(b.sub, 'zzz', false);
    for (let i = 0; i < 5; i++) f.publish('t', payload({ i }));
    f.publish('k', payload('book'));
    f.publish('zzz', payload('x'));
    f.send(a.sub, JSON.stringify({ result: null, id: 1 }));
    f.send(b.sub, 'snapshot', false, 'k');
    await Promise.all([a.until(7), b.until(7)]);
    // Asked once per channel, not per payload.
    expect(asked).toEqual(['t', 'k', 'zzz']);
    const wire = (texts: readonly string[]): number =>
      texts.reduce((n, t) => n + frameHeaderLength(Buffer.byteLength(t)) + Buffer.byteLength(t), 0);
    const onWire = (p: Peer, keep: (m: string) => boolean): number => wire(p.received.filter(keep));
    const isTrade = (m: string): boolean => m.startsWith('{"i"') || m.startsWith('{"stream":"t"');
    const sent = (t: StreamType): [number, number] => [
      f.sent.messages[STREAM_TYPE_INDEX[t]],
      f.sent.bytes[STREAM_TYPE_INDEX[t]],
    ];
    expect(sent('trade')).toEqual([10, onWire(a, isTrade) + onWire(b, isTrade)]);
    expect(sent('book')).toEqual([2, onWire(a, (m) => m === '"book"') + wire(['snapshot'])]);
    expect(sent('other')).toEqual([1, wire(['"x"'])]);
    expect(sent('control')).toEqual([1, wire(['{"result":null,"id":1}'])]);
    expect(sent('ticker')).toEqual([0, 0]);
    expect(f.counters.deliveries).toBe(12);
    closeAll([a, b]);
  });

  it('sends replies ahead of the queued batch', async () => {
    const p = await connectPeer();
    const f = fanout();
    f.subscribe(p.sub, 'x', false);
    f.publish('x', payload('data'));
    f.send(p.sub, JSON.stringify({ result: null, id: 1 }));
    await p.until(2);
    expect(p.received).toEqual(['{"result":null,"id":1}', '"data"']);
    closeAll([p]);
  });

  it('drops a subscriber that stops reading, after the loop, while the others get everything', async () => {
    const [slow, fast] = [await connectPeer(), await connectPeer()];
    const dropped: Sub[] = [];
    const f = fanout({
      maxBufferedBytes: 256 * 1024,
      onSlow: (s) => {
        dropped.push(s);
        f.unsubscribe(s, 'x');
        s.ws.close(1013, 'Slow consumer');
      },
    });
    f.subscribe(slow.sub, 'x', false);
    f.subscribe(fast.sub, 'x', false);
    slow.stopReading();
    const chunk = Buffer.from(JSON.stringify('z'.repeat(16 * 1024)));
    let sent = 0;
    // Bounded: the loopback buffers fill within a few MB; stop at 64 MB whatever happens.
    while (dropped.length === 0 && sent < 4096) {
      for (let i = 0; i < 16; i++, sent++) f.publish('x', chunk);
      await turn();
    }
    expect(dropped.map((s) => s.id)).toEqual([slow.sub.id]);
    expect(f.counters.slowDropped).toBe(1);
    await fast.until(sent);
    expect(fast.received.length).toBe(sent);
    closeAll([slow, fast]);
  });

  it('coalesces across turns within the write delay, after sending the first at once', async () => {
    const p = await connectPeer();
    const f = fanout({ flushDelayMs: 30 });
    f.subscribe(p.sub, 'x', false);
    f.publish('x', payload(1));
    await turn();
    expect(f.counters.batchesFramed).toBe(1); // nothing was written lately: no wait
    f.publish('x', payload(2));
    await turn();
    f.publish('x', payload(3));
    await turn();
    expect(f.counters.batchesFramed).toBe(1); // within 30 ms of that write: held
    await p.until(3);
    expect(f.counters.batchesFramed).toBe(2);
    expect(p.received).toEqual(['1', '2', '3']);
    closeAll([p]);
  });

  it('waits the write delay, or as long as the last flush took up to four times the delay', () => {
    expect(nextFlushDelay(2, 0.3)).toBe(2);
    expect(nextFlushDelay(2, 5)).toBe(5);
    expect(nextFlushDelay(2, 30)).toBe(8);
  });

  it('flushes at once when a long burst passes flushBytes', async () => {
    const p = await connectPeer();
    const f = fanout({ flushBytes: 1000 });
    f.subscribe(p.sub, 'x', false);
    for (let i = 0; i < 100; i++) f.publish('x', Buffer.from(JSON.stringify('w'.repeat(98))));
    expect(f.counters.batchesFramed).toBe(10);
    await p.until(100);
    closeAll([p]);
  });

  it('forgets an emptied channel and what was queued on it; close() leaves no flush behind', async () => {
    const p = await connectPeer();
    const f = fanout();
    f.subscribe(p.sub, 'x', false);
    f.subscribe(p.sub, 'y', false);
    f.publish('x', payload('lost'));
    f.publish('y', payload('kept'));
    expect(f.unsubscribe(p.sub, 'x')).toBe(true);
    expect(f.has('x')).toBe(false);
    expect(f.publish('x', payload('nobody'))).toBe(false);
    await p.until(1);
    expect(p.received).toEqual(['"kept"']);
    f.publish('y', payload('never'));
    f.close();
    await turn();
    expect(f.counters.batchesFramed).toBe(1);
    closeAll([p]);
  });
  it("joins a channel's payloads of one flush into one frame where a joiner is set, text or binary", async () => {
    const p = await connectPeer();
    const jsonArray: PayloadJoiner = {
      binary: false,
      join: (parts) =>
        Buffer.concat([
          Buffer.from('['),
          ...parts.flatMap((x, i) => (i === 0 ? [x] : [Buffer.from(','), x])),
          Buffer.from(']'),
        ]),
    };
    const tagged: PayloadJoiner = {
      binary: true,
      join: (parts) => Buffer.concat([Buffer.from('B:'), ...parts]),
    };
    const f = fanout({
      joiner: (name) => (name === 'joined' ? jsonArray : name === 'bin' ? tagged : undefined),
    });
    for (const ch of ['joined', 'bin', 'plain']) f.subscribe(p.sub, ch, false);
    for (let i = 0; i < 3; i++) for (const ch of ['joined', 'bin', 'plain']) f.publish(ch, payload(i));
    await p.until(5);
    f.publish('joined', payload(3));
    await p.until(6);
    expect(p.received).toEqual(['[0,1,2]', '<binary B:012>', '0', '1', '2', '[3]']);
    expect(f.counters.batchesFramed).toBe(4);
    expect(f.counters.deliveries).toBe(10);
    closeAll([p]);
  });

  it('sends a binary reply when asked', async () => {
    const p = await connectPeer();
    const f = fanout();
    f.send(p.sub, Buffer.from('raw'), true);
    await p.until(1);
    expect(p.received).toEqual(['<binary raw>']);
    closeAll([p]);
  });
});
