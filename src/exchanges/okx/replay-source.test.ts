import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { applyDiff, type TextBook } from '../../replay/level-diff.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { captureLogs } from '../../test-support/log-capture.js';
import type { OkxBookEvent, OkxTradeEvent } from './events.js';
import { OKX_BOOKS_ENDPOINT, OKX_TRADES_ENDPOINT, OkxReplaySource } from './replay-source.js';
import { writeOkxRecords, writeOkxSample } from './test-support/recordings.js';
import type { OkxLevel, OkxRestBook, OkxRestTrade } from './wire.js';

const START = Date.UTC(2026, 0, 5, 14);
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-okx-src-'));
  temps.push(dir);
  return dir;
}

async function collect(source: OkxReplaySource, index = 0, shift = 0): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of source.pass(index, shift)) out.push(e);
  return out;
}

const ok = <T>(data: T[]) => ({ code: '0', data, msg: '' });

function trade(id: number, ts: number, px = '100.1'): OkxRestTrade {
  return {
    instId: 'BTC-USDT',
    side: id % 2 === 0 ? 'buy' : 'sell',
    sz: '0.01',
    px,
    tradeId: String(id),
    ts: String(ts),
  };
}

/** A page as OKX serves it: newest first. */
const page = (ids: number[]): OkxRestTrade[] => ids.map((id) => trade(id, START + id)).reverse();

/** Rebuilds every book from a run's snapshot and updates, as a consumer would. */
function rebuilt(events: readonly ReplayEvent[], instId: string): TextBook<OkxLevel>[] {
  const books: TextBook<OkxLevel>[] = [];
  let book: TextBook<OkxLevel> | undefined;
  for (const e of events) {
    if (e.symbol !== instId) continue;
    const data = e.data as OkxBookEvent;
    if (e.kind === 'book_snapshot') book = { bids: data.bids, asks: data.asks };
    else if (e.kind === 'book_update') {
      if (book === undefined) throw new Error('an update before the snapshot');
      book = applyDiff(book, data);
    } else continue;
    books.push(book);
  }
  return books;
}

async function recordedBooks(root: string, instId: string): Promise<OkxRestBook[]> {
  const out: OkxRestBook[] = [];
  const files = await listRecordingFiles(root, 'okx', OKX_BOOKS_ENDPOINT, instId);
  for await (const { record } of readRecords<{ data: OkxRestBook[] }>(files)) out.push(record.data.data[0]);
  return out;
}

/** A random side of four-field levels on a 0.1 grid, best first, distinct prices. */
const side = (descending: boolean): fc.Arbitrary<OkxLevel[]> =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 15 })
    .chain((ticks) =>
      fc
        .tuple(...ticks.map(() => fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }))))
        .map((fields) =>
          ticks
            .map((t, i): OkxLevel => [
              (t / 10).toString(),
              (fields[i][0] / 100).toString(),
              '0',
              String(fields[i][1]),
            ])
            .sort((x, y) => (descending ? +y[0] - +x[0] : +x[0] - +y[0])),
        ),
    );

describe('OkxReplaySource books', () => {
  it('PROPERTY: applying the book_updates to the book_snapshot reproduces every recorded book, all four fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ bids: side(true), asks: side(false) }), { minLength: 1, maxLength: 8 }),
        async (books) => {
          const root = await temp();
          await writeOkxRecords(
            root,
            OKX_BOOKS_ENDPOINT,
            'BTC-USDT',
            books.map((b, i) => ({
              ts: START + i * 1000,
              data: ok([{ ...b, ts: String(START + i * 1000 - 5) }]),
            })),
          );
          const source = await OkxReplaySource.open(root, silentLogger());
          const events = await collect(source);
          expect(events.map((e) => e.kind)).toEqual(
            books.map((_, i) => (i === 0 ? 'book_snapshot' : 'book_update')),
          );
          expect(events.map((e) => (e.data as OkxBookEvent).ts)).toEqual(
            books.map((_, i) => String(START + i * 1000 - 5)),
          );
          for (const e of events.slice(1)) {
            const { bids, asks } = e.data as OkxBookEvent;
            for (const level of [...bids, ...asks])
              if (level[1] === '0') expect(level.slice(1)).toEqual(['0', '0', '0']);
          }
          expect(rebuilt(events, 'BTC-USDT')).toEqual(books.map((b) => ({ bids: b.bids, asks: b.asks })));
          await rm(root, { recursive: true, force: true });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sends an order-count-only change and a delete as OKX writes them', async () => {
    const root = await temp();
    await writeOkxRecords(root, OKX_BOOKS_ENDPOINT, 'BTC-USDT', [
      {
        ts: START,
        data: ok([{ bids: [['100', '1.5', '0', '2']], asks: [['100.1', '1', '0', '1']], ts: String(START) }]),
      },
      {
        ts: START + 1000,
        data: ok([{ bids: [['100', '1.5', '0', '3']], asks: [], ts: String(START + 1000) }]),
      },
    ]);
    const events = await collect(await OkxReplaySource.open(root, silentLogger()));
    expect({ ...events[1], origin: undefined, full: undefined }).toEqual({
      exchange: 'okx',
      symbol: 'BTC-USDT',
      ts: START + 1000,
      kind: 'book_update',
      data: { bids: [['100', '1.5', '0', '3']], asks: [['100.1', '0', '0', '0']], ts: String(START + 1000) },
    });
  });

  it('over a generated sample: every 400-level book rebuilt exactly, trades each once in id order', async () => {
    const root = await temp();
    await writeOkxSample({
      root,
      instruments: ['BTC-USDT', 'ETH-USDT'],
      startMs: START,
      seconds: 20,
      tradesEveryMs: 2000,
    });
    const source = await OkxReplaySource.open(root, silentLogger());
    expect(source.symbols).toEqual(['BTC-USDT', 'ETH-USDT']);
    const events = await collect(source);
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
    for (const instId of source.symbols) {
      const recorded = await recordedBooks(root, instId);
      expect(recorded.length).toBe(21);
      expect(rebuilt(events, instId)).toEqual(recorded.map((b) => ({ bids: b.bids, asks: b.asks })));
      const ids = events
        .filter((e) => e.symbol === instId && e.kind === 'trade')
        .map((e) => Number((e.data as OkxTradeEvent).tradeId));
      expect(ids.length).toBeGreaterThan(10);
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1] + 1);
    }
    expect(source.stats().duplicates).toBeGreaterThan(0);
    expect(source.stats().tradeGaps).toBe(0);
  });
});

describe('OkxReplaySource trades', () => {
  it('emits each trade once, in id order, at its own ts, across overlapping newest-first polls', async () => {
    const root = await temp();
    await writeOkxRecords(root, OKX_TRADES_ENDPOINT, 'BTC-USDT', [
      { ts: START + 10, data: ok(page([1, 2, 3])) },
      { ts: START + 20, data: ok(page([2, 3, 4, 5])) },
      { ts: START + 30, data: ok(page([5, 6])) },
    ]);
    const source = await OkxReplaySource.open(root, silentLogger());
    const events = await collect(source);
    expect(events.map((e) => (e.data as OkxTradeEvent).tradeId)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(events.map((e) => e.ts)).toEqual([1, 2, 3, 4, 5, 6].map((id) => START + id));
    expect({ ...events[0], origin: undefined }).toEqual({
      exchange: 'okx',
      symbol: 'BTC-USDT',
      ts: START + 1,
      kind: 'trade',
      data: trade(1, START + 1),
    });
    expect(source.stats()).toMatchObject({ duplicates: 3, tradeGaps: 0, badLines: 0 });
    expect(await source.recordingStart()).toBe(START + 10);
  });

  it('--loop: pass 2 plays later, with trade ids (still text) above every id of pass 1', async () => {
    const root = await temp();
    await writeOkxRecords(root, OKX_TRADES_ENDPOINT, 'BTC-USDT', [
      { ts: START + 10, data: ok(page([100, 101, 102])) },
      { ts: START + 20, data: ok(page([102, 103])) },
    ]);
    await writeOkxRecords(root, OKX_BOOKS_ENDPOINT, 'BTC-USDT', [
      {
        ts: START,
        data: ok([{ bids: [['100', '1', '0', '1']], asks: [['101', '1', '0', '1']], ts: String(START) }]),
      },
    ]);
    const source = await OkxReplaySource.open(root, silentLogger());
    const first = await collect(source, 0, 0);
    const shift = 60_000;
    const second = await collect(source, 1, shift);
    const trades = (events: ReplayEvent[]) =>
      events.filter((e) => e.kind === 'trade').map((e) => e.data as OkxTradeEvent);
    const ids1 = trades(first).map((t) => Number(t.tradeId));
    const ids2 = trades(second).map((t) => t.tradeId);
    expect(ids1).toEqual([100, 101, 102, 103]);
    expect(ids2).toEqual(['104', '105', '106', '107']);
    expect(Math.min(...second.map((e) => e.ts))).toBeGreaterThan(Math.max(...first.map((e) => e.ts)));
    expect(trades(second).map((t) => t.ts)).toEqual(
      [100, 101, 102, 103].map((id) => String(START + id + shift)),
    );
    // The book starts a pass-2 run from its own diffs against pass 1's last book: nothing changed.
    const book2 = second.find((e) => e.kind !== 'trade')!;
    expect(book2).toMatchObject({
      kind: 'book_update',
      ts: START + shift,
      data: { bids: [], asks: [], ts: String(START + shift) },
    });
  });
});

describe('OkxReplaySource bad input', () => {
  it('counts bad JSON, error answers and missing fields, logs each once with file:line, and carries on', async () => {
    const root = await temp();
    await writeOkxRecords(root, OKX_TRADES_ENDPOINT, 'BTC-USDT', [
      { ts: START + 10, data: ok(page([1, 2])) },
      { ts: START + 20, data: { code: '50011', data: [], msg: 'Too Many Requests' } },
      {
        ts: START + 30,
        data: ok([{ instId: 'BTC-USDT', side: 'buy', px: '1', tradeId: '3', ts: String(START) }]),
      },
      { ts: START + 40, data: ok(page([3])) },
    ]);
    await writeOkxRecords(root, OKX_BOOKS_ENDPOINT, 'BTC-USDT', [
      {
        ts: START,
        data: ok([{ bids: [['100', '1', '0', '1']], asks: [['101', '1', '0']], ts: String(START) }]),
      },
      {
        ts: START + 1000,
        data: ok([{ bids: [['100', '1', '0', '1']], asks: [], ts: String(START + 1000) }]),
      },
    ]);
    const [tradesFile] = await listRecordingFiles(root, 'okx', OKX_TRADES_ENDPOINT, 'BTC-USDT');
    await appendFile(tradesFile, '{"ts": 17, "request": \n');
    const { logger, lines } = captureLogs();
    const source = await OkxReplaySource.open(root, logger);
    const events = await collect(source);
    expect(events.filter((e) => e.kind === 'trade').map((e) => (e.data as OkxTradeEvent).tradeId)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(events.filter((e) => e.kind !== 'trade').map((e) => e.kind)).toEqual(['book_snapshot']);
    expect(source.stats().badLines).toBe(4);
    const warned = lines.filter((l) => l.level === 40).map((l) => `${String(l.line)} ${l.msg}`);
    expect(warned).toHaveLength(4);
    expect(
      warned.some((w) => w.startsWith('2 ') && w.includes('code "50011"') && w.includes(tradesFile)),
    ).toBe(true);
    expect(warned.some((w) => w.startsWith('3 ') && w.includes('entry 0 is not a BTC-USDT trade'))).toBe(
      true,
    );
    expect(warned.some((w) => w.startsWith('5 ') && w.includes('not a recording line'))).toBe(true);
    expect(warned.some((w) => w.startsWith('1 ') && w.includes('books:'))).toBe(true);
    // A second pass reads the same bad lines: neither counted nor logged again.
    await collect(source, 1, 60_000);
    expect(source.stats().badLines).toBe(4);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(4);
  });
});
