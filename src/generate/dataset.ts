/**
 * The venue-neutral generator: runs the seeded market simulator of each symbol and records it
 * the way a REST poller would — one static metadata capture, a depth snapshot every second and
 * trade polls whose consecutive pages overlap — with realistic request/response timing. A venue
 * supplies only a {@link VenueRecorder}: its paths and how its REST bodies print the market.
 */
import { ConfigError } from '../core/errors.js';
import { endpointName, listRecordingFiles } from '../storage/layout.js';
import type { RecordedResponse } from '../storage/record.js';
import { RecordingWriter } from '../storage/writer.js';
import { GRID_MS, MarketSimulator, type SimTrade } from './market.js';
import type { SymbolProfile } from './profiles.js';
import { Rng, type Seed } from './random.js';

export type RequestParams = Record<string, string | number>;

/** One captured REST call: its parameters and the body the exchange answered. */
export interface RestCapture {
  readonly params: RequestParams;
  readonly body: unknown;
}

/** One trades poll, with the id range of the trades it returned (none for an empty page). */
export interface TradesCapture extends RestCapture {
  readonly firstId?: number;
  readonly lastId?: number;
}

/** How one symbol of one venue is recorded: created per symbol by the venue. */
export interface SymbolRecorder {
  /** The venue's own symbol spelling, for the storage layout (`BTCUSDT`, `BTC/USD`). */
  readonly symbol: string;
  readonly profile: SymbolProfile;
  /** Trades printed since the last poll before one goes out early (so pages keep overlapping). */
  readonly earlyPollTrades: number;
  /**
   * This symbol's price follows the simulated market of another venue's symbol in the same seeded
   * run (`symbol` as that venue spells it, `profile` that venue's): its latent price is that
   * market's, converted to this profile's ticks. Its own book and tape stay its own.
   */
  readonly follows?: { readonly symbol: string; readonly profile: SymbolProfile };
  /** Every trade the market prints, in order. */
  onTrade(trade: SimTrade): void;
  /** The metadata call made once at the start (exchangeInfo, AssetPairs), as served at `serverMs`. */
  info(serverMs: number): RestCapture;
  depth(sim: MarketSimulator, serverMs: number): RestCapture;
  /** The next trades poll, as served now. */
  trades(): TradesCapture;
}

export interface VenueRecorder {
  /** Storage platform (`binance`). */
  readonly platform: string;
  readonly infoPath: string;
  readonly depthPath: string;
  readonly tradesPath: string;
  /** Between trade polls in a calm market, ms. */
  readonly tradesPollMs: number;
  /** A recorder for the venue's symbol `symbol` (throws a ConfigError for an unknown one). */
  symbol(symbol: string): SymbolRecorder;
}

export interface DatasetOptions {
  /** Storage root; recordings go to `<root>/<platform>/<endpoint>/<symbol>/`. */
  readonly root: string;
  readonly seed: Seed;
  /** Market time of the first capture, ms since epoch. */
  readonly startMs: number;
  readonly minutes: number;
  /** The venue's own symbols. */
  readonly symbols: readonly string[];
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

export interface DatasetSummary {
  root: string;
  platform: string;
  startMs: number;
  endMs: number;
  files: string[];
  bytes: number;
  symbols: SymbolSummary[];
}

/** The market runs this long before the first capture, so the book and the tape are warm. */
const WARMUP_MS = 60_000;

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

/** A venue's trades-per-poll option, checked against the range the venue's REST call accepts. */
export function tradesPerPoll(name: string, value: number, max: number, venue: string): number {
  if (!Number.isInteger(value) || value < 10 || value > max) {
    throw new ConfigError(
      `generate: ${name} must be an integer in 10..${max} (${venue}'s range), got ${value}`,
    );
  }
  return value;
}

function validate(venue: VenueRecorder, opts: DatasetOptions): void {
  if (!Number.isSafeInteger(opts.startMs))
    throw new ConfigError('generate: startMs must be an integer ms time');
  if (!(opts.minutes > 0) || !Number.isFinite(opts.minutes)) {
    throw new ConfigError(`generate: minutes must be a positive number, got ${opts.minutes}`);
  }
  if (opts.symbols.length === 0) throw new ConfigError('generate: at least one symbol is required');
  if (!(venue.tradesPollMs >= GRID_MS)) throw new ConfigError(`generate: tradesPollMs must be ≥ ${GRID_MS}`);
}

async function refuseExisting(root: string, venue: VenueRecorder, symbol: string): Promise<void> {
  for (const path of [venue.depthPath, venue.tradesPath, venue.infoPath]) {
    const existing = await listRecordingFiles(root, venue.platform, endpointName(path), symbol);
    if (existing.length > 0) {
      throw new ConfigError(
        `generate: ${root} already holds ${venue.platform} ${endpointName(path)} recordings for ${symbol}; ` +
          'generate into an empty --data directory (or remove the old recordings first)',
      );
    }
  }
}

/**
 * The latent price path of the market `leader` of a run with the same seed and start (the same
 * random streams its own venue's run draws from), in `profile`'s ticks.
 */
function followedPath(
  leader: NonNullable<SymbolRecorder['follows']>,
  profile: SymbolProfile,
  opts: DatasetOptions,
): (atMs: number) => number {
  const sim = new MarketSimulator({
    profile: leader.profile,
    rng: new Rng(opts.seed).fork(leader.symbol).fork('market'),
    startMs: opts.startMs - WARMUP_MS,
    onTrade: () => {},
  });
  const ratio = Number(leader.profile.priceFilter.tickSize) / Number(profile.priceFilter.tickSize);
  return (atMs) => {
    sim.advanceTo(atMs);
    return sim.latentTicks * ratio;
  };
}

class SymbolRun {
  readonly summary: SymbolSummary;
  private readonly sim: MarketSimulator;
  private readonly net: Rng;
  private readonly writers: Record<'depth' | 'trades' | 'info', RecordingWriter>;
  private newTrades = 0;

  constructor(
    private readonly venue: VenueRecorder,
    private readonly recorder: SymbolRecorder,
    private readonly opts: DatasetOptions,
    rng: Rng,
  ) {
    this.net = rng.fork('network');
    this.sim = new MarketSimulator({
      profile: recorder.profile,
      rng: rng.fork('market'),
      startMs: opts.startMs - WARMUP_MS,
      onTrade: (trade) => {
        recorder.onTrade(trade);
        this.newTrades++;
      },
      latentPath: recorder.follows && followedPath(recorder.follows, recorder.profile, opts),
    });
    const writer = (path: string): RecordingWriter =>
      new RecordingWriter({
        root: opts.root,
        platform: venue.platform,
        endpoint: endpointName(path),
        symbol: recorder.symbol,
      });
    this.writers = {
      depth: writer(venue.depthPath),
      trades: writer(venue.tradesPath),
      info: writer(venue.infoPath),
    };
    this.summary = {
      symbol: recorder.symbol,
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
    const { startMs } = this.opts;
    const endMs = startMs + Math.round(this.opts.minutes * 60_000);
    const jitter = (): number => this.net.int(0, 3);

    this.sim.advanceTo(startMs);
    this.newTrades = 0;
    // The metadata does not depend on the market, so the simulation need not wait for it.
    const info = capture(this.net, startMs, endMs);
    const meta = this.recorder.info(info.server);
    await this.writers.info.write(this.record(info.ts, this.venue.infoPath, meta));

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
        poll = capture(this.net, Math.max(poll.send + this.venue.tradesPollMs + jitter(), poll.ts), endMs);
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
    const threshold = this.recorder.earlyPollTrades;
    while (this.sim.now < target) {
      const hop = Math.min(target, this.sim.now + GRID_MS);
      this.sim.advanceTo(hop);
      if (hop < target && this.newTrades >= threshold && nextPollSend > hop) return hop;
    }
    return undefined;
  }

  private async pollTrades(poll: Capture): Promise<void> {
    const page = this.recorder.trades();
    this.newTrades = 0;
    if (page.firstId !== undefined && page.lastId !== undefined) {
      if (this.summary.tradePolls === 0) this.summary.firstTradeId = page.firstId;
      this.summary.lastTradeId = page.lastId;
    }
    this.summary.tradePolls++;
    await this.writers.trades.write(this.record(poll.ts, this.venue.tradesPath, page));
  }

  private async snapshotDepth(depth: Capture): Promise<void> {
    const mid = (this.sim.bids.tickAt(0) + this.sim.asks.tickAt(0)) / 2;
    const midPrice = mid * Number(this.recorder.profile.priceFilter.tickSize);
    if (this.summary.depthSnapshots === 0) this.summary.firstMid = midPrice;
    this.summary.lastMid = midPrice;
    this.summary.depthSnapshots++;
    const body = this.recorder.depth(this.sim, depth.server);
    await this.writers.depth.write(this.record(depth.ts, this.venue.depthPath, body));
  }

  private record(ts: number, path: string, call: RestCapture): RecordedResponse<unknown> {
    return { ts, request: { path, params: call.params }, data: call.body };
  }
}

/**
 * Writes a realistic, seeded dataset of one venue in the storage layout, per symbol: one
 * metadata capture, a depth snapshot every second and trade polls whose consecutive pages
 * overlap. Same options → byte-identical files.
 */
export async function generateDataset(venue: VenueRecorder, opts: DatasetOptions): Promise<DatasetSummary> {
  validate(venue, opts);
  const recorders: SymbolRecorder[] = [];
  for (const s of opts.symbols) {
    const r = venue.symbol(s);
    if (!recorders.some((x) => x.symbol === r.symbol)) recorders.push(r);
  }
  for (const r of recorders) await refuseExisting(opts.root, venue, r.symbol);

  const rng = new Rng(opts.seed);
  const summary: DatasetSummary = {
    root: opts.root,
    platform: venue.platform,
    startMs: opts.startMs,
    endMs: opts.startMs + Math.round(opts.minutes * 60_000),
    files: [],
    bytes: 0,
    symbols: [],
  };
  for (const recorder of recorders) {
    const run = new SymbolRun(venue, recorder, opts, rng.fork(recorder.symbol));
    await run.run();
    summary.files.push(...run.files);
    summary.bytes += run.bytes;
    summary.symbols.push(run.summary);
  }
  return summary;
}
