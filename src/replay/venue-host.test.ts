import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { silentLogger } from '../core/logger.js';
import { splitTarget } from './http.js';
import { VenueHost, type HostRules, type VenueProtocol } from './venue-host.js';

/**
 * A small line protocol, to drive the host the way a venue does: `sub X`, `unsub X`, `wrap`,
 * `close`, anything else echoed; `/ok…` accepted, other paths refused with 404.
 */
interface LineState {
  readonly path: string;
  ticks: number;
}

const lineProtocol: VenueProtocol<LineState> = {
  accept: ({ subPath, path }) =>
    subPath.startsWith('/ok')
      ? { accept: true, state: { path, ticks: 0 }, channels: subPath === '/ok/a' ? ['a'] : [] }
      : { accept: false, status: 404, body: { error: `nothing at ${path}` } },
  opened: (s, host) => host.send(s, `hello ${s.state.path}`),
  message: (s, data, _isBinary, host) => {
    const [verb, arg] = data.toString().split(' ');
    if (verb === 'sub') host.subscribe(s, arg);
    else if (verb === 'unsub') host.unsubscribe(s, arg);
    else if (verb === 'wrap') host.setWrapped(s, true);
    else if (verb === 'late') {
      // Something queued on the channel in the same turn as a subscription with a snapshot.
      (host as VenueHost<LineState>).publish(arg, Buffer.from(`"queued ${arg}"`));
      host.subscribe(s, arg, `snapshot ${arg}`);
    } else if (verb === 'close') host.close(s, 4000, 'asked');
    else host.send(s, `echo ${data.toString()}`);
  },
  farewell: (_s, reason) => {
    const codes = { shutdown: 1001, lifetime: 1001, rate: 1008, idle: 4001, slow: 1013 } as const;
    return { code: codes[reason], reason, frame: `bye ${reason}` };
  },
  tick: (s, host, _now, quiet) => {
    s.state.ticks++;
    if (quiet) host.send(s, 'heartbeat');
  },
};

interface Running {
  readonly host: VenueHost<LineState>;
  readonly url: string;
  close(): Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

async function start(
  rules: Partial<HostRules> = {},
  now?: () => number,
  protocol: VenueProtocol<LineState> = lineProtocol,
): Promise<Running> {
  const host = new VenueHost<LineState>({ protocol, rules, logger: silentLogger(), now });
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => {
    const { path, query } = splitTarget(req.url);
    host.handleUpgrade({ req, subPath: path.slice('/line'.length), query, path }, socket, head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const r: Running = {
    host,
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/line`,
    async close() {
      await host.closeAll();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
  running.push(r);
  return r;
}

interface Client {
  readonly ws: WebSocket;
  readonly got: string[];
  next(n: number): Promise<string[]>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function open(url: string, opts: ClientOptions = {}): Promise<Client> {
  const ws = new WebSocket(url, opts);
  const got: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    got.push(String(d));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await once(ws, 'open');
  const next = async (n: number): Promise<string[]> => {
    while (got.length < n) await new Promise<void>((r) => waiters.push(r));
    return got.slice(0, n);
  };
  return { ws, got, next, closed };
}

function refusal(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => reject(new Error('accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

describe('VenueHost', () => {
  it("answers the venue's refusal as HTTP, and runs an accepted session through its protocol", async () => {
    const { host, url } = await start();
    expect(await refusal(`${url}/nope`)).toEqual({ status: 404, body: { error: 'nothing at /line/nope' } });
    const c = await open(`${url}/ok/a`);
    expect(await c.next(1)).toEqual(['hello /line/ok/a']);
    host.publish('a', Buffer.from('"one"'));
    c.ws.send('sub b');
    c.ws.send('wrap');
    c.ws.send('ping me');
    await c.next(3);
    host.publish('b', Buffer.from('"two"'));
    expect(await c.next(4)).toEqual([
      'hello /line/ok/a',
      '"one"',
      'echo ping me',
      '{"stream":"b","data":"two"}',
    ]);
    expect(host.counters()).toMatchObject({ connectionsOpened: 1, upgradesRejected: 1, inboundMessages: 3 });
    c.ws.send('close');
    expect(await c.closed).toEqual({ code: 4000, reason: 'asked' });
  });

  it('sends a snapshot to the subscriber alone, and what was queued before it only to the others', async () => {
    const { host, url } = await start();
    const early = await open(`${url}/ok/a`);
    const late = await open(`${url}/ok`);
    await Promise.all([early.next(1), late.next(1)]);
    late.ws.send('late a');
    expect(await early.next(2)).toEqual(['hello /line/ok/a', '"queued a"']);
    expect(await late.next(2)).toEqual(['hello /line/ok', 'snapshot a']);
    host.publish('a', Buffer.from('"after"'));
    expect(await late.next(3)).toEqual(['hello /line/ok', 'snapshot a', '"after"']);
    expect(await early.next(3)).toEqual(['hello /line/ok/a', '"queued a"', '"after"']);
  });

  it('closes a consumer over the inbound rate with the protocol farewell', async () => {
    let now = 1_000_000;
    const { host, url } = await start({ maxIncoming: 3, countControlFrames: true }, () => now);
    const c = await open(`${url}/ok`);
    for (let i = 0; i < 3; i++) c.ws.send(`m${i}`);
    await c.next(4);
    now += 1000;
    c.ws.ping();
    for (let i = 0; i < 3; i++) c.ws.send(`n${i}`);
    expect(await c.closed).toEqual({ code: 1008, reason: 'rate' });
    expect(c.got.slice(-1)).toEqual(['bye rate']);
    expect(host.counters().rateLimitCloses).toBe(1);
  });

  it('hands a frame over the rate to the protocol when it answers rate itself, and keeps the session', async () => {
    let now = 1_000_000;
    const answering: VenueProtocol<LineState> = {
      ...lineProtocol,
      overRate: (s, data, host) => host.send(s, `too fast ${data.toString()}`),
    };
    const { host, url } = await start({ maxIncoming: 2 }, () => now, answering);
    const c = await open(`${url}/ok`);
    for (let i = 0; i < 3; i++) c.ws.send(`m${i}`);
    expect(await c.next(4)).toEqual(['hello /line/ok', 'echo m0', 'echo m1', 'too fast m2']);
    now += 1000;
    c.ws.send('m3');
    expect((await c.next(5))[4]).toBe('echo m3');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(host.counters()).toMatchObject({ rateLimited: 1, rateLimitCloses: 0, inboundMessages: 3 });
  });

  it('closes a consumer it has sent nothing for silentTimeoutMs, and keeps one it answers', async () => {
    const { host, url } = await start({ silentTimeoutMs: 300 });
    const silent = await open(`${url}/ok`);
    const answered = await open(`${url}/ok`);
    const pinger = setInterval(() => answered.ws.send('ping'), 100);
    expect(await silent.closed).toEqual({ code: 4001, reason: 'idle' });
    expect(silent.got).toEqual(['hello /line/ok', 'bye idle']);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(pinger);
    expect(answered.ws.readyState).toBe(WebSocket.OPEN);
    expect(host.counters().idleCloses).toBe(1);
  });

  it('pings with a payload and cuts a consumer that never echoes one', async () => {
    const { host, url } = await start({ pingIntervalMs: 30, pongTimeoutMs: 200 });
    const alive = await open(`${url}/ok`);
    const dead = await open(`${url}/ok`, { autoPong: false });
    const lie = setInterval(() => dead.ws.pong('not an echo'), 20);
    expect((await dead.closed).code).toBe(1006);
    clearInterval(lie);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(host.counters().pongTimeouts).toBe(1);
    expect(host.counters().pingsSent).toBeGreaterThan(3);
  });

  it('closes an idle consumer, and one past its lifetime, each with its farewell', async () => {
    const { url } = await start({ idleTimeoutMs: 150, maxLifetimeMs: 10_000 });
    const idle = await open(`${url}/ok`);
    expect(await idle.closed).toEqual({ code: 4001, reason: 'idle' });
    expect(idle.got).toEqual(['hello /line/ok', 'bye idle']);
    const old = await start({ maxLifetimeMs: 100 });
    const c = await open(`${old.url}/ok`);
    expect(await c.closed).toEqual({ code: 1001, reason: 'lifetime' });
    expect(old.host.counters().lifetimeCloses).toBe(1);
  });

  it('ticks each session and tells it whether anything was sent since the last tick', async () => {
    const { host, url } = await start({ tickMs: 40 });
    const c = await open(`${url}/ok/a`);
    // Keep the channel busy for a while: no heartbeat while data flows.
    const busy = setInterval(() => host.publish('a', Buffer.from('1')), 5);
    await new Promise((r) => setTimeout(r, 200));
    clearInterval(busy);
    expect(c.got.filter((m) => m === 'heartbeat')).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.got.filter((m) => m === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  });

  it('on shutdown says goodbye, closes 1001 and terminates a consumer that does not answer', async () => {
    const r = await start({ closeTimeoutMs: 200 });
    const polite = await open(`${r.url}/ok`);
    const stubborn = await open(`${r.url}/ok`);
    // A client that never completes the close handshake.
    (stubborn.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    await r.host.closeAll();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await polite.closed).toEqual({ code: 1001, reason: 'shutdown' });
    expect(polite.got.slice(-1)).toEqual(['bye shutdown']);
    expect(r.host.consumers).toBe(0);
    expect(await refusal(`${r.url}/ok`)).toMatchObject({ status: 503 });
  });

  it('drops a consumer that stops reading with its farewell frame last, then the close', async () => {
    const { host, url } = await start({ maxBufferedBytes: 32 * 1024 });
    const c = await open(`${url}/ok/a`);
    await c.next(1);
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const chunk = Buffer.from(JSON.stringify('x'.repeat(8 * 1024)));
    // Bounded: the loopback buffers fill within a few MB.
    for (let i = 0; i < 2000 && host.counters().slowDropped === 0; i++) {
      for (let j = 0; j < 8; j++) host.publish('a', chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(host.counters().slowDropped).toBe(1);
    socket.resume();
    expect(await c.closed).toEqual({ code: 1013, reason: 'slow' });
    expect(c.got.slice(-1)).toEqual(['bye slow']);
  });

  it('sends a Buffer as a binary frame', async () => {
    const { url } = await start({}, undefined, {
      ...lineProtocol,
      opened: (s, host) => host.send(s, Buffer.from([1, 2, 3])),
    });
    const ws = new WebSocket(`${url}/ok`);
    const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
    expect(isBinary).toBe(true);
    expect([...data]).toEqual([1, 2, 3]);
    ws.terminate();
  });
});
