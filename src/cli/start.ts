import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { busConnected, createBus } from '../app/bus.js';
import { IngestMetrics } from '../gateway/metrics.js';
import { startReplayFromConfig } from '../app/replay-stack.js';
import { gatewayListing, linkDemand, subscriptionSources } from '../app/subscriptions.js';
import type { IngestStack } from '../app/ingest-stack.js';
import { catalogOf } from '../ingest/subscriptions/wants.js';
import { onShutdownSignal, type Closer } from '../app/shutdown.js';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../app/paths.js';
import type { Config } from '../config/schema.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream start`: replay hub + publishers, ingest pointed at the hub, memory bus, gateway + dashboard. */
export async function runStart(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'start');
  const logger = loggerFor(config);
  const where = startAddresses(config);
  logger.info(where, 'tickstream starting');
  const bus = createBus(config, logger);
  await busConnected(bus, logger);
  // Closers in start order; they run in reverse (ingest, gateway, replay, bus).
  const started: Closer[] = [() => bus.close()];
  try {
    const replay = await startReplayFromConfig(config, logger);
    started.push(() => replay.close());
    const symbols = replay.canonicalSymbols;
    // The hub lists exactly what it replays.
    const catalog = catalogOf(symbols);
    // The gateway starts first; what it accepts may depend on what ingest subscribes later.
    const late: { ingest?: IngestStack } = {};
    const listedOn = gatewayListing(config, catalog, () => late.ingest?.subscriptions.manager);
    const metrics = new IngestMetrics();
    const hubUrl = `http://${config.host}:${replay.port}`;
    const gateway = await startGatewayStack({
      bus,
      config,
      symbols,
      listedOn,
      logger,
      metrics,
      controlUpstream: hubUrl,
    });
    started.push(() => gateway.close());
    const running = startIngest({
      bus,
      symbols,
      upstream: hubUrl,
      bookDepth: config.bookDepth,
      logger,
      config,
      catalog,
      subscriptions: subscriptionSources(config),
      metrics,
    });
    late.ingest = running;
    gateway.gateway.attachIngest(running);
    started.push(async () => {
      gateway.gateway.attachIngest(undefined);
      await running.close();
    });
    const demand = running.subscriptions.demand;
    if (demand !== undefined) {
      const unlink = linkDemand(gateway.gateway, demand);
      started.push(async () => unlink());
    }
    // The ports bound (either may have been 0: any free one).
    const live = {
      ...where,
      dashboard: `${gateway.gateway.scheme}://${displayHost(config.host)}:${gateway.port}/`,
      hub: `http://${displayHost(config.host)}:${replay.port}/`,
    };
    logger.info({ ...live, stop: 'Ctrl-C' }, 'tickstream is running');
  } catch (err) {
    // Whatever started must stop, or the process would linger on its open sockets.
    for (const close of started.reverse()) await close();
    throw err;
  }
  await onShutdownSignal(started.reverse(), logger);
  return 0;
}

/** Where a user finds what `start` runs, known from the config before anything listens. */
export function startAddresses(config: Config): { dashboard: string; hub: string; docs: string } {
  const host = displayHost(config.host);
  const scheme = config.tlsCert === undefined ? 'http' : 'https';
  return {
    dashboard: `${scheme}://${host}:${config.gatewayPort}/`,
    hub: `http://${host}:${config.hubPort}/`,
    docs: join(PACKAGE_ROOT, 'docs'),
  };
}

export function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
