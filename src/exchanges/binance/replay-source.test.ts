import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { generateBinanceDataset } from './generate.js';
import type { ReplayEvent } from '../../replay/events.js';
import { ReplayPublisher } from '../../replay/publisher.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { RecordingWriter } from '../../storage/writer.js';
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
    const { events, onePass, source } = await loopPasses(3);
    for (const symbol of source.symbols) {
      const mine = events.filter((e) => e.symbol === symbol);
      let lastTs = -Infinity;
      let lastTrade = -Infinity;
      let lastTradeTime = -Infinity;
      let lastU = -Infinity;
      let snapshots = 0;
      for (const e of mine) {
        expect(e.ts).toBeGreaterThanOrEqual(lastTs);
        lastTs = e.ts;
        if (e.kind === 'trade') {
          const trade = e.data as BinanceTradeEvent;
          expect(trade.t).toBe(lastTrade === -Infinity ? trade.t : lastTrade + 1);
          lastTrade = trade.t;
          expect(trade.T).toBeGreaterThanOrEqual(lastTradeTime);
          expect(trade.E).toBe(e.ts);
          lastTradeTime = trade.T;
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
    expect(events.length).toBe(onePass * 3);
  });

  it('starts each pass the loop gap after every time the previous pass emitted', async () => {
    const { events, onePass } = await loopPasses(3);
    const passes = [0, 1, 2].map((k) => events.slice(k * onePass, (k + 1) * onePass));
    for (let k = 1; k < passes.length; k++) {
      const previousEnd = Math.max(...passes[k - 1].flatMap(emittedTimes));
      const start = Math.min(...passes[k].flatMap(emittedTimes));
      expect(start).toBe(previousEnd + 1000);
    }
  });

  it("plays the first poll's earlier trades at their own times, before the recording's start", async () => {
    const source = await BinanceReplaySource.open(root, silentLogger());
    const events = await collectPass(source);
    const captures = await Promise.all(
      ['BTCUSDT', 'ETHUSDT'].flatMap((symbol) =>
        [BINANCE_TRADES_ENDPOINT, BINANCE_DEPTH_ENDPOINT].map(async (endpoint) => {
          const [first] = await recorded(endpoint, symbol);
          return first.ts;
        }),
      ),
    );
    const start = Math.min(...captures);
    expect(await source.recordingStart()).toBe(start);
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const trades = events.filter((e) => e.symbol === symbol && e.kind === 'trade');
      // Sample-shaped data: the first poll reaches back well before the recording began.
      expect(trades.filter((e) => e.ts < start - 1000).length).toBeGreaterThan(50);
      for (const e of trades) {
        const trade = e.data as BinanceTradeEvent;
        expect([e.ts, trade.E]).toEqual([trade.T, trade.T]);
      }
    }
  });

  it('never lets event times go back, nor below the trade time, when recorded trade times do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-replay-src-order-'));
    try {
      const t0 = Date.UTC(2026, 0, 5, 14);
      const trade = (id: number, time: number): BinanceRestTrade => ({
        id,
        price: '67000.00000000',
        qty: '0.01000000',
        quoteQty: '670.00000000',
        time,
        isBuyerMaker: false,
        isBestMatch: true,
      });
      await writeRecords(dir, BINANCE_TRADES_ENDPOINT, [
        { ts: t0, data: [trade(1, t0 - 500), trade(2, t0 - 700), trade(3, t0 - 600)] },
        { ts: t0 + 1000, data: [trade(3, t0 - 600), trade(4, t0 + 900)] },
      ]);
      await writeRecords(dir, BINANCE_DEPTH_ENDPOINT, [
        { ts: t0, data: { lastUpdateId: 10, bids: [['66999.00', '1.0']], asks: [['67001.00', '1.0']] } },
      ]);
      const events = await collectPass(await BinanceReplaySource.open(dir, silentLogger()));
      const trades = events.filter((e) => e.kind === 'trade').map((e) => e.data as BinanceTradeEvent);
      expect(trades.map((t) => [t.t, t.T, t.E])).toEqual([
        [1, t0 - 500, t0 - 500],
        [2, t0 - 700, t0 - 500],
        [3, t0 - 600, t0 - 500],
        [4, t0 + 900, t0 + 900],
      ]);
      expect(events.map((e) => e.ts)).toEqual([t0 - 500, t0 - 500, t0 - 500, t0, t0 + 900]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** `passes` whole passes of the sample, looped by a publisher at max speed. */
async function loopPasses(
  passes: number,
): Promise<{ events: ReplayEvent[]; onePass: number; source: BinanceReplaySource }> {
  const source = await BinanceReplaySource.open(root, silentLogger());
  const onePass = (await collectPass(await BinanceReplaySource.open(root, silentLogger()))).length;
  const events: ReplayEvent[] = [];
  const abort = new AbortController();
  const publisher = new ReplayPublisher({ source, speed: 'max', loop: true, logger: silentLogger() });
  await publisher.run(
    {
      push(e) {
        if (events.length === onePass * passes) abort.abort();
        else events.push(e);
      },
    },
    abort.signal,
  );
  expect(publisher.stats().passes).toBe(passes);
  return { events, onePass, source };
}

/** Every time an event carries: its replay time, and E / T where it has them. */
function emittedTimes(e: ReplayEvent): number[] {
  if (e.kind === 'trade') {
    const t = e.data as BinanceTradeEvent;
    return [e.ts, t.E, t.T];
  }
  if (e.kind === 'book_update') return [e.ts, (e.data as BinanceDepthUpdateEvent).E];
  return [e.ts];
}

async function writeRecords(
  dir: string,
  endpoint: string,
  records: ReadonlyArray<{ ts: number; data: unknown }>,
): Promise<void> {
  const writer = new RecordingWriter({
    root: dir,
    platform: 'binance',
    endpoint,
    symbol: 'BTCUSDT',
    fsync: false,
  });
  for (const r of records)
    await writer.write({
      ts: r.ts,
      request: { path: `/api/v3/${endpoint}`, params: { symbol: 'BTCUSDT' } },
      data: r.data,
    });
  await writer.close();
}
