/**
 * Alpaca stream client messages as the hub reads them, pure (after decodeClientFrame):
 * `{"action":"auth","key","secret"}` and `{"action":"subscribe"|"unsubscribe", trades?, quotes?,
 * bars?, updatedBars?, dailyBars?, statuses?, lulds?}` with each list an array of symbols or
 * `"*"` [doc]. The error codes and texts are Alpaca's [doc: the stream page's error table]:
 * 400 "invalid syntax", 401 "not authenticated", 402 "auth failed", 403 "already authenticated",
 * 404 "auth timeout", 405 "symbol limit exceeded", 406 "connection limit exceeded", 407 "slow
 * client", 409 "insufficient subscription", 410 "invalid subscribe action for this feed",
 * 500 "internal error".
 *
 * Which action is 410 [unconfirmed]: Alpaca's docs give it for subscribing to a channel the
 * stream does not have; here the channels of Alpaca's other streams (`orderbooks` of crypto,
 * `news`) sent to a stock feed. Any other unknown field, a list that is not an array of non-empty
 * strings, or a frame that is not an object with a known `action`, is 400. `lulds` are accepted
 * and listed, but the recordings hold none, so none are sent.
 */
import { ALPACA_CHANNELS, type AlpacaChannel } from './wire.js';

export const ALPACA_ERRORS = {
  invalidSyntax: { code: 400, msg: 'invalid syntax' },
  notAuthenticated: { code: 401, msg: 'not authenticated' },
  authFailed: { code: 402, msg: 'auth failed' },
  alreadyAuthenticated: { code: 403, msg: 'already authenticated' },
  authTimeout: { code: 404, msg: 'auth timeout' },
  symbolLimit: { code: 405, msg: 'symbol limit exceeded' },
  connectionLimit: { code: 406, msg: 'connection limit exceeded' },
  slowClient: { code: 407, msg: 'slow client' },
  insufficientSubscription: { code: 409, msg: 'insufficient subscription' },
  invalidAction: { code: 410, msg: 'invalid subscribe action for this feed' },
  internal: { code: 500, msg: 'internal error' },
} as const;

export interface AlpacaHubError {
  readonly code: number;
  readonly msg: string;
}

/** Every list of the subscription state, in the order of Alpaca's `subscription` message. */
export const SUBSCRIBABLE = [...ALPACA_CHANNELS, 'lulds'] as const;
export type SubscribableList = (typeof SUBSCRIBABLE)[number];

/** Channels of Alpaca's other streams: 410 on a stock feed [unconfirmed]. */
const OTHER_STREAM_LISTS: ReadonlySet<string> = new Set(['orderbooks', 'news']);

export type AlpacaRequest =
  | { readonly action: 'auth'; readonly key: string; readonly secret: string }
  | {
      readonly action: 'subscribe' | 'unsubscribe';
      readonly lists: ReadonlyMap<SubscribableList, readonly string[]>;
    };

export type ParsedAlpacaRequest =
  | { readonly ok: true; readonly request: AlpacaRequest }
  | { readonly ok: false; readonly error: AlpacaHubError };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

const fail = (error: AlpacaHubError): ParsedAlpacaRequest => ({ ok: false, error });

function isSubscribable(key: string): key is SubscribableList {
  return (SUBSCRIBABLE as readonly string[]).includes(key);
}

/** Read one decoded client message (undefined: the frame could not be decoded). */
export function parseAlpacaRequest(value: unknown): ParsedAlpacaRequest {
  if (!isObject(value)) return fail(ALPACA_ERRORS.invalidSyntax);
  const { action } = value;
  if (action === 'auth') {
    const { key, secret } = value;
    if (typeof key !== 'string' || typeof secret !== 'string') return fail(ALPACA_ERRORS.invalidSyntax);
    return { ok: true, request: { action, key, secret } };
  }
  if (action !== 'subscribe' && action !== 'unsubscribe') return fail(ALPACA_ERRORS.invalidSyntax);
  const lists = new Map<SubscribableList, readonly string[]>();
  for (const [field, list] of Object.entries(value)) {
    if (field === 'action') continue;
    if (OTHER_STREAM_LISTS.has(field)) return fail(ALPACA_ERRORS.invalidAction);
    if (!isSubscribable(field)) return fail(ALPACA_ERRORS.invalidSyntax);
    if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string' && s !== '')) {
      return fail(ALPACA_ERRORS.invalidSyntax);
    }
    lists.set(field, list);
  }
  return { ok: true, request: { action, lists } };
}

/** A session's subscription lists (insertion order kept, as the state message lists them). */
export type SubscriptionState = Map<SubscribableList, Set<string>>;

export function emptySubscriptions(): SubscriptionState {
  return new Map(SUBSCRIBABLE.map((l) => [l, new Set<string>()]));
}

/** `state` after (un)subscribing `lists`, as a new state; `state` is left as it was. */
export function applySubscription(
  state: SubscriptionState,
  action: 'subscribe' | 'unsubscribe',
  lists: ReadonlyMap<SubscribableList, readonly string[]>,
): SubscriptionState {
  const next: SubscriptionState = new Map([...state].map(([l, set]) => [l, new Set(set)]));
  for (const [list, symbols] of lists) {
    const set = next.get(list) as Set<string>;
    for (const sym of symbols) {
      if (action === 'subscribe') set.add(sym);
      else set.delete(sym);
    }
  }
  return next;
}

/** Distinct trade and quote symbols (`*` counts as one) — what the plan's symbol limit counts [doc: "30 trade/quote symbols"]. */
export function tradeQuoteSymbols(state: SubscriptionState): number {
  return new Set([...(state.get('trades') ?? []), ...(state.get('quotes') ?? [])]).size;
}

/** The data channels (without `lulds`) and their symbols, for the fan-out. */
export function dataLists(state: SubscriptionState): Map<AlpacaChannel, ReadonlySet<string>> {
  const out = new Map<AlpacaChannel, ReadonlySet<string>>();
  for (const l of ALPACA_CHANNELS) out.set(l, state.get(l) ?? new Set());
  return out;
}
