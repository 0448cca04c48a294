import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import type { DatasetSummary } from '../../generate/dataset.js';
import { listRecordingFiles, listSymbols } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import type { RecordedResponse } from '../../storage/record.js';
import { generateOkxDataset } from './generate.js';
import type { OkxOkBody } from './generate-format.js';
import type { OkxRestInstrument } from './instruments.js';
import { OKX_BOOKS_ENDPOINT, OKX_INSTRUMENTS_ENDPOINT, OKX_TRADES_ENDPOINT } from './replay-source.js';
import { pairFromInstrument } from './symbols.js';
import type { OkxLevel, OkxRestBook, OkxRestTrade } from './wire.js';

const START = Date.UTC(2026, 0, 5, 14);
const MINUTES = 0.4;
const temps: string[] = [];
let root: string;
let summary: DatasetSummary;

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/instruments-spot.json', import.meta.url), 'utf8'),
) as {
  data: Record<string, string>[];
};

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-okx-gen-'));
  temps.push(dir);
  return dir;
}

beforeAll(async () => {
  root = await temp();
  summary = await generateOkxDataset({ root, seed: 'okx-gen', startMs: START, minutes: MINUTES });
});
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function records<T>(endpoint: string, instId: string): Promise<RecordedResponse<T>[]> {
  const out: RecordedResponse<T>[] = [];
  for await (const { record } of readRecords<T>(await listRecordingFiles(root, 'okx', endpoint, instId))) {
    out.push(record);
  }
  return out;
}

const INSTRUMENTS = ['BTC-USDT', 'ETH-USDT'];
const GRID: Record<string, { tick: string; lot: string; min: string }> = {
  'BTC-USDT': { tick: '0.1', lot: '0.00000001', min: '0.00001' },
  'ETH-USDT': { tick: '0.01', lot: '0.000001', min: '0.001' },
};
/** OKX text numbers: digits, an optional fraction, never a trailing zero after the point. */
const OKX_NUMBER = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

describe('generateOkxDataset', () => {
  it('writes BTC-USDT and ETH-USDT by default under the endpoints named from the REST paths', async () => {
    expect(summary.platform).toBe('okx');
    for (const endpoint of [OKX_TRADES_ENDPOINT, OKX_BOOKS_ENDPOINT, OKX_INSTRUMENTS_ENDPOINT]) {
      expect(await listSymbols(root, 'okx', endpoint)).toEqual(INSTRUMENTS);
    }
    expect(summary.files.map((f) => relative(root, f).split('/').slice(0, 2).join('/'))).toEqual(
      expect.arrayContaining([
        'okx/api_v5_market_books',
        'okx/api_v5_market_trades',
        'okx/api_v5_public_instruments',
      ]),
    );
  });

  it('records instruments once: the real entry’s full field set, with the real grid', async () => {
    for (const instId of INSTRUMENTS) {
      const info = await records<OkxOkBody<OkxRestInstrument>>(OKX_INSTRUMENTS_ENDPOINT, instId);
      expect(info).toHaveLength(1);
      expect(info[0].request).toEqual({
        path: '/api/v5/public/instruments',
        params: { instType: 'SPOT', instId },
      });
      expect(Object.keys(info[0].data)).toEqual(['code', 'data', 'msg']);
      expect([info[0].data.code, info[0].data.msg]).toEqual(['0', '']);
      const [entry] = info[0].data.data;
      const real = fixture.data.find((e) => e.instId === instId)!;
      expect(Object.keys(entry)).toEqual(Object.keys(real));
      for (const value of Object.values(entry)) expect(typeof value).toBe('string');
      expect([entry.tickSz, entry.lotSz, entry.minSz]).toEqual([
        GRID[instId].tick,
        GRID[instId].lot,
        GRID[instId].min,
      ]);
      expect(pairFromInstrument(entry).symbol).toBe(instId.replace('-', '/'));
    }
  });

  it('records a 400-level books answer every second: text levels [px, sz, "0", orders], sides sorted, on the grid', async () => {
    for (const instId of INSTRUMENTS) {
      const books = await records<OkxOkBody<OkxRestBook>>(OKX_BOOKS_ENDPOINT, instId);
      expect(books.length).toBeGreaterThanOrEqual(MINUTES * 60 - 1);
      let orderCountOnly = 0;
      let prev: Map<string, OkxLevel> | undefined;
      for (const b of books) {
        expect(b.request).toEqual({ path: '/api/v5/market/books', params: { instId, sz: 400 } });
        expect([b.data.code, b.data.msg, b.data.data.length]).toEqual(['0', '', 1]);
        const { asks, bids, ts } = b.data.data[0];
        expect(Object.keys(b.data.data[0])).toEqual(['asks', 'bids', 'ts']);
        expect(ts).toMatch(/^\d{13}$/);
        expect(Number(ts)).toBeLessThan(b.ts);
        expect([asks.length, bids.length]).toEqual([400, 400]);
        // Plain checks collected per book (hundreds of thousands of expects would be slow).
        const wrong = [...asks, ...bids].filter(
          (level) =>
            level.length !== 4 ||
            !OKX_NUMBER.test(level[0]) ||
            !OKX_NUMBER.test(level[1]) ||
            level[2] !== '0' ||
            !/^[1-9]\d*$/.test(level[3]) ||
            decimals(level[0]) > decimals(GRID[instId].tick) ||
            decimals(level[1]) > decimals(GRID[instId].lot) ||
            Number(level[1]) < Number(GRID[instId].min),
        );
        expect(wrong).toEqual([]);
        const unsorted =
          asks.filter((l, i) => i > 0 && +l[0] <= +asks[i - 1][0]).length +
          bids.filter((l, i) => i > 0 && +l[0] >= +bids[i - 1][0]).length;
        expect(unsorted).toBe(0);
        expect(+bids[0][0]).toBeLessThan(+asks[0][0]);
        const now = new Map([...bids, ...asks].map((l) => [l[0], l]));
        for (const [px, level] of now) {
          const old = prev?.get(px);
          if (old !== undefined && old[1] === level[1] && old[3] !== level[3]) orderCountOnly++;
        }
        prev = now;
      }
      // Order counts also change on their own now and then, as on OKX.
      expect(orderCountOnly).toBeGreaterThan(0);
    }
  });

  it('polls trades newest first, text numbers, each page overlapping the previous, none lost', async () => {
    for (const instId of INSTRUMENTS) {
      const polls = await records<OkxOkBody<OkxRestTrade>>(OKX_TRADES_ENDPOINT, instId);
      expect(polls.length).toBeGreaterThanOrEqual(4);
      const seen = new Set<number>();
      let prevNewest: number | undefined;
      for (const p of polls) {
        expect(p.request).toEqual({ path: '/api/v5/market/trades', params: { instId, limit: 100 } });
        expect([p.data.code, p.data.msg]).toEqual(['0', '']);
        const trades = p.data.data;
        expect(trades.length).toBeLessThanOrEqual(100);
        for (const t of trades) {
          expect(Object.keys(t)).toEqual(['instId', 'side', 'sz', 'px', 'tradeId', 'ts']);
          expect(t.instId).toBe(instId);
          expect(['buy', 'sell']).toContain(t.side);
          expect(t.px).toMatch(OKX_NUMBER);
          expect(t.sz).toMatch(OKX_NUMBER);
          expect(t.tradeId).toMatch(/^\d+$/);
          expect(t.ts).toMatch(/^\d{13}$/);
          seen.add(Number(t.tradeId));
        }
        const ids = trades.map((t) => Number(t.tradeId));
        for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1] - 1);
        if (prevNewest !== undefined && ids.length > 0)
          expect(ids[ids.length - 1]).toBeLessThanOrEqual(prevNewest);
        if (ids.length > 0) prevNewest = ids[0];
      }
      const s = summary.symbols.find((x) => x.symbol === instId)!;
      expect(seen.size).toBe(s.lastTradeId - s.firstTradeId + 1);
      expect(s.trades).toBeGreaterThan(50);
    }
  });

  it('is deterministic: the same seed writes the same bytes, another seed different ones', async () => {
    const again = await temp();
    const other = await temp();
    const opts = { seed: 'okx-gen', startMs: START, minutes: MINUTES };
    const a = await generateOkxDataset({ ...opts, root: again });
    const b = await generateOkxDataset({ ...opts, root: other, seed: 'okx-gen-2', symbols: ['BTC/USDT'] });
    expect(a.files.map((f) => relative(again, f))).toEqual(summary.files.map((f) => relative(root, f)));
    for (const file of summary.files) {
      expect(await readFile(join(again, relative(root, file)))).toEqual(await readFile(file));
    }
    const btcBooks = (dir: string, s: DatasetSummary): string =>
      s.files.find((f) => relative(dir, f).startsWith('okx/api_v5_market_books/BTC-USDT'))!;
    expect(await readFile(btcBooks(other, b))).not.toEqual(await readFile(btcBooks(root, summary)));
  });

  it('refuses an unknown instrument and a trades limit outside OKX’s range', async () => {
    const dir = await temp();
    await expect(
      generateOkxDataset({ root: dir, seed: 1, startMs: START, minutes: 0.1, symbols: ['DOGE-USDT'] }),
    ).rejects.toThrow(/no OKX market profile for symbol "DOGE-USDT"; supported: BTC-USDT, ETH-USDT/);
    await expect(
      generateOkxDataset({ root: dir, seed: 1, startMs: START, minutes: 0.1, tradesLimit: 501 }),
    ).rejects.toThrow(ConfigError);
  });
});
