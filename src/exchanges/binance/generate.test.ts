import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import type { BinanceLevel, BinanceRestDepth, BinanceRestTrade } from './wire.js';
import { listRecordingFiles, listSymbols } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import type { RecordedResponse } from '../../storage/record.js';
import type { BinanceExchangeInfo } from './generate-format.js';
import { generateBinanceDataset, type GenerateSummary } from './generate.js';
import { binanceProfileFor as profileFor } from './profiles.js';
import { autocorrelation, mean, quantile } from '../../generate/stats.js';

const START = Date.UTC(2026, 0, 5, 14);
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const DECIMAL_8 = /^\d+\.\d{8}$/;

const temps: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-generate-'));
  temps.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function readAll<T>(root: string, endpoint: string, symbol: string): Promise<RecordedResponse<T>[]> {
  const files = await listRecordingFiles(root, 'binance', endpoint, symbol);
  const out: RecordedResponse<T>[] = [];
  let bad = 0;
  for await (const { record } of readRecords<T>(files, { onBadLine: () => bad++ })) out.push(record);
  expect(bad).toBe(0);
  return out;
}

/** A Binance decimal string as a whole number of `size` (tick or step) units; NaN when off the grid. */
function onGrid(value: string, size: string): number {
  const units = BigInt(value.replace('.', ''));
  const grid = BigInt(size.replace('.', ''));
  return units % grid === 0n ? Number(units / grid) : Number.NaN;
}

function ticksOf(levels: BinanceLevel[], tickSize: string): number[] {
  return levels.map(([price]) => onGrid(price, tickSize));
}

interface SymbolData {
  depth: RecordedResponse<BinanceRestDepth>[];
  polls: RecordedResponse<BinanceRestTrade[]>[];
  info: RecordedResponse<BinanceExchangeInfo>[];
}

describe('generateBinanceDataset: 30 minutes of BTCUSDT and ETHUSDT', () => {
  let root: string;
  let summary: GenerateSummary;
  const data = new Map<string, SymbolData>();

  beforeAll(async () => {
    root = await tempRoot();
    summary = await generateBinanceDataset({
      root,
      seed: 'binance-test',
      startMs: START,
      minutes: 30,
      symbols: SYMBOLS,
    });
    for (const symbol of SYMBOLS) {
      data.set(symbol, {
        depth: await readAll(root, 'api_v3_depth', symbol),
        polls: await readAll(root, 'api_v3_historicalTrades', symbol),
        info: await readAll(root, 'api_v3_exchangeInfo', symbol),
      });
    }
  });

  it('summarizes what it wrote', async () => {
    expect(summary.startMs).toBe(START);
    expect(summary.endMs).toBe(START + 30 * 60_000);
    expect(summary.files).toHaveLength(6);
    let bytes = 0;
    for (const file of summary.files) bytes += (await stat(file)).size;
    expect(summary.bytes).toBe(bytes);
    for (const s of summary.symbols) {
      expect(s.depthSnapshots).toBe(1800);
      expect(s.tradePolls).toBe(data.get(s.symbol)?.polls.length);
      expect(s.trades).toBe(s.lastTradeId - s.firstTradeId + 1);
    }
  });

  it('uses the storage layout', async () => {
    for (const endpoint of ['api_v3_depth', 'api_v3_historicalTrades', 'api_v3_exchangeInfo']) {
      expect(await listSymbols(root, 'binance', endpoint)).toEqual(SYMBOLS);
    }
  });

  describe.each(SYMBOLS)('%s', (symbol) => {
    const profile = profileFor(symbol);
    const { tickSize } = profile.priceFilter;
    const { stepSize } = profile.lotSize;
    const d = (): SymbolData => data.get(symbol) as SymbolData;

    it('records exchangeInfo shaped like the real response, restricted to the symbol', async () => {
      const fixture = fileURLToPath(new URL('./fixtures/exchangeInfo.json', import.meta.url));
      const real = (JSON.parse(await readFile(fixture, 'utf8')) as BinanceExchangeInfo).symbols.find(
        (s) => s.symbol === symbol,
      );
      expect(d().info).toHaveLength(1);
      const [record] = d().info;
      expect(record.request).toEqual({ path: '/api/v3/exchangeInfo', params: { symbol } });
      expect(record.data.timezone).toBe('UTC');
      expect(record.data.serverTime).toBeLessThanOrEqual(record.ts);
      expect(record.data.symbols).toEqual([real]);
      expect(record.data.symbols[0].filters.map((f) => f.filterType)).toEqual(['PRICE_FILTER', 'LOT_SIZE']);
    });

    it('snapshots a 100-level book every second, sorted, uncrossed, on the grids', () => {
      const problems: string[] = [];
      let previous: RecordedResponse<BinanceRestDepth> | undefined;
      for (const record of d().depth) {
        const { ts, data: book } = record;
        expect(record.request).toEqual({ path: '/api/v3/depth', params: { symbol, limit: 100 } });
        if (book.bids.length !== 100 || book.asks.length !== 100) problems.push(`${ts}: level count`);
        const bids = ticksOf(book.bids, tickSize);
        const asks = ticksOf(book.asks, tickSize);
        for (let i = 1; i < 100; i++) {
          if (!(bids[i] < bids[i - 1])) problems.push(`${ts}: bids not strictly descending`);
          if (!(asks[i] > asks[i - 1])) problems.push(`${ts}: asks not strictly ascending`);
        }
        if (!(bids[0] < asks[0])) problems.push(`${ts}: best bid ≥ best ask`);
        for (const [price, qty] of [...book.bids, ...book.asks]) {
          if (!DECIMAL_8.test(price) || !DECIMAL_8.test(qty)) problems.push(`${ts}: format ${price} ${qty}`);
          if (!(onGrid(qty, stepSize) > 0)) problems.push(`${ts}: qty ${qty} off the step grid`);
        }
        if (previous) {
          if (!(book.lastUpdateId > previous.data.lastUpdateId))
            problems.push(`${ts}: lastUpdateId not increasing`);
          if (ts - previous.ts < 800 || ts - previous.ts > 1200)
            problems.push(`${ts}: not ~1 s after ${previous.ts}`);
        }
        previous = record;
      }
      expect(problems).toEqual([]);
    });

    it('advances lastUpdateId by tens to hundreds a second, more when more changed', () => {
      const steps: number[] = [];
      const changed: number[] = [];
      const depth = d().depth;
      for (let i = 1; i < depth.length; i++) {
        steps.push(depth[i].data.lastUpdateId - depth[i - 1].data.lastUpdateId);
        const before = new Map([...depth[i - 1].data.bids, ...depth[i - 1].data.asks]);
        const after = new Map([...depth[i].data.bids, ...depth[i].data.asks]);
        let n = 0;
        for (const [price, qty] of after) if (before.get(price) !== qty) n++;
        for (const price of before.keys()) if (!after.has(price)) n++;
        changed.push(n);
      }
      expect(quantile(steps, 0.1)).toBeGreaterThanOrEqual(10);
      expect(quantile(steps, 0.5)).toBeLessThanOrEqual(1000);
      const [ms, mc] = [mean(steps), mean(changed)];
      let cov = 0;
      let vs = 0;
      let vc = 0;
      for (let i = 0; i < steps.length; i++) {
        cov += (steps[i] - ms) * (changed[i] - mc);
        vs += (steps[i] - ms) ** 2;
        vc += (changed[i] - mc) ** 2;
      }
      expect(cov / Math.sqrt(vs * vc)).toBeGreaterThan(0.3);
    });

    it('polls historicalTrades in pages of ascending, unique, consecutive ids, none after the capture', () => {
      const problems: string[] = [];
      for (const { ts, request, data: page } of d().polls) {
        expect(request).toEqual({ path: '/api/v3/historicalTrades', params: { symbol, limit: 200 } });
        if (page.length !== 200) problems.push(`${ts}: ${page.length} trades`);
        if (new Set(page.map((t) => t.id)).size !== page.length) problems.push(`${ts}: duplicate ids`);
        for (let i = 0; i < page.length; i++) {
          const t = page[i];
          if (i > 0 && t.id !== page[i - 1].id + 1) problems.push(`${ts}: ids not consecutive at ${t.id}`);
          if (i > 0 && t.time < page[i - 1].time) problems.push(`${ts}: time goes back at ${t.id}`);
          if (t.time > ts) problems.push(`${ts}: trade ${t.id} at ${t.time} is after the capture`);
          if (!DECIMAL_8.test(t.price) || !DECIMAL_8.test(t.qty) || !DECIMAL_8.test(t.quoteQty)) {
            problems.push(`${ts}: format of ${t.id}`);
          }
          const priceTicks = onGrid(t.price, tickSize);
          const qtySteps = onGrid(t.qty, stepSize);
          if (!(priceTicks > 0) || !(qtySteps > 0)) problems.push(`${ts}: ${t.id} off the grids`);
          const quote =
            (BigInt(t.price.replace('.', '')) * BigInt(t.qty.replace('.', '')) + 50_000_000n) / 100_000_000n;
          if (BigInt(t.quoteQty.replace('.', '')) !== quote) problems.push(`${ts}: quoteQty of ${t.id}`);
          if (t.isBestMatch !== true || typeof t.isBuyerMaker !== 'boolean')
            problems.push(`${ts}: flags of ${t.id}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('makes every pair of consecutive polls overlap, agreeing on the shared trades', () => {
      const polls = d().polls;
      expect(polls.length).toBeGreaterThan(300);
      for (let i = 1; i < polls.length; i++) {
        const [prev, next] = [polls[i - 1].data, polls[i].data];
        const lastSeen = prev[prev.length - 1].id;
        expect(next[0].id).toBeLessThanOrEqual(lastSeen);
        const shared = next.filter((t) => t.id <= lastSeen);
        expect(shared).toEqual(prev.slice(prev.length - shared.length));
        expect(polls[i].ts).toBeGreaterThan(polls[i - 1].ts);
      }
    });

    it('starts trade ids where the live market is', () => {
      const first = d().polls[0].data[0].id;
      const [lo, hi] = symbol === 'BTCUSDT' ? [3.5e9, 3.6e9] : [1.8e9, 1.9e9];
      expect(first).toBeGreaterThanOrEqual(lo);
      expect(first).toBeLessThan(hi);
    });

    it('prices trades at the book of their time', () => {
      // Snapshots are 1 s apart while the price moves, so a trade is checked against the books
      // captured around it, widened by how far the market moved in those seconds.
      const books = d().depth.map((r) => ({
        ts: r.ts,
        bid: onGrid(r.data.bids[0][0], tickSize),
        ask: onGrid(r.data.asks[0][0], tickSize),
      }));
      const trades = new Map<number, BinanceRestTrade>();
      for (const poll of d().polls) for (const t of poll.data) trades.set(t.id, t);
      const excess: number[] = [];
      let j = 1;
      for (const t of [...trades.values()].sort((a, b) => a.id - b.id)) {
        while (j + 1 < books.length && books[j + 1].ts <= t.time) j++;
        if (t.time < books[1].ts || j + 2 >= books.length) continue;
        const around = books.slice(j - 1, j + 3);
        const low = Math.min(...around.slice(1).map((b) => b.bid));
        const high = Math.max(...around.slice(1).map((b) => b.ask));
        let move = 0;
        for (let k = 1; k < around.length; k++) {
          move = Math.max(
            move,
            Math.abs(around[k].bid + around[k].ask - around[k - 1].bid - around[k - 1].ask) / 2,
          );
        }
        const price = onGrid(t.price, tickSize);
        const outside = price < low ? low - price : price > high ? price - high : 0;
        excess.push(outside / (move + 5));
      }
      expect(excess.length).toBeGreaterThan(3000);
      expect(excess.filter((x) => x === 0).length / excess.length).toBeGreaterThan(0.6);
      expect(quantile(excess, 0.99)).toBeLessThanOrEqual(2);
      expect(Math.max(...excess)).toBeLessThanOrEqual(12);
    });

    it('clusters volatility: absolute 1-second mid returns are positively autocorrelated', () => {
      const mids = d().depth.map(
        (r) => (onGrid(r.data.bids[0][0], tickSize) + onGrid(r.data.asks[0][0], tickSize)) / 2,
      );
      const abs = mids.slice(1).map((m, i) => Math.abs(Math.log(m / mids[i])));
      expect(autocorrelation(abs, 1)).toBeGreaterThan(0.08);
      expect(mean([1, 2, 3, 4, 5].map((lag) => autocorrelation(abs, lag)))).toBeGreaterThan(0.08);
    });
  });

  it('refuses to write over existing recordings', async () => {
    await expect(
      generateBinanceDataset({ root, seed: 'again', startMs: START, minutes: 1, symbols: ['ETHUSDT'] }),
    ).rejects.toThrow(ConfigError);
  });
});

describe('generateBinanceDataset on coarse-tick symbols', () => {
  it('prices trades within a few ticks of the books around them', async () => {
    const root = await tempRoot();
    await generateBinanceDataset({
      root,
      seed: 'coarse',
      startMs: START,
      minutes: 10,
      symbols: ['SOLUSDT', 'BNBUSDT'],
    });
    for (const symbol of ['SOLUSDT', 'BNBUSDT']) {
      const { tickSize } = profileFor(symbol).priceFilter;
      const books = (await readAll<BinanceRestDepth>(root, 'api_v3_depth', symbol)).map((r) => ({
        ts: r.ts,
        bid: onGrid(r.data.bids[0][0], tickSize),
        ask: onGrid(r.data.asks[0][0], tickSize),
      }));
      const trades = new Map<number, BinanceRestTrade>();
      for (const poll of await readAll<BinanceRestTrade[]>(root, 'api_v3_historicalTrades', symbol)) {
        for (const t of poll.data) trades.set(t.id, t);
      }
      const outside: number[] = [];
      let j = 0;
      for (const t of [...trades.values()].sort((a, b) => a.id - b.id)) {
        while (j + 1 < books.length && books[j + 1].ts <= t.time) j++;
        if (t.time < books[0].ts || j + 2 >= books.length) continue;
        const around = books.slice(j, j + 3);
        const low = Math.min(...around.map((b) => b.bid));
        const high = Math.max(...around.map((b) => b.ask));
        const price = onGrid(t.price, tickSize);
        outside.push(price < low ? low - price : price > high ? price - high : 0);
      }
      expect(outside.length).toBeGreaterThan(500);
      expect(quantile(outside, 0.95)).toBeLessThanOrEqual(3);
      expect(Math.max(...outside)).toBeLessThanOrEqual(20);
    }
  });
});

describe('generateBinanceDataset determinism', () => {
  async function dataset(seed: string): Promise<Map<string, Buffer>> {
    const root = await tempRoot();
    const summary = await generateBinanceDataset({
      root,
      seed,
      startMs: START,
      minutes: 3,
      symbols: SYMBOLS,
    });
    const files = new Map<string, Buffer>();
    for (const file of summary.files) files.set(relative(root, file), await readFile(file));
    return files;
  }

  it('writes identical bytes for the same seed and different bytes for another', async () => {
    const a = await dataset('determinism');
    const b = await dataset('determinism');
    const c = await dataset('determinism-2');
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name) as Buffer)).toBe(true);
    const cBytes = Buffer.concat([...c.values()]);
    expect(Buffer.concat([...a.values()]).equals(cBytes)).toBe(false);
  });

  it('rejects bad options with a ConfigError', async () => {
    const root = await tempRoot();
    const base = { root, seed: 1, startMs: START, minutes: 1, symbols: ['BTCUSDT'] };
    await expect(generateBinanceDataset({ ...base, symbols: ['NOPEUSDT'] })).rejects.toThrow(ConfigError);
    await expect(generateBinanceDataset({ ...base, minutes: 0 })).rejects.toThrow(ConfigError);
    await expect(generateBinanceDataset({ ...base, symbols: [] })).rejects.toThrow(ConfigError);
    await expect(generateBinanceDataset({ ...base, tradesLimit: 5000 })).rejects.toThrow(ConfigError);
    expect(await listSymbols(root, 'binance', 'api_v3_depth')).toEqual([]);
  });
});
