/**
 * The AssetPairs entries of the pairs Tickstream replays, as data. The fields through
 * `ordermin` are the real 2021-04-17 response (fixtures/asset-pairs.json, checked by
 * symbols.test.ts). The four after it were added to the API since and are filled as a 2026
 * capture of XXBTZUSD shows them (`cost_decimals` 5, `costmin` "0.5", `tick_size` = one price
 * step, `status` "online"); for XETHZUSD they are inferred from that, not captured.
 */
import type { KrakenRestAsset, KrakenRestAssetPair } from './wire.js';

type FeeTiers = KrakenRestAssetPair['fees'];

const TAKER_FEES: FeeTiers = [
  [0, 0.26],
  [50000, 0.24],
  [100000, 0.22],
  [250000, 0.2],
  [500000, 0.18],
  [1000000, 0.16],
  [2500000, 0.14],
  [5000000, 0.12],
  [10000000, 0.1],
];

const MAKER_FEES: FeeTiers = [
  [0, 0.16],
  [50000, 0.14],
  [100000, 0.12],
  [250000, 0.1],
  [500000, 0.08],
  [1000000, 0.06],
  [2500000, 0.04],
  [5000000, 0.02],
  [10000000, 0],
];

/** An entry in Kraken's field order for a currency pair quoted in USD. */
function usdPair(
  fields: Pick<KrakenRestAssetPair, 'altname' | 'wsname' | 'base' | 'pair_decimals' | 'ordermin'>,
): KrakenRestAssetPair {
  return {
    altname: fields.altname,
    wsname: fields.wsname,
    aclass_base: 'currency',
    base: fields.base,
    aclass_quote: 'currency',
    quote: 'ZUSD',
    lot: 'unit',
    cost_decimals: 5,
    pair_decimals: fields.pair_decimals,
    lot_decimals: 8,
    lot_multiplier: 1,
    leverage_buy: [2, 3, 4, 5],
    leverage_sell: [2, 3, 4, 5],
    fees: TAKER_FEES,
    fees_maker: MAKER_FEES,
    fee_volume_currency: 'ZUSD',
    margin_call: 80,
    margin_stop: 40,
    ordermin: fields.ordermin,
    costmin: '0.5',
    tick_size: (1 / 10 ** fields.pair_decimals).toFixed(fields.pair_decimals),
    status: 'online',
  };
}

/** Keyed by Kraken's internal pair name, the key of every REST `result`. */
export const KRAKEN_ASSET_PAIRS: Readonly<Record<string, KrakenRestAssetPair>> = {
  XXBTZUSD: usdPair({
    altname: 'XBTUSD',
    wsname: 'XBT/USD',
    base: 'XXBT',
    pair_decimals: 1,
    ordermin: '0.0002',
  }),
  XETHZUSD: usdPair({
    altname: 'ETHUSD',
    wsname: 'ETH/USD',
    base: 'XETH',
    pair_decimals: 2,
    ordermin: '0.005',
  }),
};

/** The fields the API has gained since the 2021 capture. */
export const ASSET_PAIR_FIELDS_SINCE_2021 = ['cost_decimals', 'costmin', 'tick_size', 'status'] as const;

/**
 * `/0/public/Assets` entries of the assets of those pairs, keyed by asset id. `decimals` and
 * `display_decimals` as Kraken lists them for XBT, ETH and USD; `collateral_value` and `status`
 * as its current responses carry them [unconfirmed: not from a capture in this repository].
 */
export const KRAKEN_ASSETS: Readonly<Record<string, KrakenRestAsset>> = {
  XXBT: {
    aclass: 'currency',
    altname: 'XBT',
    decimals: 10,
    display_decimals: 5,
    collateral_value: 1,
    status: 'enabled',
  },
  XETH: {
    aclass: 'currency',
    altname: 'ETH',
    decimals: 10,
    display_decimals: 5,
    collateral_value: 1,
    status: 'enabled',
  },
  ZUSD: {
    aclass: 'currency',
    altname: 'USD',
    decimals: 4,
    display_decimals: 2,
    collateral_value: 1,
    status: 'enabled',
  },
};
