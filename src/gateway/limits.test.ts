/** Each gateway limit answered as documented (README "Limits and auth"), on a real gateway on loopback. */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { createGateway, type Gateway, type GatewayLimits } from './server.js';
import { SLOW_CONSUMER_CLOSE } from './slow-consumer.js';
import { WsErrorCode } from './ws-protocol.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Env {
  bus: MemoryBus;
  gw: Gateway;
  port: number;
  url: string;
}

/** `historySize` 0 where RSS is measured: the bus's bounded history is its own memory, not the send path's. */
async function start(limits: Partial<GatewayLimits> = {}, historySize?: number): Promise<Env> {
  const bus = new MemoryBus({ historySize });
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

/** A full GC, so RSS measures what is held rather than garbage not yet collected. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}

type Frame = Record<string, unknown>;

class Client {
  readonly frames: Frame[] = [];
  count = 0;
  lastId = -1;
  close: { code: number; reason: string } | undefined;
  private constructor(
    readonly ws: WebSocket,
    parse: boolean,
  ) {
    ws.on('message', (d) => {
      this.count++;
      const buf = d as Buffer;
      if (parse) this.frames.push(JSON.parse(String(buf)) as Frame);
      const m = /"id":"(\d+)/.exec(buf.subarray(0, 400).toString());
      if (m !== null) this.lastId = Number(m[1]);
    });
    ws.on('close', (code, reason) => (this.close = { code, reason: String(reason) }));
  }
  static async open(url: string, parse = true): Promise<Client> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const c = new Client(ws, parse);
    cleanups.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }
  async request(msg: Frame & { id: number }): Promise<Frame> {
    this.ws.send(JSON.stringify(msg));
    let found: Frame | undefined;
    await waitFor(
      () => (found = this.frames.find((f) => f.id === msg.id)) !== undefined,
      3000,
      `reply ${msg.id}`,
    );
    return found as Frame;
  }
}

function trade(id: number, pad: string): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: 1_700_000_000_000 + id,
    localTimestamp: 1_700_000_000_001 + id,
    id: String(id) + pad,
    price: 60_000 + id,
    amount: 0.5,
    side: 'sell',
  };
}

/** A raw TCP WebSocket client, subscribed to `stream`, that reads only when told to and keeps the bytes. */
async function rawSubscriber(port: number, stream: string): Promise<{ socket: Socket; bytes: () => Buffer }> {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => {
    socket.destroy();
  });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const text = (): string => Buffer.concat(chunks).toString('latin1');
  await waitFor(() => text().includes('\r\n\r\n'), 3000, 'upgrade answer');
  expect(text().startsWith('HTTP/1.1 101')).toBe(true);
  socket.write(masked(JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id: 1 })));
  await waitFor(() => text().includes('"result":null'), 3000, 'SUBSCRIBE reply');
  return { socket, bytes: () => Buffer.concat(chunks) };
}

function masked(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** Server → client frames after the HTTP answer: opcode and payload. */
function serverFrames(all: Buffer): { op: number; payload: Buffer }[] {
  let i = all.indexOf('\r\n\r\n') + 4;
  const out: { op: number; payload: Buffer }[] = [];
  while (i + 2 <= all.length) {
    const op = all[i] & 0x0f;
    let len = all[i + 1] & 0x7f;
    let h = 2;
    if (len === 126) {
      len = all.readUInt16BE(i + 2);
      h = 4;
    } else if (len === 127) {
      len = Number(all.readBigUInt64BE(i + 2));
      h = 10;
    }
    if (i + h + len > all.length) break;
    out.push({ op, payload: all.subarray(i + h, i + h + len) });
    i += h + len;
  }
  return out;
}

function upgradeRefusal(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('no upgrade answer within 3 s')), 3000);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => {
        clearTimeout(timer);
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.once('error', () => undefined);
  });
}

describe('gateway limits', () => {
  it('connection cap: the upgrade beyond maxConnections gets HTTP 503 with a JSON reason', async () => {
    const { url, gw } = await start({ maxConnections: 2 });
    await Client.open(url);
    await Client.open(url);
    const r = await upgradeRefusal(url);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({
      error: { code: 'unavailable', msg: 'server is at capacity (2 connections); retry later' },
    });
    expect(gw.stats().connectionsRejected).toBe(1);
  });

  it('subscriptions cap: error 4 beyond maxSubscriptionsPerClient, the connection stays', async () => {
    const { url } = await start({ maxSubscriptionsPerClient: 3 });
    const c = await Client.open(url);
    expect(
      await c.request({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT', 'trade@ETH/USDT'], id: 1 }),
    ).toEqual({
      result: null,
      id: 1,
    });
    const r = await c.request({ method: 'SUBSCRIBE', params: ['ticker@BTC/USDT', 'ticker@ETH/USDT'], id: 2 });
    expect(r.error).toEqual({
      code: WsErrorCode.TooManySubscriptions,
      msg: expect.stringMatching(/2 \+ 2 new would exceed the limit of 3 per connection/) as unknown,
    });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('flood: rate-limit errors (5) for each excess message, then close 1008 after maxViolations', async () => {
    const { url, gw } = await start({ messageRatePerSec: 5, messageBurst: 5, maxViolations: 3 });
    const c = await Client.open(url);
    for (let i = 1; i <= 50; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    await waitFor(() => c.close !== undefined, 3000, 'close');
    expect(c.close).toEqual({ code: 1008, reason: 'policy violation: rate or size limit' });
    const errors = c.frames.filter((f) => f.error !== undefined);
    expect(c.frames.filter((f) => f.result !== undefined)).toHaveLength(5);
    expect(errors).toHaveLength(4);
    expect(errors.every((f) => (f.error as { code: number }).code === WsErrorCode.RateLimited)).toBe(true);
    expect((errors[3].error as { msg: string }).msg).toMatch(/closing after 3 violations/);
    expect(gw.stats().abusiveClosed).toBe(1);
  });

  it('a 1 MB frame past the default maxPayloadBytes closes with 1009 and a reason', async () => {
    const { url, gw } = await start();
    const c = await Client.open(url);
    c.ws.send('x'.repeat(1_048_577));
    await waitFor(() => c.close !== undefined, 3000, 'close');
    expect(c.close).toEqual({ code: 1009, reason: 'message over 1048576 bytes; send smaller requests' });
    expect(gw.stats().oversized).toBe(1);
  });

  it('a consumer over its send budget is told, then closed with 4008 and a reason', async () => {
    const { bus, gw, port } = await start({ maxBufferedBytes: 64 * 1024, closeTimeoutMs: 10_000 });
    const slow = await rawSubscriber(port, 'trade@BTC/USDT');
    slow.socket.pause();
    const pad = 'x'.repeat(16 * 1024);
    for (let n = 0; gw.stats().slowConsumersDropped === 0;) {
      if (n >= 5000) throw new Error('the slow consumer was never dropped');
      for (let i = 0; i < 8; i++) bus.publish('trade@BTC/USDT', trade(n++, pad));
      await sleep(1);
    }
    slow.socket.resume();
    let frames: { op: number; payload: Buffer }[] = [];
    await waitFor(() => (frames = serverFrames(slow.bytes())).some((f) => f.op === 8), 10_000, 'close frame');
    const close = frames[frames.length - 1];
    expect(close.op).toBe(8);
    expect(close.payload.readUInt16BE(0)).toBe(SLOW_CONSUMER_CLOSE);
    expect(close.payload.subarray(2).toString()).toBe('slow consumer: send backlog over limit');
    const notice = JSON.parse(frames[frames.length - 2].payload.toString()) as Frame;
    expect(notice).toEqual({
      error: {
        code: 4008,
        msg: expect.stringMatching(/^slow consumer: more than 65536 bytes were waiting/) as unknown,
      },
    });
  });

  it('clients that never read: the readers get everything, the non-readers are closed, RSS stays bounded', async () => {
    const { bus, gw, port, url } = await start({ maxBufferedBytes: 4 << 20, closeTimeoutMs: 200 }, 0);
    const readers = [await Client.open(url, false), await Client.open(url, false)];
    for (const r of readers) {
      r.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT'], id: 1 }));
    }
    await waitFor(() => readers.every((r) => r.count === 1), 3000, 'readers subscribed');
    const stalled = [];
    for (let i = 0; i < 4; i++) stalled.push(await rawSubscriber(port, 'trade@BTC/USDT'));
    for (const s of stalled) s.socket.pause();
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const pad = 'x'.repeat(64 * 1024);
    const total = 3200; // 64 KiB each: 200 MiB published, ~1 GiB offered to the six clients.
    let n = 0;
    const t0 = Date.now();
    while (n < total) {
      for (let i = 0; i < 8; i++) bus.publish('trade@BTC/USDT', trade(n++, pad));
      const want = n + 1;
      await waitFor(() => readers.every((r) => r.count === want), 10_000, `readers at message ${n}`);
      if (Date.now() - t0 > 60_000) throw new Error(`only ${n} of ${total} published in 60 s`);
    }
    collectGarbage();
    const rssAfter = process.memoryUsage().rss;
    for (const r of readers) {
      expect(r.lastId).toBe(total - 1);
      expect(r.close).toBeUndefined();
    }
    await waitFor(() => gw.stats().connections === 2, 5000, 'non-readers closed');
    expect(gw.stats().slowConsumersDropped).toBe(4);
    expect(rssAfter - rssBefore).toBeLessThan(200 << 20);
  }, 90_000);
});
