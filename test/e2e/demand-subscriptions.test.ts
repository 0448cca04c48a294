/**
 * Demand-driven subscriptions end to end, in one process as `tickstream start` composes them:
 * replay hub (Binance, BTC/USDT and ETH/USDT) + ingest whose static list is BTC/USDT only +
 * gateway with `demandSubscriptions` on. A gateway client asking for ETH/USDT makes ingest
 * subscribe it on the hub and its trades arrive; once the client leaves, the feed drops it a
 * grace period later and keeps BTC/USDT.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBus } from '../../src/app/bus.js';
import { startGatewayStack, type GatewayStack } from '../../src/app/gateway-stack.js';
import { startIngest, type IngestStack } from '../../src/app/ingest-stack.js';
import { startReplayFromConfig, type ReplayStack } from '../../src/app/replay-stack.js';
import { gatewayListing, linkDemand, subscriptionSources } from '../../src/app/subscriptions.js';
import type { Bus } from '../../src/bus/bus.js';
import { configSchema } from '../../src/config/schema.js';
import type { Exchange, Trade } from '../../src/core/types.js';
import { generateBinanceDataset } from '../../src/exchanges/binance/generate.js';
import type { Feed } from '../../src/ingest/feed.js';
import { catalogOf } from '../../src/ingest/subscriptions/wants.js';
import { captureLogs } from '../../src/test-support/log-capture.js';
import { until } from '../../src/test-support/until.js';

const GRACE_MS = 1500;

let root: string;
let bus: Bus;
let replay: ReplayStack;
let gateway: GatewayStack;
let ingest: IngestStack;
let unlink: () => void;
const sockets: WebSocket[] = [];

interface Client {
  readonly ws: WebSocket;
  readonly replies: Array<{ id?: unknown; result?: unknown; error?: { code: number; msg: string } }>;
  readonly data: Array<{ stream: string; data: unknown }>;
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/ws`);
  sockets.push(ws);
  const client: Client = { ws, replies: [], data: [] };
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { stream?: string; data?: unknown; id?: unknown };
    if (frame.stream !== undefined) client.data.push({ stream: frame.stream, data: frame.data });
    else client.replies.push(frame as Client['replies'][number]);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return client;
}

async function request(
  c: Client,
  method: string,
  params: string[],
  id: number,
): Promise<Client['replies'][number]> {
  c.ws.send(JSON.stringify({ method, params, id }));
  await until(() => c.replies.some((r) => r.id === id), 5000, `reply ${id}`);
  return c.replies.find((r) => r.id === id)!;
}

const binance = (): Feed => ingest.feeds.get('binance')!;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-demand-'));
  await generateBinanceDataset({
    root,
    seed: 'demand',
    startMs: Date.UTC(2020, 0, 6, 12),
    minutes: 3,
    symbols: ['BTCUSDT', 'ETHUSDT'],
  });
  const config = configSchema.parse({
    data: root,
    state: join(root, 'state'),
    exchanges: ['binance'],
    gatewayPort: 0,
    hubPort: 0,
    speed: 10,
    loop: true,
    publisherProcesses: false,
    demandSubscriptions: true,
    demandGraceMs: GRACE_MS,
  });
  const { logger } = captureLogs('info');
  bus = createBus(config);
  replay = await startReplayFromConfig(config, logger);
  const catalog = catalogOf(replay.canonicalSymbols);
  const symbols = new Map<Exchange, string[]>([['binance', ['BTC/USDT']]]);
  const listedOn = gatewayListing(config, catalog, () => ingest?.subscriptions.manager);
  gateway = await startGatewayStack({ bus, config, symbols, listedOn, logger });
  ingest = startIngest({
    bus,
    symbols,
    upstream: `http://127.0.0.1:${replay.port}`,
    bookDepth: 20,
    logger,
    config,
    catalog,
    subscriptions: subscriptionSources(config),
  });
  unlink = linkDemand(gateway.gateway, ingest.subscriptions.demand!);
  await until(() => binance().stats().state === 'connected', 10_000, 'ingest connected to the hub');
}, 60_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  unlink?.();
  await ingest?.close();
  await gateway?.close();
  await replay?.close();
  await bus?.close();
  await rm(root, { recursive: true, force: true });
});

describe('demand-driven subscriptions (hub + ingest + gateway)', () => {
  it('refuses a stream no ingested exchange lists, naming the symbol', async () => {
    const c = await connect();
    const reply = await request(c, 'SUBSCRIBE', ['trade@SOL/USDT'], 1);
    expect(reply.error?.code).toBe(3);
    expect(reply.error?.msg).toContain('SOL/USDT is not listed on any of binance');
    expect(binance().stats().subscriptions).toEqual(['BTC/USDT']);
    c.ws.close();
  });

  it('subscribes a symbol outside the static list when a client asks, and releases it a grace period after the client leaves', async () => {
    expect(binance().stats().subscriptions).toEqual(['BTC/USDT']);
    let releasedAt: number | undefined;
    const stopWatching = gateway.gateway.onDemandChange((topic, demanded) => {
      if (topic === 'trade@ETH/USDT' && !demanded) releasedAt = Date.now();
    });
    const c = await connect();
    expect(await request(c, 'SUBSCRIBE', ['trade@ETH/USDT'], 2)).toEqual({ result: null, id: 2 });
    expect([...binance().stats().subscriptions].sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    await until(() => c.data.length >= 3, 15_000, 'ETH/USDT trades at the gateway client');
    for (const { stream, data } of c.data) {
      expect(stream).toBe('trade@ETH/USDT');
      expect(data).toMatchObject({
        type: 'trade',
        exchange: 'binance',
        symbol: 'ETH/USDT',
      } satisfies Partial<Trade>);
    }

    c.ws.close();
    await until(() => releasedAt !== undefined, 5000, 'the gateway to release trade@ETH/USDT');
    await until(
      () => !binance().stats().subscriptions.includes('ETH/USDT'),
      GRACE_MS + 10_000,
      'the feed to drop ETH/USDT',
    );
    const droppedAfter = Date.now() - releasedAt!;
    stopWatching();
    // Never before the grace period (timers do not fire early; 20 ms for clock granularity).
    expect(droppedAfter).toBeGreaterThanOrEqual(GRACE_MS - 20);
    expect(binance().stats().subscriptions).toEqual(['BTC/USDT']);
    // The gateway's price cache watches BTC/USDT's ticker and trades: demand too, beside static.
    expect(ingest.subscriptions.manager.sourcesOf('binance', 'BTC/USDT').sort()).toEqual([
      'demand',
      'static',
    ]);
    expect(ingest.subscriptions.manager.sourcesOf('binance', 'ETH/USDT')).toEqual([]);
  });
});
