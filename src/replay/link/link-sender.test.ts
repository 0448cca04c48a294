/**
 * The publisher's end of the link against a real `ws` server on 127.0.0.1 standing in for the
 * hub: it acks every batch and keeps the items in order. Each book that lost an item — a drop in
 * whichever buffer, or a reconnect to a hub that may not know the book — must go on with a
 * snapshot, never with an increment the hub's book cannot continue.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger } from '../../core/logger.js';
import { until } from '../../test-support/until.js';
import type { ReplayEvent } from '../events.js';
import { LinkSender } from './link-sender.js';
import { decodeBatch, isBatch } from './link-wire.js';

type Item = [ts: number, kind: string, symbol?: string, data?: unknown];

/** A stand-in hub on a fixed port: acks every batch, records the items in arrival order. */
class AckingHub {
  readonly items: Item[] = [];
  private readonly sockets = new Set<WebSocket>();

  /** What the next connection is told: a hub without books (`fresh`) or one that kept them. */
  fresh = true;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.send(JSON.stringify({ t: 'welcome', fresh: this.fresh }));
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data: Buffer) => {
        if (!isBatch(data)) return;
        const batch = decodeBatch('binance', data);
        if (typeof batch === 'string') throw new Error(batch);
        for (const item of batch.items) {
          if (typeof item === 'string') throw new Error(item);
          if ('event' in item) {
            const e = item.event;
            this.items.push([e.ts, e.kind, e.symbol, e.data]);
          } else this.items.push('seek' in item ? [item.seek, 'seek'] : [item.advance, 'adv']);
        }
        ws.send(JSON.stringify({ t: 'ack', seq: batch.seq }));
      });
    });
  }

  static async start(port: number): Promise<AckingHub> {
    const wss = new WebSocketServer({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new AckingHub(wss);
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Cuts every link (the hub went away). */
  cut(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** `kind` of each item of `symbol`, in order. */
  kindsOf(symbol: string): string[] {
    return this.items.filter((i) => i[2] === symbol).map((i) => i[1]);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const book = (u: number) => ({ lastUpdateId: u, bids: [['1.0', '1']], asks: [['2.0', '1']] });
const snapshot = (symbol: string, ts: number): ReplayEvent => ({
  exchange: 'binance',
  symbol,
  ts,
  kind: 'book_snapshot',
  data: book(ts),
});
const update = (symbol: string, ts: number): ReplayEvent => ({
  exchange: 'binance',
  symbol,
  ts,
  kind: 'book_update',
  data: { e: 'depthUpdate', U: ts, u: ts },
  full: book(ts),
});
const trade = (symbol: string, ts: number): ReplayEvent => ({
  exchange: 'binance',
  symbol,
  ts,
  kind: 'trade',
  data: { t: ts },
});

let hub: AckingHub | undefined;
let sender: LinkSender | undefined;
afterEach(async () => {
  await sender?.close();
  await hub?.close();
  sender = hub = undefined;
});

function senderTo(port: number, reconnectMessages: number): LinkSender {
  return new LinkSender({
    url: `ws://127.0.0.1:${port}/_link/binance`,
    exchange: 'binance',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    logger: silentLogger(),
    policy: 'drop-oldest',
    sendBuffer: { maxMessages: 1000, maxBytes: 1 << 20 },
    reconnectBuffer: { maxMessages: reconnectMessages, maxBytes: 1 << 20 },
    backoffMs: 20,
    maxBackoffMs: 50,
    closeTimeoutMs: 500,
    onControl: async () => {},
    onGiveUp: () => {},
  });
}

describe('LinkSender books across drops and reconnects', () => {
  it('a book item dropped from the reconnection buffer makes the next book event a snapshot, even once that buffer is gone', async () => {
    const port = await freePort();
    sender = senderTo(port, 2);
    sender.start(); // no hub yet: everything waits in the reconnection buffer
    sender.push(snapshot('ETHUSDT', 1));
    sender.push(trade('BTCUSDT', 2));
    sender.push(trade('BTCUSDT', 3)); // over: the ETH snapshot is dropped
    expect(sender.drops()).toEqual({ 'reconnect-overflow': { ETHUSDT: 1 } });
    hub = await AckingHub.start(port);
    await sender.delivered();
    // Connected and drained: this goes through the send buffer.
    sender.push(update('ETHUSDT', 4));
    await sender.delivered();
    expect(hub.kindsOf('ETHUSDT')).toEqual(['book_snapshot']);
    expect(hub.items.find((i) => i[2] === 'ETHUSDT')?.[3]).toEqual(book(4));
  });

  for (const fresh of [true, false]) {
    it(`after a reconnect to a hub ${fresh ? 'without books' : 'that kept them'}, books go on ${fresh ? 'with a snapshot' : 'with increments'}`, async () => {
      const port = await freePort();
      const stand = (hub = await AckingHub.start(port));
      sender = senderTo(port, 1000);
      sender.start();
      await until(() => stand.connections === 1, 2000, 'the first connect');
      sender.push(snapshot('BTCUSDT', 1));
      sender.push(update('BTCUSDT', 2));
      await sender.delivered();
      stand.fresh = fresh;
      stand.cut();
      await until(() => sender?.isConnected === false, 2000, 'the cut');
      // While down: queued for the next hub.
      sender.push(update('BTCUSDT', 3));
      sender.push(trade('BTCUSDT', 4));
      await until(() => stand.connections === 1, 2000, 'the reconnect');
      // A hub without books: its welcome drops the queued increment (before the next push).
      if (fresh) await until(() => sender?.drops()['increment-dropped'] !== undefined, 2000, 'the welcome');
      sender.push(update('BTCUSDT', 5));
      await sender.delivered();
      const before = ['book_snapshot', 'book_update'];
      expect(stand.kindsOf('BTCUSDT')).toEqual(
        fresh ? [...before, 'trade', 'book_snapshot'] : [...before, 'book_update', 'trade', 'book_update'],
      );
      expect(sender.drops()).toEqual(fresh ? { 'increment-dropped': { BTCUSDT: 1 } } : {});
    });
  }
});
