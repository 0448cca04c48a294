/**
 * OKX's part of the generator: its REST paths and how its bodies print the simulated market
 * (generate-format.ts). Per SPOT instrument: one `/api/v5/public/instruments` capture, a
 * 400-level `/api/v5/market/books` every second and `/api/v5/market/trades` polls of the latest
 * `limit` trades, early enough (the driver's tape watch) that consecutive pages overlap. BTC-USDT
 * and ETH-USDT follow the price of Binance's BTCUSDT and ETHUSDT generated with the same seed.
 */
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
import { referenceFor } from '../../generate/reference-markets.js';
import {
  OKX_BOOKS_DEPTH,
  OKX_BOOKS_PATH,
  OKX_INSTRUMENTS_PATH,
  OKX_TRADES_DEFAULT_LIMIT,
  OKX_TRADES_MAX_LIMIT,
  OKX_TRADES_PATH,
  OkxRestFormatter,
  OkxTradeTape,
} from './generate-format.js';
import { okxProfileFor } from './profiles.js';
import { OKX_PLATFORM } from './replay-source.js';
import { canonicalSymbolOf, instIdOf } from './symbols.js';

export const DEFAULT_OKX_TRADES_POLL_MS = 5000;
/** The instruments the sample dataset holds. */
export const OKX_SAMPLE_INSTRUMENTS: readonly string[] = ['BTC-USDT', 'ETH-USDT'];
/** A poll goes out early once this share of `limit` new trades has printed since the last one. */
const EARLY_POLL_SHARE = 0.4;

export interface OkxGenerateOptions extends Omit<DatasetOptions, 'symbols'> {
  /** instIds (`BTC-USDT`) or canonical symbols (`BTC/USDT`). Default BTC-USDT and ETH-USDT. */
  readonly symbols?: readonly string[];
  /** `limit` of each trades poll (OKX: at most 500). Default 100. */
  readonly tradesLimit?: number;
  /** Between trades polls in a calm market. Default 5000 ms. */
  readonly tradesPollMs?: number;
}

class OkxSymbolRecorder implements SymbolRecorder {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  readonly earlyPollTrades: number;
  readonly follows: SymbolRecorder['follows'];
  private readonly format: OkxRestFormatter;
  private readonly tape: OkxTradeTape;

  constructor(
    name: string,
    private readonly limit: number,
  ) {
    this.profile = okxProfileFor(name.includes('/') ? instIdOf(name) : name);
    this.symbol = this.profile.symbol;
    this.format = new OkxRestFormatter(this.profile);
    this.tape = new OkxTradeTape(this.format, limit);
    this.earlyPollTrades = Math.floor(limit * EARLY_POLL_SHARE);
    // The pair's price follows the sample's reference market for it (shared with every venue).
    this.follows = referenceFor(canonicalSymbolOf(this.symbol));
  }

  onTrade(trade: SimTrade): void {
    this.tape.record(trade);
  }

  info(): RestCapture {
    return { params: { instType: 'SPOT', instId: this.symbol }, body: this.format.instruments() };
  }

  depth(sim: MarketSimulator, serverMs: number): RestCapture {
    return {
      params: { instId: this.symbol, sz: OKX_BOOKS_DEPTH },
      body: this.format.books(sim, OKX_BOOKS_DEPTH, serverMs),
    };
  }

  trades(): TradesCapture {
    const body = this.tape.page();
    const newest = body.data[0];
    const oldest = body.data[body.data.length - 1];
    return {
      params: { instId: this.symbol, limit: this.limit },
      body,
      firstId: oldest === undefined ? undefined : Number(oldest.tradeId),
      lastId: newest === undefined ? undefined : Number(newest.tradeId),
    };
  }
}

export function okxRecorder(
  opts: Pick<OkxGenerateOptions, 'tradesLimit' | 'tradesPollMs'> = {},
): VenueRecorder {
  const limit = tradesPerPoll(
    'tradesLimit',
    opts.tradesLimit ?? OKX_TRADES_DEFAULT_LIMIT,
    OKX_TRADES_MAX_LIMIT,
    'OKX',
  );
  return {
    platform: OKX_PLATFORM,
    infoPath: OKX_INSTRUMENTS_PATH,
    depthPath: OKX_BOOKS_PATH,
    tradesPath: OKX_TRADES_PATH,
    tradesPollMs: opts.tradesPollMs ?? DEFAULT_OKX_TRADES_POLL_MS,
    symbol: (symbol) => new OkxSymbolRecorder(symbol, limit),
  };
}

/**
 * Writes a realistic, seeded OKX SPOT dataset in the storage layout (default BTC-USDT and
 * ETH-USDT), stored under the instId. Same options → byte-identical files.
 */
export async function generateOkxDataset(opts: OkxGenerateOptions): Promise<DatasetSummary> {
  return generateDataset(okxRecorder(opts), { ...opts, symbols: opts.symbols ?? OKX_SAMPLE_INSTRUMENTS });
}
