import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { MarketSimulator } from '../../generate/market.js';
import { Rng } from '../../generate/random.js';
import { KRAKEN_ASSET_PAIRS } from './asset-pairs.js';
import {
  KRAKEN_DEPTH_COUNT,
  KrakenRestFormatter,
  KrakenTradesPoller,
  type KrakenTradesPoll,
} from './generate-format.js';
import { KRAKEN_PROFILES, krakenProfileFor } from './profiles.js';
import { KRAKEN_PAIRS } from './symbols.js';
import type { KrakenRestDepthBook, KrakenRestTradeRow } from './wire.js';

const START = Date.UTC(2026, 0, 5, 14);

interface Run {
  depths: { serverMs: number; text: string }[];
  polls: KrakenTradesPoll[];
  assetPairs: string;
}

/** Five simulated minutes of one pair: a Depth every 5 s and a Trades poll every 20 s. */
function simulate(symbol: string, seed: string): Run {
  const profile = krakenProfileFor(symbol);
  const formatter = new KrakenRestFormatter(profile, KRAKEN_PAIRS.get(symbol));
  const poller = new KrakenTradesPoller(formatter, 200, 1000);
  const sim = new MarketSimulator({
    profile,
    rng: new Rng(seed).fork('market'),
    startMs: START - 60_000,
    onTrade: (trade) => poller.record(trade),
  });
  const run: Run = { depths: [], polls: [], assetPairs: JSON.stringify(formatter.assetPairs()) };
  for (let t = START; t <= START + 300_000; t += 5000) {
    sim.advanceTo(t);
    run.depths.push({ serverMs: t, text: JSON.stringify(formatter.depth(sim, KRAKEN_DEPTH_COUNT, t)) });
    if ((t - START) % 20_000 === 0) run.polls.push(poller.poll());
  }
  return run;
}

const btc = simulate('BTC/USD', 'kraken-format');

const DEPTH_LEVEL = String.raw`\["\d+\.\d{5}","\d+\.\d{3}",\d{10}\]`;
const DEPTH_SIDE = String.raw`\[${DEPTH_LEVEL}(?:,${DEPTH_LEVEL})*\]`;
const DEPTH_BODY = new RegExp(
  String.raw`^\{"error":\[\],"result":\{"XXBTZUSD":\{"asks":${DEPTH_SIDE},"bids":${DEPTH_SIDE}\}\}\}$`,
);
const TRADE_ROW = String.raw`\["\d+\.\d{5}","\d+\.\d{8}",\d{10}(?:\.\d{1,7})?,"[bs]","[ml]","",\d+\]`;
const TRADES_BODY = new RegExp(
  String.raw`^\{"error":\[\],"result":\{"XXBTZUSD":\[(?:${TRADE_ROW}(?:,${TRADE_ROW})*)?\],"last":"\d{19}"\}\}$`,
);

function depthBook(text: string): KrakenRestDepthBook {
  return (JSON.parse(text) as { result: Record<string, KrakenRestDepthBook> }).result.XXBTZUSD;
}

function rows(poll: KrakenTradesPoll): KrakenRestTradeRow[] {
  return poll.body.result!.XXBTZUSD as KrakenRestTradeRow[];
}

describe('Kraken Depth bodies', () => {
  it('have Kraken’s envelope, result key, field order and string / number types', () => {
    for (const { text } of btc.depths) expect(text).toMatch(DEPTH_BODY);
  });

  it('hold `count` levels a side, best first, uncrossed, stamped no later than the response', () => {
    for (const { serverMs, text } of btc.depths) {
      const { asks, bids } = depthBook(text);
      expect([asks.length, bids.length]).toEqual([KRAKEN_DEPTH_COUNT, KRAKEN_DEPTH_COUNT]);
      const price = (l: [string, string, number]): number => Number(l[0]);
      for (let i = 1; i < asks.length; i++) expect(price(asks[i])).toBeGreaterThan(price(asks[i - 1]));
      for (let i = 1; i < bids.length; i++) expect(price(bids[i])).toBeLessThan(price(bids[i - 1]));
      expect(price(bids[0])).toBeLessThan(price(asks[0]));
      for (const level of [...asks, ...bids]) expect(level[2]).toBeLessThanOrEqual(serverMs / 1000);
    }
  });

  it('keep a level’s time while it stands and stamp a changed one anew', () => {
    const last = btc.depths[btc.depths.length - 1];
    const { asks, bids } = depthBook(last.text);
    const times = new Set([...asks, ...bids].map((l) => l[2]));
    expect(times.has(Math.floor(last.serverMs / 1000))).toBe(true);
    expect(times.size).toBeGreaterThan(5);
  });
});

describe('Kraken Trades polls', () => {
  it('have Kraken’s envelope: rows under the result key, then the ns `last` cursor', () => {
    expect(btc.polls.length).toBe(16);
    for (const poll of btc.polls) expect(JSON.stringify(poll.body)).toMatch(TRADES_BODY);
    expect(Object.keys(btc.polls[1].body.result!)).toEqual(['XXBTZUSD', 'last']);
  });

  it('ask with overlapping `since` cursors, as a poller that re-reads its last second does', () => {
    expect(btc.polls[0].params).toEqual({ pair: 'XBTUSD', count: 200 });
    let overlaps = 0;
    for (let i = 1; i < btc.polls.length; i++) {
      const before = btc.polls[i - 1];
      const { since } = btc.polls[i].params;
      expect(since).toMatch(/^\d{19}$/);
      expect(BigInt(since!)).toBeLessThan(BigInt(before.body.result!.last));
      const lastMs = BigInt(before.body.result!.last) / 1_000_000n;
      expect(BigInt(since!)).toBe((lastMs - 1000n) * 1_000_000n);
      const seen = new Set(rows(before).map((r) => r[6]));
      if (rows(btc.polls[i]).some((r) => seen.has(r[6]))) overlaps++;
    }
    expect(overlaps).toBeGreaterThan(3);
  });

  it('serve each trade with consecutive ids, times matching the cursor, no trade lost between polls', () => {
    const ids = new Map<number, KrakenRestTradeRow>();
    for (const poll of btc.polls) {
      const page = rows(poll);
      for (let i = 1; i < page.length; i++) expect(page[i][6]).toBe(page[i - 1][6] + 1);
      for (const row of page) {
        const earlier = ids.get(row[6]);
        if (earlier !== undefined) expect(row).toEqual(earlier);
        ids.set(row[6], row);
      }
      const last = poll.body.result!.last;
      if (page.length > 0)
        expect(page[page.length - 1][2]).toBe(Number(`${last.slice(0, -9)}.${last.slice(-9)}`));
    }
    const sorted = [...ids.keys()].sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(200);
    expect(sorted[sorted.length - 1] - sorted[0] + 1).toBe(sorted.length);
    const kinds = new Set([...ids.values()].map((r) => `${r[3]}${r[4]}`));
    expect(kinds).toEqual(new Set(['bm', 'bl', 'sm', 'sl']));
  });
});

describe('Kraken AssetPairs body', () => {
  it('is the pair’s entry under its internal name', () => {
    expect(btc.assetPairs).toBe(
      `{"error":[],"result":{"XXBTZUSD":${JSON.stringify(KRAKEN_ASSET_PAIRS.XXBTZUSD)}}}`,
    );
  });
});

describe('determinism', () => {
  it('gives the same bytes for a seed and other bytes for another seed', () => {
    const again = simulate('BTC/USD', 'kraken-format');
    expect(again).toEqual(btc);
    const other = simulate('BTC/USD', 'another-seed');
    expect(other.depths[0].text).not.toBe(btc.depths[0].text);
  });

  it('formats ETH/USD on its own grid', () => {
    const eth = simulate('ETH/USD', 'kraken-format');
    const { asks } = (JSON.parse(eth.depths[0].text) as { result: Record<string, KrakenRestDepthBook> })
      .result.XETHZUSD;
    expect(asks[0][0]).toMatch(/^\d+\.\d{2}000$/);
    expect(eth.polls[1].params.pair).toBe('ETHUSD');
  });
});

describe('Kraken profiles', () => {
  it('sit on the real AssetPairs grid of their pair', () => {
    for (const profile of KRAKEN_PROFILES.values()) {
      const pair = KRAKEN_PAIRS.get(profile.symbol);
      expect(profile.priceFilter.tickSize).toBe((10 ** -pair.priceDecimals).toFixed(pair.priceDecimals));
      expect(profile.lotSize.stepSize).toBe((10 ** -pair.qtyDecimals).toFixed(pair.qtyDecimals));
      expect(profile.lotSize.minQty).toBe(KRAKEN_ASSET_PAIRS[pair.restKey].ordermin);
    }
    expect(() => krakenProfileFor('SOL/USD')).toThrow(ConfigError);
    expect(() => krakenProfileFor('SOL/USD')).toThrow(/supported: BTC\/USD, ETH\/USD/);
  });
});
