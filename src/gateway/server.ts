import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Bus } from '../bus/bus.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { answerClientError } from '../net/client-error.js';
import { newInstanceId } from '../scale/instance-id.js';
import { loneLeader, type Leadership } from '../scale/leadership.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { GatewayAccess, refuseHttp, type AccessOptions } from './access.js';
import { HealthReporter, type IngestStatus } from './health.js';
import { handleCors } from './cors.js';
import { controlTarget, proxyControl } from './control-proxy.js';
import { createHttpHandler, type MetricsSource } from './http.js';
import { LatestPriceResolver } from './latest-price.js';
import { PriceCache } from './prices.js';
import { parseSymbol, type StreamSources } from './streams.js';
import { resolveLimits, type GatewayLimits } from './limits.js';
import { SseHub } from './sse.js';
import { WsHub, type DemandListener, type WsStats } from './ws-server.js';

export { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from './limits.js';
export {
  GatewayAccess,
  refuseHttp,
  refuseUpgrade,
  type AccessOptions,
  type AccessRefusal,
} from './access.js';
export type { DemandListener } from './ws-server.js';

export interface GatewayOptions {
  readonly bus: Bus;
  readonly port: number;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  readonly logger: Logger;
  readonly limits?: Partial<GatewayLimits>;
  /** Directory of the dashboard (served at `/`). */
  readonly publicDir: string;
  /** The replay hub's base URL: `/api/replay` and `/api/faults` forward to its control API (src/gateway/control-proxy.ts). */
  readonly controlUpstream?: string;
  /** Fan-out write delay, ms (src/gateway/limits.ts DEFAULT_WRITE_DELAY_MS; 0 = after every turn). */
  readonly writeDelayMs?: number;
  /** Canonical pairs whose `ticker@` and `trade@` topics keep the price cache warm. */
  readonly pricePairs?: readonly string[];
  /** What ingest feeds the bus with; streams outside it are refused on SUBSCRIBE. Default: anything. */
  readonly sources?: StreamSources;
  /** Served at `GET /metrics` after the gateway's own figures (ingest integrity: src/gateway/metrics.ts). */
  readonly metrics?: MetricsSource;
  /** Most missed messages a resubscribe (WS `since`, SSE `Last-Event-ID`) replays per stream. Default 1000. */
  readonly recoveryMaxMessages?: number;
  /** `GET /api/market-data/stream` (src/gateway/sse.ts). */
  readonly sse?: {
    /** Default 10,000; one more is answered 503. */
    readonly maxConnections?: number;
    /** `: ping` period, ms. Default 15,000. */
    readonly heartbeatMs?: number;
    /** `retry:` hint, ms. Default 3000. */
    readonly retryMs?: number;
  };
  /** Whether this instance runs ingest (several instances on Redis). Default: a lone leader. */
  readonly leadership?: Leadership;
  /** Origin allow-list and auth for `/ws` (and the SSE endpoint via `gateway.access`). Default: open. */
  readonly access?: AccessOptions;
  /** PEM certificate and key: serve https and wss instead of http and ws. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface GatewayStats extends WsStats {
  /** Pairs with a cached price. */
  readonly pricePairs: number;
  /** Open SSE connections. */
  readonly sseConnections: number;
  readonly httpRequests: number;
}

export interface Gateway {
  /** Start listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ port: number }>;
  /** Close every client and the server; does not close the bus. */
  close(): Promise<void>;
  stats(): GatewayStats;
  /** Topics wanted by local clients or the price cache: what ingest should provide. */
  demandedTopics(): string[];
  /** Called when a topic gains its first or loses its last local interest. Returns an unsubscribe. */
  onDemandChange(listener: DemandListener): () => void;
  readonly prices: PriceCache;
  /** The latest price of a pair through the fallback hierarchy (live → bus cache → local cache → degraded). */
  readonly latest: LatestPriceResolver;
  /** Ingest running in this process, for the health and sources endpoints (undefined: none). */
  attachIngest(ingest: IngestStatus | undefined): void;
  /** Who runs ingest; a lone instance leads itself. */
  readonly leadership: Leadership;
  /** Origin and credential checks; `await access.authorize(req)` before serving a stream over HTTP. */
  readonly access: GatewayAccess;
  /** `https` when serving TLS. */
  readonly scheme: 'http' | 'https';
}

/** Each ingested pair → the exchanges carrying it, in the exchanges' order (the first is its primary). */
function venuesOfPairs(sources: StreamSources): Record<string, Exchange[]> {
  const venues: Record<string, Exchange[]> = {};
  for (const symbol of sources.symbols) {
    venues[symbol] = sources.exchanges.filter((e) => sources.symbolsOf?.get(e)?.includes(symbol) ?? true);
  }
  return venues;
}

/**
 * Gateway: `/ws`, `/api/market-data/stream` (SSE), `/api/prices`, `/api/prices/:pair`,
 * `/api/market-data/health`, `/api/market-data/sources` and the dashboard's static files.
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const limits = resolveLimits(opts.limits);
  const pairs = resolvePairs(opts.pricePairs ?? [], 'pricePairs');
  const log = opts.logger;
  const prices = new PriceCache();
  const sources =
    opts.sources === undefined
      ? undefined
      : {
          exchanges: opts.sources.exchanges,
          symbols: resolvePairs(opts.sources.symbols, 'sources.symbols'),
          symbolsOf: resolvePairsOf(opts.sources.symbolsOf),
          listedOn: opts.sources.listedOn,
        };
  const leadership = opts.leadership ?? loneLeader(newInstanceId());
  const gatewayMetrics = new GatewayMetrics();
  const access = new GatewayAccess(opts.access);
  const hub = new WsHub({
    bus: opts.bus,
    logger: log,
    limits,
    sources,
    access,
    latency: gatewayMetrics.latency,
    recoveryMaxMessages: opts.recoveryMaxMessages,
    writeDelayMs: opts.writeDelayMs,
  });
  const latest = new LatestPriceResolver({ prices, bus: opts.bus });
  const health = new HealthReporter({
    pairs,
    latest,
    leadership,
    busStatus: () => opts.bus.status(),
    load: () => {
      const s = hub.stats();
      return {
        connections: s.connections,
        maxConnections: limits.maxConnections,
        subscriptions: s.subscriptions,
        busTopics: s.busTopics,
        clientTopics: hub.clientTopics(),
      };
    },
  });
  gatewayMetrics.collectFrom({
    stats: () => ({ ...hub.stats(), httpRequests }),
    sent: () => hub.sent,
    sendQueue: () => hub.sendQueue(),
    busStatus: () => opts.bus.status(),
    leadership,
    sse: () => sse.stats(),
  });
  const handler = createHttpHandler({
    prices,
    publicDir: opts.publicDir,
    logger: log,
    venues: sources === undefined ? undefined : venuesOfPairs(sources),
    metrics: joinMetrics(gatewayMetrics, opts.metrics),
    health,
  });
  const sse = new SseHub({
    bus: opts.bus,
    logger: log,
    watch: (topic, h) => hub.watch(topic, h),
    maxConnections: opts.sse?.maxConnections,
    heartbeatMs: opts.sse?.heartbeatMs,
    retryMs: opts.sse?.retryMs,
    maxStreams: limits.maxSubscriptionsPerClient,
    maxBufferedBytes: limits.maxBufferedBytes,
    recoveryMaxMessages: opts.recoveryMaxMessages,
    sources,
    cachedPrice: (pair) => prices.get(pair),
  });
  let httpRequests = 0;

  const onRequest: RequestListener = (req, res) => {
    httpRequests++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (url.startsWith('/api/') && handleCors(req, res, (o) => access.allowsOrigin(o))) return;
    const path = q === -1 ? url : url.slice(0, q);
    const hubPath = controlTarget(path);
    if (hubPath !== undefined) {
      access.authorize(req).then(
        (r) => {
          if (!r.ok) refuseHttp(res, r.refusal);
          else
            proxyControl(req, res, hubPath, q === -1 ? '' : url.slice(q), {
              upstream: opts.controlUpstream,
              allowsOrigin: (o) => access.allowsOrigin(o),
            });
        },
        (err: unknown) => {
          log.error({ err }, 'control access check failed');
          res.destroy();
        },
      );
      return;
    }
    if (path === SSE_PATH) {
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      access.authorize(req).then(
        (r) => {
          if (r.ok) sse.handle(req, res, query, r.grant);
          else refuseHttp(res, r.refusal);
        },
        (err: unknown) => {
          log.error({ err }, 'SSE access check failed');
          res.destroy();
        },
      );
      return;
    }
    handler(req, res);
  };
  const server: Server = opts.tls === undefined ? createServer(onRequest) : httpsServer(opts.tls, onRequest);
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === '/ws') {
      hub.handleUpgrade(req, socket, head);
      return;
    }
    const body = `no WebSocket endpoint at ${path}; connect to /ws`;
    socket.end(
      `HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  server.on('clientError', answerClientError);

  const unwatch: (() => void)[] = [];
  for (let i = 0; i < pairs.length; i++) {
    unwatch.push(hub.watch('ticker@' + pairs[i], prices.handler));
    unwatch.push(hub.watch('trade@' + pairs[i], prices.handler));
  }

  let closed = false;

  return {
    prices,
    latest,
    leadership,
    access,
    scheme: opts.tls === undefined ? 'http' : 'https',
    attachIngest(ingest: IngestStatus | undefined): void {
      health.attachIngest(ingest);
    },
    listen(): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
          server.removeListener('error', onError);
          const port = (server.address() as AddressInfo).port;
          log.debug({ port, host: opts.host ?? '0.0.0.0' }, 'gateway listening');
          resolve({ port });
        });
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (let i = 0; i < unwatch.length; i++) unwatch[i]();
      const serverClosed = new Promise<void>((resolve) => {
        if (!server.listening) resolve();
        else server.close(() => resolve());
      });
      sse.close();
      await hub.close(limits.closeTimeoutMs);
      server.closeAllConnections();
      await serverClosed;
    },
    stats(): GatewayStats {
      return {
        ...hub.stats(),
        pricePairs: prices.size,
        sseConnections: sse.stats().connections,
        httpRequests,
      };
    },
    demandedTopics(): string[] {
      return hub.demandedTopics();
    },
    onDemandChange(listener: DemandListener): () => void {
      return hub.onDemandChange(listener);
    },
  };
}

/** The gateway's figures, then those of `more` (one exposition: the names never overlap). */
function joinMetrics(gateway: GatewayMetrics, more: MetricsSource | undefined): MetricsSource {
  if (more === undefined) return gateway;
  return {
    contentType: gateway.contentType,
    async text(): Promise<string> {
      const [own, other] = await Promise.all([gateway.text(), more.text()]);
      return own.endsWith('\n') || own === '' ? own + other : own + '\n' + other;
    },
  };
}

const SSE_PATH = '/api/market-data/stream';

function httpsServer(
  tls: NonNullable<GatewayOptions['tls']>,
  onRequest: RequestListener<typeof IncomingMessage>,
): Server {
  try {
    return createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest);
  } catch (cause) {
    throw new ConfigError(
      `TLS certificate or key is not usable (${(cause as Error).message}); give a PEM certificate and its matching private key (tlsCert, tlsKey)`,
      { cause },
    );
  }
}

function resolvePairs(input: readonly string[], key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const r = parseSymbol(input[i]);
    if (!r.ok) throw new ConfigError(`${key}[${i}]: ${r.error}`);
    if (out.indexOf(r.symbol) === -1) out.push(r.symbol);
  }
  return out;
}

/** Each exchange's pairs, canonical (`btc/usd` → `BTC/USD`). */
function resolvePairsOf(
  symbolsOf: ReadonlyMap<Exchange, readonly string[]> | undefined,
): ReadonlyMap<Exchange, readonly string[]> | undefined {
  if (symbolsOf === undefined) return undefined;
  return new Map(
    [...symbolsOf].map(([e, list]) => [e, resolvePairs(list, `sources.symbolsOf.${e}`)] as const),
  );
}
