import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_START_MS } from '../../app/sample-data.js';
import { silentLogger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { captureLogs } from '../../test-support/log-capture.js';
import type { AlpacaBarEvent, AlpacaQuoteEvent, AlpacaTradeEvent } from './events.js';
import { generateAlpacaDataset } from './generate.js';
import { parseAlpacaTime, shiftAlpacaTime } from './recording-time.js';
import {
  ALPACA_BARS_ENDPOINT,
  ALPACA_PLATFORM,
  ALPACA_QUOTES_ENDPOINT,
  ALPACA_TRADES_ENDPOINT,
  AlpacaReplaySource,
} from './replay-source.js';
import {
  bar,
  itemsOf,
  page,
  quote,
  readAlpacaRecords,
  trade,
  writeAlpacaRecords,
} from './test-support/recordings.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

const temps: string[] = [];
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-alpaca-src-'));
  temps.push(dir);
  return dir;
}

async function collect(source: AlpacaReplaySource, index = 0, shift = 0): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of source.pass(index, shift)) out.push(e);
  return out;
}

const of = (events: readonly ReplayEvent[], kind: ReplayEvent['kind'], symbol: string): ReplayEvent[] =>
  events.filter((e) => e.kind === kind && e.symbol === symbol);

const msOf = (t: string): number => parseAlpacaTime(t)!.ms;
const SYMBOLS = ['AAPL', 'MSFT', 'SPY'];

describe('AlpacaReplaySource on a generated dataset (paged windows)', () => {
  let root: string;
  let events: ReplayEvent[];
  let source: AlpacaReplaySource;

  beforeAll(async () => {
    root = await temp();
    // A small limit: most windows are read in several pages.
    await generateAlpacaDataset({
      root,
      seed: 'alpaca-src',
      startMs: SAMPLE_START_MS,
      minutes: 2.2,
      limit: 25,
    });
    source = await AlpacaReplaySource.open(root, silentLogger());
    events = await collect(source);
  });

  it('replays the three stocks, every event an alpaca one in time order', () => {
    expect(source.symbols).toEqual(SYMBOLS);
    expect(events.every((e) => e.exchange === ALPACA_PLATFORM)).toBe(true);
    for (let k = 1; k < events.length; k++) expect(events[k].ts).toBeGreaterThanOrEqual(events[k - 1].ts);
  });

  it('emits every recorded trade and quote once, across all pages, in time order at its own time', async () => {
    for (const symbol of SYMBOLS) {
      const tradeRecords = await readAlpacaRecords<AlpacaRestTrade>(root, ALPACA_TRADES_ENDPOINT, symbol);
      expect(tradeRecords.some((r) => r.request.params.page_token !== undefined)).toBe(true);
      const recorded = itemsOf(tradeRecords, 'trades');
      const trades = of(events, 'trade', symbol);
      expect(trades.map((e) => e.data)).toEqual(recorded);
      expect(
        new Set(trades.map((e) => `${(e.data as AlpacaTradeEvent).x}:${(e.data as AlpacaTradeEvent).i}`))
          .size,
      ).toBe(recorded.length);
      for (const e of trades) expect(e.ts).toBe(msOf((e.data as AlpacaTradeEvent).t));

      const recordedQuotes = itemsOf(
        await readAlpacaRecords<AlpacaRestQuote>(root, ALPACA_QUOTES_ENDPOINT, symbol),
        'quotes',
      );
      const quotes = of(events, 'quote', symbol);
      expect(quotes.map((e) => e.data)).toEqual(recordedQuotes);
      for (const e of quotes) expect(e.ts).toBe(msOf((e.data as AlpacaQuoteEvent).t));
    }
    expect(source.stats()).toMatchObject({ duplicates: 0, repeatedQuotes: 0, badLines: 0, tradeGaps: 0 });
  });

  it('plays each minute bar at the end of its minute', async () => {
    for (const symbol of SYMBOLS) {
      const recorded = itemsOf(
        await readAlpacaRecords<AlpacaRestBar>(root, ALPACA_BARS_ENDPOINT, symbol),
        'bars',
      );
      const bars = of(events, 'bar', symbol);
      expect(recorded.length).toBe(2);
      expect(bars.map((e) => e.data)).toEqual(recorded);
      for (const e of bars) expect(e.ts).toBe(msOf((e.data as AlpacaBarEvent).t) + 60_000);
    }
  });

  it('starts at the earliest capture', async () => {
    let earliest = Infinity;
    for (const symbol of SYMBOLS) {
      for (const endpoint of [ALPACA_TRADES_ENDPOINT, ALPACA_QUOTES_ENDPOINT, ALPACA_BARS_ENDPOINT]) {
        for (const r of await readAlpacaRecords(root, endpoint, symbol)) earliest = Math.min(earliest, r.ts);
      }
    }
    expect(await source.recordingStart()).toBe(earliest);
    expect(earliest).toBeGreaterThan(SAMPLE_START_MS);
  });

  it('shifts times (keeping the sub-ms digits) and trade ids past everything emitted on a --loop pass', async () => {
    const looped = await AlpacaReplaySource.open(root, silentLogger());
    const first = await collect(looped, 0, 0);
    const shift = 3 * 60_000 + 7;
    const second = await collect(looped, 1, shift);
    expect(second.length).toBe(first.length);
    const maxId = Math.max(...of(first, 'trade', 'AAPL').map((e) => (e.data as AlpacaTradeEvent).i));
    const minId = Math.min(...of(first, 'trade', 'AAPL').map((e) => (e.data as AlpacaTradeEvent).i));
    for (const [k, e] of second.entries()) {
      const before = first[k];
      expect(e.kind).toBe(before.kind);
      expect(e.ts).toBe(before.ts + shift);
      const data = e.data as { t: string };
      expect(data.t).toBe(shiftAlpacaTime((before.data as { t: string }).t, shift));
      if (e.kind === 'trade' && e.symbol === 'AAPL') {
        expect((e.data as AlpacaTradeEvent).i).toBe((before.data as AlpacaTradeEvent).i + maxId + 1 - minId);
      }
    }
    // Sub-ms digits survive: the ns part of every trade time is the recorded one.
    const t0 = (first[0].data as { t: string }).t;
    expect(parseAlpacaTime((second[0].data as { t: string }).t)!.subMsNanos).toBe(
      parseAlpacaTime(t0)!.subMsNanos,
    );
    expect(looped.stats().duplicates).toBe(0);
  });
});

describe("AlpacaReplaySource on Alpaca's own example pages (fixtures/README.md)", () => {
  it('reads both pages of a window and the trade page, every item once, in order', async () => {
    const captured = JSON.parse(
      readFileSync(new URL('./fixtures/historical-pages.json', import.meta.url), 'utf8'),
    ) as { trades: { trades: AlpacaRestTrade[] }[]; quotes: { quotes: AlpacaRestQuote[] }[] };
    const root = await temp();
    await writeAlpacaRecords(
      root,
      ALPACA_QUOTES_ENDPOINT,
      'IBM',
      captured.quotes.map((data, k) => ({ ts: Date.UTC(2021, 9, 4, 18, 0, 15, 20 + k * 30), data })),
    );
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'AAPL', [
      { ts: Date.UTC(2021, 9, 13, 8, 0, 1), data: captured.trades[0] },
    ]);
    const source = await AlpacaReplaySource.open(root, silentLogger());
    const events = await collect(source);
    const quotes = captured.quotes.flatMap((p) => p.quotes);
    expect(quotes).toHaveLength(12);
    expect(events.filter((e) => e.symbol === 'IBM').map((e) => e.data)).toEqual(quotes);
    expect(events.filter((e) => e.kind === 'trade').map((e) => e.data)).toEqual(captured.trades[0].trades);
    expect(source.stats().badLines).toBe(0);
  });
});

describe('AlpacaReplaySource on hand-made recordings', () => {
  const T = (s: number, frac = ''): string =>
    new Date(Date.UTC(2026, 0, 5, 14, 30, s)).toISOString().slice(0, 19) + frac + 'Z';

  it('drops a trade seen before (the same exchange and id), however the pages repeat', async () => {
    const root = await temp();
    const a = trade(T(1, '.1'), 'Q', 10);
    const b = trade(T(1, '.2'), 'D', 10); // same id, other exchange: another trade
    const c = trade(T(2, '.000000001'), 'Q', 11);
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'AAPL', [
      { ts: 1, data: page('trades', 'AAPL', [a, b], 'tok') },
      { ts: 2, data: page('trades', 'AAPL', [c]) },
      { ts: 3, data: page('trades', 'AAPL', [a, b, c]) }, // a window recorded twice
      { ts: 4, data: page('trades', 'AAPL', []) }, // an empty window: null items
    ]);
    const source = await AlpacaReplaySource.open(root, silentLogger());
    const events = await collect(source);
    expect(events.map((e) => e.data)).toEqual([a, b, c]);
    expect(source.stats()).toMatchObject({ duplicates: 3, badLines: 0 });
  });

  it('drops repeated quotes and bars, keeping different quotes that share a timestamp', async () => {
    const root = await temp();
    const q1 = quote(T(1, '.5'));
    const q2 = quote(T(1, '.5'), 255.49); // same time, another quote
    const q3 = quote(T(3));
    await writeAlpacaRecords(root, ALPACA_QUOTES_ENDPOINT, 'SPY', [
      { ts: 1, data: page('quotes', 'SPY', [q1, q2]) },
      { ts: 2, data: page('quotes', 'SPY', [q2, q3]) },
    ]);
    await writeAlpacaRecords(root, ALPACA_BARS_ENDPOINT, 'SPY', [
      { ts: 1, data: page('bars', 'SPY', [bar(T(0))]) },
      { ts: 2, data: page('bars', 'SPY', [bar(T(0), 256), bar(T(60))]) },
    ]);
    const source = await AlpacaReplaySource.open(root, silentLogger());
    const events = await collect(source);
    expect(events.filter((e) => e.kind === 'quote').map((e) => e.data)).toEqual([q1, q2, q3]);
    expect(events.filter((e) => e.kind === 'bar').map((e) => (e.data as AlpacaRestBar).t)).toEqual([
      T(0),
      T(60),
    ]);
    expect(source.stats()).toMatchObject({ repeatedQuotes: 1, repeatedBars: 1 });
  });

  it('counts, logs once with file:line and skips bad lines, bodies and items; the rest plays', async () => {
    const root = await temp();
    const good = trade(T(5), 'V', 1);
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'MSFT', [
      { ts: 1, data: { code: 42210000, message: 'invalid start' } },
      { ts: 2, data: page('trades', 'AAPL', [trade(T(4), 'V', 9)]) }, // another symbol's page
      { ts: 3, data: page('trades', 'MSFT', [{ ...good, p: '255.5' }]) }, // a text price
      { ts: 4, data: { trades: [good], symbol: 'MSFT' } }, // no next_page_token
      { ts: 5, data: page('trades', 'MSFT', [good]) },
    ]);
    const [file] = await listRecordingFiles(root, ALPACA_PLATFORM, ALPACA_TRADES_ENDPOINT, 'MSFT');
    await appendFile(file, '{"ts": 6, "request": \n');
    await writeAlpacaRecords(root, ALPACA_QUOTES_ENDPOINT, 'MSFT', [
      { ts: 1, data: page('quotes', 'MSFT', [{ ...quote(T(1)), t: '2026-01-05 14:30:01' }]) },
    ]);
    const { logger, lines } = captureLogs();
    const source = await AlpacaReplaySource.open(root, logger);
    const events = await collect(source);
    expect(events.map((e) => e.data)).toEqual([good]);
    expect(source.stats().badLines).toBe(6);
    const warnings = lines.filter((l) => l.msg.startsWith('alpaca: skipping'));
    expect(warnings.map((l) => l.line as number).sort()).toEqual([1, 1, 2, 3, 4, 6]);
    const about = (line: number): string =>
      warnings.find((l) => l.line === line && l.file === file)?.msg ?? 'no warning';
    expect(about(1)).toContain(`${file}:1`);
    expect(about(1)).toContain('invalid start');
    expect(about(2)).toContain('"AAPL", not MSFT');
    expect(about(3)).toContain('item 0 is not an Alpaca trade');
    expect(about(4)).toContain('next_page_token');
    expect(about(6)).toContain('not a recording line');
    // A --loop pass re-reads the bad lines without counting or logging them again.
    await collect(source, 1, 60_000);
    expect(source.stats().badLines).toBe(6);
    expect(lines.filter((l) => l.msg.startsWith('alpaca: skipping'))).toHaveLength(6);
  });

  it('skips a directory that is not a stock symbol, and replays only the stocks asked for', async () => {
    const root = await temp();
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'BTC/USD', [
      { ts: 1, data: page('trades', 'BTC/USD', []) },
    ]);
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'AAPL', [
      { ts: 1, data: page('trades', 'AAPL', []) },
    ]);
    await writeAlpacaRecords(root, ALPACA_TRADES_ENDPOINT, 'SPY', [
      { ts: 1, data: page('trades', 'SPY', []) },
    ]);
    const { logger, lines } = captureLogs();
    expect((await AlpacaReplaySource.open(root, logger)).symbols).toEqual(['AAPL', 'SPY']);
    expect(lines.some((l) => l.symbol === 'BTC/USD')).toBe(true);
    expect((await AlpacaReplaySource.open(root, silentLogger(), { only: ['spy'] })).symbols).toEqual(['SPY']);
    expect(
      await (await AlpacaReplaySource.open(await temp(), silentLogger())).recordingStart(),
    ).toBeUndefined();
  });
});
