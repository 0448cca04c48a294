import { Ladder } from './ladder.js';
import { Garch, HawkesProcess } from './processes.js';
import type { SymbolProfile } from './profiles.js';
import type { Rng } from './random.js';

/** One fill: a taker order against one resting maker order. */
export interface SimTrade {
  readonly id: number;
  /** ms since epoch; all fills of one taker order share it. */
  readonly time: number;
  readonly priceTicks: number;
  readonly qtySteps: number;
  /** True when the taker sold (it hit the bid), as Binance's `isBuyerMaker`. */
  readonly buyerIsMaker: boolean;
}

export interface MarketSimulatorOptions {
  profile: SymbolProfile;
  rng: Rng;
  /** Market time at which the simulation starts. */
  startMs: number;
  /**
   * Called for every fill, before the fill is taken out of the book: at that moment the trade's
   * price is the best price of the side it trades against.
   */
  onTrade: (trade: SimTrade) => void;
  /**
   * When set, the latent price is not a walk of its own but this path (in this symbol's ticks,
   * read at the start and at every grid step): the market follows another simulated market, as
   * one venue's book follows the price set on another. Unset (the default), nothing changes.
   */
  latentPath?: (atMs: number) => number;
  /**
   * When set, the taker arrival baseline of each second is multiplied by `activity(secondStart)`:
   * 0 while the market is closed, above 1 in busy spells (a stock's opening and closing bursts).
   * Unset (the default), nothing changes.
   */
  activity?: (atMs: number) => number;
  /** Called after every grid step and every taker order: the moments the book can change. */
  onBookChange?: (atMs: number) => void;
}

/** The latent price moves and the book is re-quoted on this grid. */
export const GRID_MS = 100;
const STEPS_PER_SECOND = 1000 / GRID_MS;
/**
 * Levels kept per side by default: more than a 100-level snapshot shows, so levels scroll in and
 * out of view. A profile whose venue serves deeper books sets `bookLevels`; the ceiling and the
 * repair depth keep the same distance from it.
 */
const DEFAULT_BOOK_LEVELS = 150;
const MAX_LEVELS_ABOVE_TARGET = 110;
const REPAIR_LEVELS_BELOW_TARGET = 40;
/** A taker order fills at most this many price levels (price protection). */
const MAX_SWEEP = 8;
/** Probability per grid step that an empty best price is quoted again at once. */
const QUOTE_REFILL = 0.98;
/** Level adds, changes and cancels per second in calm conditions, concentrated near the top. */
const NOISE_EVENTS_PER_SECOND = 25;
const NOISE_MEAN_DEPTH = 20;
/** Book updates per second outside the levels the simulator keeps (they still advance the id). */
const HIDDEN_UPDATES_PER_SECOND = 15;
/** Holes are repaired down to REPAIR_LEVELS_BELOW_TARGET above the target depth... */
/** ...each with this probability per grid step. */
const HOLE_REFILL = 0.3;
const HAWKES_BRANCHING = 0.7;
const HAWKES_DECAY_PER_MS = 3 / 1000;
const MAX_TAKER_RATE_PER_MS = 150 / 1000;

/**
 * A market simulator for one symbol. A latent price follows a random walk whose volatility
 * clusters (GARCH(1,1) on 1-second returns); an L2 book on the symbol's tick grid is re-quoted
 * around it every 100 ms, with levels added, resized and cancelled at random; taker orders
 * arrive in bursts (Hawkes) and fill against the best levels, producing trades with strictly
 * increasing ids. Deterministic for a given profile, rng seed and start time.
 */
export class MarketSimulator {
  readonly profile: SymbolProfile;
  readonly bids = new Ladder('bid');
  readonly asks = new Ladder('ask');

  private readonly rng: Rng;
  private readonly onTrade: (trade: SimTrade) => void;
  private readonly stepSize: number;
  private readonly minQtySteps: number;
  private readonly maxQtySteps: number;
  /** Resizes never grow a level past the largest wall, so sizes cannot drift without bound. */
  private readonly largestLevelSteps: number;
  private readonly garch: Garch;
  private readonly targetLevels: number;
  private readonly maxLevels: number;
  private readonly repairDepth: number;
  private readonly hawkes = new HawkesProcess(HAWKES_BRANCHING, HAWKES_DECAY_PER_MS, MAX_TAKER_RATE_PER_MS);
  private nowMs: number;
  private nextGridMs: number;
  private gridSteps = 0;
  private secondEndMs: number;
  private takerBaselinePerMs = 0;
  private nextTakerAt: number | undefined = undefined;
  /** Latent price in ticks (fractional). */
  private readonly latentPath: ((atMs: number) => number) | undefined;
  private readonly activity: ((atMs: number) => number) | undefined;
  private readonly onBookChange: ((atMs: number) => void) | undefined;
  private latent: number;
  private latentSecondAgo: number;
  private updateId: number;
  private tradeId: number;

  constructor(options: MarketSimulatorOptions) {
    const { profile, rng } = options;
    this.profile = profile;
    this.rng = rng;
    this.onTrade = options.onTrade;
    this.stepSize = Number(profile.lotSize.stepSize);
    this.minQtySteps = Math.max(1, Math.round(Number(profile.lotSize.minQty) / this.stepSize));
    this.maxQtySteps = Math.floor(Number(profile.lotSize.maxQty) / this.stepSize);
    this.largestLevelSteps = Math.round(profile.levelQty.wallMax / this.stepSize);
    this.garch = new Garch(profile.volPerSecond);
    this.targetLevels = profile.bookLevels ?? DEFAULT_BOOK_LEVELS;
    if (!Number.isInteger(this.targetLevels) || this.targetLevels <= REPAIR_LEVELS_BELOW_TARGET) {
      throw new RangeError(
        `profile ${profile.symbol}: bookLevels must be an integer above ${REPAIR_LEVELS_BELOW_TARGET}, got ${this.targetLevels}`,
      );
    }
    this.maxLevels = this.targetLevels + MAX_LEVELS_ABOVE_TARGET;
    this.repairDepth = this.targetLevels - REPAIR_LEVELS_BELOW_TARGET;

    this.latent =
      rng.uniform(profile.startPrice[0], profile.startPrice[1]) / Number(profile.priceFilter.tickSize);
    this.latentPath = options.latentPath;
    this.activity = options.activity;
    this.onBookChange = options.onBookChange;
    if (this.latentPath !== undefined) this.latent = this.latentPath(options.startMs);
    this.latentSecondAgo = this.latent;
    this.updateId = profile.firstUpdateId + rng.int(0, 50_000_000);
    this.tradeId = profile.firstTradeId + rng.int(0, 50_000_000);
    this.nowMs = options.startMs;
    this.nextGridMs = options.startMs + GRID_MS;
    this.secondEndMs = options.startMs;
    this.requote();
    this.fillDepth();
    this.startSecond(options.startMs);
  }

  /** Market time reached so far. */
  get now(): number {
    return this.nowMs;
  }

  /** Binance's `lastUpdateId`: advanced by every change to the book. */
  get lastUpdateId(): number {
    return this.updateId;
  }

  /** The id the next trade will get. */
  get nextTradeId(): number {
    return this.tradeId;
  }

  /** The latent (fair) price in ticks; the book is quoted around it. */
  get latentTicks(): number {
    return this.latent;
  }

  /** Runs the market up to and including millisecond `timeMs`. */
  advanceTo(timeMs: number): void {
    for (;;) {
      const taker = this.nextTakerAt;
      if (taker !== undefined && taker < this.nextGridMs) {
        if (Math.floor(taker) > timeMs) break;
        this.takerOrder(Math.floor(taker));
        this.onBookChange?.(Math.floor(taker));
        this.hawkes.arrive(taker);
        this.nextTakerAt = this.hawkes.next(this.rng, this.takerBaselinePerMs, taker, this.secondEndMs);
      } else {
        if (this.nextGridMs > timeMs) break;
        this.gridStep(this.nextGridMs);
        this.onBookChange?.(this.nextGridMs);
        this.nextGridMs += GRID_MS;
      }
    }
    this.nowMs = Math.max(this.nowMs, timeMs);
  }

  private startSecond(atMs: number): void {
    const calm = this.garch.sd / this.garch.unconditionalSd;
    // Busier tape when volatility is high: bursts of trades coincide with big moves.
    this.takerBaselinePerMs = ((this.profile.takerOrdersPerSecond * (1 - HAWKES_BRANCHING)) / 1000) * calm;
    if (this.activity !== undefined) this.takerBaselinePerMs *= this.activity(atMs);
    this.secondEndMs = atMs + 1000;
    // A closed market (activity 0) has no takers at all, not even ones a burst would still bring.
    this.nextTakerAt =
      this.takerBaselinePerMs === 0 && this.activity !== undefined
        ? undefined
        : this.hawkes.next(this.rng, this.takerBaselinePerMs, atMs, this.secondEndMs);
  }

  private gridStep(atMs: number): void {
    this.gridSteps++;
    const volRatio = this.garch.sd / this.garch.unconditionalSd;
    if (this.latentPath !== undefined) this.latent = this.latentPath(atMs);
    else this.latent *= Math.exp(this.rng.normal(0, this.garch.sd / Math.sqrt(STEPS_PER_SECOND)));
    this.requote();
    this.noise(Math.sqrt(volRatio));
    this.repairHoles();
    this.fillDepth();
    this.updateId += 1 + this.rng.poisson(HIDDEN_UPDATES_PER_SECOND / STEPS_PER_SECOND);
    if (this.gridSteps % STEPS_PER_SECOND === 0) {
      this.garch.update(Math.log(this.latent / this.latentSecondAgo));
      this.latentSecondAgo = this.latent;
      this.startSecond(atMs);
    }
  }

  /** Keeps the latent price inside the spread: bids at or below it, asks above. */
  private requote(): void {
    const bidLimit = Math.floor(this.latent);
    this.updateId += this.bids.removeBetterThan(bidLimit);
    this.updateId += this.asks.removeBetterThan(bidLimit + 1);
    this.quoteTop(this.bids, bidLimit);
    this.quoteTop(this.asks, bidLimit + 1);
  }

  /**
   * Quotes new levels from `limit` (the best price allowed) away from the top until they meet the
   * side's current best; an empty side is quoted down to the target depth.
   */
  private quoteTop(ladder: Ladder, limit: number): void {
    const best = ladder.best();
    if (best === limit) return;
    let tick = this.rng.bernoulli(QUOTE_REFILL) ? limit : ladder.away(limit, this.gap(0));
    for (let depth = 0; depth < this.maxLevels && tick > 0; depth++) {
      if (best === undefined ? ladder.size >= this.targetLevels : !ladder.isBetter(tick, best)) break;
      ladder.set(tick, this.levelQty());
      this.updateId++;
      tick = ladder.away(tick, this.gap(depth + 1));
    }
  }

  /** Random adds, resizes and cancels, mostly near the top of the book. */
  private noise(intensity: number): void {
    const events = this.rng.poisson((NOISE_EVENTS_PER_SECOND / STEPS_PER_SECOND) * intensity);
    for (let e = 0; e < events; e++) {
      const ladder = this.rng.bernoulli(0.5) ? this.bids : this.asks;
      if (ladder.size < 2) continue;
      const index = Math.min(ladder.size - 2, Math.floor(this.rng.exponential(1 / NOISE_MEAN_DEPTH)));
      const action = this.rng.float();
      const room = Math.abs(ladder.tickAt(index + 1) - ladder.tickAt(index));
      if (action < 0.25) {
        ladder.removeAt(index);
      } else if (action < 0.55 && room > 1) {
        ladder.set(ladder.away(ladder.tickAt(index), this.rng.int(1, room - 1)), this.levelQty());
      } else {
        const grown = Math.round(ladder.qtyAt(index) * this.rng.logNormal(1, 0.6));
        const resized = this.clampQty(Math.min(grown, this.largestLevelSteps));
        if (resized === ladder.qtyAt(index)) continue;
        ladder.setQtyAt(index, resized);
      }
      this.updateId++;
    }
  }

  /**
   * New orders arrive where the book is thin: a gap much wider than the profile's spacing at its
   * depth is soon filled. Without this, cancels near the top would slowly hollow the book out.
   */
  private repairHoles(): void {
    for (const ladder of [this.bids, this.asks]) {
      for (let i = 0; i < Math.min(ladder.size - 1, this.repairDepth); i++) {
        const room = Math.abs(ladder.tickAt(i + 1) - ladder.tickAt(i));
        if (room <= 2 * this.meanGap(i) + 1 || !this.rng.bernoulli(HOLE_REFILL)) continue;
        ladder.set(ladder.away(ladder.tickAt(i), Math.min(this.gap(i), room - 1)), this.levelQty());
        this.updateId++;
      }
    }
  }

  /** Tops both sides up to the target depth from the deep end and drops levels beyond the ceiling. */
  private fillDepth(): void {
    for (const ladder of [this.bids, this.asks]) {
      this.updateId += ladder.truncate(this.maxLevels);
      while (ladder.size < this.targetLevels) {
        const worst = ladder.worst() as number;
        const tick = ladder.away(worst, this.gap(ladder.size));
        if (tick <= 0) break;
        ladder.set(tick, this.levelQty());
        this.updateId++;
      }
    }
  }

  private takerOrder(atMs: number): void {
    // Takers lean with the move in progress: buyers while the price rises, sellers while it falls.
    const move = Math.log(this.latent / this.latentSecondAgo) / this.garch.sd;
    const buy = this.rng.bernoulli(0.5 + 0.3 * Math.tanh(move));
    const book = buy ? this.asks : this.bids;
    let remaining = this.clampQty(
      Math.round(
        this.rng.logNormal(this.profile.takerQty.median, this.profile.takerQty.sigma) / this.stepSize,
      ),
    );
    for (let level = 0; level < MAX_SWEEP && remaining > 0 && book.size > 0; level++) {
      const available = book.qtyAt(0);
      const fill = Math.min(remaining, available);
      this.fills(atMs, book.tickAt(0), fill, !buy);
      if (fill === available) book.removeAt(0);
      else book.setQtyAt(0, available - fill);
      this.updateId++;
      remaining -= fill;
    }
  }

  /** One trade per maker order at the level: a fill may split across a few resting orders. */
  private fills(atMs: number, tick: number, qty: number, buyerIsMaker: boolean): void {
    const makers = Math.min(qty, 1 + this.rng.poisson(0.35));
    let left = qty;
    for (let m = makers; m >= 1; m--) {
      const part = m === 1 ? left : 1 + Math.floor(this.rng.float() * (left - m + 1));
      left -= part;
      this.onTrade({ id: this.tradeId++, time: atMs, priceTicks: tick, qtySteps: part, buyerIsMaker });
    }
  }

  /** Mean level spacing grows with depth: dense at the top, sparse 100 levels down. */
  private gap(depth: number): number {
    return 1 + Math.floor(this.rng.exponential(1 / Math.max(this.meanGap(depth) - 0.5, 0.05)));
  }

  private meanGap(depth: number): number {
    const { top, deep } = this.profile.levelGapTicks;
    return top + ((deep - top) * Math.min(depth, 100)) / 100;
  }

  private levelQty(): number {
    const q = this.profile.levelQty;
    const size = this.rng.bernoulli(q.wallProbability)
      ? this.rng.uniform(q.wallMin, q.wallMax)
      : this.rng.logNormal(q.median, q.sigma);
    return this.clampQty(Math.min(Math.round(size / this.stepSize), this.largestLevelSteps));
  }

  private clampQty(steps: number): number {
    return Math.min(this.maxQtySteps, Math.max(this.minQtySteps, steps));
  }
}
