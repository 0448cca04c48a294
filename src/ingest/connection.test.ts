import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { silentLogger } from '../core/logger.js';
import { until } from '../test-support/until.js';
import { Connection, type ConnectionSpec, type ConnectionStatusState } from './connection.js';

/** The exchange stand-in: a real ws server on 127.0.0.1:0 that records what it receives. */
class TestServer {
  readonly received: Array<{ at: number; conn: number; text: string }> = [];
  readonly sockets: WebSocket[] = [];
  onMessage: (ws: WebSocket, text: string) => void = () => {};
  private constructor(readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      const conn = this.sockets.push(ws);
      ws.on('message', (data) => {
        const text = String(data);
        this.received.push({ at: Date.now(), conn, text });
        this.onMessage(ws, text);
      });
    });
  }
  static async start(options: ServerOptions = {}): Promise<TestServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
    await new Promise((r) => wss.once('listening', r));
    return new TestServer(wss);
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }
  get connections(): number {
    return this.sockets.length;
  }
  latest(): WebSocket {
    return this.sockets[this.sockets.length - 1];
  }
  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise((r) => this.wss.close(r));
  }
}

interface Recorder {
  frames: string[];
  statuses: Array<{ state: ConnectionStatusState; reason: string }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function open(
  spec: Partial<ConnectionSpec> & { url(): string },
  extra: Partial<ConstructorParameters<typeof Connection>[0]> = {},
): { conn: Connection; rec: Recorder } {
  const rec: Recorder = { frames: [], statuses: [] };
  const conn = new Connection({
    spec: { name: 'test', subscribeMessages: () => [], heartbeat: { kind: 'server' }, ...spec },
    handlers: {
      onFrame: (f) => rec.frames.push(f),
      onStatus: (state, reason) => rec.statuses.push({ state, reason }),
    },
    logger: silentLogger(),
    backoff: { random: () => 0 },
    ...extra,
  });
  cleanups.push(() => conn.close());
  conn.start();
  return { conn, rec };
}

async function server(options?: ServerOptions): Promise<TestServer> {
  const s = await TestServer.start(options);
  cleanups.push(() => s.close());
  return s;
}

describe('Connection', () => {
  it('connects, sends the subscribe messages and delivers frames', async () => {
    const s = await server();
    const { conn, rec } = open({ url: () => s.url, subscribeMessages: () => ['sub-a', 'sub-b'] });
    await until(() => s.received.length === 2);
    expect(s.received.map((m) => m.text)).toEqual(['sub-a', 'sub-b']);
    expect(rec.statuses.map((x) => x.state)).toEqual(['connecting', 'connected']);
    s.latest().send('hello');
    await until(() => rec.frames.length === 1);
    expect(rec.frames).toEqual(['hello']);
    conn.observeLatency(1000, 1250);
    expect(conn.stats()).toMatchObject({
      state: 'connected',
      frames: 1,
      sent: 2,
      reconnects: 0,
      latencyMs: 250,
    });
  });

  it('reconnects after the server drops the socket, resubscribes from the current set, and says so', async () => {
    const s = await server();
    const subs = ['sub-1'];
    const { conn, rec } = open({ url: () => s.url, subscribeMessages: () => subs.map((x) => x) });
    await until(() => s.received.length === 1);
    subs.push('sub-2'); // changed while connected: the next connection must carry it
    s.latest().terminate();
    await until(() => s.received.length === 3, 5000, 'resubscribe');
    expect(s.received.map((m) => [m.conn, m.text])).toEqual([
      [1, 'sub-1'],
      [2, 'sub-1'],
      [2, 'sub-2'],
    ]);
    expect(rec.statuses.map((x) => x.state)).toEqual([
      'connecting',
      'connected',
      'disconnected',
      'connecting',
      'connected',
    ]);
    expect(rec.statuses[2].reason).toContain('code 1006');
    expect(rec.statuses[4].reason).toBe('reconnected');
    expect(conn.stats().reconnects).toBe(1);
  });

  it('backs off harder against a server that accepts and drops at once; a stable link resets it', async () => {
    const flapping = await server();
    flapping.wss.on('connection', (ws) => ws.terminate());
    open(
      { url: () => flapping.url },
      { backoff: { baseMs: 20, maxMs: 10_000, random: () => 0.999 }, stableAfterMs: 60_000 },
    );
    const resetting = await server();
    resetting.wss.on('connection', (ws) => ws.terminate());
    open(
      { url: () => resetting.url },
      { backoff: { baseMs: 20, maxMs: 10_000, random: () => 0.999 }, stableAfterMs: 0 },
    );
    await new Promise((r) => setTimeout(r, 700));
    // Growing: 20, 40, 80, 160, 320 ms → about 5 attempts. Reset each time: one every ~20 ms.
    expect(flapping.connections).toBeLessThanOrEqual(7);
    expect(resetting.connections).toBeGreaterThan(12);
  });

  it('gives up on a handshake that never completes (connect timeout) and keeps retrying', async () => {
    const sockets: Socket[] = [];
    const tcp: Server = createServer((sock) => sockets.push(sock)); // accepts, never answers
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const sock of sockets) sock.destroy();
          tcp.close(() => r());
        }),
    );
    const port = (tcp.address() as AddressInfo).port;
    const { conn, rec } = open({ url: () => `ws://127.0.0.1:${port}` }, { connectTimeoutMs: 100 });
    await until(() => rec.statuses.filter((x) => x.state === 'disconnected').length >= 2);
    const disconnects = rec.statuses.filter((x) => x.state === 'disconnected');
    expect(disconnects[0].reason).toBe('connect timeout after 100ms');
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(conn.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('paces outgoing messages with the token bucket (at most 5 in any one-second window)', async () => {
    const s = await server();
    const { conn } = open({ url: () => s.url, rateLimit: { perSecond: 4, burst: 1 } });
    await until(() => conn.state === 'connected');
    for (let i = 0; i < 10; i++) expect(conn.send(`m${i}`)).toBe(true);
    expect(conn.stats().queued).toBeGreaterThan(5);
    await until(() => s.received.length === 10, 10_000, 'all messages');
    expect(s.received.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    // Server clock: count what arrived in the second starting at each arrival.
    const times = s.received.map((m) => m.at);
    const worst = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(worst).toBeLessThanOrEqual(5);
    expect(worst).toBeGreaterThanOrEqual(4); // paced, not starved
  });

  it('refuses to send while not connected', async () => {
    const s = await server();
    const { conn } = open({ url: () => s.url });
    expect(conn.state).toBe('connecting');
    expect(conn.send('early')).toBe(false);
  });

  it('close() is graceful: no reconnect afterwards, final status, idempotent', async () => {
    const s = await server();
    const { conn, rec } = open({ url: () => s.url });
    await until(() => conn.state === 'connected');
    await conn.close();
    await conn.close();
    expect(conn.state).toBe('disconnected');
    expect(rec.statuses.at(-1)).toEqual({ state: 'disconnected', reason: 'closed by client' });
    await new Promise((r) => setTimeout(r, 150));
    expect(s.connections).toBe(1);
    expect(conn.send('x')).toBe(false);
  });

  it('close() during the backoff wait cancels the pending reconnect', async () => {
    const s = await server();
    const { conn, rec } = open({ url: () => s.url }, { backoff: { baseMs: 200, random: () => 0.99 } });
    await until(() => conn.state === 'connected');
    s.latest().terminate();
    await until(() => conn.state === 'disconnected');
    await conn.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(s.connections).toBe(1);
    expect(rec.statuses.at(-1)?.state).toBe('disconnected');
  });

  it('server-ping heartbeat: pings keep a quiet link up, silence reconnects with a stale status', async () => {
    const s = await server();
    const { conn, rec } = open({ url: () => s.url }, { silenceTimeoutMs: 200 });
    await until(() => conn.state === 'connected');
    const pinger = setInterval(() => s.latest().ping(), 50);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(pinger);
    expect(s.connections).toBe(1);
    await until(() => s.connections === 2, 5000, 'reconnect after silence');
    const states = rec.statuses.map((x) => x.state);
    expect(states.slice(0, 5)).toEqual(['connecting', 'connected', 'stale', 'disconnected', 'connecting']);
    expect(rec.statuses[2].reason).toMatch(/^no data or ping for \d+ms$/);
  });

  it('protocol heartbeat: a missing pong reconnects; answered pings do not', async () => {
    const answering = await server();
    const up = open(
      { url: () => answering.url, heartbeat: { kind: 'protocol', intervalMs: 40, pongTimeoutMs: 100 } },
      { silenceTimeoutMs: 0 },
    );
    const mute = await server({ autoPong: false });
    const down = open(
      { url: () => mute.url, heartbeat: { kind: 'protocol', intervalMs: 40, pongTimeoutMs: 100 } },
      { silenceTimeoutMs: 0 },
    );
    await until(() => mute.connections >= 2, 5000, 'reconnect after pong timeout');
    expect(down.rec.statuses.find((x) => x.state === 'disconnected')?.reason).toBe('no pong within 100ms');
    await new Promise((r) => setTimeout(r, 200));
    expect(answering.connections).toBe(1);
    expect(up.conn.state).toBe('connected');
    // Round trip of the answered pings; none for the link whose pings go unanswered.
    expect(up.conn.stats().pingRttMs).toBeGreaterThanOrEqual(0);
    expect(up.conn.stats().pingRttMs).toBeLessThan(100);
    expect(down.conn.stats().pingRttMs).toBeUndefined();
  });

  it('app heartbeat: sends the venue ping, swallows pongs, reconnects when they stop', async () => {
    const s = await server();
    let answer = true;
    s.onMessage = (ws, text) => {
      if (text === 'ping' && answer) ws.send('pong');
    };
    const { rec, conn } = open(
      {
        url: () => s.url,
        heartbeat: {
          kind: 'app',
          intervalMs: 40,
          pongTimeoutMs: 100,
          ping: () => 'ping',
          isPong: (f) => f === 'pong',
        },
      },
      { silenceTimeoutMs: 0 },
    );
    await until(() => s.received.filter((m) => m.text === 'ping').length >= 3);
    expect(rec.frames).toEqual([]);
    await until(() => conn.stats().pingRttMs !== undefined, 2000, 'ping round trip');
    expect(conn.stats().pingRttMs).toBeLessThan(100);
    expect(s.connections).toBe(1);
    answer = false;
    await until(() => s.connections === 2, 5000, 'reconnect after app pong timeout');
    expect(rec.statuses.find((x) => x.state === 'disconnected')?.reason).toBe('no pong within 100ms');
  });

  it('authenticates before subscribing; a rejection reconnects', async () => {
    const s = await server();
    let accept = false;
    s.onMessage = (ws, text) => {
      if (text === 'login') ws.send(accept ? 'welcome' : 'denied');
    };
    const { conn, rec } = open({
      url: () => s.url,
      subscribeMessages: () => ['sub'],
      auth: {
        request: () => 'login',
        check: (f) => (f === 'welcome' ? 'ok' : f === 'denied' ? { rejected: 'bad key' } : 'pending'),
      },
    });
    await until(() => rec.statuses.some((x) => x.state === 'disconnected'));
    expect(rec.statuses.slice(0, 3)).toEqual([
      { state: 'connecting', reason: 'connecting' },
      { state: 'authenticating', reason: 'socket open' },
      { state: 'disconnected', reason: 'authentication rejected: bad key' },
    ]);
    accept = true;
    await until(() => conn.state === 'connected');
    await until(() => s.received.some((m) => m.text === 'sub'));
    const second = s.received.filter((m) => m.conn === s.connections).map((m) => m.text);
    expect(second).toEqual(['login', 'sub']);
    expect(rec.frames).toEqual([]); // auth replies are not data
  });

  it("an auth rejection with retry 'stop' ends the connection for good, saying so", async () => {
    const s = await server();
    s.onMessage = (ws, text) => {
      if (text === 'login') ws.send('denied');
    };
    const { conn, rec } = open({
      url: () => s.url,
      auth: {
        request: () => 'login',
        check: (f) => (f === 'denied' ? { rejected: 'bad key', retry: 'stop' } : 'pending'),
      },
    });
    await until(() => conn.gaveUp, 5000, 'give up');
    await new Promise((r) => setTimeout(r, 150)); // backoff is instant here: a retry would show
    expect(s.connections).toBe(1);
    expect(conn.state).toBe('disconnected');
    expect(rec.statuses.at(-1)).toEqual({
      state: 'disconnected',
      reason: 'authentication rejected: bad key; not reconnecting',
    });
    await conn.close(); // still closes cleanly
    expect(rec.statuses.filter((x) => x.state === 'connecting')).toHaveLength(1);
  });

  it('drop(): the venue ends a link; it reconnects after the backoff, or that much later when asked', async () => {
    const s = await server();
    const { conn, rec } = open({ url: () => s.url, subscribeMessages: () => ['sub'] });
    await until(() => s.received.length === 1);
    conn.drop('slow client', 'backoff');
    await until(() => s.received.length === 2, 5000, 'plain reconnect');
    expect(rec.statuses.find((x) => x.state === 'disconnected')?.reason).toBe('slow client');

    const droppedAt = Date.now();
    conn.drop('connection limit exceeded', { afterMs: 300 });
    await until(() => s.received.length === 3, 5000, 'late reconnect');
    expect(s.received[2].at - droppedAt).toBeGreaterThanOrEqual(290);
    expect(rec.statuses.filter((x) => x.state === 'disconnected').map((x) => x.reason)).toEqual([
      'slow client',
      'connection limit exceeded',
    ]);
    expect(conn.gaveUp).toBe(false);
  });

  it('a throwing frame handler drops the frame, not the connection', async () => {
    const s = await server();
    const seen: string[] = [];
    const conn = new Connection({
      spec: { name: 'test', url: () => s.url, subscribeMessages: () => [], heartbeat: { kind: 'server' } },
      handlers: {
        onFrame: (f) => {
          if (f === 'boom') throw new Error('boom');
          seen.push(f);
        },
        onStatus: () => {},
      },
      logger: silentLogger(),
    });
    cleanups.push(() => conn.close());
    conn.start();
    await until(() => conn.state === 'connected');
    s.latest().send('boom');
    s.latest().send('fine');
    await until(() => seen.length === 1);
    expect(conn.state).toBe('connected');
    expect(s.connections).toBe(1);
  });
});

describe('Connection health figures', () => {
  it('counts failed attempts in a row (and the breaker its own) until one connects, then reports since when', async () => {
    // A port that refuses: bind one, note it, close it.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadUrl = `ws://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const s = await server();
    let url = deadUrl;
    const { conn } = open(
      { url: () => url },
      { backoff: { baseMs: 5, maxMs: 10, random: () => 0 }, breaker: { failures: 50 } },
    );
    await until(() => conn.stats().consecutiveFailures >= 3, 5000, 'three failed attempts');
    expect(conn.stats()).toMatchObject({
      state: expect.not.stringMatching(/^connected$/),
      connectedSince: undefined,
    });
    expect(conn.stats().breakerFailures).toBeGreaterThanOrEqual(3);
    const before = Date.now();
    url = s.url;
    await until(() => conn.stats().state === 'connected', 5000, 'connected');
    const st = conn.stats();
    expect(st.consecutiveFailures).toBe(0);
    expect(st.breakerFailures).toBe(0);
    expect(st.connectedSince).toBeGreaterThanOrEqual(before);
    expect(st.connectedSince).toBeLessThanOrEqual(Date.now());
  });
});
