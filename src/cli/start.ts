import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { createBus } from '../app/bus.js';
import { startReplayFromConfig } from '../app/replay-stack.js';
import { onShutdownSignal, type Closer } from '../app/shutdown.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream start`: replay hub + publishers, ingest pointed at the hub, memory bus, gateway + dashboard. */
export async function runStart(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'start');
  const logger = loggerFor(config);
  const bus = createBus(config);
  // Closers in start order; they run in reverse (ingest, gateway, replay, bus).
  const started: Closer[] = [() => bus.close()];
  try {
    const replay = await startReplayFromConfig(config, logger);
    started.push(() => replay.close());
    const symbols = replay.canonicalSymbols;
    const gateway = await startGatewayStack({ bus, config, symbols, logger });
    started.push(() => gateway.close());
    const ingest = startIngest({
      bus,
      symbols,
      upstream: `http://${config.host}:${replay.port}`,
      bookDepth: config.bookDepth,
      logger,
      config,
    });
    gateway.gateway.attachIngest(ingest);
    started.push(async () => {
      gateway.gateway.attachIngest(undefined);
      await ingest.close();
    });
    logger.info(
      { dashboard: `http://${displayHost(config.host)}:${gateway.port}/` },
      'tickstream is running',
    );
  } catch (err) {
    // Whatever started must stop, or the process would linger on its open sockets.
    for (const close of started.reverse()) await close();
    throw err;
  }
  await onShutdownSignal(started.reverse(), logger);
  return 0;
}

export function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
