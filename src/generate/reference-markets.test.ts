/**
 * One seeded sample quotes each base asset at one price on every venue: Binance replays the
 * reference markets themselves, OKX's BTC-USDT and Kraken's BTC/USD (a USD-pegged quote) follow
 * the same simulated path, each with its own book, grid and tape. A venue generated alone with
 * another seed is another market.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBinanceDataset } from '../exchanges/binance/generate.js';
import { generateKrakenDataset } from '../exchanges/kraken/generate.js';
import { generateOkxDataset } from '../exchanges/okx/generate.js';
import { listRecordingFiles } from '../storage/layout.js';
import { readRecords } from '../storage/reader.js';
import { referenceFor, referenceMarket } from './reference-markets.js';

const START = Date.UTC(2026, 0, 5, 14, 30);
const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-reference-'));
  temps.push(dir);
  return dir;
}

interface Sides {
  bids: Array<[string, ...unknown[]]>;
  asks: Array<[string, ...unknown[]]>;
}

/** The mid of every recorded depth answer of one series, `book` picking the sides out of a body. */
async function mids(
  root: string,
  series: [string, string, string],
  book: (data: never) => Sides,
): Promise<number[]> {
  const out: number[] = [];
  for await (const { record } of readRecords(await listRecordingFiles(root, ...series))) {
    const b = book(record.data as never);
    out.push((Number(b.bids[0][0]) + Number(b.asks[0][0])) / 2);
  }
  return out;
}

const binanceMids = (root: string) => mids(root, ['binance', 'api_v3_depth', 'BTCUSDT'], (d: Sides) => d);
const okxMids = (root: string) =>
  mids(root, ['okx', 'api_v5_market_books', 'BTC-USDT'], (d: { data: Sides[] }) => d.data[0]);
const krakenMids = (root: string) =>
  mids(
    root,
    ['kraken', '0_public_Depth', 'BTC/USD'],
    (d: { result: Record<string, Sides> }) => Object.values(d.result)[0],
  );

describe('reference markets', () => {
  it('name what each pair follows: the pair itself, or its base in USDT for a USD-pegged quote', () => {
    expect(referenceFor('BTC/USDT')?.profile).toBe(referenceMarket('BTC/USDT'));
    expect(referenceFor('BTC/USD')?.symbol).toBe('BTCUSDT');
    expect(referenceFor('ETH/USDC')?.symbol).toBe('ETHUSDT');
    expect(referenceFor('ETH/EUR')).toBeUndefined();
    expect(referenceFor('SOL/USDT')).toBeUndefined();
    expect(referenceFor('AAPL')).toBeUndefined();
    expect(() => referenceMarket('DOGE/USDT')).toThrow(/BTC\/USDT, ETH\/USDT/);
  });

  it('put Binance BTCUSDT, OKX BTC-USDT and Kraken BTC/USD on one price path in one sample', async () => {
    const dir = await temp();
    const opts = { root: dir, seed: 'one-sample', startMs: START, minutes: 0.3 };
    await generateBinanceDataset({ ...opts, symbols: ['BTCUSDT'] });
    await generateOkxDataset({ ...opts, symbols: ['BTC-USDT'] });
    await generateKrakenDataset({ ...opts, symbols: ['BTC/USD'] });
    const binance = await binanceMids(dir);
    for (const [venue, other] of [
      ['okx', await okxMids(dir)],
      ['kraken', await krakenMids(dir)],
    ] as const) {
      const n = Math.min(binance.length, other.length);
      expect(n, venue).toBeGreaterThan(15);
      const apart = binance.slice(0, n).map((b, i) => Math.abs(other[i] / b - 1));
      // The same path within a few ticks (each venue's own spread and grid); the path itself moves more.
      expect(Math.max(...apart), venue).toBeLessThan(2e-5);
      expect(Math.max(...binance) / Math.min(...binance) - 1, venue).toBeGreaterThan(5 * Math.max(...apart));
    }
    // A venue generated alone with another seed is another market.
    const lone = await temp();
    await generateKrakenDataset({ ...opts, root: lone, seed: 'other', symbols: ['BTC/USD'] });
    const [loneFirst] = await krakenMids(lone);
    expect(Math.abs(loneFirst / binance[0] - 1)).toBeGreaterThan(1e-3);
  });
});
