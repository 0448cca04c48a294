import type { Rng } from './random.js';

/**
 * GARCH(1,1) volatility of per-period log returns: σ²ₜ₊₁ = ω + α·rₜ² + β·σ²ₜ, with ω set so the
 * long-run σ is `unconditionalSd`. Large moves raise the next periods' volatility, which decays
 * back slowly: volatility clustering. σ is kept within [0.25, 5]× the long-run value so one
 * outlier cannot send a run to absurd prices.
 */
export class Garch {
  private variance: number;
  private readonly omega: number;
  private readonly minVariance: number;
  private readonly maxVariance: number;

  constructor(
    readonly unconditionalSd: number,
    private readonly alpha = 0.12,
    private readonly beta = 0.86,
  ) {
    const longRun = unconditionalSd * unconditionalSd;
    this.omega = longRun * (1 - alpha - beta);
    this.variance = longRun;
    this.minVariance = longRun * 0.25 * 0.25;
    this.maxVariance = longRun * 5 * 5;
  }

  get sd(): number {
    return Math.sqrt(this.variance);
  }

  /** Feeds the return realized over the period that just ended. */
  update(periodReturn: number): void {
    const next = this.omega + this.alpha * periodReturn * periodReturn + this.beta * this.variance;
    this.variance = Math.min(this.maxVariance, Math.max(this.minVariance, next));
  }
}

/**
 * A self-exciting (Hawkes) arrival process with an exponential kernel: every arrival raises the
 * intensity by `branching × decay`, which then decays at `decay` per ms, so arrivals come in
 * bursts separated by quiet spells. `branching` < 1 is the mean number of follow-on arrivals
 * each one triggers. Times are in ms, rates per ms.
 */
export class HawkesProcess {
  private excitation = 0;
  private excitationAt = 0;

  constructor(
    private readonly branching: number,
    private readonly decayPerMs: number,
    private readonly maxRatePerMs: number,
  ) {}

  /** The intensity at `t` (≥ the last arrival) over a baseline of `baselinePerMs`. */
  intensity(baselinePerMs: number, t: number): number {
    const excited = this.excitation * Math.exp(-this.decayPerMs * (t - this.excitationAt));
    return Math.min(this.maxRatePerMs, baselinePerMs + excited);
  }

  /**
   * The next arrival after `from` (Ogata thinning), for a baseline that holds until `until`;
   * undefined when none comes before `until`. The arrival is not registered: call `arrive`.
   */
  next(rng: Rng, baselinePerMs: number, from: number, until: number): number | undefined {
    let t = from;
    for (;;) {
      // The intensity only decays between arrivals, so its value now bounds it until the next one.
      const bound = this.intensity(baselinePerMs, t);
      t += rng.exponential(bound);
      if (t >= until) return undefined;
      if (rng.float() * bound <= this.intensity(baselinePerMs, t)) return t;
    }
  }

  arrive(t: number): void {
    const decayed = this.excitation * Math.exp(-this.decayPerMs * (t - this.excitationAt));
    this.excitation = decayed + this.branching * this.decayPerMs;
    this.excitationAt = t;
  }
}
