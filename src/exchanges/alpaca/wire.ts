/**
 * Alpaca Market Data v2 (US stocks) wire types: the real-time stream
 * (`wss://stream.data.alpaca.markets/v2/{iex|sip|delayed_sip|test}`) and the historical REST API
 * (`https://data.alpaca.markets/v2/stocks/…`), exactly as Alpaca sends them (EXCHANGES.md §4).
 *
 * Every stream frame is a JSON array of messages, each with `T` = its type; with the upgrade header
 * `Content-Type: application/msgpack` the same arrays are MessagePack, timestamps then the
 * MessagePack timestamp extension (type -1) instead of RFC3339 text [doc, SDK 4.0.2 verified].
 * Prices and sizes are JSON numbers; timestamps RFC3339 with up to nanoseconds ("…:44.208Z",
 * "…:45.335689322Z").
 *
 * Sources, by tag: [doc] alpaca.markets WebSocket stream and historical API pages; [sdk] the
 * official JS SDK 4.0.2; [unconfirmed] nothing better than the field list.
 */

/** The stream's feeds; `test` always serves the symbol `FAKEPACA` [doc]. */
export type AlpacaFeed = 'iex' | 'sip' | 'delayed_sip' | 'test';
export const ALPACA_FEEDS: readonly AlpacaFeed[] = ['iex', 'sip', 'delayed_sip', 'test'];

/** RFC3339 text on JSON sessions (`2021-02-22T15:51:44.208Z`); a MessagePack timestamp (Date) on msgpack ones. */
export type AlpacaTime = string;

// ---- Historical REST ----

/** `GET /v2/stocks/{symbol}/trades` item [doc]. */
export interface AlpacaRestTrade {
  /** Time, RFC3339 (ns). */
  t: AlpacaTime;
  /** Exchange code (`V` = IEX, `Q` = Nasdaq, …). */
  x: string;
  p: number;
  s: number;
  /** Condition codes. */
  c: string[];
  /** Trade id (per symbol and exchange). */
  i: number;
  /** Tape: `A` (NYSE), `B` (NYSE Arca, regional), `C` (Nasdaq). */
  z: string;
}

/** `GET /v2/stocks/{symbol}/quotes` item: the NBBO (sip) or the exchange's own quote (iex) [doc]. */
export interface AlpacaRestQuote {
  t: AlpacaTime;
  ax: string;
  ap: number;
  as: number;
  bx: string;
  bp: number;
  bs: number;
  c: string[];
  z: string;
}

/** `GET /v2/stocks/{symbol}/bars?timeframe=1Min` item: the bar's start time, OHLC, volume, trade count, VWAP [doc]. */
export interface AlpacaRestBar {
  t: AlpacaTime;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  vw: number;
}

/** A page of one symbol: `{"trades":[…],"symbol":"AAPL","next_page_token":"…"|null}` [doc]. */
export interface AlpacaTradesPage {
  trades: AlpacaRestTrade[] | null;
  symbol: string;
  next_page_token: string | null;
}

export interface AlpacaQuotesPage {
  quotes: AlpacaRestQuote[] | null;
  symbol: string;
  next_page_token: string | null;
}

export interface AlpacaBarsPage {
  bars: AlpacaRestBar[] | null;
  symbol: string;
  next_page_token: string | null;
}

/** `/v2/stocks/{symbol}/trades/latest` and `/quotes/latest` [doc]. */
export interface AlpacaLatestTrade {
  symbol: string;
  trade: AlpacaRestTrade;
}

export interface AlpacaLatestQuote {
  symbol: string;
  quote: AlpacaRestQuote;
}

/** One symbol of `/v2/stocks/snapshots?symbols=…` (an object keyed by symbol) [doc]. */
export interface AlpacaSnapshot {
  latestTrade: AlpacaRestTrade | null;
  latestQuote: AlpacaRestQuote | null;
  minuteBar: AlpacaRestBar | null;
  dailyBar: AlpacaRestBar | null;
  prevDailyBar: AlpacaRestBar | null;
}

/** A REST error body: `{"code":40010001,"message":"…"}` [doc; codes unconfirmed]. */
export interface AlpacaRestError {
  code?: number;
  message: string;
}

// ---- Stream: client → server ----

export interface AlpacaAuthRequest {
  action: 'auth';
  key: string;
  secret: string;
}

/** The channels of a subscribe / unsubscribe; each a list of symbols or `["*"]` [doc]. */
export const ALPACA_CHANNELS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses'] as const;
export type AlpacaChannel = (typeof ALPACA_CHANNELS)[number];

export type AlpacaSubscriptionLists = Partial<Record<AlpacaChannel, string[]>>;

export interface AlpacaSubscribeRequest extends AlpacaSubscriptionLists {
  action: 'subscribe' | 'unsubscribe';
}

// ---- Stream: server → client (each frame an array of these) ----

export interface AlpacaSuccessMessage {
  T: 'success';
  msg: 'connected' | 'authenticated';
}

/** Codes [doc]: 400 invalid syntax, 401 not authenticated, 402 auth failed, 403 already authenticated, 404 auth timeout, 405 symbol limit exceeded, 406 connection limit exceeded, 407 slow client, 409 insufficient subscription, 410 invalid subscribe action for this feed, 500 internal error. */
export interface AlpacaErrorMessage {
  T: 'error';
  code: number;
  msg: string;
}

/** The full subscription state after every (un)subscribe [doc]. */
export interface AlpacaSubscriptionMessage {
  T: 'subscription';
  trades: string[];
  quotes: string[];
  bars: string[];
  updatedBars: string[];
  dailyBars: string[];
  statuses: string[];
  lulds: string[];
  corrections: string[];
  cancelErrors: string[];
}

export interface AlpacaTradeMessage extends AlpacaRestTrade {
  T: 't';
  S: string;
}

export interface AlpacaQuoteMessage extends AlpacaRestQuote {
  T: 'q';
  S: string;
}

/** `b` minute bar, `u` updated (corrected) minute bar, `d` daily bar [doc]. */
export interface AlpacaBarMessage extends AlpacaRestBar {
  T: 'b' | 'u' | 'd';
  S: string;
}

/** `s` trading status: status code / message, reason code / message [doc]. */
export interface AlpacaStatusMessage {
  T: 's';
  S: string;
  sc: string;
  sm: string;
  rc: string;
  rm: string;
  t: AlpacaTime;
  z: string;
}

export type AlpacaMessage =
  | AlpacaSuccessMessage
  | AlpacaErrorMessage
  | AlpacaSubscriptionMessage
  | AlpacaTradeMessage
  | AlpacaQuoteMessage
  | AlpacaBarMessage
  | AlpacaStatusMessage;
