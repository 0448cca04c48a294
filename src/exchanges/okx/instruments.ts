/**
 * The built-in OKX SPOT instruments Tickstream replays, as data: the full
 * `/api/v5/public/instruments?instType=SPOT` entries of BTC-USDT and ETH-USDT, every field and
 * value as the real 2022-05-13 response wrote them (fixtures/instruments-spot.json [capture],
 * checked by instruments.test.ts). Newer API versions add fields (e.g. `ruleType`,
 * `maxIcebergSz` stays) [unconfirmed which]; the generator serves exactly this field set.
 */
import type { OkxSpotInstrument } from './symbols.js';

/** One SPOT instruments entry with every field the real response carries, all text [capture]. */
export interface OkxRestInstrument extends OkxSpotInstrument {
  readonly alias: string;
  readonly baseCcy: string;
  readonly category: string;
  readonly ctMult: string;
  readonly ctType: string;
  readonly ctVal: string;
  readonly ctValCcy: string;
  readonly expTime: string;
  readonly lever: string;
  readonly listTime: string;
  readonly maxIcebergSz: string;
  readonly maxLmtSz: string;
  readonly maxMktSz: string;
  readonly maxStopSz: string;
  readonly maxTriggerSz: string;
  readonly maxTwapSz: string;
  readonly optType: string;
  readonly settleCcy: string;
  readonly stk: string;
  readonly uly: string;
}

/** The fields a SPOT entry leaves empty: they describe derivatives [capture]. */
const DERIVATIVE_FIELDS = {
  alias: '',
  ctMult: '',
  ctType: '',
  ctVal: '',
  ctValCcy: '',
  expTime: '',
  optType: '',
  settleCcy: '',
  stk: '',
  uly: '',
} as const;

const BTC_USDT: OkxRestInstrument = {
  ...DERIVATIVE_FIELDS,
  baseCcy: 'BTC',
  category: '1',
  instId: 'BTC-USDT',
  instType: 'SPOT',
  lever: '10',
  listTime: '1548133413000',
  lotSz: '0.00000001',
  maxIcebergSz: '9999999999',
  maxLmtSz: '9999999999',
  maxMktSz: '1000000',
  maxStopSz: '1000000',
  maxTriggerSz: '9999999999',
  maxTwapSz: '9999999999',
  minSz: '0.00001',
  quoteCcy: 'USDT',
  state: 'live',
  tickSz: '0.1',
};

const ETH_USDT: OkxRestInstrument = {
  ...DERIVATIVE_FIELDS,
  baseCcy: 'ETH',
  category: '1',
  instId: 'ETH-USDT',
  instType: 'SPOT',
  lever: '10',
  listTime: '1548133413000',
  lotSz: '0.000001',
  maxIcebergSz: '999999999999',
  maxLmtSz: '999999999999',
  maxMktSz: '1000000',
  maxStopSz: '1000000',
  maxTriggerSz: '999999999999',
  maxTwapSz: '999999999999',
  minSz: '0.001',
  quoteCcy: 'USDT',
  state: 'live',
  tickSz: '0.01',
};

/** The built-in SPOT instruments by instId. */
export const OKX_SPOT_INSTRUMENTS: ReadonlyMap<string, OkxRestInstrument> = new Map(
  [BTC_USDT, ETH_USDT].map((entry) => [entry.instId, entry]),
);

/**
 * `entry` with its keys in the order OKX writes them (alphabetical in the capture), so a
 * generated body reads like the real one.
 */
export function orderedInstrument(entry: OkxRestInstrument): OkxRestInstrument {
  const out: Record<string, string> = {};
  for (const key of Object.keys(entry).sort()) out[key] = (entry as unknown as Record<string, string>)[key];
  return out as unknown as OkxRestInstrument;
}
