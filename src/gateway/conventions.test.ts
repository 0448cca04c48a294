import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { BookChange, Ticker, Trade } from '../core/types.js';
import { until } from '../test-support/until.js';
import { compactJson } from './compact.js';
import { createGateway, type Gateway } from './server.js';

/**
 * The conventions of the services the gateway replaces, on a real gateway (loopback, memory bus):
 * `depth@` beside `book_change@`, market spellings, frames under the client's name and
 * `?format=compact`.
 */

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

type Frame = Record<string, unknown>;

class Client {
  readonly frames: Frame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame));
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  async request(method: string, params: string[] | undefined, id: number): Promise<Frame> {
    this.ws.send(JSON.stringify(params === undefined ? { method, id } : { method, params, id }));
    let reply: Frame | undefined;
    await until(() => (reply = this.frames.find((f) => f.id === id)) !== undefined, 2000, `reply ${id}`);
    return reply as Frame;
  }

  data(stream: string): unknown[] {
    return this.frames.filter((f) => f.stream === stream).map((f) => f.data);
  }

  streams(): unknown[] {
    return this.frames.filter((f) => f.stream !== undefined).map((f) => f.stream);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.terminate();
    await closed;
  }
}

const trade = (id: number, side: Trade['side'] = 'sell'): Trade => ({
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: 1_700_000_000_000 + id,
  localTimestamp: 1_700_000_000_001 + id,
  id: String(id),
  price: 60_000.5 + id,
  amount: 0.125,
  side,
});

const change = (seq: number): BookChange => ({
  type: 'book_change',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timestamp: 1_700_000_000_000 + seq,
  localTimestamp: 1_700_000_000_001 + seq,
  bids: [[60_000, 1.5]],
  asks: [
    [60_001, 0],
    [60_002, 0.25],
  ],
  sequence: seq,
  isSnapshot: false,
});

const ticker: Ticker = {
  type: 'ticker',
  exchange: 'okx',
  symbol: 'BTC/USDT',
  timestamp: 1_700_000_000_000,
  localTimestamp: 1_700_000_000_001,
  last: 60_010,
  bid: 60_009,
  ask: 60_011,
  bidSize: 2,
  askSize: 3,
  volume24h: 1000,
  change24hPct: 1.5,
};

/** Status line and body of a refused upgrade. */
function refusal(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error(`upgrade to ${url} was accepted`)));
    ws.once('error', () => undefined);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

describe('gateway conventions: depth@, market spellings, ?format=compact', () => {
  const bus = new MemoryBus();
  let gw: Gateway;
  let base: string;
  const clients: Client[] = [];
  const open = async (query = ''): Promise<Client> => {
    const c = await Client.open(`ws://${base}/ws${query}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = createGateway({
      bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir: PUBLIC_DIR,
      pricePairs: ['SOL/USDT'],
    });
    const { port } = await gw.listen();
    base = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await gw.close();
    await bus.close();
  });

  it('serves depth@, book_change@ and compact clients of one topic from one bus subscription, each under its own name', async () => {
    const full = await open();
    const depth = await open();
    const compactA = await open('?format=compact');
    const compactB = await open('?format=COMPACT');
    expect(await full.request('SUBSCRIBE', ['book_change@BTC/USDT', 'trade@BTC/USDT'], 1)).toEqual({
      result: null,
      id: 1,
    });
    expect(await depth.request('SUBSCRIBE', ['depth@btc-usdt'], 1)).toEqual({ result: null, id: 1 });
    for (const c of [compactA, compactB]) {
      expect(await c.request('SUBSCRIBE', ['depth@BTC_USDT', 'trade@btc-usdt'], 1)).toEqual({
        result: null,
        id: 1,
      });
    }
    const btc = (topics: string[]): string[] => topics.filter((t) => t.includes('BTC')).sort();
    expect(btc(gw.demandedTopics())).toEqual(['book_change@BTC/USDT', 'trade@BTC/USDT']);
    expect(btc(bus.activeTopics())).toEqual(['book_change@BTC/USDT', 'trade@BTC/USDT']);

    const before = gw.stats();
    bus.publish('book_change@BTC/USDT', change(1));
    bus.publish('trade@BTC/USDT', trade(7));
    bus.publish('book_change@BTC/USDT', change(2));
    await until(
      () => [full, depth, compactA, compactB].every((c) => c.streams().length >= (c === depth ? 2 : 3)),
      2000,
      'every client to get its frames',
    );
    const after = gw.stats();
    expect(after.busMessages - before.busMessages).toBe(3);
    // The three publishes leave in one flush: one batch per (name, format) channel however many
    // clients share it — book_change@BTC/USDT, depth@btc-usdt, depth@BTC_USDT and trade@btc-usdt
    // (compact, shared by two clients), trade@BTC/USDT.
    expect(after.batchesFramed - before.batchesFramed).toBe(5);
    expect(after.deliveries - before.deliveries).toBe(3 + 2 + 3 + 3);

    expect(full.data('book_change@BTC/USDT')).toEqual([change(1), change(2)]);
    expect(full.data('trade@BTC/USDT')).toEqual([trade(7)]);
    expect(depth.streams()).toEqual(['depth@btc-usdt', 'depth@btc-usdt']);
    expect(depth.data('depth@btc-usdt')).toEqual([change(1), change(2)]);
    for (const c of [compactA, compactB]) {
      // Order is kept per stream (a flush writes channel by channel), not across streams.
      expect(c.streams().sort()).toEqual(['depth@BTC_USDT', 'depth@BTC_USDT', 'trade@btc-usdt']);
      expect(c.data('depth@BTC_USDT')).toEqual([
        {
          e: 'depth',
          a: [
            [60_001, 0],
            [60_002, 0.25],
          ],
          b: [[60_000, 1.5]],
        },
        {
          e: 'depth',
          a: [
            [60_001, 0],
            [60_002, 0.25],
          ],
          b: [[60_000, 1.5]],
        },
      ]);
      expect(c.data('trade@btc-usdt')).toEqual([
        { e: 'trade', t: 7, m: true, p: 60_007.5, q: 0.125, s: 'BTC/USDT' },
      ]);
    }
  });

  it('lists subscriptions as the client spelled them; UNSUBSCRIBE takes any spelling of the same stream', async () => {
    const c = await open();
    await c.request(
      'SUBSCRIBE',
      ['depth@eth_usdt', 'book_change@ETH-USDT', 'trade@Eth/Usdt', 'DEPTH@ETH/USDT'],
      1,
    );
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 2)).toEqual({
      result: ['depth@eth_usdt', 'book_change@ETH-USDT', 'trade@Eth/Usdt'],
      id: 2,
    });
    expect(gw.demandedTopics()).toContain('book_change@ETH/USDT');
    bus.publish('book_change@ETH/USDT', { ...change(3), symbol: 'ETH/USDT' });
    await until(() => c.streams().length === 2, 2000, 'both names of the diffs');
    expect(c.streams().sort()).toEqual(['book_change@ETH-USDT', 'depth@eth_usdt']);

    expect(await c.request('UNSUBSCRIBE', ['depth@ETH-USDT', 'trade@eth_usdt'], 3)).toEqual({
      result: null,
      id: 3,
    });
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 4)).toEqual({
      result: ['book_change@ETH-USDT'],
      id: 4,
    });
    expect(gw.demandedTopics()).not.toContain('trade@ETH/USDT');
    expect(gw.demandedTopics()).toContain('book_change@ETH/USDT');
    await c.request('UNSUBSCRIBE', ['book_change@eth/usdt'], 5);
    expect(gw.demandedTopics()).not.toContain('book_change@ETH/USDT');
    expect(bus.activeTopics()).not.toContain('book_change@ETH/USDT');
  });

  it('sends a compact client the latest value of a stateful stream in the compact shape', async () => {
    bus.publish('ticker@BTC/USDT', ticker, { latestTtlMs: 60_000 });
    const compact = await open('?format=compact');
    const full = await open('?format=json');
    await compact.request('SUBSCRIBE', ['ticker@btc-usdt'], 1);
    await full.request('SUBSCRIBE', ['ticker@BTC_USDT'], 1);
    await until(() => compact.streams().length === 1 && full.streams().length === 1, 2000, 'latest tickers');
    expect(compact.data('ticker@btc-usdt')).toEqual([
      { e: 'ticker', c: 60_010, b: 60_009, a: 60_011, s: 'BTC/USDT' },
    ]);
    expect(full.data('ticker@BTC_USDT')).toEqual([ticker]);
    bus.publish('ticker@BTC/USDT', { ...ticker, last: 60_020 }, { latestTtlMs: 60_000 });
    await until(() => compact.streams().length === 2, 2000, 'the live ticker');
    expect(compact.data('ticker@btc-usdt')[1]).toEqual(JSON.parse(compactJson({ ...ticker, last: 60_020 })));

    await compact.close();
    await until(() => gw.stats().connections === clients.length - 1, 2000, 'the compact close');
    bus.publish('ticker@BTC/USDT', { ...ticker, last: 60_030 }, { latestTtlMs: 60_000 });
    await until(() => full.streams().length === 3, 2000, 'the json client alone');
    expect(gw.demandedTopics()).toContain('ticker@BTC/USDT');
    await full.close();
    await until(() => !gw.demandedTopics().includes('ticker@BTC/USDT'), 2000, 'the topic released');
  });

  it('refuses an unknown or repeated format with 400 and a JSON reason; the connection count is untouched', async () => {
    const connections = gw.stats().connections;
    const bad = await refusal(`ws://${base}/ws?format=binary`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      error: {
        code: 'bad_request',
        msg: "unknown format 'binary': use ?format=compact for the short shapes or leave format out (json)",
      },
    });
    const twice = await refusal(`ws://${base}/ws?format=compact&format=compact`);
    expect(twice.status).toBe(400);
    expect(twice.body).toMatch(/format is given 2 times/);
    expect(gw.stats().connections).toBe(connections);
  });

  it('refuses a misspelled market or type with an error naming it, and keeps the connection', async () => {
    const c = await open();
    const reply = await c.request('SUBSCRIBE', ['depth@BTC--USDT'], 9);
    expect(reply.id).toBe(9);
    expect((reply.error as { msg: string }).msg).toMatch(
      /market 'BTC--USDT' is not valid: use 'BTC\/USDT', 'BTC-USDT' or 'BTC_USDT'.*nothing was subscribed/,
    );
    const typo = await c.request('SUBSCRIBE', ['dept@BTC/USDT'], 10);
    expect((typo.error as { msg: string }).msg).toMatch(/unknown stream type 'dept'.*depth/);
    expect(await c.request('LIST_SUBSCRIPTIONS', undefined, 11)).toEqual({ result: [], id: 11 });
  });

  it('answers /api/prices/:pair for every spelling', async () => {
    bus.publish('trade@SOL/USDT', { ...trade(8), symbol: 'SOL/USDT', price: 150 });
    await until(() => gw.prices.get('SOL/USDT') !== undefined, 2000, 'the price cache');
    for (const spelling of ['SOL-USDT', 'sol_usdt', 'SOL%2FUSDT', 'Sol/Usdt']) {
      const res = await fetch(`http://${base}/api/prices/${spelling}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ pair: 'SOL/USDT', price: 150 });
    }
    const unknown = await fetch(`http://${base}/api/prices/doge-usdt`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ pair: 'DOGE/USDT', knownPairs: ['SOL/USDT'] });
  });
});
