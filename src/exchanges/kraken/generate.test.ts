import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { DatasetSummary } from '../../generate/dataset.js';
import { listRecordingFiles, listSymbols } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import type { RecordedResponse } from '../../storage/record.js';
import { generateKrakenDataset } from './generate.js';
import { KRAKEN_DEPTH_ENDPOINT, KRAKEN_TRADES_ENDPOINT, KrakenReplaySource } from './replay-source.js';
import { KrakenPairs } from './symbols.js';
import type { KrakenRestDepthBook, KrakenRestResponse, KrakenRestTradesResult } from './wire.js';

const START = Date.UTC(2026, 0, 5, 14);
const temps: string[] = [];
let root: string;
let summary: DatasetSummary;

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-kraken-gen-'));
  temps.push(dir);
  return dir;
}

beforeAll(async () => {
  root = await temp();
  summary = await generateKrakenDataset({
    root,
    seed: 'kraken-gen',
    startMs: START,
    minutes: 2,
    symbols: ['BTC/USD', 'ETHUSD'],
  });
});
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function records<T>(endpoint: string, symbol: string): Promise<RecordedResponse<T>[]> {
  const out: RecordedResponse<T>[] = [];
  for await (const { record } of readRecords<T>(await listRecordingFiles(root, 'kraken', endpoint, symbol))) {
    out.push(record);
  }
  return out;
}

const KEY: Record<string, string> = { 'BTC/USD': 'XXBTZUSD', 'ETH/USD': 'XETHZUSD' };

describe('generateKrakenDataset', () => {
  it('writes BTC/USD and ETH/USD under Kraken’s endpoints, named by the v2 symbol', async () => {
    expect(summary.platform).toBe('kraken');
    for (const endpoint of ['0_public_Trades', '0_public_Depth', '0_public_AssetPairs']) {
      expect(await listSymbols(root, 'kraken', endpoint)).toEqual(['BTC/USD', 'ETH/USD']);
    }
    expect(summary.files.map((f) => relative(root, f).split('/').slice(0, 3).join('/'))).toContain(
      'kraken/0_public_Depth/BTC%2FUSD',
    );
  });

  it("records AssetPairs once, with Kraken's precisions, and a 100-level Depth every second", async () => {
    for (const symbol of ['BTC/USD', 'ETH/USD']) {
      const info = await records(`0_public_AssetPairs`, symbol);
      expect(info).toHaveLength(1);
      const pair = KrakenPairs.fromAssetPairs(info[0].data).get(symbol);
      expect([pair.priceDecimals, pair.qtyDecimals]).toEqual(symbol === 'BTC/USD' ? [1, 8] : [2, 8]);
      const depth = await records<KrakenRestResponse<Record<string, KrakenRestDepthBook>>>(
        KRAKEN_DEPTH_ENDPOINT,
        symbol,
      );
      expect(depth.length).toBeGreaterThanOrEqual(119);
      for (const d of depth) {
        expect(d.request).toEqual({ path: '/0/public/Depth', params: { pair: pair.altname, count: 100 } });
        expect(d.data.result?.[KEY[symbol]].asks).toHaveLength(100);
      }
    }
  });

  it('polls Trades with since cursors that overlap the previous page, and no trade is lost', async () => {
    for (const symbol of ['BTC/USD', 'ETH/USD']) {
      const polls = await records<KrakenRestResponse<KrakenRestTradesResult>>(KRAKEN_TRADES_ENDPOINT, symbol);
      expect(polls.length).toBeGreaterThan(10);
      expect(polls[0].request.params.since).toBeUndefined();
      let overlapping = 0;
      let prevIds = new Set<number>();
      let prevLast = BigInt(polls[0].data.result?.last ?? '0');
      for (const p of polls.slice(1)) {
        expect(p.request.params.since).toMatch(/^\d{19}$/);
        // Each poll reaches a second back before the last trade the previous one returned.
        if (prevIds.size > 0)
          expect(prevLast - BigInt(p.request.params.since as string)).toBeGreaterThanOrEqual(1_000_000_000n);
        prevLast = BigInt(p.data.result?.last ?? '0');
        const ids = (
          p.data.result?.[KEY[symbol]] as unknown as [
            string,
            string,
            number,
            string,
            string,
            string,
            number,
          ][]
        ).map((r) => r[6]);
        if (ids.some((id) => prevIds.has(id))) overlapping++;
        prevIds = new Set(ids);
      }
      expect(overlapping).toBeGreaterThan(polls.length / 2);
    }
    const source = await KrakenReplaySource.open(root, silentLogger());
    let trades = 0;
    for await (const e of source.pass(0, 0)) if (e.kind === 'trade') trades++;
    expect(source.stats()).toMatchObject({ tradeGaps: 0, badLines: 0 });
    expect(source.stats().duplicates).toBeGreaterThan(0);
    expect(trades).toBe(summary.symbols.reduce((n, s) => n + s.trades, 0));
  });

  it('is deterministic, and refuses an unknown pair or a bad count', async () => {
    const again = await temp();
    const twice = await generateKrakenDataset({
      root: again,
      seed: 'kraken-gen',
      startMs: START,
      minutes: 2,
      symbols: ['BTC/USD', 'ETHUSD'],
    });
    expect(twice.bytes).toBe(summary.bytes);
    for (const [a, b] of summary.files.map((f, i) => [f, twice.files[i]])) {
      expect(await readFile(b, 'utf8')).toBe(await readFile(a, 'utf8'));
    }
    await expect(
      generateKrakenDataset({
        root: await temp(),
        seed: 's',
        startMs: START,
        minutes: 1,
        symbols: ['DOGE/USD'],
      }),
    ).rejects.toThrow(ConfigError);
    await expect(
      generateKrakenDataset({
        root: await temp(),
        seed: 's',
        startMs: START,
        minutes: 1,
        symbols: ['BTC/USD'],
        tradesCount: 5000,
      }),
    ).rejects.toThrow(/tradesCount must be an integer in 10\.\.1000/);
  });
});
