/**
 * The venue-neutral generator: runs the seeded market simulator of each symbol and records it
 * the way a REST poller would — one static metadata capture, a depth snapshot every second and
 * trade polls whose consecutive pages overlap — with realistic request/response timing. A venue
 * supplies only a {@link VenueRecorder}: its paths and how its REST bodies print the market.
 *
 * Optional hooks for venues shaped otherwise (Alpaca's US stocks): no metadata or depth series
 * (leave `infoPath` / `depthPath` out), a trades poll answered in several pages (the pages follow
 * one another, each sent when the previous answer arrived), further series polled right after
 * each trades poll (`alongsidePaths`: quotes, bars), a market that is only open part of the day
 * (`activity`) and a hook on every book change (`onBookChange`: top-of-book quotes). A path may
 * hold `{symbol}`-style placeholder segments: they are left out of the endpoint name
 * (`/v2/stocks/{symbol}/trades` → `v2_stocks_trades`) and each capture names its concrete path.
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
  /** The concrete path called, when the venue's path is a template (`/v2/stocks/AAPL/trades`). */
  readonly path?: string;
}

/** One trades poll, with the id range of the trades it returned (none for an empty page). */
export interface TradesCapture extends RestCapture {
  readonly firstId?: number;
  readonly lastId?: number;
  /** How many trades the page holds, for venues whose ids are not one consecutive series. */
  readonly tradeCount?: number;
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
  info?(serverMs: number): RestCapture;
  depth?(sim: MarketSimulator, serverMs: number): RestCapture;
  /**
   * The next trades poll, as served at `serverMs`: one answer, or the pages of a paged one in
   * order (an empty list: no call goes out, e.g. while the market is closed).
   */
  trades(serverMs: number): TradesCapture | readonly TradesCapture[];
  /** The pages of the `alongsidePaths` call `path` made right after a trades poll, as served at `serverMs`. */
  alongside?(path: string, serverMs: number): readonly RestCapture[];
  /** The simulator's taker activity multiplier at `atMs` (see MarketSimulatorOptions.activity). */
  activity?(atMs: number): number;
  /** Called at every moment the book can change (see MarketSimulatorOptions.onBookChange). */
  onBookChange?(sim: MarketSimulator, atMs: number): void;
}

export interface VenueRecorder {
  /** Storage platform (`binance`). */
  readonly platform: string;
  /** Left out: no metadata capture. */
  readonly infoPath?: string;
  /** Left out: no depth snapshots. */
  readonly depthPath?: string;
  readonly tradesPath: string;
  /** Series polled right after every trades poll, in this order (SymbolRecorder.alongside). */
  readonly alongsidePaths?: readonly string[];
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

/** The storage endpoint of a REST path; `{placeholder}` segments are left out. */
export function endpointOf(path: string): string {
  return endpointName(path.replace(/\/\{[^/}]+\}/g, ''));
}

/** The series a venue records, in a fixed order: depth, trades, metadata, then the alongside ones. */
function recordedPaths(venue: VenueRecorder): string[] {
  const paths = [venue.depthPath, venue.tradesPath, venue.infoPath, ...(venue.alongsidePaths ?? [])];
  return paths.filter((p): p is string => p !== undefined);
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
  for (const path of recordedPaths(venue)) {
    const existing = await listRecordingFiles(root, venue.platform, endpointOf(path), symbol);
    if (existing.length > 0) {
      throw new ConfigError(
        `generate: ${root} already holds ${venue.platform} ${endpointOf(path)} recordings for ${symbol}; ` +
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
  /** One writer per recorded path, in `recordedPaths` order. */
  private readonly writers: Map<string, RecordingWriter>;
  private newTrades = 0;
  private countedTrades: number | undefined = undefined;

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
      activity: recorder.activity && ((atMs) => recorder.activity!(atMs)),
      onBookChange: recorder.onBookChange && ((atMs) => recorder.onBookChange!(this.sim, atMs)),
    });
    const writer = (path: string): RecordingWriter =>
      new RecordingWriter({
        root: opts.root,
        platform: venue.platform,
        endpoint: endpointOf(path),
        symbol: recorder.symbol,
      });
    this.writers = new Map(recordedPaths(venue).map((path) => [path, writer(path)]));
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
    return [...this.writers.values()].flatMap((w) => w.files);
  }

  get bytes(): number {
    let bytes = 0;
    for (const w of this.writers.values()) bytes += w.bytesWritten;
    return bytes;
  }

  async run(): Promise<void> {
    try {
      await this.captureLoop();
    } finally {
      await Promise.all([...this.writers.values()].map((w) => w.close()));
    }
  }

  private async write(path: string, ts: number, call: RestCapture): Promise<void> {
    await this.writers.get(path)!.write(this.record(ts, path, call));
  }

  private async captureLoop(): Promise<void> {
    const { startMs } = this.opts;
    const endMs = startMs + Math.round(this.opts.minutes * 60_000);
    const jitter = (): number => this.net.int(0, 3);

    this.sim.advanceTo(startMs);
    this.newTrades = 0;
    const { infoPath, depthPath } = this.venue;
    if (infoPath !== undefined && this.recorder.info !== undefined) {
      // The metadata does not depend on the market, so the simulation need not wait for it.
      const info = capture(this.net, startMs, endMs);
      await this.write(infoPath, info.ts, this.recorder.info(info.server));
    }

    let second = 0;
    const never: Capture = { send: Infinity, server: Infinity, ts: Infinity };
    let depth = depthPath === undefined ? never : capture(this.net, startMs + jitter(), endMs);
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
        const lastTs = await this.pollTrades(poll);
        poll = capture(this.net, Math.max(poll.send + this.venue.tradesPollMs + jitter(), lastTs), endMs);
      } else {
        await this.snapshotDepth(depth);
        second++;
        depth = capture(this.net, startMs + second * 1000 + jitter(), endMs);
      }
    }
    this.summary.trades =
      this.countedTrades ??
      (this.summary.tradePolls > 0 ? this.summary.lastTradeId - this.summary.firstTradeId + 1 : 0);
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

  /** Records one trades poll (all its pages) and the alongside calls; returns the last answer's arrival. */
  private async pollTrades(poll: Capture): Promise<number> {
    const answer = this.recorder.trades(poll.server);
    const pages: readonly TradesCapture[] = Array.isArray(answer) ? answer : [answer as TradesCapture];
    this.newTrades = 0;
    let ts = poll.ts;
    for (const [n, page] of pages.entries()) {
      if (page.firstId !== undefined && page.lastId !== undefined) {
        if (this.summary.tradePolls === 0) this.summary.firstTradeId = page.firstId;
        this.summary.lastTradeId = page.lastId;
      }
      if (page.tradeCount !== undefined) this.countedTrades = (this.countedTrades ?? 0) + page.tradeCount;
      this.summary.tradePolls++;
      // A further page is asked for when the previous one arrived.
      if (n > 0) ts = capture(this.net, ts, Infinity).ts;
      await this.write(this.venue.tradesPath, ts, page);
    }
    for (const path of this.venue.alongsidePaths ?? []) {
      for (const call of this.recorder.alongside?.(path, poll.server) ?? []) {
        ts = capture(this.net, ts, Infinity).ts;
        await this.write(path, ts, call);
      }
    }
    return ts;
  }

  private async snapshotDepth(depth: Capture): Promise<void> {
    const mid = (this.sim.bids.tickAt(0) + this.sim.asks.tickAt(0)) / 2;
    const midPrice = mid * Number(this.recorder.profile.priceFilter.tickSize);
    if (this.summary.depthSnapshots === 0) this.summary.firstMid = midPrice;
    this.summary.lastMid = midPrice;
    this.summary.depthSnapshots++;
    await this.write(this.venue.depthPath!, depth.ts, this.recorder.depth!(this.sim, depth.server));
  }

  private record(ts: number, path: string, call: RestCapture): RecordedResponse<unknown> {
    return { ts, request: { path: call.path ?? path, params: call.params }, data: call.body };
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
  for (const r of recorders) {
    const missing = [
      venue.depthPath !== undefined && r.depth === undefined && 'depth',
      venue.infoPath !== undefined && r.info === undefined && 'info',
      (venue.alongsidePaths?.length ?? 0) > 0 && r.alongside === undefined && 'alongside',
    ].filter((m): m is string => m !== false);
    if (missing.length > 0) {
      throw new ConfigError(
        `generate: the ${venue.platform} recorder of ${r.symbol} lacks ${missing.join(', ')}()`,
      );
    }
    await refuseExisting(opts.root, venue, r.symbol);
  }

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
