import type { Bus } from '../bus/bus.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import type { MetricsSource } from '../gateway/http.js';
import { createGateway, type Gateway } from '../gateway/server.js';
import { loadTlsFiles } from '../gateway/tls-files.js';
import type { Leadership } from '../scale/leadership.js';
import { PUBLIC_DIR } from './paths.js';
import { allSymbols } from './symbols.js';

export interface GatewayStack {
  readonly gateway: Gateway;
  readonly port: number;
  close(): Promise<void>;
}

export async function startGatewayStack(opts: {
  bus: Bus;
  config: Config;
  /** Canonical symbols ingest provides per exchange (all of them are the price cache's pairs). */
  symbols: ReadonlyMap<Exchange, readonly string[]>;
  /**
   * Exchanges that ingest (or would, on demand) a symbol outside `symbols`: its streams are
   * accepted too (see `gatewayListing`). Unset: only `symbols`.
   */
  listedOn?: (symbol: string) => readonly Exchange[];
  logger: Logger;
  /** Served at `GET /metrics`. */
  metrics?: MetricsSource;
  /** Who runs ingest (default: a lone leader). */
  leadership?: Leadership;
  /** The replay hub behind this gateway, whose control API `/api/replay` and `/api/faults` reach. */
  controlUpstream?: string;
}): Promise<GatewayStack> {
  const { config } = opts;
  const symbols = allSymbols(opts.symbols);
  const tls = await loadTlsFiles(config.tlsCert, config.tlsKey);
  const gateway = createGateway({
    bus: opts.bus,
    port: config.gatewayPort,
    host: config.host,
    logger: opts.logger.child({ component: 'gateway' }),
    publicDir: PUBLIC_DIR,
    controlUpstream: opts.controlUpstream,
    writeDelayMs: config.writeDelayMs,
    pricePairs: symbols,
    sources: {
      exchanges: config.exchanges,
      symbols,
      symbolsOf: opts.symbols,
      listedOn: opts.listedOn,
    },
    metrics: opts.metrics,
    leadership: opts.leadership,
    recoveryMaxMessages: config.recoveryMaxMessages,
    sse: {
      maxConnections: config.maxSseConnections,
      heartbeatMs: config.sseHeartbeatMs,
      retryMs: config.sseRetryMs,
    },
    limits: {
      maxConnections: config.maxConnections,
      maxSubscriptionsPerClient: config.maxSubscriptionsPerClient,
      maxMessageBytes: config.maxMessageBytes,
      maxPayloadBytes: config.maxPayloadBytes,
      maxBufferedBytes: config.maxBufferedBytes,
    },
    access: {
      allowedOrigins: config.allowedOrigins,
      mode: config.authMode,
      apiKeys: config.apiKeys,
      jwtSecret: config.jwtSecret,
    },
    tls,
  });
  const { port } = await gateway.listen();
  opts.logger.info(
    { url: `${gateway.scheme}://${config.host}:${port}`, auth: gateway.access.authMode },
    'gateway listening',
  );
  return { gateway, port, close: () => gateway.close() };
}
