import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BookSnapshot, Trade } from '../../src/core/types.js';
import type { BinanceRestDepth } from '../../src/exchanges/binance/wire.js';
import { listRecordingFiles } from '../../src/storage/layout.js';
import { readRecords } from '../../src/storage/reader.js';
import type { CliProcess } from '../support/cli.js';
import { startSampleStack, type SampleStack } from '../support/stack.js';

interface Frame {
  stream?: string;
  data?: unknown;
  result?: unknown;
  id?: number;
}

let stack: SampleStack;
let dataDir: string;
let cli: CliProcess;
let gatewayPort: number;

beforeAll(async () => {
  stack = await startSampleStack({ seed: 'e2e', minutes: 3, speed: 4 });
  ({ dataDir, cli, gatewayPort } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

/** Recorded depth snapshots by lastUpdateId. */
async function recordedBooks(symbol: string): Promise<Map<number, BinanceRestDepth>> {
  const files = await listRecordingFiles(dataDir, 'binance', 'api_v3_depth', symbol);
  const books = new Map<number, BinanceRestDepth>();
  for await (const { record } of readRecords<BinanceRestDepth>(files))
    books.set(record.data.lastUpdateId, record.data);
  return books;
}

function topLevels(levels: Array<[string, string]>, n: number): Array<[number, number]> {
  return levels.slice(0, n).map(([p, q]) => [Number(p), Number(q)]);
}

describe('tickstream start (end to end)', () => {
  it('streams normalized trades, and the gateway book equals the replayed book at the same update id', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gatewayPort}/ws`);
    const trades: Trade[] = [];
    const books: BookSnapshot[] = [];
    const replies: Frame[] = [];
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Frame;
      if (frame.stream === 'trade@BTC/USDT') trades.push(frame.data as Trade);
      else if (frame.stream === 'book@BTC/USDT') books.push(frame.data as BookSnapshot);
      else replies.push(frame);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const subscribedAt = Date.now();
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT', 'book@BTC/USDT'], id: 1 }));

    await expect.poll(() => trades.length, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0);
    expect(Date.now() - subscribedAt).toBeLessThan(5_000);
    expect(replies).toContainEqual({ result: null, id: 1 });
    // The aggregated tape: Binance's and OKX's trades of the pair, whichever comes first.
    const trade = trades[0];
    expect(trade).toMatchObject({ type: 'trade', symbol: 'BTC/USDT' });
    expect(['binance', 'okx']).toContain(trade.exchange);
    expect(typeof trade.price).toBe('number');
    expect(['buy', 'sell']).toContain(trade.side);

    await expect.poll(() => books.length, { timeout: 10_000, interval: 50 }).toBeGreaterThan(3);
    ws.close();

    const recorded = await recordedBooks('BTCUSDT');
    const comparable = books.filter((b) => recorded.has(b.sequence));
    expect(comparable.length).toBeGreaterThan(0);
    for (const book of comparable) {
      const truth = recorded.get(book.sequence) as BinanceRestDepth;
      expect(book.bids).toEqual(topLevels(truth.bids, book.bids.length));
      expect(book.asks).toEqual(topLevels(truth.asks, book.asks.length));
      expect(book.bids.length).toBe(20);
    }
  });

  it('stops cleanly within 5 s on SIGINT', async () => {
    const sentAt = Date.now();
    cli.child.kill('SIGINT');
    const code = await cli.exited;
    expect(code).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(cli.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
