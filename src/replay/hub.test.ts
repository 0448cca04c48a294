import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../core/logger.js';
import { exchangeRaw } from '../test-support/raw-tcp.js';
import type { ReplayEvent } from './events.js';
import { sendJson } from './http.js';
import { ReplayHub, type VenueEndpoint, type VenueStats } from './hub.js';

/** A venue that records what the hub hands it and echoes requests back. */
class FakeVenue implements VenueEndpoint {
  readonly exchange = 'kraken' as const;
  readonly prefix = '/kraken';
  readonly pushed: ReplayEvent[] = [];
  readonly advanced: number[] = [];
  closed = 0;
  private readonly wss = new WebSocketServer({ noServer: true });

  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    subPath: string,
    query: URLSearchParams,
  ): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ subPath, q: query.get('q') }));
    });
  }

  handleHttp(_req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void {
    sendJson(res, 200, { subPath, q: query.get('q') });
  }

  push(event: ReplayEvent): void {
    this.pushed.push(event);
  }

  advanceTo(ts: number): void {
    this.advanced.push(ts);
  }

  async close(): Promise<void> {
    this.closed++;
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  stats(): VenueStats {
    const last = this.pushed[this.pushed.length - 1];
    return {
      exchange: this.exchange,
      prefix: this.prefix,
      symbols: ['XBT/USD'],
      consumers: this.wss.clients.size,
      replayTime: last === undefined ? null : last.ts,
      counters: { pushed: this.pushed.length },
    };
  }
}

let hub: ReplayHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function start(): Promise<{ venue: FakeVenue; base: string }> {
  const venue = new FakeVenue();
  hub = new ReplayHub({ logger: silentLogger(), venues: [venue] });
  const port = await hub.listen(0);
  return { venue, base: `127.0.0.1:${port}` };
}

const event = (exchange: ReplayEvent['exchange'], ts: number): ReplayEvent => ({
  exchange,
  symbol: 'XBT/USD',
  ts,
  kind: 'trade',
  data: {},
});

describe('ReplayHub', () => {
  it('routes HTTP requests by prefix with the sub-path and query', async () => {
    const { base } = await start();
    const r = await fetch(`http://${base}/kraken/0/public/Depth?q=1`);
    expect(await r.json()).toEqual({ subPath: '/0/public/Depth', q: '1' });
    expect(await (await fetch(`http://${base}/kraken`)).json()).toEqual({ subPath: '', q: null });
    const miss = await fetch(`http://${base}/krakenx/v2`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({
      error: 'no replay endpoint at /krakenx/v2',
      path: '/krakenx/v2',
      prefixes: ['/kraken'],
    });
  });

  it('routes WebSocket upgrades by prefix and refuses unknown paths with 404 JSON', async () => {
    const { base } = await start();
    const ws = new WebSocket(`ws://${base}/kraken/v2?q=a`);
    const first = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    expect(JSON.parse(first)).toEqual({ subPath: '/v2', q: 'a' });
    ws.terminate();

    const status = await new Promise<number>((resolve) => {
      const bad = new WebSocket(`ws://${base}/okx/ws/v5/public`);
      bad.on('error', () => undefined);
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(404);
  });

  it('answers malformed HTTP with 400 (431 for oversized headers) and closes', async () => {
    const { base } = await start();
    const port = Number(base.split(':')[1]);
    const garbage = await exchangeRaw(port, 'GARBAGE \x01\x02 not http\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(garbage).toContain('Connection: close');
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({
      error: expect.stringMatching(/^malformed HTTP request \(HPE_\w+\); send a valid HTTP\/1\.1 request$/),
    });
    const huge = await exchangeRaw(port, `GET /health HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    // The server still serves well-formed requests.
    expect((await fetch(`http://${base}/health`)).status).toBe(200);
  });

  it('routes pushed events by exchange and counts the unroutable', async () => {
    const { venue } = await start();
    const h = hub as ReplayHub;
    h.push(event('kraken', 1000));
    h.push(event('okx', 1001));
    h.advanceTo(2000);
    expect(venue.pushed.map((e) => e.ts)).toEqual([1000]);
    expect(venue.advanced).toEqual([2000]);
    expect(h.unroutedEvents).toBe(1);
  });

  it('answers / and /health with a summary', async () => {
    const { base } = await start();
    (hub as ReplayHub).push(event('kraken', 1234));
    for (const path of ['/', '/health']) {
      const body = await (await fetch(`http://${base}${path}`)).json();
      expect(body).toEqual({
        status: 'ok',
        replayTime: 1234,
        consumers: 0,
        unroutedEvents: 0,
        venues: [
          {
            exchange: 'kraken',
            prefix: '/kraken',
            symbols: ['XBT/USD'],
            consumers: 0,
            replayTime: 1234,
            counters: { pushed: 1 },
          },
        ],
      });
    }
  });

  it('refuses clashing venues and closes every venue once', async () => {
    const { venue } = await start();
    const h = hub as ReplayHub;
    expect(() => h.addVenue(new FakeVenue())).toThrow(/already mounted/);
    await h.close();
    await h.close();
    hub = undefined;
    expect(venue.closed).toBe(1);
    await expect(h.listen(0)).rejects.toThrow();
  });
});
