import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { LeaderIngest } from '../app/leader-ingest.js';
import { leadershipFor } from '../app/leadership.js';
import { onShutdownSignal } from '../app/shutdown.js';
import { busConnected, createBus } from '../app/bus.js';
import { gatewayListing, linkDemand, spellingCatalog, subscriptionSources } from '../app/subscriptions.js';
import { venueFor } from '../exchanges/index.js';
import { IngestMetrics } from '../gateway/metrics.js';
import { symbolsPerExchange } from '../app/symbols.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/**
 * `tickstream gateway`: the gateway with ingest from the exchanges (or a replay hub via
 * --upstream). On a Redis bus ingest runs only while this instance holds the leader lease; the
 * others serve what the leader publishes.
 */
export async function runGateway(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'gateway');
  const logger = loggerFor(config);
  const symbols = symbolsPerExchange(config);
  const catalog = spellingCatalog(symbols);
  // Unsupported exchanges are refused before any port is opened, leader or not.
  for (const exchange of symbols.keys()) venueFor(exchange);
  const bus = createBus(config, logger);
  await busConnected(bus, logger);
  const metrics = new IngestMetrics();
  const run = leadershipFor(config, logger);
  const ingest = new LeaderIngest({
    leadership: run.leadership,
    bus,
    logger: logger.child({ component: 'ingest' }),
    start: (ingestBus) =>
      startIngest({
        bus: ingestBus,
        symbols,
        upstream: config.upstream,
        bookDepth: config.bookDepth,
        logger,
        config,
        catalog,
        subscriptions: subscriptionSources(config),
        metrics,
      }),
  });
  // A lone leader starts ingest here, before the gateway listens (as it always did).
  ingest.follow();
  const listedOn = gatewayListing(config, catalog, () => ingest.current()?.subscriptions.manager);
  const gateway = await startGatewayStack({
    bus,
    config,
    symbols,
    listedOn,
    logger,
    metrics,
    leadership: run.leadership,
    // Ingesting from a replay hub: its control API is the dashboard's replay panel.
    controlUpstream: config.upstream,
  }).catch(async (err: unknown) => {
    await ingest.close();
    await bus.close();
    throw err;
  });
  let unlink: (() => void) | undefined;
  const stopIngestWatch = ingest.onIngest((stack) => {
    gateway.gateway.attachIngest(stack);
    unlink?.();
    const demand = stack?.subscriptions.demand;
    unlink = demand === undefined ? undefined : linkDemand(gateway.gateway, demand);
  });
  await run.start();
  await onShutdownSignal(
    [
      async () => {
        stopIngestWatch();
        unlink?.();
      },
      // Step down first: the lease is released, so another instance takes over at once.
      () => run.stop(),
      () => ingest.close(),
      () => gateway.close(),
      () => bus.close(),
    ],
    logger,
  );
  return 0;
}
