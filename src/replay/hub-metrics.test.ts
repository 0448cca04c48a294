import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../core/logger.js';
import { binanceStreamType } from '../exchanges/binance/stream-catalog.js';
import { createBinanceVenue } from '../exchanges/binance/hub.js';
import {
  TestClient,
  baseBook,
  randomDiff,
  snapshotEvent,
  tradeEvent,
  updateEvent,
  T0,
} from '../exchanges/binance/test-support/hub.js';
import { createKrakenEndpoint } from '../exchanges/kraken/endpoint.js';
import { bookEvent } from '../exchanges/kraken/test-support/events.js';
import { STREAM_TYPES, type StreamType } from '../net/stream-type.js';
import { frameHeaderLength } from '../net/ws-frame.js';
import { until } from '../test-support/until.js';
import { HubMetrics, NO_EXCHANGE, OTHER_SYMBOL } from './hub-metrics.js';
import { SILENT_OBSERVER } from './hub-observer.js';
import { ReplayHub } from './hub.js';

/** One running hub with its own metrics. */
interface Running {
  readonly hub: ReplayHub;
  readonly metrics: HubMetrics;
  readonly base: string;
}

async function startHub(withKraken: boolean): Promise<Running> {
  const logger = silentLogger();
  const metrics = new HubMetrics();
  const venues = [createBinanceVenue({ logger, symbols: ['BTCUSDT'], maxIncomingPerSecond: 1000 })];
  const hub = new ReplayHub({ logger, metrics, venues });
  // No heartbeat tick: every frame a Kraken consumer gets is one it asked for.
  if (withKraken) hub.addVenue(createKrakenEndpoint({ logger, symbols: ['BTC/USD'], rules: { tickMs: 0 } }));
  const port = await hub.listen(0);
  return { hub, metrics, base: `127.0.0.1:${port}` };
}

let a: Running;
let b: Running;
const opened: WebSocket[] = [];
beforeAll(async () => {
  [a, b] = await Promise.all([startHub(true), startHub(false)]);
});
afterAll(async () => {
  for (const ws of opened) ws.terminate();
  await Promise.all([a.hub.close(), b.hub.close()]);
});

/** The samples of a scrape, keyed `name{label="value",…}` with labels sorted by name. */
type Samples = ReadonlyMap<string, number>;

function parseExposition(text: string): Samples {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const series = line.slice(0, cut);
    const brace = series.indexOf('{');
    const name = brace < 0 ? series : series.slice(0, brace);
    const labels = brace < 0 ? [] : [...series.slice(brace + 1, -1).matchAll(/(\w+)="([^"]*)"/g)];
    out.set(key(name, Object.fromEntries(labels.map((m) => [m[1], m[2]]))), Number(line.slice(cut + 1)));
  }
  return out;
}

function key(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

async function scrape(r: Running): Promise<Samples> {
  const res = await fetch(`http://${r.base}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

function sample(s: Samples, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  return s.get(key(name, labels));
}

/** Messages and bytes sent of `exchange` and `type`, grown from `before` to `after`. */
function grown(before: Samples, after: Samples, exchange: string, type: StreamType): [number, number] {
  const at = (s: Samples, name: string): number => sample(s, name, { exchange, type }) ?? 0;
  return [
    at(after, 'tickstream_hub_messages_sent_total') - at(before, 'tickstream_hub_messages_sent_total'),
    at(after, 'tickstream_hub_bytes_sent_total') - at(before, 'tickstream_hub_bytes_sent_total'),
  ];
}

/** What a client received, as the hub counts it: messages and frame bytes by stream type. */
function tally(texts: readonly string[]): Map<StreamType, [number, number]> {
  const out = new Map<StreamType, [number, number]>(STREAM_TYPES.map((t) => [t, [0, 0]]));
  for (const text of texts) {
    const parsed = JSON.parse(text) as { stream?: string };
    const type = parsed.stream === undefined ? 'control' : binanceStreamType(parsed.stream);
    const n = Buffer.byteLength(text);
    const entry = out.get(type) as [number, number];
    entry[0]++;
    entry[1] += frameHeaderLength(n) + n;
  }
  return out;
}

async function binanceConsumer(r: Running, streams: readonly string[]): Promise<TestClient> {
  const c = await TestClient.open(`ws://${r.base}/binance/stream?streams=${streams.join('/')}`);
  opened.push(c.ws);
  return c;
}

/** Push a book and `trades` trades for BTCUSDT from replay time `t`. */
function pushTraffic(hub: ReplayHub, t: number, firstTradeId: number, trades: number): void {
  hub.push(snapshotEvent(t, baseBook(1000)));
  for (let k = 0; k < 3; k++) {
    const { b: bids, a: asks } = randomDiff(k);
    hub.push(updateEvent(t + 10 + k, 1001 + k, 1001 + k, bids, asks));
  }
  for (let i = 0; i < trades; i++) {
    hub.push(tradeEvent(t + 20 + i, firstTradeId + i, '67000.50000000', '0.01000000', i % 2 === 0));
  }
}

describe('replay hub /metrics', () => {
  it('counts connections, and messages and bytes by exchange and type exactly as consumers receive them', async () => {
    const before = await scrape(a);
    const c = await binanceConsumer(a, ['btcusdt@trade', 'btcusdt@aggTrade', 'btcusdt@depth']);
    expect(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@bookTicker'], id: 1 })).toEqual({
      result: null,
      id: 1,
    });
    pushTraffic(a.hub, T0, 500, 4);
    await until(() => c.texts.filter((t) => t.includes('"e":"trade"')).length === 4, 5000, '4 trades');
    // Everything flushed before this reply was written reaches the client ahead of it.
    await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    const after = await scrape(a);

    expect(sample(after, 'tickstream_hub_connections', { exchange: 'binance' })).toBe(1);
    expect(sample(after, 'tickstream_hub_connections', { exchange: 'kraken' })).toBe(0);
    const received = tally(c.texts);
    expect(received.get('trade')?.[0]).toBe(8);
    expect(received.get('book')?.[0]).toBeGreaterThanOrEqual(3);
    expect(received.get('quote')?.[0]).toBeGreaterThanOrEqual(1);
    expect(received.get('control')?.[0]).toBe(2);
    for (const type of STREAM_TYPES) {
      expect([type, grown(before, after, 'binance', type)]).toEqual([type, received.get(type)]);
    }
    for (const type of STREAM_TYPES) expect(grown(before, after, 'kraken', type)).toEqual([0, 0]);

    // More traffic moves the same series on.
    const seen = c.texts.length;
    pushTraffic(a.hub, T0 + 1000, 600, 2);
    await until(() => c.texts.slice(seen).filter((t) => t.includes('"e":"trade"')).length === 2);
    await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 3 });
    const later = await scrape(a);
    const more = tally(c.texts.slice(seen));
    expect(more.get('trade')?.[0]).toBe(4);
    for (const type of STREAM_TYPES) expect(grown(after, later, 'binance', type)).toEqual(more.get(type));

    await c.close();
    await until(() => a.hub.health().consumers === 0);
    const closed = await scrape(a);
    expect(sample(closed, 'tickstream_hub_connections', { exchange: 'binance' })).toBe(0);
  });

  it("counts another venue's consumers, replies and subscribe snapshots under its own labels", async () => {
    a.hub.push(bookEvent('BTC/USD', T0, 'book_snapshot', [['67000.0', '1.5']], [['67000.5', '0.7']]));
    const before = await scrape(a);
    const ws = new WebSocket(`ws://${a.base}/kraken/v2`);
    opened.push(ws);
    const texts: string[] = [];
    ws.on('message', (data) => texts.push(String(data)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'] } }));
    ws.send(JSON.stringify({ method: 'ping', req_id: 7 }));
    await until(() => texts.some((t) => t.includes('"pong"')), 5000, 'the pong');
    const during = await scrape(a);
    expect(sample(during, 'tickstream_hub_connections', { exchange: 'kraken' })).toBe(1);
    const frame = (t: string): number => frameHeaderLength(Buffer.byteLength(t)) + Buffer.byteLength(t);
    const isBook = (t: string): boolean => (JSON.parse(t) as { channel?: string }).channel === 'book';
    const books = texts.filter(isBook);
    const control = texts.filter((t) => !isBook(t));
    // The snapshot sent to the new subscriber counts as book; status, ack and pong as control.
    expect([books.length, control.length]).toEqual([1, 3]);
    expect(grown(before, during, 'kraken', 'book')).toEqual([1, frame(books[0])]);
    expect(grown(before, during, 'kraken', 'control')).toEqual([
      3,
      control.reduce((n, t) => n + frame(t), 0),
    ]);
    expect(grown(before, during, 'binance', 'control')).toEqual([0, 0]);
    ws.close();
    await until(() => a.hub.health().consumers === 0);
    expect(sample(await scrape(a), 'tickstream_hub_connections', { exchange: 'kraken' })).toBe(0);
  });

  it('shows what the hub parts report through the observer: drops, faults, errors, buffers, publishers, latency', async () => {
    const observer = a.hub.observer;
    expect(observer).toBe(a.metrics);
    observer.dropped('binance', 'increment-dropped', 'BTCUSDT', 5);
    observer.dropped('binance', 'increment-dropped', 'BTCUSDT', 7);
    observer.dropped('binance', 'reconnect-overflow', 'ETHUSDT', 3);
    observer.faultInjected('binance', 'gap', 'BTCUSDT');
    observer.faultInjected('binance', 'gap', 'BTCUSDT');
    observer.faultInjected('kraken', 'checksum', 'BTC/USD');
    observer.error('link', 'binance');
    observer.error('protocol');
    observer.buffer('binance', 'send', 120, 48_000);
    observer.buffer('binance', 'send', 80, 32_000);
    observer.buffer('binance', 'reconnect', 0, 0);
    observer.publisher({
      exchange: 'binance',
      pid: 4242,
      rssBytes: 73_400_320,
      heapLiveBytes: 21_000_000,
      cpuPercent: 37.5,
      messagesPerSecond: 51_000,
      messagesPublished: 1_234_567,
      restarts: 2,
    });
    for (const ms of [0.3, 7, 40, 3000]) observer.transformToSend('binance', ms);
    // Bad figures from a part are ignored, never thrown.
    observer.transformToSend('binance', Number.NaN);
    observer.transformToSend('binance', -1);
    observer.dropped('binance', 'overflow', 'BTCUSDT', -4);
    observer.dropped('binance', 'overflow', 'BTCUSDT', Number.POSITIVE_INFINITY);

    const s = await scrape(a);
    const drops = (reason: string, symbol: string): number | undefined =>
      sample(s, 'tickstream_hub_drops_total', { exchange: 'binance', reason, symbol });
    expect(drops('increment-dropped', 'BTCUSDT')).toBe(12);
    expect(drops('reconnect-overflow', 'ETHUSDT')).toBe(3);
    expect(drops('overflow', 'BTCUSDT')).toBeUndefined();
    const faults = (exchange: string, fault: string, symbol: string): number | undefined =>
      sample(s, 'tickstream_hub_faults_injected_total', { exchange, fault, symbol });
    expect(faults('binance', 'gap', 'BTCUSDT')).toBe(2);
    expect(faults('kraken', 'checksum', 'BTC/USD')).toBe(1);
    expect(sample(s, 'tickstream_hub_errors_total', { category: 'link', exchange: 'binance' })).toBe(1);
    expect(sample(s, 'tickstream_hub_errors_total', { category: 'protocol', exchange: NO_EXCHANGE })).toBe(1);
    const buffer = (what: string, which: string): number | undefined =>
      sample(s, `tickstream_hub_buffer_${what}`, { exchange: 'binance', buffer: which });
    expect([buffer('messages', 'send'), buffer('bytes', 'send')]).toEqual([80, 32_000]);
    expect([buffer('messages', 'reconnect'), buffer('bytes', 'reconnect')]).toEqual([0, 0]);
    const publisher = (name: string): number | undefined =>
      sample(s, `tickstream_publisher_${name}`, { exchange: 'binance' });
    expect(publisher('rss_bytes')).toBe(73_400_320);
    expect(publisher('heap_live_bytes')).toBe(21_000_000);
    expect(publisher('cpu_percent')).toBe(37.5);
    expect(publisher('messages_per_second')).toBe(51_000);
    expect(publisher('messages_published')).toBe(1_234_567);
    expect(publisher('restarts')).toBe(2);

    const bucket = (le: string): number | undefined =>
      sample(s, 'tickstream_hub_transform_to_send_seconds_bucket', { exchange: 'binance', le });
    expect(bucket('0.0005')).toBe(1);
    expect(bucket('0.005')).toBe(1);
    expect(bucket('0.01')).toBe(2);
    expect(bucket('0.05')).toBe(3);
    expect(bucket('2.5')).toBe(3);
    expect(bucket('5')).toBe(4);
    expect(bucket('+Inf')).toBe(4);
    expect(sample(s, 'tickstream_hub_transform_to_send_seconds_count', { exchange: 'binance' })).toBe(4);
    expect(sample(s, 'tickstream_hub_transform_to_send_seconds_sum', { exchange: 'binance' })).toBeCloseTo(
      3.0473,
      6,
    );
  });

  it("keeps two hubs' counts apart in one process", async () => {
    const aBefore = await scrape(a);
    b.metrics.dropped('binance', 'overflow', 'BTCUSDT', 9);
    b.metrics.faultInjected('binance', 'stall', 'BTCUSDT');
    const c = await binanceConsumer(b, ['btcusdt@trade']);
    b.hub.push(tradeEvent(T0, 900, '67001.00000000', '0.50000000'));
    await c.count(1);
    await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 1 });
    const [aAfter, bAfter] = [await scrape(a), await scrape(b)];

    expect(sample(bAfter, 'tickstream_hub_connections', { exchange: 'binance' })).toBe(1);
    expect(sample(aAfter, 'tickstream_hub_connections', { exchange: 'binance' })).toBe(0);
    expect(grown(new Map(), bAfter, 'binance', 'trade')).toEqual(tally(c.texts).get('trade'));
    expect(grown(aBefore, aAfter, 'binance', 'trade')).toEqual([0, 0]);
    expect(grown(aBefore, aAfter, 'binance', 'control')).toEqual([0, 0]);
    const drops = { exchange: 'binance', reason: 'overflow', symbol: 'BTCUSDT' };
    expect(sample(bAfter, 'tickstream_hub_drops_total', drops)).toBe(9);
    expect(sample(aAfter, 'tickstream_hub_drops_total', drops)).toBeUndefined();
    // Hub a's observer reports stay a's.
    expect(
      sample(bAfter, 'tickstream_hub_drops_total', { ...drops, reason: 'increment-dropped' }),
    ).toBeUndefined();
    expect(sample(bAfter, 'tickstream_hub_connections', { exchange: 'kraken' })).toBeUndefined();
    await c.close();
  });

  it('answers in the Prometheus text format with the process metrics of the hub; 405 for other methods', async () => {
    const url = `http://${a.base}/metrics`;
    const got = await fetch(url);
    expect(got.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await got.text();
    expect(text).toContain('# TYPE tickstream_hub_messages_sent_total counter');
    expect(text).toContain('# TYPE tickstream_hub_transform_to_send_seconds histogram');
    const s = parseExposition(text);
    expect(sample(s, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(s, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sample(s, 'tickstream_heap_live_bytes')).toBeGreaterThanOrEqual(0); // 0 until a full collection

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(a.metrics.contentType);
    expect(await head.text()).toBe('');

    const post = await fetch(url, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { error: string }).error).toMatch(/POST is not allowed on \/metrics/);
  });

  it('caps the symbol labels per exchange, and refuses a second hub for one metrics object', async () => {
    const metrics = new HubMetrics({ maxSymbolsPerExchange: 2 });
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BTCUSDT']) {
      metrics.faultInjected('binance', 'malformed', symbol);
    }
    metrics.faultInjected('okx', 'malformed', 'SOL-USDT');
    const s = parseExposition(await metrics.text());
    const faults = (exchange: string, symbol: string): number | undefined =>
      sample(s, 'tickstream_hub_faults_injected_total', { exchange, fault: 'malformed', symbol });
    expect(faults('binance', 'BTCUSDT')).toBe(2);
    expect(faults('binance', 'ETHUSDT')).toBe(1);
    expect(faults('binance', OTHER_SYMBOL)).toBe(2);
    expect(faults('okx', 'SOL-USDT')).toBe(1);

    const logger = silentLogger();
    expect(() => new ReplayHub({ logger, metrics: a.metrics })).toThrow(/already belong to another hub/);
    expect(() => new HubMetrics({ maxSymbolsPerExchange: -1 })).toThrow(/maxSymbolsPerExchange/);
  });

  it('has no /metrics on a hub built without metrics', async () => {
    const hub = new ReplayHub({ logger: silentLogger() });
    const port = await hub.listen(0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(404);
      expect(hub.observer).toBe(SILENT_OBSERVER);
    } finally {
      await hub.close();
    }
  });
});
