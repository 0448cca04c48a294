import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBus } from '../../src/app/bus.js';
import { startGatewayStack, type GatewayStack } from '../../src/app/gateway-stack.js';
import { startIngest, type IngestStack } from '../../src/app/ingest-stack.js';
import { startReplayFromConfig, type ReplayStack } from '../../src/app/replay-stack.js';
import type { Bus } from '../../src/bus/bus.js';
import { configSchema } from '../../src/config/schema.js';
import type { BookSnapshot, Quote, Ticker } from '../../src/core/types.js';
import type { BinanceFeed } from '../../src/exchanges/binance/client.js';
import type { BinanceBookTickerEvent, BinanceRestDepth } from '../../src/exchanges/binance/wire.js';
import { generateBinanceDataset } from '../../src/exchanges/binance/generate.js';
import { listRecordingFiles } from '../../src/storage/layout.js';
import { readRecords } from '../../src/storage/reader.js';
import type { RecordedResponse } from '../../src/storage/record.js';
import { RecordingWriter } from '../../src/storage/writer.js';
import { until } from '../../src/test-support/until.js';
import { captureLogs, LOG_LEVEL, type LogLine } from '../../src/test-support/log-capture.js';

/**
 * Replay hub + ingest + gateway in one process, composed as `tickstream start` composes them, on
 * a recording whose depth snapshots are crossed (best bid >= best ask) in two stretches: the
 * first snapshots (so ingest's first REST snapshot is crossed) and a stretch in the middle (so a
 * diff crosses the synced book). Market time is January 2020, far from the local clock.
 */
const START_MS = Date.UTC(2020, 0, 6, 12);
const CROSSED = (i: number): boolean => i < 8 || (i >= 25 && i < 40);
const SPEED = 12;

let root: string;
let bus: Bus;
let replay: ReplayStack;
let gateway: GatewayStack;
let ingest: IngestStack;
let logs: LogLine[];
let recorded: Array<RecordedResponse<BinanceRestDepth>>;
let startedAt: number;
const fromGateway = { books: [] as BookSnapshot[], quotes: [] as Quote[], tickers: [] as Ticker[] };
const fromHub = { tickers: [] as BinanceBookTickerEvent[], depth20: [] as BinanceRestDepth[] };
const sockets: WebSocket[] = [];

/** Put a bid at each crossed snapshot's best ask: best bid = best ask. */
async function crossDepthRecordings(): Promise<Array<RecordedResponse<BinanceRestDepth>>> {
  const files = await listRecordingFiles(root, 'binance', 'api_v3_depth', 'BTCUSDT');
  const records: Array<RecordedResponse<BinanceRestDepth>> = [];
  for await (const { record } of readRecords<BinanceRestDepth>(files)) records.push(record);
  await Promise.all(files.map((f) => rm(f)));
  const writer = new RecordingWriter({
    root,
    platform: 'binance',
    endpoint: 'api_v3_depth',
    symbol: 'BTCUSDT',
    fsync: false,
  });
  const out = records.map((r, i) =>
    CROSSED(i) ? { ...r, data: { ...r.data, bids: [[r.data.asks[0][0], '0.50000000'], ...r.data.bids] } } : r,
  ) as Array<RecordedResponse<BinanceRestDepth>>;
  for (const r of out) await writer.write(r);
  await writer.close();
  return out;
}

async function open(url: string, onData: (stream: string, data: unknown) => void): Promise<WebSocket> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { stream?: string; data?: unknown };
    if (frame.stream !== undefined) onData(frame.stream, frame.data);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-crossed-'));
  await generateBinanceDataset({
    root,
    seed: 'crossed',
    startMs: START_MS,
    // Three minutes: a long clean stretch after the crossed ones, so a loaded machine whose paced
    // resyncs (backoff doubling from 500 ms) run late still sees ingest synced and publishing
    // well before the data ends.
    minutes: 3,
    symbols: ['BTCUSDT'],
  });
  recorded = await crossDepthRecordings();
  const config = configSchema.parse({
    data: root,
    state: join(root, 'state'),
    exchanges: ['binance'],
    gatewayPort: 0,
    hubPort: 0,
    speed: SPEED,
  });
  const captured = captureLogs('info');
  logs = captured.lines;
  const logger = captured.logger;
  startedAt = Date.now();
  bus = createBus(config);
  replay = await startReplayFromConfig(config, logger);
  await open(
    `ws://127.0.0.1:${replay.port}/binance/stream?streams=btcusdt@bookTicker/btcusdt@depth20@100ms`,
    (stream, data) => {
      if (stream === 'btcusdt@bookTicker') fromHub.tickers.push(data as BinanceBookTickerEvent);
      else fromHub.depth20.push(data as BinanceRestDepth);
    },
  );
  gateway = await startGatewayStack({ bus, config, symbols: new Map([['binance', ['BTC/USDT']]]), logger });
  const ws = await open(`ws://127.0.0.1:${gateway.port}/ws`, (stream, data) => {
    if (stream === 'book@BTC/USDT') fromGateway.books.push(data as BookSnapshot);
    else if (stream === 'quote@BTC/USDT') fromGateway.quotes.push(data as Quote);
    else if (stream === 'ticker@BTC/USDT') fromGateway.tickers.push(data as Ticker);
  });
  ws.send(
    JSON.stringify({
      method: 'SUBSCRIBE',
      params: ['book@BTC/USDT', 'quote@BTC/USDT', 'ticker@BTC/USDT'],
      id: 1,
    }),
  );
  ingest = startIngest({
    bus,
    symbols: new Map([['binance', ['BTC/USDT']]]),
    upstream: `http://127.0.0.1:${replay.port}`,
    bookDepth: 20,
    logger,
  });
  await replay.finished;
  // The last crossed stretch ends 140 s of market time before the data does; ingest is synced again by now.
  const lastCrossedId = recorded[39].data.lastUpdateId;
  await until(
    () => fromGateway.books.filter((b) => b.sequence > lastCrossedId).length > 10,
    15_000,
    'books after the crossed stretch',
  );
}, 90_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await ingest?.close();
  await gateway?.close();
  await replay?.close();
  await bus?.close();
  await rm(root, { recursive: true, force: true });
});

const binanceFeed = (): BinanceFeed => ingest.feeds.get('binance') as BinanceFeed;

describe('a recording with crossed depth snapshots (hub + ingest + gateway)', () => {
  it('never yields a crossed book@, quote@ or ticker@ at the gateway, and the ingest counters rise', () => {
    expect(fromGateway.books.length).toBeGreaterThan(10);
    expect(fromGateway.quotes.length).toBeGreaterThan(5);
    expect(fromGateway.tickers.length).toBeGreaterThan(1);
    expect(fromGateway.books.filter((b) => b.bids[0][0] >= b.asks[0][0])).toEqual([]);
    expect(fromGateway.quotes.filter((q) => q.bid >= q.ask)).toEqual([]);
    // A ticker from before the first book has no sides (0/0, as Binance shows an empty side): not crossed.
    expect(fromGateway.tickers.filter((t) => t.ask > 0 && t.bid >= t.ask)).toEqual([]);

    const stats = binanceFeed().stats();
    // At least the diff that crosses the synced book; often also crossed REST snapshots (timing).
    expect(stats.crossedBooks).toBeGreaterThanOrEqual(1);
    expect(stats.crossedTickers).toBeGreaterThan(0);
    const book = binanceFeed().book('BTC/USDT')!;
    expect(book.stats.crossed).toBe(stats.crossedBooks);
    expect(book.crossed).toBe(false);
    // Paced: every REST fetch is a used, stale, failed or refused-crossed snapshot; a storm would be thousands.
    const s = book.stats;
    expect(s.snapshots + s.staleSnapshots + s.snapshotErrors + s.crossed).toBeLessThan(25);
    const warned = logs.filter((l) => l.level === LOG_LEVEL.warn && l.msg.startsWith('crossed book refused'));
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned.length).toBeLessThanOrEqual(2); // once per episode
  });

  it('the hub replays the crossed book verbatim on its own streams, warns once per episode and counts it', async () => {
    const crossedIds = new Map<number, BinanceRestDepth>();
    recorded.forEach((r, i) => CROSSED(i) && crossedIds.set(r.data.lastUpdateId, r.data));
    const crossedDepth = fromHub.depth20.filter((d) => crossedIds.has(d.lastUpdateId));
    expect(crossedDepth.length).toBeGreaterThan(0);
    for (const d of crossedDepth) {
      const truth = crossedIds.get(d.lastUpdateId)!;
      expect(d).toEqual({
        lastUpdateId: d.lastUpdateId,
        bids: truth.bids.slice(0, 20),
        asks: truth.asks.slice(0, 20),
      });
    }
    expect(fromHub.tickers.some((t) => t.b === t.a)).toBe(true);

    const warned = logs.filter(
      (l) => l.msg === 'recorded book is crossed (best bid >= best ask); replaying it as recorded',
    );
    expect(warned.map((l) => [l.level, l.symbol])).toEqual([
      [LOG_LEVEL.warn, 'BTCUSDT'],
      [LOG_LEVEL.warn, 'BTCUSDT'],
    ]);
    expect(warned[1]).toMatchObject({ bid: recorded[25].data.asks[0][0], ask: recorded[25].data.asks[0][0] });
    const health = (await (await fetch(`http://127.0.0.1:${replay.port}/health`)).json()) as {
      venues: Array<{ counters: Record<string, number> }>;
    };
    expect(health.venues[0].counters).toMatchObject({ crossedBooks: 2, crossedBookEvents: 8 + 15 });
  });

  it('quote@ and book@ carry exchange (replay) time; localTimestamp is receipt time', () => {
    const replayTimes = new Set(recorded.map((r) => r.ts));
    const now = Date.now();
    for (const m of [...fromGateway.quotes, ...fromGateway.books]) {
      expect(replayTimes.has(m.timestamp)).toBe(true);
      expect(m.timestamp).toBeLessThan(START_MS + 4 * 60_000);
      expect(m.localTimestamp).toBeGreaterThanOrEqual(startedAt);
      expect(m.localTimestamp).toBeLessThanOrEqual(now);
    }
    // A quote and the book it came from share their exchange time.
    const bookTimes = new Set(fromGateway.books.map((b) => b.timestamp));
    expect(fromGateway.quotes.filter((q) => bookTimes.has(q.timestamp)).length).toBeGreaterThan(0);
  });
});
