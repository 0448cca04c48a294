import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { generateBinanceDataset } from '../../generate/binance.js';
import type { ReplayEvent } from '../../replay/events.js';
import { ReplayPublisher } from '../../replay/publisher.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { applyDepthUpdate } from './depth-diff.js';
import { BINANCE_DEPTH_ENDPOINT, BINANCE_TRADES_ENDPOINT, BinanceReplaySource } from './replay-source.js';
import type {
  BinanceDepthUpdateEvent,
  BinanceRestDepth,
  BinanceRestTrade,
  BinanceTradeEvent,
} from './wire.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-replay-src-'));
  await generateBinanceDataset({
    root,
    seed: 'replay-source',
    startMs: Date.UTC(2026, 0, 5, 14),
    minutes: 2,
    symbols: ['BTCUSDT', 'ETHUSDT'],
  });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function collectPass(source: BinanceReplaySource): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  for await (const e of source.pass(0, 0)) events.push(e);
  return events;
}

async function recorded<T>(endpoint: string, symbol: string): Promise<Array<{ ts: number; data: T }>> {
  const out: Array<{ ts: number; data: T }> = [];
  for await (const { record } of readRecords<T>(
    await listRecordingFiles(root, 'binance', endpoint, symbol),
  )) {
    out.push({ ts: record.ts, data: record.data });
  }
  return out;
}

describe('BinanceReplaySource', () => {
  it('plays every recorded trade exactly once, in id order, and the events in time order', async () => {
    const source = await BinanceReplaySource.open(root, silentLogger());
    expect(source.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    const events = await collectPass(source);
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);

    for (const symbol of source.symbols) {
      const polls = await recorded<BinanceRestTrade[]>(BINANCE_TRADES_ENDPOINT, symbol);
      const all = new Map<number, BinanceRestTrade>();
      for (const p of polls) for (const t of p.data) all.set(t.id, t);
      const played = events
        .filter((e) => e.symbol === symbol && e.kind === 'trade')
        .map((e) => e.data as BinanceTradeEvent);
      expect(played.map((t) => t.t)).toEqual([...all.keys()].sort((a, b) => a - b));
      for (const t of played) {
        const rest = all.get(t.t) as BinanceRestTrade;
        expect([t.p, t.q, t.T, t.m]).toEqual([rest.price, rest.qty, rest.time, rest.isBuyerMaker]);
      }
    }
  });

  it('turns the depth snapshots into one snapshot and diffs that rebuild every recorded snapshot', async () => {
    const source = await BinanceReplaySource.open(root, silentLogger());
    const events = await collectPass(source);
    for (const symbol of source.symbols) {
      const snapshots = await recorded<BinanceRestDepth>(BINANCE_DEPTH_ENDPOINT, symbol);
      const mine = events.filter((e) => e.symbol === symbol && e.kind !== 'trade');
      expect(mine[0].kind).toBe('book_snapshot');
      let book = mine[0].data as BinanceRestDepth;
      expect(book).toEqual(snapshots[0].data);
      const byId = new Map(snapshots.map((s) => [s.data.lastUpdateId, s.data]));
      for (const e of mine.slice(1)) {
        const update = e.data as BinanceDepthUpdateEvent;
        expect(update.U).toBe(book.lastUpdateId + 1);
        book = applyDepthUpdate(book, update);
        expect(book).toEqual(byId.get(update.u));
      }
      expect(book.lastUpdateId).toBe(snapshots[snapshots.length - 1].data.lastUpdateId);
    }
  });

  it('loops with times and ids that keep rising and a book that stays continuous', async () => {
    const source = await BinanceReplaySource.open(root, silentLogger());
    const onePass = (await collectPass(await BinanceReplaySource.open(root, silentLogger()))).length;
    const events: ReplayEvent[] = [];
    const abort = new AbortController();
    const publisher = new ReplayPublisher({ source, speed: 'max', loop: true, logger: silentLogger() });
    await publisher.run(
      {
        push(e) {
          events.push(e);
          if (events.length >= onePass * 2 + 50) abort.abort();
        },
      },
      abort.signal,
    );
    expect(publisher.stats().passes).toBeGreaterThanOrEqual(2);
    for (const symbol of source.symbols) {
      const mine = events.filter((e) => e.symbol === symbol);
      let lastTs = -Infinity;
      let lastTrade = -Infinity;
      let lastU = -Infinity;
      let snapshots = 0;
      for (const e of mine) {
        expect(e.ts).toBeGreaterThanOrEqual(lastTs);
        lastTs = e.ts;
        if (e.kind === 'trade') {
          const t = (e.data as BinanceTradeEvent).t;
          expect(t).toBe(lastTrade === -Infinity ? t : lastTrade + 1);
          lastTrade = t;
        } else if (e.kind === 'book_update') {
          const u = e.data as BinanceDepthUpdateEvent;
          expect(u.U).toBe(lastU + 1);
          lastU = u.u;
        } else {
          snapshots++;
          lastU = (e.data as BinanceRestDepth).lastUpdateId;
        }
      }
      expect(snapshots).toBe(1);
    }
  });
});
