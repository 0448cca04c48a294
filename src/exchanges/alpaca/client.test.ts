import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { NormalizedMessage, Status } from '../../core/types.js';
import { captureLogs, LOG_LEVEL } from '../../test-support/log-capture.js';
import { until } from '../../test-support/until.js';
import { closeWsServer } from '../../test-support/ws-server.js';
import { createAlpacaFeed, type AlpacaStreamFeed } from './client.js';
import { AlpacaCredentials } from './credentials.js';

const KEY = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT-never-in-a-log-42';

/** A minimal Alpaca stream on loopback: `connected` on open, then `answerAuth` decides the reply to `auth`. */
class FakeStream {
  readonly received: Array<{ conn: number; path: string; at: number; msg: Record<string, unknown> }> = [];
  readonly sockets: WebSocket[] = [];
  answerAuth: (conn: number) => object = () => ({ T: 'success', msg: 'authenticated' });
  private constructor(
    private readonly http: ReturnType<typeof createServer>,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws, req) => {
      const conn = this.sockets.push(ws);
      ws.send(JSON.stringify([{ T: 'success', msg: 'connected' }]));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as Record<string, unknown>;
        this.received.push({ conn, path: req.url ?? '', at: Date.now(), msg });
        if (msg.action === 'auth') ws.send(JSON.stringify([this.answerAuth(conn)]));
      });
    });
  }
  static async start(): Promise<FakeStream> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    return new FakeStream(http, wss);
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }
  send(conn: number, messages: object[]): void {
    this.sockets[conn - 1].send(JSON.stringify(messages));
  }
  close(): Promise<void> {
    return closeWsServer(this.http, this.wss, this.sockets);
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function start(extra: { connectionLimitWaitMs?: number } = {}) {
  const stream = await FakeStream.start();
  cleanups.push(() => stream.close());
  const { logger, lines } = captureLogs('debug');
  const feed: AlpacaStreamFeed = createAlpacaFeed({
    wsBaseUrl: `${stream.url}/`,
    feed: 'iex',
    symbols: ['AAPL', 'msft'],
    credentials: new AlpacaCredentials(KEY, SECRET),
    logger,
    backoff: { random: () => 0 },
    ...extra,
  });
  cleanups.push(() => feed.close());
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  const statuses = () => out.filter((m): m is Status => m.type === 'status');
  return { stream, feed, out, lines, statuses };
}

describe('createAlpacaFeed against a loopback stream', () => {
  it('logs in on /v2/<feed>, subscribes trades, quotes and bars, passes wire quotes on, and redoes both after a reconnect', async () => {
    const { stream, feed, out } = await start();
    await until(() => stream.received.length === 2, 5000, 'auth and subscribe');
    expect(stream.received.map((r) => [r.path, r.msg])).toEqual([
      ['/v2/iex', { action: 'auth', key: KEY, secret: SECRET }],
      [
        '/v2/iex',
        { action: 'subscribe', trades: ['AAPL', 'MSFT'], quotes: ['AAPL', 'MSFT'], bars: ['AAPL', 'MSFT'] },
      ],
    ]);
    stream.send(1, [
      {
        T: 'q',
        S: 'AAPL',
        bx: 'V',
        bp: 187.1,
        bs: 2,
        ax: 'V',
        ap: 187.12,
        as: 3,
        t: '2024-01-02T15:00:00.1234Z',
        c: ['R'],
        z: 'C',
      },
      { T: 't', S: 'AAPL', i: 7, x: 'V', p: 187.11, s: 10, c: ['@'], t: '2024-01-02T15:00:00.2Z', z: 'C' },
    ]);
    await until(() => out.some((m) => m.type === 'trade'));
    expect(out.find((m) => m.type === 'quote')).toMatchObject({
      symbol: 'AAPL',
      bid: 187.1,
      ask: 187.12,
      mid: 187.11,
    });

    stream.sockets[0].terminate();
    await until(() => stream.received.length === 4, 5000, 'login and subscribe again');
    expect(stream.received.slice(2).map((r) => [r.conn, r.msg.action])).toEqual([
      [2, 'auth'],
      [2, 'subscribe'],
    ]);
    expect(feed.stats().reconnects).toBe(1);
  });

  it('402 auth failed: no retry, a status saying what to set, and the key pair in no log line or status', async () => {
    const { stream, feed, lines, statuses } = await start();
    stream.answerAuth = () => ({ T: 'error', code: 402, msg: 'auth failed' });
    await until(() => statuses().some((s) => s.reason.includes('not reconnecting')), 5000, 'give up');
    await new Promise((r) => setTimeout(r, 200)); // backoff is instant here: a retry would show
    expect(stream.sockets).toHaveLength(1);
    expect(feed.stats().state).toBe('disconnected');
    const last = statuses().at(-1) as Status;
    expect(last.state).toBe('disconnected');
    expect(last.reason).toContain('402 auth failed');
    expect(last.reason).toContain('alpacaKey and alpacaSecret');
    expect(last.reason).toContain('APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    expect(lines.some((l) => l.level === LOG_LEVEL.error && l.msg.includes('not reconnecting'))).toBe(true);
    const printed = JSON.stringify(lines) + JSON.stringify(statuses());
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(KEY);
  });

  it('406 connection limit: retries only after the longer wait, then logs in', async () => {
    const { stream, feed, statuses } = await start({ connectionLimitWaitMs: 400 });
    stream.answerAuth = (conn) =>
      conn === 1
        ? { T: 'error', code: 406, msg: 'connection limit exceeded' }
        : { T: 'success', msg: 'authenticated' };
    await until(
      () => stream.received.some((r) => r.conn === 2 && r.msg.action === 'subscribe'),
      5000,
      'second login',
    );
    const first = stream.received.find((r) => r.conn === 1) as { at: number };
    const second = stream.received.find((r) => r.conn === 2) as { at: number };
    expect(second.at - first.at).toBeGreaterThanOrEqual(390);
    expect(statuses().find((s) => s.state === 'disconnected')?.reason).toContain(
      '406 connection limit exceeded',
    );
    await until(() => feed.stats().state === 'connected');
  });

  it('407 slow client reconnects; 405 symbol limit is a counted rejection naming feed and symbols', async () => {
    const { stream, feed, lines } = await start();
    await until(() => stream.received.length === 2);
    stream.send(1, [{ T: 'error', code: 405, msg: 'symbol limit exceeded' }]);
    await until(() => feed.stats().rejectedRequests === 1);
    const warning = lines.find(
      (l) => l.level === LOG_LEVEL.warn && l.msg === 'alpaca rejected a control request',
    );
    expect(warning).toMatchObject({ code: 405 });
    expect(String(warning?.reason)).toContain('feed iex; 2 symbols subscribed: AAPL, MSFT');
    expect(stream.sockets).toHaveLength(1);

    stream.send(1, [{ T: 'error', code: 407, msg: 'slow client' }]);
    await until(() => stream.received.length === 4, 5000, 'reconnect after 407');
    expect(feed.stats().reconnects).toBe(1);
  });
});
