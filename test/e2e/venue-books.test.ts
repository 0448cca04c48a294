/**
 * Ingest against the real hub, every venue (tickstream start, 3 minutes of replay at --speed 20,
 * no loop): every book the gateway publishes from ingest's local books equals the hub's book at
 * the same point of the replay, and once the replay is over the last ones equal the hub's own
 * REST depth. The checkpoints are exact, whatever the timing:
 * - Binance: a book's `sequence` is the update id it is at; the hub's book at update id L is the
 *   recorded depth snapshot with `lastUpdateId` L (its diffs reproduce every recorded snapshot).
 * - Kraken (no sequence): a book's `timestamp` is the time of the hub book frame it came from,
 *   which is the capture time of the recorded Depth response that changed the hub's book; the
 *   hub's book then is that response (levels printed with zero volume are not on it).
 * - OKX: a book's `timestamp` is the `ts` of the hub `books` message it came from, which is the
 *   recorded books answer's own `ts`; the hub's book then is that answer (seqId and the top-25
 *   checksum are validated by ingest on every message on the way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BookSnapshot, Level, Status } from '../../src/core/types.js';
import type { BinanceRestDepth } from '../../src/exchanges/binance/wire.js';
import type {
  KrakenRestDepthBook,
  KrakenRestDepthResult,
  KrakenRestResponse,
} from '../../src/exchanges/kraken/wire.js';
import type { OkxRestBody, OkxRestBook } from '../../src/exchanges/okx/wire.js';
import { listRecordingFiles } from '../../src/storage/layout.js';
import { readRecords } from '../../src/storage/reader.js';
import { startSampleStack, type SampleStack } from '../support/stack.js';

const DEPTH = 20;
const MINUTES = 3;

interface Book {
  readonly bids: Level[];
  readonly asks: Level[];
}

interface Pair {
  readonly exchange: 'binance' | 'kraken' | 'okx';
  readonly symbol: string;
  /** The hub's book at each checkpoint key (Binance update id, Kraken capture time). */
  truth: Map<number, Book>;
  /** The hub's REST depth of the pair, top DEPTH. */
  readonly restPath: string;
  readonly key: (b: BookSnapshot) => number;
}

const top = (side: ReadonlyArray<readonly [string, string, ...unknown[]]>): Level[] =>
  side
    .filter((l) => Number(l[1]) > 0)
    .slice(0, DEPTH)
    .map((l) => [Number(l[0]), Number(l[1])]);

async function binanceTruth(dataDir: string, native: string): Promise<Map<number, Book>> {
  const files = await listRecordingFiles(dataDir, 'binance', 'api_v3_depth', native);
  const books = new Map<number, Book>();
  for await (const { record } of readRecords<BinanceRestDepth>(files)) {
    books.set(record.data.lastUpdateId, { bids: top(record.data.bids), asks: top(record.data.asks) });
  }
  return books;
}

async function krakenTruth(dataDir: string, symbol: string): Promise<Map<number, Book>> {
  const files = await listRecordingFiles(dataDir, 'kraken', '0_public_Depth', symbol);
  const books = new Map<number, Book>();
  for await (const { record } of readRecords<KrakenRestResponse<KrakenRestDepthResult>>(files)) {
    const book = Object.values(record.data.result!)[0];
    books.set(record.ts, { bids: top(book.bids), asks: top(book.asks) });
  }
  return books;
}

async function okxTruth(dataDir: string, instId: string): Promise<Map<number, Book>> {
  const files = await listRecordingFiles(dataDir, 'okx', 'api_v5_market_books', instId);
  const books = new Map<number, Book>();
  for await (const { record } of readRecords<OkxRestBody<OkxRestBook>>(files)) {
    const book = record.data.data[0];
    books.set(Number(book.ts), { bids: top(book.bids), asks: top(book.asks) });
  }
  return books;
}

let stack: SampleStack;
const pairs: Pair[] = [
  { exchange: 'binance', symbol: 'BTC/USDT', restPath: '/binance/api/v3/depth?symbol=BTCUSDT&limit=20' },
  { exchange: 'binance', symbol: 'ETH/USDT', restPath: '/binance/api/v3/depth?symbol=ETHUSDT&limit=20' },
  { exchange: 'kraken', symbol: 'BTC/USD', restPath: '/kraken/0/public/Depth?pair=XBTUSD&count=20' },
  { exchange: 'kraken', symbol: 'ETH/USD', restPath: '/kraken/0/public/Depth?pair=ETHUSD&count=20' },
  { exchange: 'okx', symbol: 'BTC/USDT', restPath: '/okx/api/v5/market/books?instId=BTC-USDT&sz=20' },
  { exchange: 'okx', symbol: 'ETH/USDT', restPath: '/okx/api/v5/market/books?instId=ETH-USDT&sz=20' },
].map((p) => ({
  ...p,
  exchange: p.exchange as Pair['exchange'],
  truth: new Map(),
  key: (b: BookSnapshot) => (p.exchange === 'binance' ? b.sequence : b.timestamp),
}));
const books = new Map<string, BookSnapshot[]>();
const statuses: Status[] = [];
let ws: WebSocket;

beforeAll(async () => {
  stack = await startSampleStack({ seed: 'venue-books', minutes: MINUTES, speed: 20, loop: false });
  for (const p of pairs) {
    p.truth =
      p.exchange === 'binance'
        ? await binanceTruth(stack.dataDir, p.symbol.replace('/', ''))
        : p.exchange === 'kraken'
          ? await krakenTruth(stack.dataDir, p.symbol)
          : await okxTruth(stack.dataDir, p.symbol.replace('/', '-'));
  }
  ws = new WebSocket(`ws://127.0.0.1:${stack.gatewayPort}/ws`);
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { stream?: string; data?: unknown };
    if (frame.stream?.startsWith('book@')) {
      const list = books.get(frame.stream) ?? [];
      list.push(frame.data as BookSnapshot);
      books.set(frame.stream, list);
    } else if (frame.stream?.startsWith('status@')) statuses.push(frame.data as Status);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const params = pairs.flatMap((p) => [`book@${p.exchange}:${p.symbol}`, `status@${p.exchange}:${p.symbol}`]);
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params, id: 1 }));
}, 60_000);

afterAll(async () => {
  ws?.close();
  await stack?.stop();
});

describe('ingest against the real hub, Binance, Kraken and OKX, at --speed 20', () => {
  it('publishes, over more than a minute of replay, only books equal to the hub’s at the same point', async () => {
    const finished = () => stack.cli.logs.filter((l) => l.msg === 'replay finished').length;
    await expect.poll(finished, { timeout: MINUTES * 3 * 1000 + 20_000, interval: 100 }).toBe(4); // every venue's replay, Alpaca's too
    for (const p of pairs) {
      const seen = books.get(`book@${p.exchange}:${p.symbol}`) ?? [];
      expect(seen.length, p.symbol).toBeGreaterThan(50);
      for (const book of seen) {
        const truth = p.truth.get(p.key(book));
        expect(truth, `${p.symbol}: no hub book at ${p.key(book)}`).toBeDefined();
        expect({ bids: book.bids, asks: book.asks }, `${p.symbol} at ${p.key(book)}`).toEqual(truth);
        expect(book.bids).toHaveLength(DEPTH);
      }
      const span = seen.at(-1)!.timestamp - seen[0].timestamp;
      expect(span, `${p.symbol}: replay time covered`).toBeGreaterThan(60_000);
    }
    expect(statuses.filter((s) => s.state === 'resyncing')).toEqual([]);
    const warnings = stack.cli.logs.filter((l) => (l.level as number) >= 40);
    expect(warnings.map((l) => l.msg)).toEqual([]);
  });

  it('ends, once the replay is over, with the last books equal to the hub’s own REST depth', async () => {
    for (const p of pairs) {
      const res = await fetch(`http://127.0.0.1:${stack.hubPort}${p.restPath}`);
      const body = (await res.json()) as
        BinanceRestDepth | KrakenRestResponse<Record<string, KrakenRestDepthBook>> | OkxRestBody<OkxRestBook>;
      const rest =
        'lastUpdateId' in body ? body : 'code' in body ? body.data[0] : Object.values(body.result!)[0];
      const hubBook: Book = { bids: top(rest.bids), asks: top(rest.asks) };
      const last = () => {
        const b = books.get(`book@${p.exchange}:${p.symbol}`)?.at(-1);
        return b === undefined ? undefined : { bids: b.bids, asks: b.asks };
      };
      // The hub stands still now: the last frames are at most in flight.
      await expect.poll(last, { timeout: 5_000, interval: 50 }).toEqual(hubBook);
      if ('lastUpdateId' in body) {
        expect(books.get(`book@${p.exchange}:${p.symbol}`)!.at(-1)!.sequence).toBe(body.lastUpdateId);
      }
    }
  });
});
