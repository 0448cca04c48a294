/**
 * The SPOT instruments the OKX hub mount serves: `public/instruments` entries, each kept with
 * every field OKX sent (REST `public/instruments` answers them as they are) and read into an
 * {@link OkxPair} (tick, lot and minimum sizes) for the hub's own checks. Built in: the real
 * BTC-USDT and ETH-USDT entries (instruments.ts, 2022-05-13 [capture]).
 */
import { OKX_SPOT_INSTRUMENTS, orderedInstrument } from './instruments.js';
import { pairFromInstrument, type OkxPair, type OkxSpotInstrument } from './symbols.js';

/** One instrument: the entry as OKX sends it, and the pair read from it. */
export interface OkxHubInstrument {
  readonly pair: OkxPair;
  /** The `public/instruments` entry, every field as received. */
  readonly entry: Readonly<Record<string, string>>;
}

/** The instruments a hub serves, by instId. */
export class OkxHubPairs {
  private readonly byInstId = new Map<string, OkxHubInstrument>();

  /** Entries of a `public/instruments?instType=SPOT` body; a bad entry throws, naming it. */
  constructor(entries: readonly Readonly<Record<string, string>>[]) {
    for (const entry of entries) {
      const pair = pairFromInstrument(entry as unknown as OkxSpotInstrument);
      this.byInstId.set(pair.instId, { pair, entry });
    }
  }

  find(instId: string): OkxHubInstrument | undefined {
    return this.byInstId.get(instId);
  }

  /** Every instrument, in the order given. */
  all(): OkxHubInstrument[] {
    return [...this.byInstId.values()];
  }
}

/** The built-in pairs: BTC-USDT and ETH-USDT from the real capture, keys in OKX's order. */
export const OKX_HUB_PAIRS = new OkxHubPairs(
  [...OKX_SPOT_INSTRUMENTS.values()].map((entry) => ({ ...orderedInstrument(entry) })),
);
