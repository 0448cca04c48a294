/**
 * `GET /api/market-data/stream` on a real gateway on loopback (memory bus): price events with
 * positions as ids, the retry hint and heartbeats, `Last-Event-ID` resume (missed events in
 * order, none twice), recovered:false with the latest price, 503 at capacity, a slow reader
 * dropped, the connection count logged every 100.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { priceTopic } from '../bus/price-topic.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Ticker, Trade } from '../core/types.js';
import { captureLogs, LOG_LEVEL } from '../test-support/log-capture.js';
import { startTcpRelay } from '../test-support/tcp-relay.js';
import { until } from '../test-support/until.js';
import { createGateway, type Gateway, type GatewayOptions } from './server.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));
const BTC = priceTopic('BTC/USDT');
const ETH = priceTopic('ETH/USDT');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Env {
  bus: MemoryBus;
  gw: Gateway;
  base: string;
  port: number;
}

async function start(
  opts: Partial<GatewayOptions> = {},
  historySize = 20_000,
  logger: Logger = silentLogger(),
): Promise<Env> {
  const bus = new MemoryBus({ historySize, epoch: 'e9' });
  const gw = createGateway({ bus, port: 0, host: '127.0.0.1', logger, publicDir: PUBLIC_DIR, ...opts });
  const { port } = await gw.listen();
  cleanups.push(() => bus.close());
  cleanups.push(() => gw.close());
  return { bus, gw, port, base: `http://127.0.0.1:${port}` };
}

/** A trade whose timestamp is its sequence number `n` on its pair. */
function trade(symbol: string, n: number): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol,
    timestamp: n,
    localTimestamp: n,
    id: String(n),
    price: 1000 + n,
    amount: 1,
    side: 'sell',
  };
}

function ticker(symbol: string, last: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'kraken',
    symbol,
    timestamp: last,
    localTimestamp: last,
    last,
    bid: last - 1,
    ask: last + 1,
    bidSize: 1,
    askSize: 1,
    volume24h: 1,
    change24hPct: 0,
  };
}

interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** A raw SSE reader over node:http: every event, comment and retry line as they arrive. */
class RawSse {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  res: IncomingMessage | undefined;
  private buf = '';

  private constructor(readonly req: ClientRequest) {}

  static open(url: string, headers: Record<string, string> = {}): Promise<RawSse> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } });
      const sse = new RawSse(req);
      cleanups.push(() => {
        req.destroy();
      });
      req.on('response', (res) => {
        sse.res = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => sse.feed(chunk));
        res.on('error', () => {});
        resolve(sse);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The whole body of a non-stream answer. */
  async body(): Promise<string> {
    await until(() => this.res?.complete === true, 3000, 'response end');
    return this.buf;
  }

  prices(pair: string): { pair: string; price: number; timestamp: number; source: string }[] {
    return this.events
      .filter((e) => e.event === 'price')
      .map((e) => JSON.parse(e.data) as { pair: string; price: number; timestamp: number; source: string })
      .filter((p) => p.pair === pair);
  }

  close(): void {
    this.req.destroy();
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    if (this.res?.statusCode !== 200) return;
    let end: number;
    while ((end = this.buf.indexOf('\n\n')) !== -1) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      let event = 'message';
      let data: string[] = [];
      let id: string | undefined;
      let isEvent = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) {
          data = [...data, line.slice(6)];
          isEvent = true;
        }
      }
      if (isEvent) this.events.push({ event, data: data.join('\n'), id });
    }
  }
}

describe('SSE /api/market-data/stream', () => {
  it('streams price events with position ids to an EventSource, the latest price first', async () => {
    const { bus, base } = await start();
    bus.publish(BTC, trade('BTC/USDT', 1), { latestTtlMs: 60_000 });
    const es = new EventSource(`${base}/api/market-data/stream?pairs=BTC/USDT,eth-usdt`);
    cleanups.push(() => es.close());
    const got: { data: unknown; id: string }[] = [];
    es.addEventListener('price', (e) => got.push({ data: JSON.parse(e.data as string), id: e.lastEventId }));
    await until(() => got.length === 1, 3000, 'latest price');
    expect(got[0].data).toEqual({ pair: 'BTC/USDT', price: 1001, timestamp: 1, source: 'binance' });
    bus.publish(ETH, ticker('ETH/USDT', 2500), { latestTtlMs: 60_000 });
    bus.publish(BTC, trade('BTC/USDT', 2), { latestTtlMs: 60_000 });
    await until(() => got.length === 3, 3000, 'live prices');
    expect(got.map((g) => g.data)).toEqual([
      { pair: 'BTC/USDT', price: 1001, timestamp: 1, source: 'binance' },
      { pair: 'ETH/USDT', price: 2500, timestamp: 2500, source: 'kraken' },
      { pair: 'BTC/USDT', price: 1002, timestamp: 2, source: 'binance' },
    ]);
    // Both streams' positions in every id: BTC 1 then 2, ETH 0 then 1, one epoch written once.
    expect(got.map((g) => g.id.slice(g.id.indexOf('/') + 1))).toEqual(['e9:1,0', 'e9:1,1', 'e9:2,1']);
  });

  it('starts a pair from the gateway price cache, without an id, when its bus topic has no latest value', async () => {
    const { bus, base } = await start({ pricePairs: ['BTC/USDT'] });
    bus.publish('trade@BTC/USDT', trade('BTC/USDT', 5));
    const sse = await RawSse.open(`${base}/api/market-data/stream?pairs=BTC/USDT`);
    await until(() => sse.events.length === 1, 2000, 'cached price');
    expect(sse.events[0]).toEqual({
      event: 'price',
      data: JSON.stringify({ pair: 'BTC/USDT', price: 1005, timestamp: 5, source: 'binance' }),
      id: undefined,
    });
    bus.publish(BTC, trade('BTC/USDT', 6), { latestTtlMs: 60_000 });
    await until(() => sse.events.length === 2, 2000, 'live price');
    expect(sse.events[1].id?.endsWith('/e9:1')).toBe(true);
  });

  it('sends the retry hint first, heartbeat comments, and stream events shaped as WS frames', async () => {
    const { bus, base } = await start({ sse: { heartbeatMs: 40, retryMs: 1500 } });
    const sse = await RawSse.open(`${base}/api/market-data/stream?streams=trade@BTC-USDT`);
    expect(sse.res?.statusCode).toBe(200);
    expect(sse.res?.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sse.res?.headers['cache-control']).toBe('no-cache, no-transform');
    await until(() => sse.retry !== undefined, 2000, 'retry');
    expect(sse.retry).toBe(1500);
    await until(() => sse.comments.filter((c) => c === 'ping').length >= 2, 2000, 'two pings');
    bus.publish('trade@BTC/USDT', trade('BTC/USDT', 7));
    await until(() => sse.events.length === 1, 2000, 'trade event');
    expect(sse.events[0].event).toBe('message');
    expect(JSON.parse(sse.events[0].data)).toEqual({
      stream: 'trade@BTC/USDT',
      data: trade('BTC/USDT', 7),
      offset: 1,
      epoch: 'e9',
    });
  });

  it('resumes with Last-Event-ID after 2 s away during a fast stream: every missed price in order, none twice', async () => {
    const { bus, base } = await start({ recoveryMaxMessages: 10_000 });
    const url = `${base}/api/market-data/stream?pairs=BTC/USDT,ETH/USDT`;
    // Joined (its first write is out) before the stream starts, so it gets every price.
    const first = await RawSse.open(url);
    await until(() => first.retry !== undefined, 2000, 'retry');
    let n = 0;
    const max = 8000;
    const timer = setInterval(() => {
      for (let i = 0; i < 4 && n < max; i++) {
        n++;
        bus.publish(BTC, trade('BTC/USDT', n), { latestTtlMs: 60_000 });
        if (n % 2 === 0) bus.publish(ETH, trade('ETH/USDT', n / 2), { latestTtlMs: 60_000 });
      }
    }, 2);
    cleanups.push(() => clearInterval(timer));
    await until(() => first.events.length >= 150, 5000, 'first events');
    first.close();
    const lastId = first.events.at(-1)?.id as string;
    const before = { btc: first.prices('BTC/USDT'), eth: first.prices('ETH/USDT') };
    const awayAt = n;
    await new Promise((r) => setTimeout(r, 2000));
    expect(n - awayAt).toBeGreaterThan(500);

    const back = await RawSse.open(url, { 'Last-Event-ID': lastId });
    await until(() => back.events.some((e) => e.event === 'recovery'), 3000, 'recovery event');
    const recovery = JSON.parse(back.events.find((e) => e.event === 'recovery')?.data as string) as {
      streams: Record<string, { recovered: boolean }>;
    };
    expect(recovery.streams['BTC/USDT'].recovered).toBe(true);
    expect(recovery.streams['ETH/USDT'].recovered).toBe(true);
    await until(() => n === max, 10_000, 'the stream to end');
    clearInterval(timer);
    await until(() => back.prices('BTC/USDT').at(-1)?.timestamp === max, 5000, 'every BTC price');
    await until(() => back.prices('ETH/USDT').at(-1)?.timestamp === max / 2, 5000, 'every ETH price');
    const btc = [...before.btc, ...back.prices('BTC/USDT')].map((p) => p.timestamp);
    const eth = [...before.eth, ...back.prices('ETH/USDT')].map((p) => p.timestamp);
    expect(btc).toEqual(Array.from({ length: max }, (_, i) => i + 1));
    expect(eth).toEqual(Array.from({ length: max / 2 }, (_, i) => i + 1));
  });

  it('an EventSource whose link is cut for 2 s reconnects by itself with Last-Event-ID and misses nothing', async () => {
    const { bus, port } = await start({ recoveryMaxMessages: 10_000, sse: { retryMs: 100 } });
    const relay = await startTcpRelay(port);
    cleanups.push(() => relay.close());
    const es = new EventSource(`http://127.0.0.1:${relay.port}/api/market-data/stream?pairs=BTC/USDT`);
    cleanups.push(() => es.close());
    const stamps: number[] = [];
    let opens = 0;
    es.addEventListener('open', () => opens++);
    es.addEventListener('price', (e) =>
      stamps.push((JSON.parse(e.data as string) as { timestamp: number }).timestamp),
    );
    // 'open' comes with the first write, made once the stream is joined.
    await until(() => opens === 1, 3000, 'open');
    let n = 0;
    const max = 6000;
    const timer = setInterval(() => {
      for (let i = 0; i < 4 && n < max; i++)
        bus.publish(BTC, trade('BTC/USDT', ++n), { latestTtlMs: 60_000 });
    }, 2);
    cleanups.push(() => clearInterval(timer));
    await until(() => stamps.length >= 100, 5000, 'first prices');
    relay.cutAll({ hold: true });
    await new Promise((r) => setTimeout(r, 2000));
    relay.release();
    await until(() => n === max, 10_000, 'the stream to end');
    await until(() => stamps.at(-1) === max, 5000, 'every price');
    expect(opens).toBe(2);
    expect(stamps).toEqual(Array.from({ length: max }, (_, i) => i + 1));
  });

  it('a Last-Event-ID older than the history: recovered false, then the latest price', async () => {
    const { bus, base } = await start({}, 20);
    for (let i = 1; i <= 100; i++) bus.publish(BTC, trade('BTC/USDT', i), { latestTtlMs: 60_000 });
    const url = `${base}/api/market-data/stream?pairs=BTC/USDT`;
    const probe = await RawSse.open(url);
    await until(() => probe.events.length === 1, 2000, 'latest');
    probe.close();
    const fingerprint = (probe.events[0].id as string).split('/')[0];
    const back = await RawSse.open(url, { 'Last-Event-ID': `${fingerprint}/e9:5` });
    await until(() => back.events.length === 2, 2000, 'recovery and latest');
    expect(back.events[0].event).toBe('recovery');
    const streams = (JSON.parse(back.events[0].data) as { streams: Record<string, Record<string, unknown>> })
      .streams;
    expect(streams['BTC/USDT']).toMatchObject({ recovered: false, offset: 100, epoch: 'e9' });
    expect(streams['BTC/USDT'].reason).toMatch(/older than the history kept/);
    expect(back.prices('BTC/USDT')).toEqual([
      { pair: 'BTC/USDT', price: 1100, timestamp: 100, source: 'binance' },
    ]);
    expect(back.events[1].id).toBe(`${fingerprint}/e9:100`);

    // An id of another stream set is not applied: said in a comment, latest state follows.
    const other = await RawSse.open(url, { 'Last-Event-ID': 'zzz/e9:5' });
    await until(() => other.events.length === 1, 2000, 'latest');
    expect(other.comments.some((c) => /another set of streams.*starting from the latest state/.test(c))).toBe(
      true,
    );
  });

  it('answers 503 with a JSON reason at capacity and 400 naming a bad pair', async () => {
    const { base, gw } = await start({ sse: { maxConnections: 2 } });
    const bad = await RawSse.open(`${base}/api/market-data/stream?pairs=BTCUSDT!`);
    expect(bad.res?.statusCode).toBe(400);
    expect((JSON.parse(await bad.body()) as { error: { msg: string } }).error.msg).toMatch(/^pairs: /);
    const none = await RawSse.open(`${base}/api/market-data/stream`);
    expect(none.res?.statusCode).toBe(400);
    expect(await none.body()).toMatch(/name what to stream with 'pairs' or 'streams'/);

    const url = `${base}/api/market-data/stream?pairs=BTC/USDT`;
    await RawSse.open(url);
    await RawSse.open(url);
    const third = await RawSse.open(url);
    expect(third.res?.statusCode).toBe(503);
    expect(third.res?.headers['retry-after']).toBe('5');
    expect(JSON.parse(await third.body())).toEqual({
      error: { code: 'unavailable', msg: 'server is at capacity (2 SSE connections); retry later' },
    });
    expect(gw.stats().sseConnections).toBe(2);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^tickstream_gateway_sse_connections 2$/m);
    expect(metrics).toMatch(/^tickstream_gateway_sse_rejected_total 1$/m);
  });

  it('drops a connection that does not read once its backlog passes the send budget; others keep receiving', async () => {
    const { bus, base, gw } = await start({ limits: { maxBufferedBytes: 64 * 1024 } }, 10);
    const url = `${base}/api/market-data/stream?streams=trade@BTC/USDT`;
    const reader = await RawSse.open(url);
    const stuck = await RawSse.open(url);
    stuck.res?.pause();
    const big = 'x'.repeat(8 * 1024);
    let sent = 0;
    // Bounded: loopback buffers hold a few MB; give up after 4000 turns.
    for (let turn = 0; gw.stats().sseConnections === 2 && turn < 4000; turn++) {
      for (let i = 0; i < 10; i++) bus.publish('trade@BTC/USDT', { ...trade('BTC/USDT', ++sent), id: big });
      await new Promise((r) => setImmediate(r));
    }
    expect(gw.stats().sseConnections).toBe(1);
    await until(() => reader.events.length === sent, 5000, 'the reader to get everything');
  });

  it('logs the connection count at every hundredth connection', async () => {
    const { logger, lines } = captureLogs('info');
    const { base } = await start({}, 10, logger);
    const url = `${base}/api/market-data/stream?pairs=BTC/USDT`;
    for (let i = 0; i < 99; i++) await RawSse.open(url);
    expect(lines.filter((l) => l.msg === 'SSE connections')).toEqual([]);
    await RawSse.open(url);
    await until(() => lines.some((l) => l.msg === 'SSE connections'), 2000, 'count log');
    expect(lines.filter((l) => l.msg === 'SSE connections')).toEqual([
      expect.objectContaining({ level: LOG_LEVEL.info, sseConnections: 100 }),
    ]);
  });
});
