/**
 * The SPOT instruments the OKX hub mount serves, as data: the real `public/instruments` entries
 * of BTC-USDT and ETH-USDT (fixtures/instruments-spot.json, 2022-05-13 [capture]), each kept with
 * every field OKX sent (REST `public/instruments` answers them as they are) and read into an
 * {@link OkxPair} (tick, lot and minimum sizes) for the hub's own checks.
 */
import { DecodeError } from '../../core/errors.js';
import instrumentsCapture from './fixtures/instruments-spot.json' with { type: 'json' };
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

/** The entries of a captured `public/instruments` body; throws when it is not one. */
export function instrumentEntries(body: unknown): Record<string, string>[] {
  const b = body as { code?: unknown; data?: unknown };
  if (typeof body !== 'object' || body === null || b.code !== '0' || !Array.isArray(b.data)) {
    throw new DecodeError('OKX instruments body: expected {"code":"0","data":[…]} from public/instruments');
  }
  return b.data as Record<string, string>[];
}

/** The built-in pairs: BTC-USDT and ETH-USDT from the real capture. */
export const OKX_HUB_PAIRS = new OkxHubPairs(instrumentEntries(instrumentsCapture));
