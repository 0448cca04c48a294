/**
 * `GET /api/market-data/health`, `GET /health` and `GET /metrics` over HTTP on a real gateway on
 * loopback, with real WebSocket clients. The bus is the memory bus; a degraded networked bus is
 * played by one whose `status()` says so (Redis itself failing: the leader election tests).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BusStatus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Ticker, Trade } from '../core/types.js';
import type { Leadership } from '../scale/leadership.js';
import type { HealthReport, ShortHealth } from './health.js';
import { IngestMetrics } from './metrics.js';
import { createGateway, type Gateway, type GatewayOptions } from './server.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));
const SYMBOL = 'BTC/USDT';

/** A memory bus whose reported status the test sets (a networked bus losing its server). */
class ReportingBus extends MemoryBus {
  reported: BusStatus = { kind: 'redis', state: 'healthy', roundTripMs: 2.5 };
  override status(): BusStatus {
    return this.reported;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Env {
  bus: MemoryBus;
  gw: Gateway;
  base: string;
  ws: string;
}

async function start(opts: Partial<GatewayOptions> = {}): Promise<Env> {
  const bus = (opts.bus as MemoryBus | undefined) ?? new MemoryBus();
  const gw = createGateway({
    bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: PUBLIC_DIR,
    ...opts,
  });
  const { port } = await gw.listen();
  cleanups.push(() => bus.close());
  cleanups.push(() => gw.close());
  return { bus, gw, base: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws` };
}

function follower(): Leadership {
  return {
    instanceId: 'host-b:2:ffff',
    isLeader: () => false,
    leaderId: () => 'host-a:1:eeee',
    leaderSince: () => undefined,
    onChange: () => () => undefined,
  };
}

async function waitFor(pred: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A WebSocket client subscribed to `streams`, counting the data frames it receives. */
async function subscriber(url: string, streams: string[]): Promise<{ ws: WebSocket; frames: () => number }> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  let frames = 0;
  let acked = false;
  ws.on('message', (data) => {
    const msg = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
    if (msg.id === 1) acked = true;
    else if (typeof msg.stream === 'string') frames++;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
  await waitFor(() => acked);
  return { ws, frames: () => frames };
}

/** A client on a raw socket (so the test can stop reading), subscribed to `stream`. */
async function rawSubscriber(port: number, stream: string): Promise<Socket> {
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
  const payload = Buffer.from(JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id: 1 }));
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
  socket.write(frame);
  await waitFor(() => buf.includes('"result":null'));
  return socket;
}

function trade(id: number, symbol = SYMBOL, pad = ''): Trade {
  const now = Date.now();
  return {
    type: 'trade',
    exchange: 'binance',
    symbol,
    timestamp: now - 3,
    localTimestamp: now - 1,
    id: String(id) + pad,
    price: 60_000 + id,
    amount: 0.25,
    side: 'buy',
  };
}

function ticker(): Ticker {
  const now = Date.now();
  return {
    type: 'ticker',
    exchange: 'okx',
    symbol: 'ETH/USDT',
    timestamp: now - 2,
    localTimestamp: now - 1,
    last: 3000,
    bid: 2999,
    ask: 3001,
    bidSize: 1,
    askSize: 1,
    volume24h: 10,
    change24hPct: 0,
  };
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return { status: res.status, body: (await res.json()) as T };
}

/** Prometheus text → sample line (name and labels) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

describe('GET /api/market-data/health over HTTP', () => {
  it('counts live clients and their pairs, and recommends scaling up from 80 % of capacity', async () => {
    const env = await start({ pricePairs: [SYMBOL], limits: { maxConnections: 2 } });
    env.bus.publish(`trade@${SYMBOL}`, trade(1));
    await subscriber(env.ws, [`trade@${SYMBOL}`, 'book@binance:ETH/USDT']);

    const one = await getJson<HealthReport>(`${env.base}/api/market-data/health`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      status: 'degraded',
      isLeader: true,
      websocket: { state: 'not_running', isLeader: true, uptime: 0, consecutiveErrors: 0 },
      broadcasting: { activeSubscriptions: 2, subscribedPairs: ['BTC/USDT', 'ETH/USDT'], connections: 1 },
      scaling: { connections: 1, maxConnections: 2, capacityPercentage: 50, recommendation: 'ok' },
      bus: { kind: 'memory', state: 'healthy' },
      fallback: { [SYMBOL]: 'live' },
    });
    expect(one.body.alerts.map((a) => a.code)).toEqual(['no_ingest']);
    expect(typeof one.body.instanceId).toBe('string');

    await subscriber(env.ws, [`trade@${SYMBOL}`]);
    const two = await getJson<HealthReport>(`${env.base}/api/market-data/health`);
    expect(two.status).toBe(200);
    expect(two.body.scaling).toMatchObject({ capacityPercentage: 100, recommendation: 'scale_up' });
    expect(two.body.alerts.map((a) => a.code)).toEqual(['no_ingest', 'capacity_high']);
  });

  it('is 503 while unhealthy (no price at all) and 200 again once prices flow', async () => {
    const env = await start({ pricePairs: [SYMBOL] });
    const down = await getJson<HealthReport>(`${env.base}/api/market-data/health`);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unhealthy');
    expect(down.body.alerts).toContainEqual(expect.objectContaining({ code: 'price_stale', symbol: SYMBOL }));
    const short = await getJson<ShortHealth>(`${env.base}/health`);
    expect(short).toEqual({
      status: 503,
      body: {
        status: 'unhealthy',
        websocket_connected: false,
        subscribed_symbols: 0,
        reconnect_attempts: 0,
        last_message_time: null,
      },
    });

    const t = trade(2);
    env.bus.publish(`trade@${SYMBOL}`, t);
    const up = await getJson<ShortHealth>(`${env.base}/health`);
    expect(up.status).toBe(200);
    expect(up.body.status).toBe('degraded');
    expect(up.body.last_message_time).toBe(t.localTimestamp);
  });

  it('a follower serving from a bus that degrades: healthy, then degraded with the bus alert, still 200', async () => {
    const bus = new ReportingBus();
    const env = await start({ bus, pricePairs: [SYMBOL], leadership: follower() });
    env.bus.publish(`trade@${SYMBOL}`, trade(3));
    const ok = await getJson<HealthReport>(`${env.base}/api/market-data/health`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      status: 'healthy',
      isLeader: false,
      instanceId: 'host-b:2:ffff',
      leaderId: 'host-a:1:eeee',
      websocket: { state: 'standby', isLeader: false },
      alerts: [],
    });
    expect((await getJson<ShortHealth>(`${env.base}/health`)).body).toMatchObject({
      status: 'healthy',
      websocket_connected: true,
    });

    bus.reported = { kind: 'redis', state: 'degraded', reason: 'connection is closed' };
    const cut = await getJson<HealthReport>(`${env.base}/api/market-data/health`);
    expect(cut.status).toBe(200);
    expect(cut.body.status).toBe('degraded');
    expect(cut.body.bus).toEqual({ kind: 'redis', state: 'degraded', reason: 'connection is closed' });
    expect(cut.body.alerts.map((a) => a.code)).toEqual(['bus_unhealthy']);
    const short = await getJson<ShortHealth>(`${env.base}/health`);
    expect(short.status).toBe(200);
    expect(short.body).toMatchObject({ status: 'degraded', websocket_connected: false });
  });
});

describe('GET /metrics over HTTP', () => {
  it('reports connections, subscriptions, traffic by type, queues, latency stages, leader and bus after real traffic', async () => {
    const ingest = new IngestMetrics({ processMetrics: false });
    const env = await start({ metrics: ingest });
    const client = await subscriber(env.ws, [`trade@${SYMBOL}`, 'ticker@ETH/USDT']);
    const N = 64;
    for (let i = 0; i < N; i++) env.bus.publish(`trade@${SYMBOL}`, trade(i));
    env.bus.publish('ticker@ETH/USDT', ticker(), { latestTtlMs: 60_000 });
    await waitFor(() => client.frames() === N + 1);

    const res = await fetch(`${env.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(ingest.contentType);
    const text = await res.text();
    const m = samples(text);
    expect(m.get('tickstream_gateway_connections')).toBe(1);
    expect(m.get('tickstream_gateway_subscriptions')).toBe(2);
    expect(m.get('tickstream_gateway_messages_sent_total{type="trade"}')).toBe(N);
    expect(m.get('tickstream_gateway_messages_sent_total{type="ticker"}')).toBe(1);
    expect(m.get('tickstream_gateway_bytes_sent_total{type="trade"}')).toBeGreaterThan(N * 100);
    expect(m.get('tickstream_gateway_send_queue_bytes')).toBeGreaterThanOrEqual(0);
    expect(m.get('tickstream_gateway_send_queue_max_bytes')).toBeGreaterThanOrEqual(0);
    expect(m.get('tickstream_gateway_slow_consumers_dropped_total')).toBe(0);
    expect(m.get('tickstream_gateway_bus_messages_total')).toBe(N + 1);
    expect(m.get('tickstream_gateway_leader')).toBe(1);
    expect(m.get('tickstream_gateway_bus_healthy{kind="memory"}')).toBe(1);
    // One message in 16 is sampled: 65 messages → 4 samples for the first two stages.
    expect(m.get('tickstream_gateway_stage_latency_seconds_count{stage="exchange_to_receipt"}')).toBe(4);
    expect(m.get('tickstream_gateway_stage_latency_seconds_count{stage="receipt_to_bus"}')).toBe(4);
    expect(
      m.get('tickstream_gateway_stage_latency_seconds_count{stage="bus_to_flush"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/^tickstream_gateway_bus_round_trip_seconds/m);
    // The ingest figures are kept beside the gateway's.
    expect(text).toMatch(/# TYPE tickstream_ingest_lag_seconds histogram/);
  });

  it('shows a client that stops reading as send-queue depth, then as a slow-consumer drop', async () => {
    const env = await start({ limits: { maxBufferedBytes: 256 * 1024, closeTimeoutMs: 100 } });
    const port = Number(new URL(env.base).port);
    const slow = await rawSubscriber(port, `trade@${SYMBOL}`);
    slow.pause();
    const pad = 'x'.repeat(16 * 1024);
    let deepest = 0;
    let dropped = 0;
    for (let published = 0; dropped === 0; published++) {
      if (published >= 3000) throw new Error('the slow consumer was never dropped');
      env.bus.publish(`trade@${SYMBOL}`, trade(published, SYMBOL, pad));
      await new Promise((r) => setTimeout(r, 1));
      const m = samples(await (await fetch(`${env.base}/metrics`)).text());
      deepest = Math.max(deepest, m.get('tickstream_gateway_send_queue_max_bytes') ?? 0);
      dropped = m.get('tickstream_gateway_slow_consumers_dropped_total') ?? 0;
    }
    expect(dropped).toBe(1);
    expect(deepest).toBeGreaterThan(0);
    await waitFor(() => env.gw.stats().connections === 0);
    const m = samples(await (await fetch(`${env.base}/metrics`)).text());
    expect(m.get('tickstream_gateway_send_queue_bytes')).toBe(0);
    expect(m.get('tickstream_gateway_connections')).toBe(0);
  });

  it('a follower reports leader 0, its bus round trip and a degraded bus', async () => {
    const bus = new ReportingBus();
    const env = await start({ bus, leadership: follower() });
    const before = samples(await (await fetch(`${env.base}/metrics`)).text());
    expect(before.get('tickstream_gateway_leader')).toBe(0);
    expect(before.get('tickstream_gateway_bus_healthy{kind="redis"}')).toBe(1);
    expect(before.get('tickstream_gateway_bus_round_trip_seconds{kind="redis"}')).toBeCloseTo(0.0025, 6);
    bus.reported = { kind: 'redis', state: 'degraded', reason: 'connection is closed' };
    const text = await (await fetch(`${env.base}/metrics`)).text();
    expect(samples(text).get('tickstream_gateway_bus_healthy{kind="redis"}')).toBe(0);
    expect(text).not.toMatch(/^tickstream_gateway_bus_round_trip_seconds/m);
  });
});
