import { ConfigError } from '../core/errors.js';
import type { BinanceRestTrade } from '../exchanges/binance/wire.js';
import { endpointName, listRecordingFiles } from '../storage/layout.js';
import type { RecordedResponse } from '../storage/record.js';
import { RecordingWriter } from '../storage/writer.js';
import { BinanceFormatter, exchangeInfoBody } from './binance-format.js';
import { GRID_MS, MarketSimulator } from './market.js';
import { profileFor, type SymbolProfile } from './profiles.js';
import { Rng, type Seed } from './random.js';

export const PLATFORM = 'binance';
export const DEPTH_PATH = '/api/v3/depth';
export const TRADES_PATH = '/api/v3/historicalTrades';
export const EXCHANGE_INFO_PATH = '/api/v3/exchangeInfo';
export const DEPTH_LIMIT = 100;
export const DEFAULT_TRADES_LIMIT = 200;
export const DEFAULT_TRADES_POLL_MS = 5000;

export interface GenerateOptions {
  /** Storage root; recordings go to `<root>/binance/<endpoint>/<symbol>/`. */
  root: string;
  seed: Seed;
  /** Market time of the first capture, ms since epoch. */
  startMs: number;
  minutes: number;
  /** Native symbols, e.g. `['BTCUSDT', 'ETHUSDT']`. */
  symbols: string[];
  /** `limit` of each historicalTrades poll. Default 200. */
  tradesLimit?: number;
  /** Normal interval between historicalTrades polls. Default 5000 ms. */
  tradesPollMs?: number;
}

export interface SymbolSummary {
  symbol: string;
  depthSnapshots: number;
  tradePolls: number;
  /** Distinct trades across all polls (their ids are consecutive). */
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
  firstMid: number;
  lastMid: number;
}

export interface GenerateSummary {
  root: string;
  platform: typeof PLATFORM;
  startMs: number;
  endMs: number;
  files: string[];
  bytes: number;
  symbols: SymbolSummary[];
}

/** The market runs this long before the first capture, so the book and the tape are warm. */
const WARMUP_MS = 60_000;
/** A poll goes out early once this share of `limit` new trades has printed since the last one. */
const EARLY_POLL_SHARE = 0.4;

interface Capture {
  send: number;
  /** When the exchange built the response: the market state it shows. */
  server: number;
  /** When the response arrived: the recorded `ts`. Infinity for captures past the end. */
  ts: number;
}

/** Request/response timing of one REST call: one-way latencies of roughly 10–40 ms. */
function capture(net: Rng, send: number, endMs: number): Capture {
  if (send >= endMs) return { send, server: Infinity, ts: Infinity };
  const oneWay = (): number => 6 + Math.min(150, Math.round(net.exponential(1 / 12)));
  const server = send + oneWay();
  return { send, server, ts: server + oneWay() };
}

function validate(opts: GenerateOptions): void {
  if (!Number.isSafeInteger(opts.startMs))
    throw new ConfigError('generate: startMs must be an integer ms time');
  if (!(opts.minutes > 0) || !Number.isFinite(opts.minutes)) {
    throw new ConfigError(`generate: minutes must be a positive number, got ${opts.minutes}`);
  }
  if (opts.symbols.length === 0) throw new ConfigError('generate: at least one symbol is required');
  const limit = opts.tradesLimit ?? DEFAULT_TRADES_LIMIT;
  if (!Number.isInteger(limit) || limit < 10 || limit > 1000) {
    throw new ConfigError(
      `generate: tradesLimit must be an integer in 10..1000 (Binance's range), got ${limit}`,
    );
  }
  if (!((opts.tradesPollMs ?? DEFAULT_TRADES_POLL_MS) >= GRID_MS))
    throw new ConfigError(`generate: tradesPollMs must be ≥ ${GRID_MS}`);
}

async function refuseExisting(root: string, profile: SymbolProfile): Promise<void> {
  for (const path of [DEPTH_PATH, TRADES_PATH, EXCHANGE_INFO_PATH]) {
    const existing = await listRecordingFiles(root, PLATFORM, endpointName(path), profile.symbol);
    if (existing.length > 0) {
      throw new ConfigError(
        `generate: ${root} already holds ${PLATFORM} ${endpointName(path)} recordings for ${profile.symbol}; ` +
          'generate into an empty --data directory (or remove the old recordings first)',
      );
    }
  }
}

class SymbolRun {
  readonly summary: SymbolSummary;
  private readonly format: BinanceFormatter;
  private readonly sim: MarketSimulator;
  private readonly net: Rng;
  private readonly writers: Record<'depth' | 'trades' | 'info', RecordingWriter>;
  private readonly tape: BinanceRestTrade[] = [];
  private newTrades = 0;

  constructor(
    private readonly profile: SymbolProfile,
    private readonly opts: Required<GenerateOptions>,
    rng: Rng,
  ) {
    this.format = new BinanceFormatter(profile);
    this.net = rng.fork('network');
    this.sim = new MarketSimulator({
      profile,
      rng: rng.fork('market'),
      startMs: opts.startMs - WARMUP_MS,
      onTrade: (trade) => {
        this.tape.push(this.format.trade(trade));
        this.newTrades++;
        if (this.tape.length > 4 * opts.tradesLimit) this.tape.splice(0, this.tape.length - opts.tradesLimit);
      },
    });
    const writer = (path: string): RecordingWriter =>
      new RecordingWriter({
        root: opts.root,
        platform: PLATFORM,
        endpoint: endpointName(path),
        symbol: profile.symbol,
      });
    this.writers = {
      depth: writer(DEPTH_PATH),
      trades: writer(TRADES_PATH),
      info: writer(EXCHANGE_INFO_PATH),
    };
    this.summary = {
      symbol: profile.symbol,
      depthSnapshots: 0,
      tradePolls: 0,
      trades: 0,
      firstTradeId: 0,
      lastTradeId: 0,
      firstMid: 0,
      lastMid: 0,
    };
  }

  get files(): string[] {
    return [...this.writers.depth.files, ...this.writers.trades.files, ...this.writers.info.files];
  }

  get bytes(): number {
    return (
      this.writers.depth.bytesWritten + this.writers.trades.bytesWritten + this.writers.info.bytesWritten
    );
  }

  async run(): Promise<void> {
    try {
      await this.captureLoop();
    } finally {
      await Promise.all([this.writers.depth.close(), this.writers.trades.close(), this.writers.info.close()]);
    }
  }

  private async captureLoop(): Promise<void> {
    const { startMs, tradesPollMs } = this.opts;
    const endMs = startMs + Math.round(this.opts.minutes * 60_000);
    const jitter = (): number => this.net.int(0, 3);

    this.sim.advanceTo(startMs);
    this.newTrades = 0;
    // exchangeInfo does not depend on the market, so the simulation need not wait for it.
    const info = capture(this.net, startMs, endMs);
    await this.writers.info.write(
      this.record(info.ts, EXCHANGE_INFO_PATH, {}, exchangeInfoBody(this.profile, info.server)),
    );

    let second = 0;
    let depth = capture(this.net, startMs + jitter(), endMs);
    let poll = capture(this.net, startMs + jitter(), endMs);
    while (depth.server !== Infinity || poll.server !== Infinity) {
      const isPoll = poll.server < depth.server;
      const target = isPoll ? poll : depth;
      const stoppedAt = this.advanceWatchingTape(target.server, poll.send);
      if (stoppedAt !== undefined) {
        // The poller saw the tape run fast and asks again now, so consecutive pages still overlap.
        poll = capture(this.net, stoppedAt, endMs);
        continue;
      }
      if (isPoll) {
        await this.pollTrades(poll);
        poll = capture(this.net, Math.max(poll.send + tradesPollMs + jitter(), poll.ts), endMs);
      } else {
        await this.snapshotDepth(depth);
        second++;
        depth = capture(this.net, startMs + second * 1000 + jitter(), endMs);
      }
    }
    this.summary.trades =
      this.summary.tradePolls > 0 ? this.summary.lastTradeId - this.summary.firstTradeId + 1 : 0;
  }

  /**
   * Runs the market to `target` in grid-sized hops. Returns the hop's end time instead when
   * enough new trades printed that the (not yet sent) next poll must go out early.
   */
  private advanceWatchingTape(target: number, nextPollSend: number): number | undefined {
    const threshold = Math.floor(this.opts.tradesLimit * EARLY_POLL_SHARE);
    while (this.sim.now < target) {
      const hop = Math.min(target, this.sim.now + GRID_MS);
      this.sim.advanceTo(hop);
      if (hop < target && this.newTrades >= threshold && nextPollSend > hop) return hop;
    }
    return undefined;
  }

  private async pollTrades(poll: Capture): Promise<void> {
    const page = this.tape.slice(-this.opts.tradesLimit);
    this.newTrades = 0;
    if (page.length > 0) {
      if (this.summary.tradePolls === 0) this.summary.firstTradeId = page[0].id;
      this.summary.lastTradeId = page[page.length - 1].id;
    }
    this.summary.tradePolls++;
    const params = { symbol: this.profile.symbol, limit: this.opts.tradesLimit };
    await this.writers.trades.write(this.record(poll.ts, TRADES_PATH, params, page));
  }

  private async snapshotDepth(depth: Capture): Promise<void> {
    const mid = (this.sim.bids.tickAt(0) + this.sim.asks.tickAt(0)) / 2;
    if (this.summary.depthSnapshots === 0) this.summary.firstMid = this.midPrice(mid);
    this.summary.lastMid = this.midPrice(mid);
    this.summary.depthSnapshots++;
    const body = this.format.depth(this.sim, DEPTH_LIMIT);
    const params = { symbol: this.profile.symbol, limit: DEPTH_LIMIT };
    await this.writers.depth.write(this.record(depth.ts, DEPTH_PATH, params, body));
  }

  private midPrice(midTicks: number): number {
    return midTicks * Number(this.profile.priceFilter.tickSize);
  }

  private record<T>(
    ts: number,
    path: string,
    params: Record<string, string | number>,
    data: T,
  ): RecordedResponse<T> {
    return { ts, request: { path, params: { symbol: this.profile.symbol, ...params } }, data };
  }
}

/**
 * Writes a realistic, seeded Binance spot dataset in the storage layout: per symbol one
 * `exchangeInfo` capture, a 100-level `depth` snapshot every second and `historicalTrades`
 * polls whose consecutive pages overlap. Same options → byte-identical files.
 */
export async function generateBinanceDataset(opts: GenerateOptions): Promise<GenerateSummary> {
  validate(opts);
  const full: Required<GenerateOptions> = {
    ...opts,
    tradesLimit: opts.tradesLimit ?? DEFAULT_TRADES_LIMIT,
    tradesPollMs: opts.tradesPollMs ?? DEFAULT_TRADES_POLL_MS,
  };
  const profiles = [...new Set(opts.symbols.map((s) => profileFor(s)))];
  for (const profile of profiles) await refuseExisting(opts.root, profile);

  const rng = new Rng(full.seed);
  const summary: GenerateSummary = {
    root: opts.root,
    platform: PLATFORM,
    startMs: opts.startMs,
    endMs: opts.startMs + Math.round(opts.minutes * 60_000),
    files: [],
    bytes: 0,
    symbols: [],
  };
  for (const profile of profiles) {
    const run = new SymbolRun(profile, full, rng.fork(profile.symbol));
    await run.run();
    summary.files.push(...run.files);
    summary.bytes += run.bytes;
    summary.symbols.push(run.summary);
  }
  return summary;
}
