/** Binance's part of the generator: its REST paths and how its bodies print the simulated market. */
import {
  generateDataset,
  tradesPerPoll,
  type DatasetOptions,
  type DatasetSummary,
  type SymbolRecorder,
  type VenueRecorder,
} from '../../generate/dataset.js';
import type { SimTrade } from '../../generate/market.js';
import { BinanceFormatter, exchangeInfoBody } from './generate-format.js';
import { binanceProfileFor } from './profiles.js';
import type { BinanceRestTrade } from './wire.js';

export type { DatasetSummary as GenerateSummary, SymbolSummary } from '../../generate/dataset.js';

export const PLATFORM = 'binance';
export const DEPTH_PATH = '/api/v3/depth';
export const TRADES_PATH = '/api/v3/historicalTrades';
export const EXCHANGE_INFO_PATH = '/api/v3/exchangeInfo';
export const DEPTH_LIMIT = 100;
export const DEFAULT_TRADES_LIMIT = 200;
export const DEFAULT_TRADES_POLL_MS = 5000;
/** A poll goes out early once this share of `limit` new trades has printed since the last one. */
const EARLY_POLL_SHARE = 0.4;

export interface GenerateOptions extends DatasetOptions {
  /** `limit` of each historicalTrades poll. Default 200. */
  readonly tradesLimit?: number;
  /** Normal interval between historicalTrades polls. Default 5000 ms. */
  readonly tradesPollMs?: number;
}

/** The recent tape of one symbol and the captures of its three endpoints. */
class BinanceSymbolRecorder implements SymbolRecorder {
  readonly symbol: string;
  readonly profile;
  readonly earlyPollTrades: number;
  private readonly format: BinanceFormatter;
  private readonly tape: BinanceRestTrade[] = [];

  constructor(
    symbol: string,
    private readonly limit: number,
  ) {
    this.profile = binanceProfileFor(symbol);
    this.symbol = this.profile.symbol;
    this.format = new BinanceFormatter(this.profile);
    this.earlyPollTrades = Math.floor(limit * EARLY_POLL_SHARE);
  }

  onTrade(trade: SimTrade): void {
    this.tape.push(this.format.trade(trade));
    if (this.tape.length > 4 * this.limit) this.tape.splice(0, this.tape.length - this.limit);
  }

  info(serverMs: number) {
    return { params: { symbol: this.symbol }, body: exchangeInfoBody(this.profile, serverMs) };
  }

  depth(sim: Parameters<NonNullable<SymbolRecorder['depth']>>[0]) {
    return { params: { symbol: this.symbol, limit: DEPTH_LIMIT }, body: this.format.depth(sim, DEPTH_LIMIT) };
  }

  trades() {
    const page = this.tape.slice(-this.limit);
    return {
      params: { symbol: this.symbol, limit: this.limit },
      body: page,
      firstId: page[0]?.id,
      lastId: page[page.length - 1]?.id,
    };
  }
}

export function binanceRecorder(
  opts: Pick<GenerateOptions, 'tradesLimit' | 'tradesPollMs'> = {},
): VenueRecorder {
  const limit = tradesPerPoll('tradesLimit', opts.tradesLimit ?? DEFAULT_TRADES_LIMIT, 1000, 'Binance');
  return {
    platform: PLATFORM,
    infoPath: EXCHANGE_INFO_PATH,
    depthPath: DEPTH_PATH,
    tradesPath: TRADES_PATH,
    tradesPollMs: opts.tradesPollMs ?? DEFAULT_TRADES_POLL_MS,
    symbol: (symbol) => new BinanceSymbolRecorder(symbol, limit),
  };
}

/**
 * Writes a realistic, seeded Binance spot dataset in the storage layout: per symbol one
 * `exchangeInfo` capture, a 100-level `depth` snapshot every second and `historicalTrades`
 * polls whose consecutive pages overlap. Same options → byte-identical files.
 */
export async function generateBinanceDataset(opts: GenerateOptions): Promise<DatasetSummary> {
  return generateDataset(binanceRecorder(opts), opts);
}
