import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { onShutdownSignal } from '../app/shutdown.js';
import { busConnected, createBus } from '../app/bus.js';
import { gatewayListing, linkDemand, spellingCatalog, subscriptionSources } from '../app/subscriptions.js';
import { IngestMetrics } from '../gateway/metrics.js';
import { symbolsPerExchange } from '../app/symbols.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream gateway`: the gateway with ingest from the exchanges (or a replay hub via --upstream). */
export async function runGateway(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'gateway');
  const logger = loggerFor(config);
  const symbols = symbolsPerExchange(config);
  const catalog = spellingCatalog(symbols);
  const bus = createBus(config, logger);
  await busConnected(bus, logger);
  const metrics = new IngestMetrics();
  // Ingest first: it refuses unsupported exchanges before any port is opened.
  const ingest = startIngest({
    bus,
    symbols,
    upstream: config.upstream,
    bookDepth: config.bookDepth,
    logger,
    config,
    catalog,
    subscriptions: subscriptionSources(config),
    metrics,
  });
  const listedOn = gatewayListing(config, catalog, () => ingest.subscriptions.manager);
  const gateway = await startGatewayStack({ bus, config, symbols, listedOn, logger, metrics }).catch(
    async (err: unknown) => {
      await ingest.close();
      throw err;
    },
  );
  gateway.gateway.attachIngest(ingest);
  const demand = ingest.subscriptions.demand;
  const unlink = demand === undefined ? undefined : linkDemand(gateway.gateway, demand);
  await onShutdownSignal(
    [async () => unlink?.(), () => ingest.close(), () => gateway.close(), () => bus.close()],
    logger,
  );
  return 0;
}
