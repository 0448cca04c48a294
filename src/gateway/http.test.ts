import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { pairFromPath } from './http.js';
import { IngestMetrics } from './metrics.js';
import { createGateway, type Gateway } from './server.js';

let root: string;
let publicDir: string;
let bus: MemoryBus;
let gw: Gateway;
let base: string;
let port: number;

function trade(symbol: string, price: number, exchange: Trade['exchange'] = 'binance'): Trade {
  return {
    type: 'trade',
    exchange,
    symbol,
    timestamp: 1_700_000_000_000,
    localTimestamp: 1_700_000_000_001,
    id: '1',
    price,
    amount: 1,
    side: 'buy',
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-http-'));
  publicDir = join(root, 'public');
  await mkdir(join(publicDir, 'sub'), { recursive: true });
  await writeFile(join(publicDir, 'index.html'), '<!doctype html><title>dash</title>');
  await writeFile(join(publicDir, 'app.js'), 'console.log(1);');
  await writeFile(join(publicDir, 'style.css'), 'body{}');
  await writeFile(join(publicDir, 'sub', 'index.html'), 'sub');
  await writeFile(join(root, 'secret.txt'), 'do not serve');
  bus = new MemoryBus();
  gw = createGateway({
    bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir,
    pricePairs: ['BTC/USDT', 'eth/usdt'],
  });
  port = (await gw.listen()).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await gw.close();
  await bus.close();
  await rm(root, { recursive: true, force: true });
});

/** GET with the path sent verbatim (fetch would normalize `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway HTTP', () => {
  it('keeps the price cache warm from ticker@ and trade@ of pricePairs', async () => {
    expect(gw.demandedTopics().sort()).toEqual([
      'ticker@BTC/USDT',
      'ticker@ETH/USDT',
      'trade@BTC/USDT',
      'trade@ETH/USDT',
    ]);
    const empty = await fetch(`${base}/api/prices`);
    expect(await empty.json()).toEqual({ prices: [], venues: {} });

    bus.publish('trade@BTC/USDT', trade('BTC/USDT', 60_000));
    bus.publish('trade@ETH/USDT', trade('ETH/USDT', 2500, 'kraken'));
    bus.publish('trade@SOL/USDT', trade('SOL/USDT', 150));
    const res = await fetch(`${base}/api/prices`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      prices: [
        { pair: 'BTC/USDT', price: 60_000, timestamp: 1_700_000_000_000, source: 'binance' },
        { pair: 'ETH/USDT', price: 2500, timestamp: 1_700_000_000_000, source: 'kraken' },
      ],
      venues: {},
    });
    expect(gw.stats().pricePairs).toBe(2);
  });

  it('lists the venues carrying each ingested pair, primary first', async () => {
    const withSources = createGateway({
      bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir,
      sources: {
        exchanges: ['binance', 'kraken', 'okx'],
        symbols: ['BTC/USDT', 'BTC/USD'],
        symbolsOf: new Map([
          ['binance', ['BTC/USDT']],
          ['kraken', ['BTC/USD']],
          ['okx', ['BTC/USDT']],
        ]),
      },
    });
    try {
      const { port: p } = await withSources.listen();
      const body = (await (await fetch(`http://127.0.0.1:${p}/api/prices`)).json()) as { venues: unknown };
      expect(body.venues).toEqual({ 'BTC/USDT': ['binance', 'okx'], 'BTC/USD': ['kraken'] });
    } finally {
      await withSources.close();
    }
  });

  it('serves one pair written as BTC-USDT, BTC_USDT or BTC%2FUSDT', async () => {
    for (const p of ['BTC-USDT', 'btc_usdt', 'BTC%2FUSDT']) {
      const res = await fetch(`${base}/api/prices/${p}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ pair: 'BTC/USDT', price: 60_000, source: 'binance' });
    }
  });

  it('answers an unknown pair with 404 naming it and listing known pairs', async () => {
    const res = await fetch(`${base}/api/prices/XRP-USDT`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as {
      error: { code: string; msg: string };
      pair: string;
      knownPairs: string[];
    };
    expect(body.pair).toBe('XRP/USDT');
    expect(body.knownPairs).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(body.error.code).toBe('unknown_pair');
    expect(body.error.msg).toMatch(/no price for pair 'XRP\/USDT'; known pairs: BTC\/USDT, ETH\/USDT/);
    const garbage = await fetch(`${base}/api/prices/%E0%A4%A`);
    expect(garbage.status).toBe(404);
    expect((await fetch(`${base}/api/nope`)).status).toBe(404);
  });

  it('serves static files with content types, / as index.html, 404 otherwise', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>dash</title>');
    const js = await fetch(`${base}/app.js?v=1`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1);');
    expect((await fetch(`${base}/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await fetch(`${base}/sub`)).text()).toBe('sub');
    expect((await fetch(`${base}/missing.js`)).status).toBe(404);
    const head = await fetch(`${base}/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('15');
    const post = await fetch(`${base}/api/prices`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses path traversal', async () => {
    for (const p of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/sub/..%2F..%2Fsecret.txt',
      '/%2e%2e/secret.txt',
    ]) {
      const res = await rawGet(p);
      expect(res.status, p).toBe(403);
      expect(res.body).not.toContain('do not serve');
    }
    expect((await rawGet('/app.js%00.html')).status).toBe(400);
    expect((await rawGet('/..\\secret.txt')).status).toBe(400);
    expect((await rawGet('/sub/../app.js')).status).toBe(200);
  });
});

describe('pairFromPath', () => {
  it('maps the accepted spellings to canonical pairs', () => {
    expect(pairFromPath('BTC-USDT')).toBe('BTC/USDT');
    expect(pairFromPath('eth_btc')).toBe('ETH/BTC');
    expect(pairFromPath('BTC%2Fusdt')).toBe('BTC/USDT');
    expect(pairFromPath('AAPL')).toBe('AAPL');
    expect(pairFromPath('%')).toBeUndefined();
    expect(pairFromPath('A-B-C')).toBeUndefined();
  });
});

describe('GET /metrics', () => {
  it('serves the gateway figures alone on a gateway given no ingest metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/# TYPE tickstream_gateway_connections gauge/);
    expect(text).not.toMatch(/tickstream_ingest_/);
  });

  it('serves the ingest metrics as Prometheus text; a failing collection is a 500 naming the log', async () => {
    const metrics = new IngestMetrics({ processMetrics: false });
    let fail = false;
    const source = {
      contentType: metrics.contentType,
      text: () => (fail ? Promise.reject(new Error('collect failed')) : metrics.text()),
    };
    const served = createGateway({
      bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir,
      metrics: source,
    });
    const at = `http://127.0.0.1:${(await served.listen()).port}/metrics`;
    try {
      const ok = await fetch(at);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe(metrics.contentType);
      expect(await ok.text()).toMatch(/# TYPE tickstream_ingest_lag_seconds histogram/);
      fail = true;
      const bad = await fetch(at);
      expect(bad.status).toBe(500);
      expect(await bad.text()).toMatch(/see the gateway log/);
    } finally {
      await served.close();
    }
  });
});
