import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { onShutdownSignal } from '../app/shutdown.js';
import { createBus } from '../app/bus.js';
import { symbolsPerExchange } from '../app/symbols.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream gateway`: the gateway with ingest from the exchanges (or a replay hub via --upstream). */
export async function runGateway(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'gateway');
  const logger = loggerFor(config);
  const symbols = symbolsPerExchange(config);
  const bus = createBus(config);
  // Ingest first: it refuses unsupported exchanges before any port is opened.
  const ingest = startIngest({
    bus,
    symbols,
    upstream: config.upstream,
    bookDepth: config.bookDepth,
    logger,
    config,
  });
  const gateway = await startGatewayStack({ bus, config, symbols, logger }).catch(async (err: unknown) => {
    await ingest.close();
    throw err;
  });
  gateway.gateway.attachIngest(ingest);
  await onShutdownSignal([() => ingest.close(), () => gateway.close(), () => bus.close()], logger);
  return 0;
}
