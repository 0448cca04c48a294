/**
 * The SDK against a real gateway on loopback: WebSocket and SSE, recovery across a gateway
 * restart, staleness, counted subscriptions, the async iterator, SSE fallback, and no timers left.
 */
import { EventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TestGateway, trade } from '../test-support/client-gateway.js';
import { until } from '../test-support/until.js';
import { backoffDelay } from './backoff.js';
import { createClient, type ClientOptions, type TickstreamClient } from './client.js';
import type { ConnectionStatus, RecoveryResult, StreamMessage } from './protocol.js';
import type { WebSocketConstructor, EventSourceConstructor } from './transport.js';

const gw = new TestGateway();
beforeAll(() => gw.start());
afterAll(() => gw.close());

const clients: TickstreamClient[] = [];
afterEach(() => {
  while (clients.length > 0) clients.pop()?.close();
});

const TRANSPORTS = {
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  EventSource: EventSource as unknown as EventSourceConstructor,
};

function open(opts: ClientOptions = {}): {
  client: TickstreamClient;
  statuses: ConnectionStatus[];
  got: StreamMessage[];
} {
  const client = createClient({
    url: gw.url,
    ...TRANSPORTS,
    backoff: { initialMs: 50, maxMs: 200 },
    ...opts,
  });
  clients.push(client);
  const statuses: ConnectionStatus[] = [client.status];
  const got: StreamMessage[] = [];
  client.on('status', (s) => statuses.push(s));
  client.on('message', (m) => got.push(m));
  return { client, statuses, got };
}

const prices = (got: StreamMessage[], stream: string) =>
  got.filter((m) => m.stream === stream).map((m) => (m.data.type === 'trade' ? m.data.price : NaN));

describe('backoff', () => {
  it('is uniformly random up to a doubling ceiling capped at maxMs (full jitter)', () => {
    const o = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, o, () => 0)).toBe(0);
    expect(backoffDelay(0, o, () => 0.999)).toBe(99);
    expect(backoffDelay(3, o, () => 0.999)).toBe(799);
    expect(backoffDelay(10, o, () => 0.999)).toBe(999);
    expect(backoffDelay(2, o, () => 0.5)).toBe(200);
  });
});

describe.each(['websocket', 'sse'] as const)('client over %s', (transport) => {
  it('connects, receives what it subscribed in order and nothing else', async () => {
    const stream = `trade@${transport}:BTC/USDT`.replace(`${transport}:`, '');
    const { client, statuses, got } = open({ transport });
    client.subscribe([stream]);
    await until(() => client.status === 'connected', 5000, 'connected');
    expect(statuses[0]).toBe('connecting');
    await new Promise((r) => setTimeout(r, 150)); // the subscription is in place
    for (let i = 1; i <= 20; i++) gw.bus.publish(stream, trade('BTC/USDT', 100 + i));
    gw.bus.publish('trade@ETH/USDT', trade('ETH/USDT', 5));
    await until(() => prices(got, stream).length === 20, 5000, '20 trades');
    expect(prices(got, stream)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
    expect(got.every((m) => m.stream === stream)).toBe(true);
    expect(client.position(stream)?.epoch).toBe('sdkepoch');
  });

  it('comes back after the gateway restarts, resumes from its position: recovered, no gap, none twice', async () => {
    const stream = transport === 'websocket' ? 'trade@SOL/USDT' : 'trade@ADA/USDT';
    const { client, statuses, got } = open({ transport });
    const recovered: RecoveryResult[] = [];
    client.on('recovered', (r) => recovered.push(r));
    client.subscribe([stream]);
    await until(() => client.status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 150));
    for (let i = 1; i <= 10; i++) gw.bus.publish(stream, trade('SOL/USDT', i));
    await until(() => prices(got, stream).length === 10, 5000, 'first 10');

    await gw.stop();
    await until(() => client.status === 'degraded', 5000, 'degraded');
    for (let i = 11; i <= 30; i++) gw.bus.publish(stream, trade('SOL/USDT', i)); // missed while away
    await gw.start();
    await until(() => prices(got, stream).length === 30, 10_000, 'the missed 20');
    await until(() => client.status === 'connected', 5000, 'connected again');
    for (let i = 31; i <= 35; i++) gw.bus.publish(stream, trade('SOL/USDT', i));
    await until(() => prices(got, stream).length === 35, 5000, 'live again');

    expect(prices(got, stream)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(recovered).toEqual([expect.objectContaining({ stream, recovered: true, replayed: 20 })]);
    expect(statuses).toEqual(['connecting', 'connected', 'degraded', 'connected']);
  }, 30_000);
});

describe('client', () => {
  it('marks a quiet stream stale after staleAfterMs and fresh at its next message', async () => {
    const stream = 'trade@XRP/USDT';
    const { client } = open({ staleAfterMs: 300 });
    const changes: [string, boolean][] = [];
    client.on('stale', (s, stale) => changes.push([s, stale]));
    client.subscribe([stream]);
    await until(() => client.status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 100));
    gw.bus.publish(stream, trade('XRP/USDT', 1));
    await until(() => client.isStale(stream), 3000, 'stale');
    expect(changes).toEqual([[stream, true]]);
    gw.bus.publish(stream, trade('XRP/USDT', 2));
    await until(() => !client.isStale(stream), 3000, 'fresh');
    expect(changes).toEqual([
      [stream, true],
      [stream, false],
    ]);
  });

  it('counts subscriptions: a stream stays until its last subscriber leaves', async () => {
    const stream = 'trade@DOT/USDT';
    const { client, got } = open();
    client.subscribe([stream]);
    client.subscribe([stream]);
    await until(() => client.status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 150));
    client.unsubscribe([stream]);
    await new Promise((r) => setTimeout(r, 150));
    gw.bus.publish(stream, trade('DOT/USDT', 1));
    await until(() => got.length === 1, 3000, 'still subscribed');
    client.unsubscribe([stream]);
    expect(client.streams).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    gw.bus.publish(stream, trade('DOT/USDT', 2));
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(1);
  });

  it('iterates messages of the streams it names; breaking the loop unsubscribes them', async () => {
    const stream = 'trade@LTC/USDT';
    const { client } = open();
    const prices: number[] = [];
    const loop = (async () => {
      for await (const m of client.messages([stream])) {
        if (m.data.type === 'trade') prices.push(m.data.price);
        if (prices.length === 3) break;
      }
    })();
    await until(() => client.status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 150));
    for (let i = 1; i <= 5; i++) gw.bus.publish(stream, trade('LTC/USDT', i));
    await loop;
    expect(prices).toEqual([1, 2, 3]);
    expect(client.streams).toEqual([]);
  });

  it('falls back to SSE when WebSocket cannot get through, and says so', async () => {
    // A WebSocket that a proxy blocks: it dials a port where nothing listens.
    const dead = new URL(gw.url);
    dead.port = '9';
    class BlockedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url.replace(`:${gw.port}`, `:${dead.port}`));
      }
    }
    const stream = 'trade@BNB/USDT';
    const { client, got } = open({
      WebSocket: BlockedWebSocket as unknown as WebSocketConstructor,
      sseFallbackAfter: 2,
    });
    const kinds: string[] = [];
    client.on('transport', (k) => kinds.push(k));
    client.subscribe([stream]);
    await until(() => client.status === 'connected', 8000, 'connected over SSE');
    expect(client.transportKind).toBe('sse');
    expect(kinds).toEqual(['sse']);
    await new Promise((r) => setTimeout(r, 200));
    gw.bus.publish(stream, trade('BNB/USDT', 7));
    await until(() => got.length === 1, 3000, 'a message over SSE');
  });

  it('reports error when the gateway cannot be reached, and keeps retrying', async () => {
    const client = createClient({
      url: 'http://127.0.0.1:9',
      ...TRANSPORTS,
      transport: 'websocket',
      errorAfterAttempts: 2,
      backoff: { initialMs: 20, maxMs: 40 },
    });
    clients.push(client);
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    await until(() => client.status === 'error', 5000, 'error');
    expect(errors[0].message).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:9 \(2 attempts/);
    await until(() => errors.length >= 2, 5000, 'still retrying');
  });

  it('close() leaves no timer or socket behind', async () => {
    const resources = () =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r !== 'TTYWrap')
        .sort();
    // What is open beyond `before`, kind by kind. Not an equality: a timer of an earlier test
    // that fires meanwhile leaves fewer than before, which is no leak of this client's.
    const beyond = (baseline: string[]): string[] => {
      const left = new Map<string, number>();
      for (const r of baseline) left.set(r, (left.get(r) ?? 0) + 1);
      return resources().filter((r) => {
        const n = left.get(r) ?? 0;
        left.set(r, n - 1);
        return n <= 0;
      });
    };
    const before = resources();
    const { client } = open({ staleAfterMs: 200 });
    client.subscribe(['trade@BTC/USDT']);
    await until(() => client.status === 'connected', 5000, 'connected');
    await new Promise((r) => setTimeout(r, 20));
    expect(beyond(before)).toContain('TCPSocketWrap'); // its socket (and the gateway's end)
    client.close();
    await until(() => beyond(before).length === 0, 2000, 'resources released');
    expect(client.status).toBe('closed');
    expect(beyond(before)).toEqual([]);
    // A closed client stays closed: no reconnect follows.
    await new Promise((r) => setTimeout(r, 300));
    expect(client.status).toBe('closed');
  });

  it('close() while the socket is still connecting raises nothing, late or not', async () => {
    const late: unknown[] = [];
    const catchLate = (e: unknown) => late.push(e);
    process.on('uncaughtException', catchLate);
    try {
      const { client } = open();
      client.subscribe(['trade@BTC/USDT']);
      await Promise.resolve(); // the subscription batch opens the socket; it is still connecting
      client.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(client.status).toBe('closed');
    } finally {
      process.off('uncaughtException', catchLate);
    }
    expect(late).toEqual([]);
  });

  it('reads the latest prices and the sources through fetch', async () => {
    const { client } = open();
    gw.bus.publish('trade@BTC/USDT', trade('BTC/USDT', 64_000));
    const latest = await client.latestPrices();
    expect(latest.prices).toEqual(expect.any(Array));
    // This gateway runs no ingest: the sources answer says so.
    expect(await client.sources()).toMatchObject({ running: false, sources: [] });
    const refused = createClient({ url: `${gw.url}/nothing-here`, ...TRANSPORTS });
    clients.push(refused);
    await expect(refused.health()).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/nothing-here\/api\/market-data\/health: HTTP 404/,
    );
  });

  it('names the missing constructor and the bad url', () => {
    expect(() => createClient({ url: 'localhost:3000', ...TRANSPORTS })).toThrow(
      /must be http\(s\):\/\/ or ws\(s\):\/\//,
    );
    expect(() => createClient({ url: gw.url, transport: 'sse' })).toThrow(/no EventSource here; pass one/);
  });
});
