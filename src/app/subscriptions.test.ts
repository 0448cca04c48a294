import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { loadConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { createGateway, type Gateway } from '../gateway/server.js';
import type { StreamDemandListener } from '../ingest/subscriptions/demand.js';
import { until } from '../test-support/until.js';
import { gatewayListing, linkDemand, spellingCatalog, subscriptionSources } from './subscriptions.js';
import { catalogOf } from '../ingest/subscriptions/wants.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

describe('subscriptionSources', () => {
  it('is empty by default: static symbols only, as before', () => {
    expect(subscriptionSources(configSchema.parse({}))).toEqual({});
  });

  it('turns on demand and positions from their keys', () => {
    const config = configSchema.parse({
      demandSubscriptions: true,
      demandGraceMs: 5000,
      positionsUrl: 'http://127.0.0.1:8080/positions',
      positionsPath: 'data[*].instrument',
      positionsAuthHeader: 'X-Api-Key',
      positionsAuthValue: 'k3y',
    });
    const sources = subscriptionSources(config);
    expect(sources.demand).toEqual({ graceMs: 5000 });
    expect(sources.positions).toEqual({
      url: 'http://127.0.0.1:8080/positions',
      intervalMs: 300_000,
      path: [{ kind: 'field', name: 'data' }, { kind: 'each' }, { kind: 'field', name: 'instrument' }],
      timeoutMs: 10_000,
      authHeader: { name: 'X-Api-Key', value: 'k3y' },
    });
  });

  it('refuses a bad path, URL or header name before anything starts, and never repeats the auth value', async () => {
    const bad = async (env: Record<string, string>, file?: string): Promise<string> => {
      try {
        await loadConfig({ env, file });
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
      }
      throw new Error('expected a ConfigError');
    };
    expect(await bad({ TICKSTREAM_POSITIONS_PATH: 'positions[x]' })).toContain(
      `"positionsPath" (from environment variable TICKSTREAM_POSITIONS_PATH) JSON path 'positions[x]' is not valid at '[x]'`,
    );
    expect(await bad({ TICKSTREAM_POSITIONS_URL: 'ftp://x' })).toContain('must be an http(s):// URL');
    expect(await bad({ TICKSTREAM_POSITIONS_AUTH_HEADER: 'Bad Header' })).toContain(
      'must be an HTTP header name',
    );
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-positions-'));
    try {
      const file = join(dir, 'tickstream.json');
      await writeFile(file, JSON.stringify({ positionsAuthValue: 12345678 }));
      const secret = await bad({}, file);
      expect(secret).toContain('"positionsAuthValue"');
      expect(secret).toContain('(value not shown)');
      expect(secret).not.toContain('12345678');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('spellingCatalog', () => {
  it('lists a symbol on each exchange that carries it or can spell it, in priority order', () => {
    const catalog = spellingCatalog(
      new Map<Exchange, string[]>([
        ['kraken', ['BTC/USD']],
        ['okx', ['BTC/USDT']],
        ['alpaca', ['AAPL']],
      ]),
    );
    expect(catalog.listedOn('SOL/USDT')).toEqual(['okx']); // Kraken knows its own pairs only
    expect(catalog.listedOn('BTC/USD')).toEqual(['kraken', 'okx']);
    expect(catalog.listedOn('MSFT')).toEqual(['alpaca']);
  });
});

describe('gatewayListing', () => {
  const catalog = catalogOf(new Map<Exchange, string[]>([['binance', ['BTC/USDT', 'SOL/USDT']]]));
  const manager = { exchangesOf: (s: string): Exchange[] => (s === 'ETH/USDT' ? ['binance'] : []) };

  it('with demand, accepts whatever an exchange lists', () => {
    const listedOn = gatewayListing({ demandSubscriptions: true }, catalog, () => manager)!;
    expect(listedOn('SOL/USDT')).toEqual(['binance']);
    expect(listedOn('ETH/USDT')).toEqual([]);
  });

  it('with positions only, accepts what is subscribed right now (none before ingest starts)', () => {
    const config = { demandSubscriptions: false, positionsUrl: 'http://127.0.0.1:1/p' };
    expect(gatewayListing(config, catalog, () => undefined)!('ETH/USDT')).toEqual([]);
    const listedOn = gatewayListing(config, catalog, () => manager)!;
    expect(listedOn('ETH/USDT')).toEqual(['binance']);
    expect(listedOn('SOL/USDT')).toEqual([]);
  });

  it('with neither, leaves the gateway to the static symbols', () => {
    expect(gatewayListing({ demandSubscriptions: false }, catalog, () => manager)).toBeUndefined();
  });
});

describe('linkDemand', () => {
  let bus: MemoryBus;
  let gateway: Gateway;
  let port: number;

  beforeAll(async () => {
    bus = new MemoryBus();
    gateway = createGateway({
      bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir: PUBLIC_DIR,
      pricePairs: ['BTC/USDT'],
    });
    ({ port } = await gateway.listen());
  });

  afterAll(async () => {
    await gateway.close();
    await bus.close();
  });

  it('reports what the gateway already wants, then each stream that gains or loses its subscribers', async () => {
    const calls: string[] = [];
    const listener: StreamDemandListener = {
      demanded: (symbol, exchange) => calls.push(`+${exchange ?? '*'}|${symbol}`),
      released: (symbol, exchange) => calls.push(`-${exchange ?? '*'}|${symbol}`),
    };
    const unlink = linkDemand(gateway, listener);
    // The price cache's ticker@ and trade@ watchers.
    expect(calls).toEqual(['+*|BTC/USDT', '+*|BTC/USDT']);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['book@okx:ETH/USDT', 'trade@ETH/USDT'], id: 1 }));
    await until(() => calls.length === 4, 5000, 'two demanded streams');
    expect(calls.slice(2)).toEqual(['+okx|ETH/USDT', '+*|ETH/USDT']);
    ws.close();
    await until(() => calls.length === 6, 5000, 'two released streams');
    expect(calls.slice(4).sort()).toEqual(['-*|ETH/USDT', '-okx|ETH/USDT']);
    unlink();
  });
});
