/**
 * Alpaca's part of the generator: US stocks (AAPL, MSFT, SPY) recorded the way a poller of the
 * historical REST API would (generate-format.ts), in market hours. Every poll asks for the next
 * window — from where the previous one ended to the last whole second before it goes out — of
 * `/v2/stocks/{symbol}/trades`, then `/quotes` over the same window and `/bars?timeframe=1Min`
 * over the minutes that completed; a window with more than `limit` items is read page by page.
 * No call goes out for a window wholly outside the regular session (weekdays 09:30–16:00 New
 * York, market-hours.ts), and the simulated market prints nothing then: its taker activity is
 * 0 outside the session and U-shaped within it (session-activity.ts). Same options → the same
 * bytes.
 */
import {
  endpointOf,
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
import { Rng } from '../../generate/random.js';
import {
  ALPACA_BARS_PATH,
  ALPACA_DEFAULT_LIMIT,
  ALPACA_MAX_LIMIT,
  ALPACA_QUOTES_PATH,
  ALPACA_SAMPLE_FEED,
  ALPACA_TRADES_PATH,
  MINUTE_MS,
  pagedCalls,
  type CallContext,
} from './generate-format.js';
import { alpacaStockFor } from './profiles.js';
import { ALPACA_PLATFORM } from './replay-source.js';
import { SessionCalendar } from './session-activity.js';
import { StockTape } from './stock-tape.js';

export const DEFAULT_ALPACA_POLL_MS = 5000;
/** The stocks the sample dataset holds. */
export const ALPACA_SAMPLE_SYMBOLS: readonly string[] = ['AAPL', 'MSFT', 'SPY'];

export interface AlpacaGenerateOptions extends Omit<DatasetOptions, 'symbols'> {
  /** Stock symbols. Default AAPL, MSFT and SPY. */
  readonly symbols?: readonly string[];
  /** `limit` of every call (Alpaca: at most 10 000). Default 1000. */
  readonly limit?: number;
  /** Between polls. Default 5000 ms. */
  readonly pollMs?: number;
}

class AlpacaSymbolRecorder implements SymbolRecorder {
  readonly symbol: string;
  readonly profile: SymbolProfile;
  /** Windows never overlap, and paging reads a busy one whole: no poll need go out early. */
  readonly earlyPollTrades = Infinity;
  private readonly calendar = new SessionCalendar();
  private readonly tape: StockTape;
  private readonly ctx: CallContext;
  /** Where the next trades/quotes window starts, and the window of the poll in progress. */
  private windowFrom: number;
  private window: { from: number; to: number } | undefined;
  private barsFrom: number;

  constructor(name: string, limit: number, seed: DatasetOptions['seed'], startMs: number) {
    const stock = alpacaStockFor(name);
    this.profile = stock.profile;
    this.symbol = stock.profile.symbol;
    this.ctx = { symbol: this.symbol, feed: ALPACA_SAMPLE_FEED, limit };
    this.tape = new StockTape(
      stock,
      new Rng(seed).fork(this.symbol).fork('alpaca-tape'),
      this.calendar,
      startMs,
    );
    this.windowFrom = startMs;
    this.barsFrom = Math.floor(startMs / MINUTE_MS) * MINUTE_MS;
  }

  onTrade(trade: SimTrade): void {
    this.tape.recordTrade(trade);
  }

  activity(atMs: number): number {
    return this.calendar.activity(atMs);
  }

  onBookChange(sim: MarketSimulator, atMs: number): void {
    if (sim.bids.size === 0 || sim.asks.size === 0) return;
    this.tape.bookChanged(
      [sim.bids.tickAt(0), sim.bids.qtyAt(0)],
      [sim.asks.tickAt(0), sim.asks.qtyAt(0)],
      atMs,
    );
  }

  trades(serverMs: number): readonly TradesCapture[] {
    const from = this.windowFrom;
    const to = Math.floor(serverMs / 1000) * 1000;
    this.window = undefined;
    if (to <= from) return [];
    this.windowFrom = to;
    const items = this.tape.takeTrades(to);
    if (!this.calendar.overlapsSession(from, to)) return [];
    this.window = { from, to };
    return pagedCalls('trades', ALPACA_TRADES_PATH, this.ctx, from, to, items).map((call) => ({
      ...call,
      tradeCount: ((call.body as { trades: unknown[] | null }).trades ?? []).length,
    }));
  }

  alongside(path: string, serverMs: number): readonly RestCapture[] {
    if (path === ALPACA_QUOTES_PATH) {
      const w = this.window;
      if (w === undefined) {
        this.tape.takeQuotes(Math.floor(serverMs / 1000) * 1000);
        return [];
      }
      return pagedCalls('quotes', ALPACA_QUOTES_PATH, this.ctx, w.from, w.to, this.tape.takeQuotes(w.to));
    }
    if (path === ALPACA_BARS_PATH) {
      const from = this.barsFrom;
      const to = Math.floor(serverMs / MINUTE_MS) * MINUTE_MS;
      if (to <= from) return [];
      this.barsFrom = to;
      const bars = this.tape.takeBars(to);
      if (!this.calendar.overlapsSession(from, to)) return [];
      return pagedCalls('bars', ALPACA_BARS_PATH, this.ctx, from, to, bars);
    }
    throw new RangeError(`alpaca: no series ${path}`);
  }
}

export function alpacaRecorder(
  opts: Pick<AlpacaGenerateOptions, 'limit' | 'pollMs' | 'seed' | 'startMs'>,
): VenueRecorder {
  const limit = tradesPerPoll('limit', opts.limit ?? ALPACA_DEFAULT_LIMIT, ALPACA_MAX_LIMIT, 'Alpaca');
  return {
    platform: ALPACA_PLATFORM,
    tradesPath: ALPACA_TRADES_PATH,
    alongsidePaths: [ALPACA_QUOTES_PATH, ALPACA_BARS_PATH],
    tradesPollMs: opts.pollMs ?? DEFAULT_ALPACA_POLL_MS,
    symbol: (symbol) => new AlpacaSymbolRecorder(symbol, limit, opts.seed, opts.startMs),
  };
}

/** The storage endpoints the generator writes (`v2_stocks_trades`, …). */
export const ALPACA_GENERATED_ENDPOINTS: readonly string[] = [
  ALPACA_TRADES_PATH,
  ALPACA_QUOTES_PATH,
  ALPACA_BARS_PATH,
].map(endpointOf);

/**
 * Writes a realistic, seeded Alpaca dataset of US stocks in the storage layout (default AAPL,
 * MSFT and SPY). Same options → byte-identical files.
 */
export async function generateAlpacaDataset(opts: AlpacaGenerateOptions): Promise<DatasetSummary> {
  return generateDataset(alpacaRecorder(opts), { ...opts, symbols: opts.symbols ?? ALPACA_SAMPLE_SYMBOLS });
}
