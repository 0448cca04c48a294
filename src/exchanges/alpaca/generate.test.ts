import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_START_MS } from '../../app/sample-data.js';
import { ConfigError } from '../../core/errors.js';
import type { DatasetSummary } from '../../generate/dataset.js';
import { listEndpoints, listSymbols } from '../../storage/layout.js';
import type { RecordedResponse } from '../../storage/record.js';
import { ALPACA_GENERATED_ENDPOINTS, generateAlpacaDataset, type AlpacaGenerateOptions } from './generate.js';
import { sessionOn } from './market-hours.js';
import { QUOTE_VENUES, TRADE_VENUES } from './profiles.js';
import { parseAlpacaTime } from './recording-time.js';
import {
  ALPACA_BARS_ENDPOINT,
  ALPACA_PLATFORM,
  ALPACA_QUOTES_ENDPOINT,
  ALPACA_TRADES_ENDPOINT,
} from './replay-source.js';
import { itemsOf, readAlpacaRecords, type AlpacaPage, type AlpacaSeries } from './test-support/recordings.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

const SYMBOLS = ['AAPL', 'MSFT', 'SPY'];
const TAPE: Record<string, string> = { AAPL: 'C', MSFT: 'C', SPY: 'B' };
/** RFC3339 UTC, up to 9 fraction digits, never a trailing zero in the fraction. */
const ALPACA_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{0,8}[1-9])?Z$/;
const temps: string[] = [];

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-alpaca-gen-'));
  temps.push(dir);
  return dir;
}

async function generated(
  opts: Omit<AlpacaGenerateOptions, 'root'>,
): Promise<{ root: string; summary: DatasetSummary }> {
  const root = await temp();
  return { root, summary: await generateAlpacaDataset({ ...opts, root }) };
}

const ENDPOINT: Record<AlpacaSeries, string> = {
  trades: ALPACA_TRADES_ENDPOINT,
  quotes: ALPACA_QUOTES_ENDPOINT,
  bars: ALPACA_BARS_ENDPOINT,
};

async function series<T>(
  root: string,
  name: AlpacaSeries,
  symbol: string,
): Promise<{ records: RecordedResponse<AlpacaPage<T>>[]; items: T[] }> {
  const records = await readAlpacaRecords<T>(root, ENDPOINT[name], symbol);
  return { records, items: itemsOf(records, name) };
}

const msOf = (t: string): number => parseAlpacaTime(t)!.ms;
/** A price on the cent grid, as JSON writes it (`255.07`). */
const onCents = (p: number): boolean => p > 0 && Math.abs(p * 100 - Math.round(p * 100)) < 1e-6;

let sample: { root: string; summary: DatasetSummary };
beforeAll(async () => {
  // The app's sample: from the New York open, here 3 minutes of it.
  sample = await generated({ seed: 'alpaca-gen', startMs: SAMPLE_START_MS, minutes: 3 });
});
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

describe('Alpaca recordings: format', () => {
  it('stores trades, quotes and bars of AAPL, MSFT and SPY under v2_stocks_*', async () => {
    expect(ALPACA_GENERATED_ENDPOINTS).toEqual(['v2_stocks_trades', 'v2_stocks_quotes', 'v2_stocks_bars']);
    expect((await listEndpoints(sample.root, ALPACA_PLATFORM)).sort()).toEqual([
      'v2_stocks_bars',
      'v2_stocks_quotes',
      'v2_stocks_trades',
    ]);
    for (const endpoint of ALPACA_GENERATED_ENDPOINTS) {
      expect(await listSymbols(sample.root, ALPACA_PLATFORM, endpoint)).toEqual(SYMBOLS);
    }
    expect(sample.summary.symbols.map((s) => s.symbol)).toEqual(SYMBOLS);
    for (const s of sample.summary.symbols) {
      const { items } = await series<AlpacaRestTrade>(sample.root, 'trades', s.symbol);
      expect(s.trades).toBe(items.length);
    }
  });

  it('writes requests and bodies in Alpaca shapes, keys in order, ns timestamps, cent prices, whole shares', async () => {
    for (const symbol of SYMBOLS) {
      const trades = await series<AlpacaRestTrade>(sample.root, 'trades', symbol);
      const quotes = await series<AlpacaRestQuote>(sample.root, 'quotes', symbol);
      const bars = await series<AlpacaRestBar>(sample.root, 'bars', symbol);
      for (const [name, s] of [
        ['trades', trades],
        ['quotes', quotes],
        ['bars', bars],
      ] as const) {
        for (const r of s.records) {
          expect(r.request.path).toBe(`/v2/stocks/${symbol}/${name}`);
          const keys = Object.keys(r.request.params).filter((k) => k !== 'page_token');
          expect(keys).toEqual(
            name === 'bars'
              ? ['timeframe', 'start', 'end', 'limit', 'feed']
              : ['start', 'end', 'limit', 'feed'],
          );
          if (name === 'bars') expect(r.request.params.timeframe).toBe('1Min');
          expect(r.request.params.feed).toBe('sip');
          expect(Object.keys(r.data)).toEqual([name, 'symbol', 'next_page_token']);
          expect(r.data.symbol).toBe(symbol);
        }
      }
      expect(trades.items.length).toBeGreaterThan(100);
      const tradeVenues = TRADE_VENUES.map(([x]) => x);
      const quoteVenues = QUOTE_VENUES.map(([x]) => x);
      // Items that break a rule (collected, so one assertion shows them all).
      const bad: unknown[] = [];
      for (const t of trades.items) {
        const ok =
          Object.keys(t).join() === 't,x,p,s,c,i,z' &&
          ALPACA_TIME.test(t.t) &&
          onCents(t.p) &&
          Number.isInteger(t.s) &&
          t.s >= 1 &&
          t.c.join() === (t.s < 100 ? '@,I' : '@') &&
          tradeVenues.includes(t.x) &&
          t.z === TAPE[symbol];
        if (!ok) bad.push(t);
      }
      expect(trades.items.some((t) => t.s < 100) && trades.items.some((t) => t.s >= 100)).toBe(true);
      // Nanosecond digits, not only ms.
      expect(trades.items.filter((t) => /\.\d{7,9}Z$/.test(t.t)).length).toBeGreaterThan(
        trades.items.length / 2,
      );
      for (const q of quotes.items) {
        const ok =
          Object.keys(q).join() === 't,ax,ap,as,bx,bp,bs,c,z' &&
          ALPACA_TIME.test(q.t) &&
          q.c.join() === 'R' &&
          q.z === TAPE[symbol] &&
          quoteVenues.includes(q.ax) &&
          quoteVenues.includes(q.bx) &&
          onCents(q.ap) &&
          onCents(q.bp) &&
          Number.isInteger(q.as) &&
          q.as >= 1 &&
          Number.isInteger(q.bs) &&
          q.bs >= 1;
        if (!ok) bad.push(q);
      }
      for (const b of bars.items) {
        if (Object.keys(b).join() !== 't,o,h,l,c,v,n,vw' || !/:00Z$/.test(b.t)) bad.push(b);
      }
      expect(bad).toEqual([]);
    }
  });

  it('has exchange trade ids that only grow, one step at a time, per exchange', async () => {
    for (const symbol of SYMBOLS) {
      const { items } = await series<AlpacaRestTrade>(sample.root, 'trades', symbol);
      const last = new Map<string, number>();
      for (const t of items) {
        const before = last.get(t.x);
        if (before !== undefined) expect(t.i).toBe(before + 1);
        last.set(t.x, t.i);
      }
      expect(last.size).toBeGreaterThan(5);
    }
  });

  it('polls consecutive windows; a busy window is read page by page, tokens chaining and ending with null', async () => {
    const { root } = await generated({ seed: 'paging', startMs: SAMPLE_START_MS, minutes: 1.5, limit: 10 });
    let paged = 0;
    for (const symbol of SYMBOLS) {
      for (const name of ['trades', 'quotes'] as const) {
        const { records } = await series<object>(root, name, symbol);
        let windowEnd: string | undefined;
        let token: string | null = null;
        for (const r of records) {
          const { start, end, page_token } = r.request.params;
          if (token === null) {
            // A new window: it starts where the previous ended.
            expect(page_token).toBeUndefined();
            if (windowEnd !== undefined) expect(start).toBe(windowEnd);
          } else {
            expect(page_token).toBe(token);
            expect(end).toBe(windowEnd);
            paged++;
          }
          windowEnd = String(end);
          const items = (r.data[name] ?? []) as { t: string }[];
          expect(items.length).toBeLessThanOrEqual(10);
          token = r.data.next_page_token;
          // Only the last page of a window may be short; every page's items lie inside the window.
          if (token !== null) expect(items.length).toBe(10);
          for (const item of items) {
            expect(msOf(item.t)).toBeGreaterThanOrEqual(Date.parse(String(start)));
            expect(msOf(item.t)).toBeLessThan(Date.parse(String(end)));
          }
        }
        expect(token).toBeNull();
      }
    }
    expect(paged).toBeGreaterThan(50);
  });

  it('writes the same bytes for the same seed, and other bytes for another seed', async () => {
    const opts = { startMs: SAMPLE_START_MS, minutes: 0.5, symbols: ['AAPL'] };
    const a = await generated({ ...opts, seed: 'same' });
    const b = await generated({ ...opts, seed: 'same' });
    const c = await generated({ ...opts, seed: 'other' });
    const bytes = (run: { root: string; summary: DatasetSummary }): Promise<string[]> =>
      Promise.all(run.summary.files.map((f) => readFile(f, 'utf8')));
    expect(a.summary.files.map((f) => relative(a.root, f))).toEqual(
      b.summary.files.map((f) => relative(b.root, f)),
    );
    expect(await bytes(a)).toEqual(await bytes(b));
    expect((await bytes(c)).join('')).not.toBe((await bytes(a)).join(''));
  });

  it('refuses a limit Alpaca would refuse', async () => {
    await expect(
      generateAlpacaDataset({
        root: await temp(),
        seed: 1,
        startMs: SAMPLE_START_MS,
        minutes: 1,
        limit: 20_000,
      }),
    ).rejects.toThrow(ConfigError);
  });
});

describe('Alpaca recordings: the market', () => {
  it('quotes the NBBO uncrossed: bid < ask in every quote', async () => {
    for (const symbol of SYMBOLS) {
      const { items } = await series<AlpacaRestQuote>(sample.root, 'quotes', symbol);
      expect(items.length).toBeGreaterThan(300);
      for (const q of items) expect(q.bp).toBeLessThan(q.ap);
    }
  });

  it('quotes at least three times as often as it trades', async () => {
    for (const symbol of SYMBOLS) {
      const trades = (await series<AlpacaRestTrade>(sample.root, 'trades', symbol)).items.length;
      const quotes = (await series<AlpacaRestQuote>(sample.root, 'quotes', symbol)).items.length;
      expect(quotes / trades).toBeGreaterThanOrEqual(3);
    }
  });

  it('has each series in strictly increasing time', async () => {
    for (const symbol of SYMBOLS) {
      for (const name of ['trades', 'quotes', 'bars'] as const) {
        const times = (await series<{ t: string }>(sample.root, name, symbol)).items.map((i) =>
          parseAlpacaTime(i.t)!,
        );
        for (let k = 1; k < times.length; k++) {
          const a = times[k - 1];
          const b = times[k];
          expect(b.ms > a.ms || (b.ms === a.ms && b.subMsNanos > a.subMsNanos)).toBe(true);
        }
      }
    }
  });

  it("has minute bars equal to the OHLCV, trade count and VWAP of their minute's trades", async () => {
    for (const symbol of SYMBOLS) {
      const trades = (await series<AlpacaRestTrade>(sample.root, 'trades', symbol)).items;
      const bars = (await series<AlpacaRestBar>(sample.root, 'bars', symbol)).items;
      expect(bars.length).toBe(2); // 14:30 and 14:31 complete before the 3-minute run ends
      for (const bar of bars) {
        const from = msOf(bar.t);
        const minute = trades.filter((t) => msOf(t.t) >= from && msOf(t.t) < from + 60_000);
        expect(minute.length).toBeGreaterThan(0);
        const volume = minute.reduce((v, t) => v + t.s, 0);
        const vwap = minute.reduce((v, t) => v + t.p * t.s, 0) / volume;
        expect(bar).toEqual({
          t: bar.t,
          o: minute[0].p,
          h: Math.max(...minute.map((t) => t.p)),
          l: Math.min(...minute.map((t) => t.p)),
          c: minute[minute.length - 1].p,
          v: volume,
          n: minute.length,
          vw: bar.vw,
        });
        expect(Math.abs(bar.vw - vwap)).toBeLessThanOrEqual(5e-7 + 1e-9 * vwap);
      }
    }
  });

  it('trades from the first second of the sample (the New York open) and busier at the open than at midday', async () => {
    const open = await series<AlpacaRestTrade>(sample.root, 'trades', 'AAPL');
    expect(msOf(open.items[0].t) - SAMPLE_START_MS).toBeLessThan(1000);
    const midday = await generated({
      seed: 'alpaca-gen',
      startMs: SAMPLE_START_MS + 3 * 3_600_000,
      minutes: 3,
      symbols: ['AAPL'],
    });
    const noon = await series<AlpacaRestTrade>(midday.root, 'trades', 'AAPL');
    expect(noon.items.length).toBeGreaterThan(0);
    expect(open.items.length).toBeGreaterThan(2 * noon.items.length);
  });
});

describe('Alpaca recordings: market hours', () => {
  /** Every item and every call of a run: nothing before `open` or from `close` on. */
  async function expectInside(root: string, symbol: string, open: number, close: number): Promise<number> {
    let items = 0;
    for (const name of ['trades', 'quotes', 'bars'] as const) {
      const { records, items: list } = await series<{ t: string }>(root, name, symbol);
      for (const r of records) expect(r.ts).toBeGreaterThan(open);
      for (const item of list) {
        const ms = msOf(item.t);
        expect(ms).toBeGreaterThanOrEqual(open);
        expect(ms).toBeLessThan(close);
      }
      items += list.length;
    }
    return items;
  }

  it('follows DST on both sides of the change: 14:30 UTC open on Friday 2026-03-06 (EST), 13:30 UTC on Monday 03-09 (EDT)', async () => {
    const friday = Date.UTC(2026, 2, 6, 14, 30);
    const monday = Date.UTC(2026, 2, 9, 13, 30);
    expect(sessionOn(friday)!.open).toBe(friday);
    expect(sessionOn(monday)!.open).toBe(monday);
    // Each run starts 10 minutes before its open; on Friday 13:30 UTC is still an hour before it.
    const fri = await generated({
      seed: 'dst',
      startMs: Date.UTC(2026, 2, 6, 13, 25),
      minutes: 70,
      symbols: ['SPY'],
    });
    const mon = await generated({
      seed: 'dst',
      startMs: monday - 10 * 60_000,
      minutes: 12,
      symbols: ['SPY'],
    });
    expect(await expectInside(fri.root, 'SPY', friday, sessionOn(friday)!.close)).toBeGreaterThan(0);
    expect(await expectInside(mon.root, 'SPY', monday, sessionOn(monday)!.close)).toBeGreaterThan(0);
    for (const [run, open] of [
      [fri, friday],
      [mon, monday],
    ] as const) {
      const first = (await series<AlpacaRestTrade>(run.root, 'trades', 'SPY')).items[0];
      expect(msOf(first.t) - open).toBeLessThan(2000);
    }
  });

  it('stops at the 16:00 close (20:00 UTC in EDT) and records nothing on a weekend', async () => {
    const close = Date.UTC(2026, 2, 9, 20);
    const run = await generated({
      seed: 'close',
      startMs: close - 3 * 60_000,
      minutes: 6,
      symbols: ['MSFT'],
    });
    expect(await expectInside(run.root, 'MSFT', close - 3 * 60_000, close)).toBeGreaterThan(0);
    const calls = await series<AlpacaRestTrade>(run.root, 'trades', 'MSFT');
    // The last call asks for the window that ends at the close; none follows.
    expect(calls.records[calls.records.length - 1].request.params.end).toBe('2026-03-09T20:00:00Z');
    const saturday = await generated({ seed: 'weekend', startMs: Date.UTC(2026, 2, 7, 15), minutes: 2 });
    expect(saturday.summary.files).toEqual([]);
  });
});
