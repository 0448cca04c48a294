/**
 * Alpaca Market Data v2 stock stream as the replay hub speaks it at `/alpaca/v2/{iex|sip|
 * delayed_sip|test}` [doc]: the host rules it runs under and its answer to each client message.
 *
 * - On open `[{"T":"success","msg":"connected"}]` [doc]. With the upgrade headers
 *   `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY` the session authenticates at once, the
 *   `authenticated` frame right after `connected` [doc].
 * - `auth` against the configured credentials → `authenticated`; wrong → 402 and close. Beyond
 *   the connection limit of a key on a feed (Alpaca: usually 1 [doc]) → 406 and close; a feed not
 *   in the plan → 409 and close (Alpaca refuses a feed outside the subscription at
 *   authentication [doc]; the close is [unconfirmed]). No auth within the timeout (10 s [doc]) →
 *   404 and close. A second auth → 403. Subscribe before auth → 401. Unreadable → 400.
 * - `subscribe` / `unsubscribe` → the full subscription state (`T:"subscription"`, every list;
 *   `corrections` and `cancelErrors` follow `trades`, as Alpaca subscribes them with trades [doc]).
 *   Over the trade/quote symbol limit → 405 and the state unchanged (connection kept
 *   [unconfirmed]).
 * - JSON by default; MessagePack in both directions with `Content-Type: application/msgpack` on
 *   the upgrade [doc, SDK verified] (a text frame from such a client is still read as JSON).
 * - Slow consumer (the host's send-backlog drop) → 407 then close. Protocol pings are answered
 *   by `ws`; the SDKs ping every 10 s [doc].
 * - An exception while handling a message → 500 "internal error", connection kept [unconfirmed].
 * - Close codes are [unconfirmed]: 1008 after an error that closes, 1001 on shutdown.
 */
import type { AlpacaCredentials } from './credentials.js';
import type {
  HostRules,
  Session,
  SessionHost,
  UpgradeRequest,
  UpgradeVerdict,
  VenueProtocol,
} from '../../replay/venue-host.js';
import { channelsOf, feedOfPath, scopeOf } from './channels.js';
import { decodeClientFrame, encodeFrame, type AlpacaEncoding } from './encoder.js';
import {
  ALPACA_ERRORS,
  applySubscription,
  dataLists,
  emptySubscriptions,
  parseAlpacaRequest,
  tradeQuoteSymbols,
  type AlpacaHubError,
  type SubscriptionState,
} from './hub-requests.js';
import { ALPACA_FEEDS, type AlpacaFeed, type AlpacaMessage, type AlpacaSubscriptionMessage } from './wire.js';

/** Auth deadline after connecting [doc]. */
export const ALPACA_AUTH_TIMEOUT_MS = 10_000;

export const ALPACA_HOST_RULES: Partial<HostRules> = {
  pingIntervalMs: 0,
  idleTimeoutMs: 0,
  maxIncoming: 0,
  maxLifetimeMs: 0,
  maxPayloadBytes: 1024 * 1024,
};

/** A key pair a client offered (auth message or upgrade headers). */
export interface OfferedKeyPair {
  readonly key: string;
  readonly secret: string;
}

export interface AlpacaHubConfig {
  /** The pair the hub accepts. */
  readonly credentials: AlpacaCredentials;
  /** Authenticated connections per key per feed [doc: usually 1]. */
  readonly connectionLimit: number;
  /** Distinct trade/quote symbols per connection [doc, older page: 30 on the free IEX plan]. */
  readonly symbolLimit: number;
  readonly authTimeoutMs: number;
  /** Feeds the plan includes (others: 409 at auth). */
  readonly feeds: readonly AlpacaFeed[];
}

export interface AlpacaSessionState {
  readonly feed: AlpacaFeed;
  readonly encoding: AlpacaEncoding;
  /** Credentials from the upgrade headers, tried when the socket opens. */
  readonly headerAuth: OfferedKeyPair | undefined;
  /** The key it authenticated with; undefined before. */
  key: string | undefined;
  subscriptions: SubscriptionState;
}

export interface AlpacaProtocolCounters {
  requests: number;
  errors: number;
  authenticated: number;
}

type Host = SessionHost<AlpacaSessionState>;
type AlpacaSession = Session<AlpacaSessionState>;

const CLOSE_POLICY = 1008;

function header(req: UpgradeRequest['req'], name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class AlpacaProtocol implements VenueProtocol<AlpacaSessionState> {
  readonly counters: AlpacaProtocolCounters = { requests: 0, errors: 0, authenticated: 0 };
  /** Authenticated sessions by `feed|key`. */
  private readonly byKey = new Map<string, Set<AlpacaSession>>();

  constructor(
    private readonly config: AlpacaHubConfig,
    private readonly prefix: string,
    /** Told of an exception while handling a client message (logged by the endpoint). */
    private readonly onInternalError?: (err: unknown) => void,
  ) {}

  accept({ req, subPath, path }: UpgradeRequest): UpgradeVerdict<AlpacaSessionState> {
    const feed = feedOfPath(subPath);
    if (feed === undefined) {
      const paths = ALPACA_FEEDS.map((f) => `${this.prefix}/v2/${f}`);
      return {
        accept: false,
        status: 404,
        body: { error: `no Alpaca stream at ${path}; use one of ${paths.join(', ')}`, path },
      };
    }
    const type = header(req, 'content-type') ?? '';
    const encoding: AlpacaEncoding = type.toLowerCase().includes('application/msgpack') ? 'msgpack' : 'json';
    const key = header(req, 'apca-api-key-id');
    const secret = header(req, 'apca-api-secret-key');
    const headerAuth =
      key !== undefined || secret !== undefined ? { key: key ?? '', secret: secret ?? '' } : undefined;
    return {
      accept: true,
      state: { feed, encoding, headerAuth, key: undefined, subscriptions: emptySubscriptions() },
    };
  }

  opened(s: AlpacaSession, host: Host): void {
    this.reply(s, host, [{ T: 'success', msg: 'connected' }]);
    const creds = s.state.headerAuth;
    if (creds !== undefined) this.authenticate(s, host, creds);
  }

  message(s: AlpacaSession, data: Buffer, isBinary: boolean, host: Host): void {
    this.counters.requests++;
    try {
      this.handle(s, data, isBinary, host);
    } catch (err) {
      // A bug here must not take the process down: the client hears 500, as Alpaca says it.
      this.onInternalError?.(err);
      this.error(s, host, ALPACA_ERRORS.internal);
    }
  }

  private handle(s: AlpacaSession, data: Buffer, isBinary: boolean, host: Host): void {
    const parsed = parseAlpacaRequest(decodeClientFrame(data, isBinary));
    if (!parsed.ok) {
      this.error(s, host, parsed.error);
      return;
    }
    const request = parsed.request;
    if (request.action === 'auth') {
      if (s.state.key !== undefined) this.error(s, host, ALPACA_ERRORS.alreadyAuthenticated);
      else this.authenticate(s, host, request);
      return;
    }
    if (s.state.key === undefined) {
      this.error(s, host, ALPACA_ERRORS.notAuthenticated);
      return;
    }
    const next = applySubscription(s.state.subscriptions, request.action, request.lists);
    if (tradeQuoteSymbols(next) > this.config.symbolLimit) {
      this.error(s, host, ALPACA_ERRORS.symbolLimit);
      return;
    }
    s.state.subscriptions = next;
    const wanted = channelsOf(s.state.encoding, scopeOf(s.state.feed), dataLists(next));
    for (const ch of [...s.channels]) if (!wanted.has(ch)) host.unsubscribe(s, ch);
    for (const ch of wanted) host.subscribe(s, ch);
    this.reply(s, host, [subscriptionMessage(next)]);
  }

  farewell(s: AlpacaSession, reason: string): { code: number; reason: string; frame?: string | Buffer } {
    if (reason === 'slow') {
      return {
        code: CLOSE_POLICY,
        reason: ALPACA_ERRORS.slowClient.msg,
        frame: errorFrame(s, ALPACA_ERRORS.slowClient),
      };
    }
    return { code: 1001, reason: 'server shutting down' };
  }

  /** Closes a session still not authenticated when its auth deadline passed. */
  tick(s: AlpacaSession, host: Host, now: number): void {
    if (s.state.key !== undefined || now - s.connectedAt < this.config.authTimeoutMs) return;
    this.fatal(s, host, ALPACA_ERRORS.authTimeout);
  }

  closed(s: AlpacaSession): void {
    const key = s.state.key;
    if (key === undefined) return;
    const set = this.byKey.get(`${s.state.feed}|${key}`);
    set?.delete(s);
    if (set?.size === 0) this.byKey.delete(`${s.state.feed}|${key}`);
  }

  private authenticate(s: AlpacaSession, host: Host, creds: OfferedKeyPair): void {
    const { credentials, connectionLimit, feeds } = this.config;
    if (!credentials.matches(creds.key, creds.secret)) {
      this.fatal(s, host, ALPACA_ERRORS.authFailed);
      return;
    }
    if (!feeds.includes(s.state.feed)) {
      this.fatal(s, host, ALPACA_ERRORS.insufficientSubscription);
      return;
    }
    const slot = `${s.state.feed}|${creds.key}`;
    let set = this.byKey.get(slot);
    if ((set?.size ?? 0) >= connectionLimit) {
      this.fatal(s, host, ALPACA_ERRORS.connectionLimit);
      return;
    }
    if (set === undefined) {
      set = new Set();
      this.byKey.set(slot, set);
    }
    set.add(s);
    s.state.key = creds.key;
    this.counters.authenticated++;
    this.reply(s, host, [{ T: 'success', msg: 'authenticated' }]);
  }

  private reply(s: AlpacaSession, host: Host, messages: AlpacaMessage[]): void {
    host.send(s, encodeFrame(messages, s.state.encoding));
  }

  private error(s: AlpacaSession, host: Host, error: AlpacaHubError): void {
    this.counters.errors++;
    host.send(s, errorFrame(s, error));
  }

  private fatal(s: AlpacaSession, host: Host, error: AlpacaHubError): void {
    this.error(s, host, error);
    host.close(s, CLOSE_POLICY, error.msg);
  }
}

/** An Alpaca error message in the session's encoding. */
export function errorFrame(s: AlpacaSession, error: AlpacaHubError): string | Buffer {
  return encodeFrame([{ T: 'error', code: error.code, msg: error.msg }], s.state.encoding);
}

/** The `subscription` message of `state` [doc]. */
export function subscriptionMessage(state: SubscriptionState): AlpacaSubscriptionMessage {
  const list = (name: Parameters<SubscriptionState['get']>[0]): string[] => [...(state.get(name) ?? [])];
  return {
    T: 'subscription',
    trades: list('trades'),
    quotes: list('quotes'),
    bars: list('bars'),
    updatedBars: list('updatedBars'),
    dailyBars: list('dailyBars'),
    statuses: list('statuses'),
    lulds: list('lulds'),
    corrections: list('trades'),
    cancelErrors: list('trades'),
  };
}
