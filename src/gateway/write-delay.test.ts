/**
 * The gateway's write delay on a real gateway over loopback: messages of many turns leave in a
 * few socket writes per client, each stream still in order; after a quiet spell a message goes at
 * once and the next flush comes when the delay is up, not later; a client that stops reading is closed while the others' writes go on; 0 writes every turn.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { until } from '../test-support/until.js';
import { createGateway, type Gateway } from './server.js';

const open: { gw: Gateway; bus: MemoryBus; clients: WebSocket[] }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    for (const c of o.clients) c.terminate();
    await o.gw.close();
    await o.bus.close();
  }
});

function trade(symbol: string, i: number): Trade {
  const now = Date.now();
  return {
    type: 'trade',
    exchange: 'binance',
    symbol,
    timestamp: now,
    localTimestamp: now,
    id: String(i),
    price: 100 + i,
    amount: 1,
    side: 'buy',
  };
}

interface Received {
  readonly ws: WebSocket;
  /** Trade ids per stream, in arrival order. */
  readonly ids: Map<string, number[]>;
  /** Wall time each message arrived, ms. */
  readonly at: number[];
  closeCode?: number;
}

async function start(writeDelayMs: number, maxBufferedBytes?: number) {
  const bus = new MemoryBus();
  const gw = createGateway({
    bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: process.cwd(),
    writeDelayMs,
    limits: maxBufferedBytes === undefined ? undefined : { maxBufferedBytes },
  });
  const { port } = await gw.listen();
  const entry = { gw, bus, clients: [] as WebSocket[] };
  open.push(entry);
  const connect = async (streams: string[]): Promise<Received> => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    entry.clients.push(ws);
    const got: Received = { ws, ids: new Map(), at: [] };
    ws.on('close', (code) => (got.closeCode = code));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const subscribed = new Promise<void>((resolve) =>
      ws.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { id?: number; stream?: string; data?: Trade };
        if (msg.id === 1) resolve();
        if (msg.stream === undefined || msg.data === undefined) return;
        got.at.push(Date.now());
        const list = got.ids.get(msg.stream) ?? [];
        list.push(Number(msg.data.id));
        got.ids.set(msg.stream, list);
      }),
    );
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
    await subscribed;
    return got;
  };
  return { gw, bus, connect };
}

const turn = () => new Promise((r) => setImmediate(r));
const count = (r: Received) => [...r.ids.values()].reduce((n, l) => n + l.length, 0);

describe('gateway write delay', () => {
  it('sends the messages of many turns in a few writes per client, every stream in order', async () => {
    const { gw, bus, connect } = await start(20);
    const streams = ['trade@BTC/USDT', 'trade@ETH/USDT'];
    const clients = [await connect(streams), await connect(streams), await connect(['trade@ETH/USDT'])];
    const before = gw.stats().socketWrites;
    const TURNS = 200;
    for (let i = 0; i < TURNS; i++) {
      bus.publish('trade@BTC/USDT', trade('BTC/USDT', i));
      bus.publish('trade@ETH/USDT', trade('ETH/USDT', i));
      await turn();
    }
    await until(
      () => clients.every((c, k) => count(c) === (k < 2 ? 2 * TURNS : TURNS)),
      5000,
      'every message',
    );
    const ordered = Array.from({ length: TURNS }, (_, i) => i);
    for (const [k, c] of clients.entries()) {
      expect(c.ids.get('trade@ETH/USDT')).toEqual(ordered);
      if (k < 2) expect(c.ids.get('trade@BTC/USDT')).toEqual(ordered);
    }
    // 200 turns; without the delay that is 200 writes per client (x3 clients). The turns took a few
    // tens of ms, so a handful of 20 ms windows carried them.
    const writes = gw.stats().socketWrites - before;
    expect(writes).toBeGreaterThanOrEqual(clients.length);
    expect(writes).toBeLessThan((TURNS * clients.length) / 10);
  });

  it('sends a message after a quiet spell at once, and the next within the delay when it is up', async () => {
    const { bus, connect } = await start(40);
    const c = await connect(['trade@BTC/USDT']);
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 80)); // quiet for longer than the delay
      const first = 2 * round;
      const sent = Date.now();
      bus.publish('trade@BTC/USDT', trade('BTC/USDT', first));
      await until(() => count(c) === first + 1, 2000, `message ${first}`);
      expect(c.at[first] - sent).toBeLessThan(30); // no delay added after quiet
      bus.publish('trade@BTC/USDT', trade('BTC/USDT', first + 1));
      await until(() => count(c) === first + 2, 2000, `message ${first + 1}`);
      const spacing = c.at[first + 1] - c.at[first];
      expect(spacing).toBeGreaterThanOrEqual(35); // the timer may fire a ms early by the wall clock
      expect(spacing).toBeLessThan(40 + 150); // a loaded machine's timer lag, not a second window
    }
  });

  it('writes after every turn with 0', async () => {
    const { gw, bus, connect } = await start(0);
    const c = await connect(['trade@BTC/USDT']);
    const before = gw.stats().socketWrites;
    for (let i = 0; i < 20; i++) {
      bus.publish('trade@BTC/USDT', trade('BTC/USDT', i));
      await turn();
      await turn();
    }
    await until(() => count(c) === 20, 2000, 'every message');
    expect(gw.stats().socketWrites - before).toBe(20);
  });

  it('closes a client that stops reading while the others keep getting every message', async () => {
    const { bus, connect } = await start(5, 64 * 1024);
    const slow = await connect(['trade@BTC/USDT']);
    const fast = await connect(['trade@BTC/USDT']);
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const TOTAL = 20_000;
    for (let i = 0; i < TOTAL; i++) {
      bus.publish('trade@BTC/USDT', trade('BTC/USDT', i));
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => count(fast) === TOTAL, 15_000, 'the reading client got everything');
    expect(fast.ids.get('trade@BTC/USDT')).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await until(() => slow.closeCode !== undefined, 5000, 'the slow client closed');
    expect(slow.closeCode).toBe(4008);
    expect(count(slow)).toBeLessThan(TOTAL);
  });
});
