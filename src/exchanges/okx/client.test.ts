/**
 * The OKX feed against a minimal OKX-speaking WebSocket server on loopback (the OKX replay hub is
 * being built alongside; the lead adds feed-vs-hub tests after merging). The server answers only
 * what these tests need, with frames of the real capture: acks per arg echoing the id, errors,
 * `ping` → `pong`, the BTC-USDT books snapshot and updates, a trade, candles.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bar, NormalizedMessage, Status, Trade } from '../../core/types.js';
import { createVenueFeed } from '../../ingest/venue-feed.js';
import { LOG_LEVEL, captureLogs } from '../../test-support/log-capture.js';
import { until } from '../../test-support/until.js';
import { closeWsServer } from '../../test-support/ws-server.js';
import {
  OKX_HEARTBEAT,
  createOkxFeed,
  okxControlMessage,
  okxPublicFeedSpec,
  type OkxFeed,
} from './client.js';
import type { OkxRequest } from './wire.js';

const BOOK_FRAMES = readFileSync(fileURLToPath(new URL('./fixtures/books.ws.txt', import.meta.url)), 'utf8')
  .split('\n')
  .filter((line) => line.includes('"instId":"BTC-USDT"'))
  .map((line) => line.slice(line.indexOf(': ') + 2))
  .slice(0, 11);
const TRADE =
  '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476307","px":"30236","sz":"0.0002","side":"buy","ts":"1652459224818"}]}';
const candle = (start: string, confirm: string): string =>
  `{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["${start}","30236","30250.1","30220","30243.5","1.25","37800.5","37800.5","${confirm}"]]}`;

interface Received {
  readonly path: string;
  readonly text: string;
}

class OkxLoopback {
  readonly received: Received[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly paths = new Map<WebSocket, string>();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws, req) => {
      this.sockets.add(ws);
      const path = req.url ?? '';
      this.paths.set(ws, path);
      ws.on('message', (data) => this.onMessage(ws, path, String(data)));
    });
  }

  static async start(): Promise<OkxLoopback> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new OkxLoopback(http, wss);
  }

  get base(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/okx`;
  }

  requests(path: string): OkxRequest[] {
    return this.received
      .filter((r) => r.path === path && r.text.startsWith('{'))
      .map((r) => JSON.parse(r.text) as OkxRequest);
  }

  /** Send `text` on every connection to `path`. */
  broadcast(path: string, text: string): void {
    for (const [ws, at] of this.paths) if (at === path) ws.send(text);
  }

  pings(): number {
    return this.received.filter((r) => r.text === 'ping').length;
  }

  close(): Promise<void> {
    return closeWsServer(this.http, this.wss, this.sockets);
  }

  private onMessage(ws: WebSocket, path: string, text: string): void {
    this.received.push({ path, text });
    if (text === 'ping') return ws.send('pong');
    const request = JSON.parse(text) as OkxRequest;
    if (request.args.some((a) => a.instId === 'NOPE-USDT')) {
      return ws.send(
        JSON.stringify({
          id: request.id,
          event: 'error',
          code: '60018',
          msg: "Wrong URL or channel:trades,instId:NOPE-USDT doesn't exist.",
          connId: 'c1',
        }),
      );
    }
    for (const arg of request.args) {
      ws.send(JSON.stringify({ id: request.id, event: request.op, arg, connId: 'c1' }));
      if (request.op !== 'subscribe' || arg.instId !== 'BTC-USDT') continue;
      if (arg.channel === 'books') for (const f of BOOK_FRAMES) ws.send(f);
      if (arg.channel === 'trades') ws.send(TRADE);
      if (arg.channel === 'candle1m') {
        for (const f of [
          candle('1652459160000', '0'),
          candle('1652459160000', '1'),
          candle('1652459160000', '1'),
          candle('1652459220000', '0'),
        ]) {
          ws.send(f);
        }
      }
    }
  }
}

let server: OkxLoopback;
const feeds: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await server.close();
});

function collect(feed: { messages(): AsyncIterable<NormalizedMessage> }): NormalizedMessage[] {
  const got: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) got.push(m);
  })();
  return got;
}

describe('OKX feed', () => {
  it('subscribes both connections, keeps a checked book, sends each closed candle once, merges statuses', async () => {
    server = await OkxLoopback.start();
    const feed: OkxFeed = createOkxFeed({
      wsBaseUrl: server.base,
      symbols: ['BTC/USDT'],
      logger: captureLogs().logger,
    });
    feeds.push(feed);
    const got = collect(feed);
    await until(() => feed.book('BTC/USDT')?.stats.applied === 10, 3000, 'book updates');
    await until(() => got.some((m) => m.type === 'bar'), 3000, 'bar');
    expect(server.requests('/okx/ws/v5/public')).toEqual([
      {
        id: '1',
        op: 'subscribe',
        args: [
          { channel: 'trades', instId: 'BTC-USDT' },
          { channel: 'books', instId: 'BTC-USDT' },
          { channel: 'tickers', instId: 'BTC-USDT' },
        ],
      },
    ]);
    expect(server.requests('/okx/ws/v5/business')).toEqual([
      { id: '1', op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT' }] },
    ]);
    expect(feed.book('BTC/USDT')?.stats).toMatchObject({ checksums: 11, checksumMismatches: 0, gaps: 0 });
    const trades = got.filter((m): m is Trade => m.type === 'trade');
    expect(trades.map((t) => [t.symbol, t.id, t.price])).toEqual([['BTC/USDT', '338476307', 30236]]);
    await new Promise((r) => setTimeout(r, 50));
    const bars = got.filter((m): m is Bar => m.type === 'bar');
    expect(bars.map((b) => [b.symbol, b.timestamp, b.interval])).toEqual([['BTC/USDT', 1652459160000, '1m']]);
    expect(got.some((m) => m.type === 'book_snapshot')).toBe(true);
    const connected = got.filter((m): m is Status => m.type === 'status' && m.state === 'connected');
    expect(connected).toHaveLength(1);
    expect(feed.stats()).toMatchObject({ state: 'connected', decodeErrors: 0, subscriptions: ['BTC/USDT'] });
    server.broadcast(
      '/okx/ws/v5/public',
      '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade."}',
    );
    server.broadcast(
      '/okx/ws/v5/business',
      '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["x"]]}',
    );
    await until(() => got.some((m) => m.type === 'status' && m.reason.includes('64008')), 3000, 'notice');
    expect(got.filter((m): m is Status => m.type === 'status' && m.reason.includes('64008'))).toMatchObject([
      {
        symbol: 'BTC/USDT',
        state: 'connected',
        reason: 'public: okx notice 64008: The connection will soon be closed for a service upgrade.',
      },
    ]);
    await until(() => feed.stats().decodeErrors === 1, 3000, 'decode error counted');
  });

  it('batches at most 50 args a request, ids as text; explains a rejected request', async () => {
    server = await OkxLoopback.start();
    const { logger, lines } = captureLogs();
    const symbols = [...Array.from({ length: 19 }, (_, i) => `C${i}/USDT`), 'NOPE/USDT'];
    const feed = createVenueFeed(okxPublicFeedSpec({ wsBaseUrl: server.base }), { symbols, logger });
    feeds.push(feed);
    collect(feed);
    await until(() => lines.some((l) => l.msg === 'okx rejected a control request'), 3000, 'rejection');
    const requests = server.requests('/okx/ws/v5/public');
    expect(requests.map((r) => [r.id, r.args.length])).toEqual([
      ['1', 50],
      ['2', 10],
    ]);
    expect(requests[1].args.slice(-3)).toEqual([
      { channel: 'trades', instId: 'NOPE-USDT' },
      { channel: 'books', instId: 'NOPE-USDT' },
      { channel: 'tickers', instId: 'NOPE-USDT' },
    ]);
    const warn = lines.find((l) => l.msg === 'okx rejected a control request');
    expect(warn).toMatchObject({
      level: LOG_LEVEL.warn,
      id: 2,
      code: '60018',
      reason: "Wrong URL or channel:trades,instId:NOPE-USDT doesn't exist.",
    });
    expect(String(warn?.request)).toMatch(/^subscribe C16\/USDT tickers, .*NOPE\/USDT tickers$/);
    expect(
      okxControlMessage('unsubscribe', [{ symbol: 'BTC/USDT', native: 'BTC-USDT', channel: 'books' }], 9),
    ).toBe('{"id":"9","op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}');
  });

  it('heartbeats with the text ping; the text pong keeps the connection', async () => {
    expect(OKX_HEARTBEAT).toMatchObject({ kind: 'app', intervalMs: 20_000 });
    if (OKX_HEARTBEAT.kind !== 'app') throw new Error('app heartbeat expected');
    expect(OKX_HEARTBEAT.ping()).toBe('ping');
    expect(OKX_HEARTBEAT.isPong('pong')).toBe(true);
    expect(OKX_HEARTBEAT.isPong('{"event":"subscribe"}')).toBe(false);
    server = await OkxLoopback.start();
    const spec = okxPublicFeedSpec({ wsBaseUrl: server.base });
    const fast = { ...spec, heartbeat: { ...OKX_HEARTBEAT, intervalMs: 40, pongTimeoutMs: 100 } };
    const feed = createVenueFeed(fast, { symbols: ['BTC/USDT'], logger: captureLogs().logger });
    feeds.push(feed);
    collect(feed);
    await until(() => server.pings() >= 6, 3000, 'pings');
    expect(feed.stats()).toMatchObject({ state: 'connected', reconnects: 0, decodeErrors: 0 });
  });
});
