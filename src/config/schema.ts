import { isIP } from 'node:net';
import { z } from 'zod';
import { EXCHANGES } from '../core/types.js';
import { LOG_FORMATS } from '../core/logger.js';
import { ALPACA_FEEDS } from '../exchanges/alpaca/wire.js';
import { VENUE_NAMES } from '../exchanges/index.js';
import { AUTH_MODES } from '../gateway/auth.js';
import { DEFAULT_GATEWAY_LIMITS, DEFAULT_WRITE_DELAY_MS } from '../gateway/limits.js';
import { CONFLICT_RESOLUTIONS } from '../ingest/conflict.js';
import { OVERFLOW_POLICIES } from '../replay/link/bounded-buffer.js';
import { parseSymbolRate } from '../replay/symbol-rate.js';
import { specFromFlag } from '../replay/fault-spec.js';
import { parseJsonPath } from '../ingest/subscriptions/json-path.js';

const PORT_HINT = 'must be a decimal port number 0-65535 (0 = any free port)';

/** Decimal digits only: `Number()` would also take `0x10` and `1e3`. */
const port = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ error: PORT_HINT }).int(PORT_HINT).min(0, PORT_HINT).max(65535, PORT_HINT),
);

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** An RFC 1123 host name; its last label is not all digits, so a malformed IPv4 such as 999.1.1.1 is none. */
function isHostName(v: string): boolean {
  const labels = v.split('.');
  return (
    v.length <= 253 && labels.every((l) => HOST_LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1])
  );
}

const HOST_HINT = 'must be an IPv4 or IPv6 address or a host name, e.g. 127.0.0.1, 0.0.0.0, :: or localhost';
const hostSchema = z.string({ error: HOST_HINT }).refine((v) => isIP(v) !== 0 || isHostName(v), HOST_HINT);

const SPEED_HINT = 'must be 1 (historical), a positive number N (N times faster) or "max"';

/** `1` (historical), any positive factor (accelerated) or `max`. */
export const speedSchema = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
  z.union([z.literal('max'), z.number().positive().finite()], { error: SPEED_HINT }),
);
export type Speed = z.infer<typeof speedSchema>;

const exchangeList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : v,
  z
    .array(
      z.enum(EXCHANGES, {
        error: (issue) =>
          `unknown exchange ${JSON.stringify(issue.input)}; use any of ${EXCHANGES.join(', ')}`,
      }),
    )
    .min(1, `must name at least one of ${EXCHANGES.join(', ')}`),
);

const bool = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    return v;
  },
  z.boolean({ error: 'must be true or false' }),
);

/** A list, also as one comma-separated string (environment, flags). */
const stringList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string({ error: 'must be a list of strings' }).min(1, 'entries must not be empty')),
);

const WHOLE_HINT = 'must be a whole number >= 1';
const wholeFrom1 = z.coerce.number({ error: WHOLE_HINT }).int(WHOLE_HINT).min(1, WHOLE_HINT);

const START_HINT = 'must be "beginning", "latest" or a time in unix milliseconds';
const startFromSchema = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.union([z.literal('beginning'), z.literal('latest'), z.number().int().min(0)], { error: START_HINT }),
);

const rateLimitSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return parseSymbolRate(v);
    } catch (err) {
      return (err as Error).message;
    }
  },
  z.object(
    { perSecond: z.number().positive(), burst: z.number().int().min(1) },
    { error: 'must be "<messages per second>[,<burst>]", e.g. 200,50' },
  ),
);

const LEASE_HINT = 'must be a whole number of ms >= 300 (a follower takes over within it; 30000 is usual)';

const busSchema = z
  .string()
  .refine((v) => v === 'memory' || /^rediss?:\/\/.+/.test(v), 'must be "memory" or a redis://host:port URL');

const urlSchema = z
  .string()
  .refine(
    (v) => /^(https?|wss?):\/\/[^\s]+$/.test(v),
    'must be an http(s):// or ws(s):// URL, e.g. http://127.0.0.1:3100',
  );

const jsonPathSchema = z
  .string({ error: 'must be a JSON path such as positions[*].symbol' })
  .superRefine((v, ctx) => {
    const parsed = parseJsonPath(v);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

/** An HTTP header name (an RFC 9110 token). */
const headerNameSchema = z
  .string({ error: 'must be an HTTP header name, e.g. Authorization or X-Api-Key' })
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name, e.g. Authorization or X-Api-Key');

const httpUrlSchema = z
  .string({ error: 'must be an http(s):// URL' })
  .refine(
    (v) => /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v),
    'must be an http(s):// URL, e.g. http://127.0.0.1:8080/positions',
  );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every setting Tickstream reads, from a config file, TICKSTREAM_* environment variables and flags. */
export const configSchema = z
  .object({
    /** Storage root of recordings (replay input). Unset: the bundled/generated sample. */
    data: z.string().min(1).optional(),
    /** Directory for replay offsets. */
    state: z.string().min(1).default('.state'),
    host: hostSchema.default('127.0.0.1'),
    gatewayPort: port.default(3000),
    hubPort: port.default(3100),
    exchanges: exchangeList.default([...VENUE_NAMES]),
    speed: speedSchema.default(1),
    loop: bool.default(false),
    /** Start the replay paused; `POST /control/replay {"action":"resume"}` starts it. */
    paused: bool.default(false),
    /** Where each recorded series starts without a saved offset: `beginning`, `latest` or a unix ms time. */
    startFrom: startFromSchema.default('beginning'),
    /** Ignore saved offsets (`--reset`). */
    reset: bool.default(false),
    /** Where a series starts when its offset file is corrupt. Default: `startFrom`. */
    offsetFallback: startFromSchema.optional(),
    /** Offsets are saved after this many messages (N; a crash repeats at most N) and every `checkpointMs` (T). */
    checkpointEvery: wholeFrom1.default(10_000),
    checkpointMs: wholeFrom1.default(1000),
    /** What the publisher → hub link drops when a buffer is full. */
    overflowPolicy: z
      .enum(OVERFLOW_POLICIES, { error: `must be one of ${OVERFLOW_POLICIES.join(', ')}` })
      .default('priority'),
    /** The three link buffers, bounded in messages and bytes. */
    transformBufferMessages: wholeFrom1.default(20_000),
    transformBufferBytes: wholeFrom1.default(16 << 20),
    sendBufferMessages: wholeFrom1.default(50_000),
    sendBufferBytes: wholeFrom1.default(32 << 20),
    reconnectBufferMessages: wholeFrom1.default(200_000),
    reconnectBufferBytes: wholeFrom1.default(128 << 20),
    /** Link reconnects: first delay, its cap (doubling in between) and failed attempts before the publisher exits. */
    linkBackoffMs: wholeFrom1.default(1000),
    linkMaxBackoffMs: wholeFrom1.default(60_000),
    linkRetries: z.coerce.number({ error: 'must be a whole number >= 0' }).int().min(0).default(10),
    /** Per-symbol rate limit `<messages per second>[,<burst>]`; unset: none. */
    rateLimit: rateLimitSchema.optional(),
    /** Run each exchange's publisher as its own process under a supervisor (false: all in the hub process). */
    publisherProcesses: bool.default(true),
    /** Delay before a crashed publisher process is started again, ms, doubling up to `publisherMaxRestartMs`. */
    publisherRestartMs: wholeFrom1.default(1000),
    publisherMaxRestartMs: wholeFrom1.default(30_000),
    /** Faults the replay hub injects from the start (`--fault`, repeatable; see README "Fault injection"). */
    faults: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.split(/[\s;]+/).filter(Boolean) : v),
        z.array(
          z.string().superRefine((v, ctx) => {
            const parsed = specFromFlag(v);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
          }),
        ),
      )
      .default([]),
    /** Aggregator: the exchange preferred for every symbol it carries (default: the first of `exchanges`). */
    primaryExchange: z.enum(EXCHANGES, { error: `must be one of ${EXCHANGES.join(', ')}` }).optional(),
    /** Aggregator: switch a symbol to another exchange when its source fails. */
    enableFailover: bool.default(true),
    /** Aggregator: every source is checked at least this often, ms (messages trigger checks in between). */
    healthCheckIntervalMs: wholeFrom1.default(10_000),
    /** Aggregator: receipt delay above a source's usual delay that fails it, ms. */
    maxSourceLatencyMs: wholeFrom1.default(5000),
    /** Aggregator: no message from a source for this long fails it, ms. */
    noDataTimeoutMs: wholeFrom1.default(5000),
    /** Aggregator: a recovered primary serves again after staying healthy this long, ms. */
    switchBackHoldMs: wholeFrom1.default(30_000),
    /** Aggregator: this many errors (decode, gap, checksum, crossed book, resync) within the window fail a source. */
    errorBurstCount: wholeFrom1.default(5),
    errorBurstWindowMs: wholeFrom1.default(10_000),
    /** Aggregator: how venues' tickers combine on `ticker@<SYMBOL>`. */
    conflictResolution: z
      .enum(CONFLICT_RESOLUTIONS, { error: `must be one of ${CONFLICT_RESOLUTIONS.join(', ')}` })
      .default('primary'),
    bus: busSchema.default('memory'),
    /** Leader election on a Redis bus: the lease's key, and the lease in ms (renewed every third of it). */
    leaderKey: z
      .string({ error: 'must be a Redis key name, e.g. tickstream:leader' })
      .min(1, 'must be a Redis key name, e.g. tickstream:leader')
      .default('tickstream:leader'),
    leaseMs: z.coerce.number({ error: LEASE_HINT }).int(LEASE_HINT).min(300, LEASE_HINT).default(30_000),
    /** Prefix of the Redis bus's own keys and channels (several deployments can share one Redis). */
    redisKeyPrefix: z.string().default('tickstream:'),
    /** Key of each symbol's latest price record; `{symbol}` = `BTC/USDT`, `{pair}` = `BTCUSDT`. */
    redisPriceKey: z.string().min(1).default('price:{symbol}'),
    /** Channel each symbol's price record is published on, same placeholders. */
    redisPriceChannel: z.string().min(1).default('price.updated.{symbol}'),
    /** Messages of each topic the bus keeps for stream recovery (0: none, every resubscribe starts fresh). */
    historySize: z.coerce
      .number({ error: 'must be a whole number >= 0' })
      .int('must be a whole number >= 0')
      .min(0, 'must be a whole number >= 0')
      .default(1000),
    /** Most missed messages one resubscribe (WS `since`, SSE `Last-Event-ID`) replays per stream. */
    recoveryMaxMessages: wholeFrom1.default(1000),
    /** Open SSE connections per gateway; one more is answered 503. */
    maxSseConnections: wholeFrom1.default(10_000),
    /** SSE `: ping` comment period and `retry:` reconnect hint, ms. */
    sseHeartbeatMs: wholeFrom1.default(15_000),
    sseRetryMs: wholeFrom1.default(3000),
    upstream: urlSchema.optional(),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /** Log lines: readable on a terminal and JSON otherwise (`auto`), or always one of them. */
    logFormat: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(', ')}` }).default('auto'),
    /** `generate`: seed, length and symbols of the synthetic dataset. */
    seed: z.string().min(1).default('tickstream'),
    minutes: z.coerce.number({ error: 'must be a number of minutes' }).positive('must be > 0').default(30),
    symbols: z
      .preprocess(
        (v) =>
          typeof v === 'string'
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : v,
        z.array(z.string().regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+$/, 'must be BASE/QUOTE pairs, e.g. BTC/USDT')),
      )
      .optional(),
    /** `record`: poll intervals per endpoint key, `trades=2s,depth=5s` (checked against the venues' plans). */
    interval: z.string({ error: 'must be a list such as trades=2s,depth=5s' }).optional(),
    /** Ingest reconnects: first backoff ceiling and its cap, ms (doubling in between, full jitter). */
    reconnectBaseMs: wholeFrom1.default(1000),
    reconnectMaxMs: wholeFrom1.default(60_000),
    /** Reconnect attempts in a row before an ingest connection gives up (`max_reconnects_reached`); unset: never. */
    maxReconnects: z.coerce
      .number({ error: 'must be a whole number >= 0' })
      .int('must be a whole number >= 0')
      .min(0, 'must be a whole number >= 0')
      .optional(),
    /** Circuit breaker of each ingest connection: failures that open it, how long it stays open, successes that close it. */
    breakerFailures: wholeFrom1.default(5),
    breakerOpenMs: wholeFrom1.default(60_000),
    breakerSuccesses: wholeFrom1.default(3),
    /** A channel of a symbol is stale after max(staleFactor × its usual gap, staleFloorMs) of silence. */
    staleFactor: z.coerce
      .number({ error: 'must be a number > 0' })
      .positive('must be a number > 0')
      .default(5),
    staleFloorMs: wholeFrom1.default(3000),
    /** Book depth of the gateway's `book@` streams. */
    bookDepth: z.coerce.number().int().min(1).max(1000).default(20),
    maxConnections: z.coerce.number().int().min(1).default(10_000),
    maxSubscriptionsPerClient: z.coerce.number().int().min(1).default(200),
    /** Gateway soft and hard message limits (error and keep the connection / close 1009). */
    maxMessageBytes: z.coerce.number().int().min(1).default(DEFAULT_GATEWAY_LIMITS.maxMessageBytes),
    maxPayloadBytes: z.coerce.number().int().min(1).default(DEFAULT_GATEWAY_LIMITS.maxPayloadBytes),
    /**
     * Gateway write delay, ms: messages of the turns within it leave in one socket write per
     * client, at most this much later (0: a write after every turn). Costs up to that much latency.
     */
    writeDelayMs: z.coerce
      .number({ error: 'must be a number of ms from 0 to 100' })
      .min(0, 'must be a number of ms from 0 to 100')
      .max(100, 'must be a number of ms from 0 to 100')
      .default(DEFAULT_WRITE_DELAY_MS),
    /** Gateway send budget per client: a larger unsent backlog closes it with 4008. */
    maxBufferedBytes: z.coerce.number().int().min(1).default(DEFAULT_GATEWAY_LIMITS.maxBufferedBytes),
    /** Origins browser pages may open `/ws` from (`https://app.example.com`, `https://*.example.com`); empty: any. */
    allowedOrigins: stringList.default([]),
    /** Gateway auth; unset: `jwt` when `jwtSecret` is set, `apiKey` when `apiKeys` are, else `none`. */
    authMode: z.enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(', ')}` }).optional(),
    /** Accepted API keys (`X-API-Key` header or `?apiKey=`); never logged. */
    apiKeys: stringList.optional(),
    /** HS256 secret of gateway JWTs (`Authorization: Bearer` or `?token=`); never logged. */
    jwtSecret: z.string({ error: 'must be a string' }).min(32, 'must be at least 32 characters').optional(),
    /** PEM certificate and key files: the gateway serves https and wss (both or neither). */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    /** Ingest also subscribes what gateway clients ask for (symbols outside `symbols` that an exchange lists). */
    demandSubscriptions: bool.default(false),
    /** A demanded symbol stays subscribed this long after its last gateway subscriber left, ms. */
    demandGraceMs: z.coerce
      .number({ error: 'must be a whole number of ms >= 0' })
      .int()
      .min(0)
      .default(30_000),
    /** The user's positions service: its symbols are subscribed while they are open. Unset: off. */
    positionsUrl: httpUrlSchema.optional(),
    positionsIntervalMs: wholeFrom1.default(300_000),
    /** Where the symbols are in its JSON: fields joined by `.`, `[*]` every element, `[N]` one. */
    positionsPath: jsonPathSchema.default('positions[*].symbol'),
    /** Header sent with `positionsAuthValue` (only when a value is set). */
    positionsAuthHeader: headerNameSchema.default('Authorization'),
    /** The header's value (e.g. `Bearer …`); never logged. */
    positionsAuthValue: z.string({ error: 'must be a header value' }).min(1, 'must not be empty').optional(),
    /** A positions request slower than this is a failed poll (the previous symbols stay). */
    positionsTimeoutMs: wholeFrom1.default(10_000),
    /**
     * Alpaca API key pair (also `APCA_API_KEY_ID` / `APCA_API_SECRET_KEY`, Alpaca's own variables).
     * `demo`/`demo` serves a local replay hub; Alpaca itself refuses it.
     */
    alpacaKey: z
      .string({ error: 'must be an Alpaca API key id' })
      .min(1, 'must not be empty')
      .default('demo'),
    alpacaSecret: z
      .string({ error: 'must be an Alpaca API secret key' })
      .min(1, 'must not be empty')
      .default('demo'),
    /** The stream feed: `iex` (free), `sip` (all US exchanges), `delayed_sip` (15 min), `test` (FAKEPACA). */
    alpacaFeed: z
      .enum(ALPACA_FEEDS as [AlpacaFeedName, ...AlpacaFeedName[]], {
        error: `must be one of ${ALPACA_FEEDS.join(', ')}`,
      })
      .default('iex'),
    /** Concurrent stream connections the replay hub allows one key (Alpaca's own limit is 1 on most plans). */
    alpacaConnectionLimit: z.coerce
      .number({ error: 'must be a whole number >= 1' })
      .int('must be a whole number >= 1')
      .min(1, 'must be a whole number >= 1')
      .default(5),
  })
  .strict();

type AlpacaFeedName = (typeof ALPACA_FEEDS)[number];

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/** Other environment variables read for a key, below its `TICKSTREAM_*` one: Alpaca's standard names, `PORT`. */
export const ENV_ALIASES: Readonly<Partial<Record<ConfigKey, string>>> = {
  bus: 'REDIS_URL',
  alpacaKey: 'APCA_API_KEY_ID',
  alpacaSecret: 'APCA_API_SECRET_KEY',
  gatewayPort: 'PORT',
};

/** Keys whose values an error message never repeats. */
export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  'alpacaKey',
  'alpacaSecret',
  'positionsAuthValue',
  'apiKeys',
  'jwtSecret',
]);
