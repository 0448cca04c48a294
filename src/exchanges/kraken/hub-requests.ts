/**
 * v2 client requests as the replay hub reads them: `ping`, `subscribe` and `unsubscribe`
 * (EXCHANGES.md §2.2), checked field by field. A request that cannot be read at all, or whose
 * params are wrong for every symbol (bad depth, unknown channel), is one failure; symbols are
 * checked one by one later, each with its own ack. Pure.
 *
 * Error texts: `Subscription depth not supported` and the two currency-pair texts are Kraken's
 * own [capture, wire.ts]; `Malformed request` is what Kraken answers a frame it cannot parse
 * [third-party report, with `"method":"error"`]; the rest follow that style and name the field
 * and the allowed values [unconfirmed].
 */
import {
  KRAKEN_BOOK_DEPTHS,
  KRAKEN_ERRORS,
  KRAKEN_OHLC_INTERVALS,
  type KrakenBookDepth,
  type KrakenChannel,
  type KrakenEventTrigger,
  type KrakenOhlcInterval,
} from './wire.js';

export const KRAKEN_HUB_ERRORS = {
  malformed: 'Malformed request',
  methodNotSupported: (method: string): string =>
    `Method not supported ${method}; use subscribe, unsubscribe or ping`,
  channelNotSupported: (channel: string): string =>
    `Channel not supported ${channel}; use book, trade, ticker or ohlc`,
  missingParams: 'Malformed request: params must be an object with channel and symbol',
  symbolsNotList: 'Malformed request: params.symbol must be a non-empty list of pairs such as ["BTC/USD"]',
  reqIdNotInteger: 'Malformed request: req_id must be an integer',
  depthNotSupported: KRAKEN_ERRORS.depthNotSupported,
  intervalNotSupported: `Subscription interval not supported; use one of ${KRAKEN_OHLC_INTERVALS.join(', ')}`,
  triggerNotSupported: 'Subscription event_trigger not supported; use trades or bbo',
  snapshotNotBoolean: 'Malformed request: params.snapshot must be true or false',
  alreadySubscribed: 'Already subscribed',
  /** Kraken v1's text [capture, v1]. */
  notSubscribed: 'Subscription Not Found',
} as const;

/** What every subscription of one request shares. */
export interface SubscriptionOptions {
  readonly channel: KrakenChannel;
  readonly depth: KrakenBookDepth;
  readonly trigger: KrakenEventTrigger;
  readonly interval: KrakenOhlcInterval;
  readonly snapshot: boolean;
}

export type KrakenRequest =
  | { readonly method: 'ping'; readonly reqId: number | undefined }
  | {
      readonly method: 'subscribe' | 'unsubscribe';
      readonly reqId: number | undefined;
      readonly options: SubscriptionOptions;
      /** As sent, each still to be checked. */
      readonly symbols: readonly unknown[];
    };

export interface RequestFailure {
  /** The method to answer with: the one sent, or `error` when there is none to name. */
  readonly method: string;
  readonly reqId: number | undefined;
  readonly error: string;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: KrakenRequest }
  | { readonly ok: false; readonly failure: RequestFailure };

const CHANNELS: readonly string[] = ['book', 'trade', 'ticker', 'ohlc'];

type Fields = Record<string, unknown>;

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read one frame. Binary frames are read as UTF-8 text, as Kraken's JSON API would. */
export function parseKrakenRequest(data: Buffer): ParsedRequest {
  let frame: unknown;
  try {
    frame = JSON.parse(data.toString('utf8'));
  } catch {
    return fail('error', undefined, KRAKEN_HUB_ERRORS.malformed);
  }
  if (!isObject(frame)) return fail('error', undefined, KRAKEN_HUB_ERRORS.malformed);
  const method = typeof frame.method === 'string' ? frame.method : 'error';
  const rawId = frame.req_id;
  if (rawId !== undefined && !Number.isSafeInteger(rawId)) {
    return fail(method, undefined, KRAKEN_HUB_ERRORS.reqIdNotInteger);
  }
  const reqId = rawId as number | undefined;
  if (frame.method === 'ping') return { ok: true, request: { method: 'ping', reqId } };
  if (frame.method !== 'subscribe' && frame.method !== 'unsubscribe') {
    return typeof frame.method === 'string'
      ? fail(method, reqId, KRAKEN_HUB_ERRORS.methodNotSupported(frame.method))
      : fail('error', reqId, KRAKEN_HUB_ERRORS.malformed);
  }
  const params = frame.params;
  if (!isObject(params) || typeof params.channel !== 'string') {
    return fail(method, reqId, KRAKEN_HUB_ERRORS.missingParams);
  }
  if (!CHANNELS.includes(params.channel)) {
    return fail(method, reqId, KRAKEN_HUB_ERRORS.channelNotSupported(params.channel));
  }
  if (!Array.isArray(params.symbol) || params.symbol.length === 0) {
    return fail(method, reqId, KRAKEN_HUB_ERRORS.symbolsNotList);
  }
  const options = subscriptionOptions(params.channel as KrakenChannel, params);
  if (typeof options === 'string') return fail(method, reqId, options);
  return { ok: true, request: { method: frame.method, reqId, options, symbols: params.symbol } };
}

/** The channel's options with Kraken's defaults, or the error text of the first bad one. */
function subscriptionOptions(channel: KrakenChannel, params: Fields): SubscriptionOptions | string {
  const depth = params.depth ?? 10;
  if (channel === 'book' && !KRAKEN_BOOK_DEPTHS.includes(depth as KrakenBookDepth)) {
    return KRAKEN_HUB_ERRORS.depthNotSupported;
  }
  const interval = params.interval ?? 1;
  if (channel === 'ohlc' && !KRAKEN_OHLC_INTERVALS.includes(interval as KrakenOhlcInterval)) {
    return KRAKEN_HUB_ERRORS.intervalNotSupported;
  }
  const trigger = params.event_trigger ?? 'trades';
  if (channel === 'ticker' && trigger !== 'trades' && trigger !== 'bbo') {
    return KRAKEN_HUB_ERRORS.triggerNotSupported;
  }
  const snapshot = params.snapshot ?? true;
  if (typeof snapshot !== 'boolean') return KRAKEN_HUB_ERRORS.snapshotNotBoolean;
  return {
    channel,
    depth: depth as KrakenBookDepth,
    trigger: trigger as KrakenEventTrigger,
    interval: interval as KrakenOhlcInterval,
    snapshot,
  };
}

function fail(method: string, reqId: number | undefined, error: string): ParsedRequest {
  return { ok: false, failure: { method, reqId, error } };
}

/** A v2 symbol is `BASE/QUOTE` in upper-case letters and digits. */
const ISO_PAIR = /^[A-Z0-9]{1,16}\/[A-Z0-9]{1,16}$/;

/**
 * The error for a symbol the hub cannot serve (`served` holds the replayed v2 symbols), or
 * undefined when it can. The symbol as text, for the failure's `symbol` field.
 */
export function symbolRefusal(
  symbol: unknown,
  served: (symbol: string) => boolean,
): { readonly error: string; readonly symbol: string } | undefined {
  const text = typeof symbol === 'string' ? symbol : JSON.stringify(symbol);
  if (typeof symbol !== 'string' || !ISO_PAIR.test(symbol)) {
    return { error: KRAKEN_ERRORS.pairNotIso(text), symbol: text };
  }
  if (!served(symbol)) return { error: KRAKEN_ERRORS.pairNotSupported(symbol), symbol };
  return undefined;
}
