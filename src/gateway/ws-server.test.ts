import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Ticker, Trade } from '../core/types.js';
import { exchangeRaw } from '../test-support/raw-tcp.js';
import { createGateway, type Gateway, type GatewayLimits } from './server.js';
import { WsErrorCode } from './ws-protocol.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

interface Env {
  bus: MemoryBus;
  gw: Gateway;
  url: string;
  port: number;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(limits: Partial<GatewayLimits> = {}): Promise<Env> {
  const bus = new MemoryBus();
  const gw = createGateway({
    bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: PUBLIC_DIR,
    limits,
  });
  const { port } = await gw.listen();
  cleanups.push(() => bus.close());
  cleanups.push(() => gw.close());
  return { bus, gw, port, url: `ws://127.0.0.1:${port}/ws` };
}

type Frame = Record<string, unknown>;

/** A `ws` client that records every frame, raw and parsed. */
class Client {
  readonly raw: string[] = [];
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      this.raw.push(text);
      this.frames.push(JSON.parse(text) as Frame);
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const c = new Client(ws);
    cleanups.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Send a request and wait for the reply with its id. */
  async request(method: string, params: string[] | undefined, id: number): Promise<Frame> {
    this.send(params === undefined ? { method, id } : { method, params, id });
    return this.waitFrame((f) => f.id === id);
  }

  async waitFrame(pred: (f: Frame) => boolean, timeoutMs = 2000): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(() => (found = this.frames.find(pred)) !== undefined, timeoutMs);
    return found as Frame;
  }

  data(stream: string): Frame[] {
    return this.frames.filter((f) => f.stream === stream);
  }
}

function trade(id: number, symbol = 'BTC/USDT', exchange: Trade['exchange'] = 'binance', pad = ''): Trade {
  return {
    type: 'trade',
    exchange,
    symbol,
    timestamp: 1_700_000_000_000 + id,
    localTimestamp: 1_700_000_000_002 + id,
    id: String(id) + pad,
    price: 60_000 + id,
    amount: 0.25,
    side: 'buy',
  };
}

function ticker(last: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'okx',
    symbol: 'ETH/USDT',
    timestamp: 1_700_000_000_000,
    localTimestamp: 1_700_000_000_001,
    last,
    bid: last - 1,
    ask: last + 1,
    bidSize: 2,
    askSize: 3,
    volume24h: 1000,
    change24hPct: -1.5,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

function errorOf(f: Frame): { code: number; msg: string } {
  return f.error as { code: number; msg: string };
}

/** A raw TCP client that completes the WebSocket upgrade; it reads only when told to. */
async function rawClient(
  port: number,
  subscribe?: unknown,
): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => {
    socket.destroy();
  });
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await waitFor(() => buf.includes('\r\n\r\n'));
  expect(buf.startsWith('HTTP/1.1 101')).toBe(true);
  if (subscribe !== undefined) {
    socket.write(maskedTextFrame(JSON.stringify(subscribe)));
    await waitFor(() => buf.includes('"result":null'));
  }
  return { socket, received: () => buf };
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('test frame too long');
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

describe('gateway /ws', () => {
  it('replies to SUBSCRIBE, then streams frames built from the bus JSON', async () => {
    const { bus, url } = await start();
    const c = await Client.open(url);
    expect(await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 1)).toEqual({ result: null, id: 1 });
    bus.publish('trade@BTC/USDT', trade(1));
    bus.publish('trade@BTC/USDT', trade(2));
    await waitFor(() => c.data('trade@BTC/USDT').length === 2);
    expect(c.raw[1]).toBe(
      '{"stream":"trade@BTC/USDT","data":' +
        JSON.stringify(trade(1)) +
        `,"offset":1,"epoch":${JSON.stringify(bus.epoch)}}`,
    );
    expect(c.data('trade@BTC/USDT')[1].data).toEqual(trade(2));
  });

  it('supports the <type>@<exchange>:<SYMBOL> form: canonical topic, frames under the name the client sent', async () => {
    const { bus, url, gw } = await start();
    const c = await Client.open(url);
    expect(await c.request('SUBSCRIBE', ['trade@Binance:btc/usdt'], 7)).toEqual({ result: null, id: 7 });
    expect(gw.demandedTopics()).toEqual(['trade@binance:BTC/USDT']);
    bus.publish('trade@BTC/USDT', trade(1));
    bus.publish('trade@binance:BTC/USDT', trade(2));
    const f = await c.waitFrame((x) => x.stream !== undefined);
    expect(f).toEqual({ stream: 'trade@Binance:btc/usdt', data: trade(2), offset: 1, epoch: bus.epoch });
    expect(c.data('trade@BTC/USDT')).toHaveLength(0);
  });

  it('lists subscriptions and stops data after UNSUBSCRIBE', async () => {
    const { bus, url } = await start();
    const c = await Client.open(url);
    await c.request('SUBSCRIBE', ['trade@BTC/USDT', 'trade@ETH/USDT', 'trade@btc/usdt'], 1);
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 2)).toEqual({
      result: ['trade@BTC/USDT', 'trade@ETH/USDT'],
      id: 2,
    });
    expect(await c.request('UNSUBSCRIBE', ['trade@BTC/USDT', 'trade@SOL/USDT'], 3)).toEqual({
      result: null,
      id: 3,
    });
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 4)).toEqual({
      result: ['trade@ETH/USDT'],
      id: 4,
    });
    bus.publish('trade@BTC/USDT', trade(1));
    bus.publish('trade@ETH/USDT', trade(2, 'ETH/USDT'));
    await waitFor(() => c.data('trade@ETH/USDT').length === 1);
    expect(c.data('trade@BTC/USDT')).toHaveLength(0);
  });

  it('sends the cached latest value first on a stateful stream, then live data', async () => {
    const { bus, url, gw } = await start();
    bus.publish('ticker@ETH/USDT', ticker(2500), { latestTtlMs: 60_000 });
    const c = await Client.open(url);
    await c.request('SUBSCRIBE', ['ticker@ETH/USDT', 'trade@ETH/USDT'], 1);
    await waitFor(() => c.frames.length === 2);
    expect(c.frames[0]).toEqual({ result: null, id: 1 });
    expect(c.frames[1]).toEqual({
      stream: 'ticker@ETH/USDT',
      data: ticker(2500),
      offset: 1,
      epoch: bus.epoch,
    });
    bus.publish('ticker@ETH/USDT', ticker(2501), { latestTtlMs: 60_000 });
    await waitFor(() => c.data('ticker@ETH/USDT').length === 2);
    expect((c.data('ticker@ETH/USDT')[1].data as Ticker).last).toBe(2501);
    expect(gw.stats().latestSent).toBe(1);
  });

  it('answers bad input with a documented error and keeps the connection open', async () => {
    const { bus, url } = await start();
    const c = await Client.open(url);

    c.send('{"method":"SUBSCRIBE",');
    const bad = await c.waitFrame((f) => f.error !== undefined);
    expect(bad.id).toBeNull();
    expect(errorOf(bad).code).toBe(WsErrorCode.InvalidJson);
    expect(errorOf(bad).msg).toMatch(/invalid JSON.*"method":"SUBSCRIBE"/);

    const unknown = await c.request('SUBSCRIBE', ['trades@BTC/USDT'], 2);
    expect(errorOf(unknown).code).toBe(WsErrorCode.InvalidStream);
    expect(errorOf(unknown).msg).toMatch(/unknown stream type 'trades'.*nothing was subscribed/);

    const method = await c.request('SUBSCRIBEE', ['trade@BTC/USDT'], 3);
    expect(errorOf(method)).toEqual({
      code: WsErrorCode.InvalidRequest,
      msg: "unknown method 'SUBSCRIBEE': use SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS",
    });

    c.send({ method: 'SUBSCRIBE', params: 'trade@BTC/USDT', id: 4 });
    const shape = await c.waitFrame((f) => f.id === 4);
    expect(errorOf(shape).code).toBe(WsErrorCode.InvalidRequest);
    expect(errorOf(shape).msg).toMatch(/invalid 'params'/);

    c.send('[1,2]');
    await waitFor(() => c.frames.filter((f) => f.error !== undefined).length === 5);
    expect(errorOf(c.frames[c.frames.length - 1]).msg).toMatch(/must be a JSON object, got an array/);

    c.ws.send(Buffer.from('{"method":"LIST_SUBSCRIPTIONS","id":9}'), { binary: true });
    await waitFor(() => c.frames.filter((f) => f.error !== undefined).length === 6);

    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 10)).toEqual({ result: null, id: 10 });
    bus.publish('trade@BTC/USDT', trade(1));
    await waitFor(() => c.data('trade@BTC/USDT').length === 1);
  });

  it('refuses subscriptions beyond the per-client limit, keeping the existing ones', async () => {
    const { url } = await start({ maxSubscriptionsPerClient: 2 });
    const c = await Client.open(url);
    await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 1);
    const r = await c.request('SUBSCRIBE', ['trade@ETH/USDT', 'ticker@ETH/USDT'], 2);
    expect(errorOf(r).code).toBe(WsErrorCode.TooManySubscriptions);
    expect(errorOf(r).msg).toMatch(/1 \+ 2 new would exceed the limit of 2/);
    expect((await c.request('LIST_SUBSCRIPTIONS', undefined, 3)).result).toEqual(['trade@BTC/USDT']);
    expect(await c.request('SUBSCRIBE', ['trade@ETH/USDT'], 4)).toEqual({ result: null, id: 4 });
  });

  it('rate-limits control messages and closes with 1008 after too many violations', async () => {
    const { url, gw } = await start({ messageRatePerSec: 1, messageBurst: 2, maxViolations: 2 });
    const c = await Client.open(url);
    for (let i = 1; i <= 5; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await waitFor(() => c.closeCode !== undefined);
    expect(c.closeCode).toBe(1008);
    expect(c.frames.slice(0, 2)).toEqual([
      { result: [], id: 1 },
      { result: [], id: 2 },
    ]);
    const errors = c.frames.filter((f) => f.error !== undefined).map(errorOf);
    expect(errors).toHaveLength(3);
    expect(errors[0].code).toBe(WsErrorCode.RateLimited);
    expect(errors[0].msg).toMatch(/at most 1 messages\/s \(burst 2\)/);
    expect(errors[2].msg).toMatch(/closing after 2 violations/);
    expect(gw.stats()).toMatchObject({ rateLimited: 3, abusiveClosed: 1 });
  });

  it('answers a message over maxMessageBytes with error 6 and its id, and keeps the connection', async () => {
    const { url } = await start({ maxMessageBytes: 64, maxPayloadBytes: 1024 });
    const c = await Client.open(url);
    c.send({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT'.padEnd(80, ' ')], id: 1 });
    const r = await c.waitFrame((f) => f.error !== undefined);
    expect(errorOf(r).code).toBe(WsErrorCode.MessageTooLarge);
    expect(errorOf(r).msg).toMatch(/over the limit of 64/);
    expect(r.id).toBe(1);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 2)).toEqual({ result: [], id: 2 });
  });

  it('closes with 1009 and a reason naming the limit for a message over maxPayloadBytes', async () => {
    const { url, gw } = await start({ maxMessageBytes: 64, maxPayloadBytes: 1024 });
    const c = await Client.open(url);
    c.send('x'.repeat(2000));
    await waitFor(() => c.closeCode !== undefined);
    expect(c.closeCode).toBe(1009);
    expect(c.closeReason).toBe('message over 1024 bytes; send smaller requests');
    expect(gw.stats().oversized).toBe(1);
  });

  it('answers a 10,000-stream SUBSCRIBE with "too many subscriptions" and keeps the connection', async () => {
    const { bus, url } = await start();
    const c = await Client.open(url);
    const names = Array.from({ length: 10_000 }, (_, i) => `trade@binance:C${i}/USDT`);
    const r = await c.request('SUBSCRIBE', names, 1);
    expect(errorOf(r).code).toBe(WsErrorCode.TooManySubscriptions);
    expect(errorOf(r).msg).toMatch(
      /^too many subscriptions: SUBSCRIBE lists 10000 streams, over the limit of 100/,
    );
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 2)).toEqual({ result: null, id: 2 });
    bus.publish('trade@BTC/USDT', trade(1));
    await waitFor(() => c.data('trade@BTC/USDT').length === 1);
  });

  it('refuses a soft message limit above the hard one before it starts', () => {
    expect(() =>
      createGateway({
        bus: new MemoryBus(),
        port: 0,
        logger: silentLogger(),
        publicDir: PUBLIC_DIR,
        limits: { maxMessageBytes: 2048, maxPayloadBytes: 1024 },
      }),
    ).toThrow(/'maxMessageBytes' \(2048\) must not exceed 'maxPayloadBytes' \(1024\)/);
  });

  it('answers malformed HTTP with 400 Bad Request and closes', async () => {
    const { port } = await start();
    const reply = await exchangeRaw(port, 'GARBAGE \x01\x02 not http\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toMatch(
      /\r\n\r\n\{"error":"malformed HTTP request \(HPE_\w+\); send a valid HTTP\/1\.1 request"\}$/,
    );
  });

  it('rejects upgrades beyond maxConnections with HTTP 503, and non-/ws upgrades with 404', async () => {
    const { url, port, gw } = await start({ maxConnections: 2 });
    await Client.open(url);
    await Client.open(url);
    const status = (target: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(target);
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          ws.terminate();
        });
        ws.once('open', () => reject(new Error('upgrade unexpectedly accepted')));
        ws.once('error', () => undefined);
      });
    expect(await status(url)).toBe(503);
    expect(gw.stats().connectionsRejected).toBe(1);
    expect(await status(`ws://127.0.0.1:${port}/other`)).toBe(404);
  });

  it('frames a turn of bus messages once however many clients receive it', async () => {
    const { bus, url, gw } = await start();
    const clients: Client[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await Client.open(url);
      await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 1);
      clients.push(c);
    }
    for (let i = 0; i < 20; i++) bus.publish('trade@BTC/USDT', trade(i));
    await waitFor(() => clients.every((c) => c.data('trade@BTC/USDT').length === 20));
    const s = gw.stats();
    expect(s.busMessages).toBe(20);
    expect(s.batchesFramed).toBe(1);
    expect(s.deliveries).toBe(100);
    expect(s.socketWrites).toBe(5);
    for (let i = 0; i < clients.length; i++) expect(clients[i].raw.slice(1)).toEqual(clients[0].raw.slice(1));
  });

  it('subscribes on the bus only while some client wants a topic', async () => {
    const { bus, url, gw } = await start();
    const events: string[] = [];
    gw.onDemandChange((topic, demanded) => events.push(`${demanded ? '+' : '-'}${topic}`));
    const a = await Client.open(url);
    const b = await Client.open(url);
    expect(bus.activeTopics()).toEqual([]);
    await a.request('SUBSCRIBE', ['trade@BTC/USDT', 'ticker@BTC/USDT'], 1);
    await b.request('SUBSCRIBE', ['trade@BTC/USDT'], 1);
    expect(bus.activeTopics().sort()).toEqual(['ticker@BTC/USDT', 'trade@BTC/USDT']);
    expect(gw.stats()).toMatchObject({ busTopics: 2, subscriptions: 3, connections: 2 });
    await a.request('UNSUBSCRIBE', ['trade@BTC/USDT'], 2);
    expect(bus.activeTopics().sort()).toEqual(['ticker@BTC/USDT', 'trade@BTC/USDT']);
    a.ws.close();
    await waitFor(() => gw.stats().connections === 1);
    expect(bus.activeTopics()).toEqual(['trade@BTC/USDT']);
    await b.request('UNSUBSCRIBE', ['trade@BTC/USDT'], 2);
    expect(bus.activeTopics()).toEqual([]);
    expect(gw.demandedTopics()).toEqual([]);
    expect(events).toEqual(['+trade@BTC/USDT', '+ticker@BTC/USDT', '-ticker@BTC/USDT', '-trade@BTC/USDT']);
  });

  it('drops a slow consumer while a fast one keeps receiving everything', async () => {
    const { bus, url, port, gw } = await start({ maxBufferedBytes: 64 * 1024, closeTimeoutMs: 100 });
    const fast = await Client.open(url);
    await fast.request('SUBSCRIBE', ['trade@BTC/USDT'], 1);
    const slow = await rawClient(port, { method: 'SUBSCRIBE', params: ['trade@BTC/USDT'], id: 1 });
    slow.socket.pause();
    const pad = 'x'.repeat(16 * 1024);
    let published = 0;
    while (gw.stats().slowConsumersDropped === 0) {
      if (published >= 3000) throw new Error('slow consumer was never dropped');
      for (let i = 0; i < 4; i++)
        bus.publish('trade@BTC/USDT', trade(published++, 'BTC/USDT', 'binance', pad));
      await sleep(1);
    }
    for (let i = 0; i < 10; i++)
      bus.publish('trade@BTC/USDT', trade(published++, 'BTC/USDT', 'binance', pad));
    await waitFor(() => fast.data('trade@BTC/USDT').length === published, 10_000);
    await waitFor(() => gw.stats().connections === 1);
    expect(gw.stats().slowConsumersDropped).toBe(1);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('terminates peers that do not answer pings, and keeps those that do', async () => {
    const { url, port, gw } = await start({ pingIntervalMs: 50 });
    const alive = await Client.open(url);
    await rawClient(port);
    await waitFor(() => gw.stats().connections === 2);
    await waitFor(() => gw.stats().deadPeersTerminated === 1);
    await waitFor(() => gw.stats().connections === 1);
    await sleep(150);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes clients with 1001 on gateway close', async () => {
    const { url, gw } = await start();
    const c = await Client.open(url);
    await c.request('SUBSCRIBE', ['trade@BTC/USDT'], 1);
    const t0 = Date.now();
    await gw.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await waitFor(() => c.closeCode !== undefined);
    expect(c.closeCode).toBe(1001);
    expect(gw.demandedTopics()).toEqual([]);
  });
});
