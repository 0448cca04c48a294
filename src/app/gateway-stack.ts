import type { Bus } from '../bus/bus.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import type { MetricsSource } from '../gateway/http.js';
import { createGateway, type Gateway } from '../gateway/server.js';
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
}): Promise<GatewayStack> {
  const { config } = opts;
  const symbols = allSymbols(opts.symbols);
  const gateway = createGateway({
    bus: opts.bus,
    port: config.gatewayPort,
    host: config.host,
    logger: opts.logger.child({ component: 'gateway' }),
    publicDir: PUBLIC_DIR,
    pricePairs: symbols,
    sources: {
      exchanges: config.exchanges,
      symbols,
      symbolsOf: opts.symbols,
      listedOn: opts.listedOn,
    },
    metrics: opts.metrics,
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
    },
  });
  const { port } = await gateway.listen();
  opts.logger.info({ url: `http://${config.host}:${port}` }, 'gateway listening');
  return { gateway, port, close: () => gateway.close() };
}
