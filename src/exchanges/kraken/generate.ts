/**
 * Kraken's part of the generator: its REST paths and how its bodies print the simulated market
 * (generate-format.ts). Per pair: one `AssetPairs` capture, a 100-level `Depth` every second and
 * `Trades` polls whose `since` cursors overlap the previous page, as a real poller's do.
 */
import { referenceFor } from '../../generate/reference-markets.js';
import {
  generateDataset,
  tradesPerPoll,
  type DatasetOptions,
  type DatasetSummary,
  type RestCapture,
  type SymbolRecorder,
  type TradesCapture,
  type VenueRecorder,
} from '../../generate/dataset.js';
import type { MarketSimulator, SimTrade } from '../../generate/market.js';
import type { SymbolProfile } from '../../generate/profiles.js';
import {
  KRAKEN_ASSET_PAIRS_PATH,
  KRAKEN_DEPTH_COUNT,
  KRAKEN_DEPTH_PATH,
  KRAKEN_TRADES_MAX_COUNT,
  KRAKEN_TRADES_PATH,
  KrakenRestFormatter,
  KrakenTradesPoller,
} from './generate-format.js';
import { krakenProfileFor } from './profiles.js';
import { KRAKEN_PLATFORM } from './replay-source.js';
import { KRAKEN_PAIRS } from './symbols.js';
import type { KrakenRestTradeRow } from './wire.js';

export const DEFAULT_KRAKEN_TRADES_POLL_MS = 5000;
/** How far back each poll's `since` reaches before the last trade seen, ms. */
const POLL_OVERLAP_MS = 1000;
/** A poll goes out early once this share of `count` new trades has printed since the last one. */
const EARLY_POLL_SHARE = 0.4;

export interface KrakenGenerateOptions extends DatasetOptions {
  /** `count` of each Trades poll (Kraken: at most 1000). Default 1000. */
  readonly tradesCount?: number;
  /** Between Trades polls in a calm market. Default 5000 ms. */
  readonly tradesPollMs?: number;
}

class KrakenSymbolRecorder implements SymbolRecorder {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  readonly earlyPollTrades: number;
  readonly follows: SymbolRecorder['follows'];
  private readonly format: KrakenRestFormatter;
  private readonly poller: KrakenTradesPoller;

  constructor(name: string, count: number) {
    const pair = KRAKEN_PAIRS.get(name);
    this.profile = krakenProfileFor(pair.symbol);
    this.symbol = pair.symbol;
    this.format = new KrakenRestFormatter(this.profile, pair);
    this.poller = new KrakenTradesPoller(this.format, count, POLL_OVERLAP_MS);
    this.earlyPollTrades = Math.floor(count * EARLY_POLL_SHARE);
    // BTC/USD follows the sample's BTC/USDT market, as every venue quoting BTC does.
    this.follows = referenceFor(pair.symbol);
  }

  onTrade(trade: SimTrade): void {
    this.poller.record(trade);
  }

  info(): RestCapture {
    return { params: { pair: this.format.pair.altname }, body: this.format.assetPairs() };
  }

  depth(sim: MarketSimulator, serverMs: number): RestCapture {
    return {
      params: { pair: this.format.pair.altname, count: KRAKEN_DEPTH_COUNT },
      body: this.format.depth(sim, KRAKEN_DEPTH_COUNT, serverMs),
    };
  }

  trades(): TradesCapture {
    const { params, body } = this.poller.poll();
    const rows = body.result?.[this.format.pair.restKey] as KrakenRestTradeRow[];
    return { params, body, firstId: rows[0]?.[6], lastId: rows[rows.length - 1]?.[6] };
  }
}

export function krakenRecorder(
  opts: Pick<KrakenGenerateOptions, 'tradesCount' | 'tradesPollMs'> = {},
): VenueRecorder {
  const count = tradesPerPoll(
    'tradesCount',
    opts.tradesCount ?? KRAKEN_TRADES_MAX_COUNT,
    KRAKEN_TRADES_MAX_COUNT,
    'Kraken',
  );
  return {
    platform: KRAKEN_PLATFORM,
    infoPath: KRAKEN_ASSET_PAIRS_PATH,
    depthPath: KRAKEN_DEPTH_PATH,
    tradesPath: KRAKEN_TRADES_PATH,
    tradesPollMs: opts.tradesPollMs ?? DEFAULT_KRAKEN_TRADES_POLL_MS,
    symbol: (symbol) => new KrakenSymbolRecorder(symbol, count),
  };
}

/**
 * Writes a realistic, seeded Kraken dataset in the storage layout for pairs named in any Kraken
 * spelling (stored under the v2 symbol, `BTC/USD`). Same options → byte-identical files.
 */
export async function generateKrakenDataset(opts: KrakenGenerateOptions): Promise<DatasetSummary> {
  return generateDataset(krakenRecorder(opts), opts);
}
