import { startGatewayStack } from '../app/gateway-stack.js';
import { startIngest } from '../app/ingest-stack.js';
import { SAMPLE_DATA_DIR } from '../app/paths.js';
import { startReplay } from '../app/replay-stack.js';
import { ensureSampleData } from '../app/sample-data.js';
import { onShutdownSignal, type Closer } from '../app/shutdown.js';
import { MemoryBus } from '../bus/memory.js';
import { NotAvailableError } from '../core/errors.js';
import { toCanonicalSymbol } from '../exchanges/binance/symbols.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream start`: replay hub + publishers, ingest pointed at the hub, memory bus, gateway + dashboard. */
export async function runStart(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'gatewayPort', { loop: true });
  const logger = loggerFor(config);
  if (config.bus !== 'memory') {
    throw new NotAvailableError(
      `--bus ${config.bus} is not available yet: this build has the memory bus. Omit --bus.`,
    );
  }
  const root = config.data ?? SAMPLE_DATA_DIR;
  if (!config.data) await ensureSampleData(root, logger);

  const closers: Closer[] = [];
  try {
    const replay = await startReplay({
      root,
      exchanges: config.exchanges,
      speed: config.speed,
      loop: config.loop,
      host: config.host,
      port: config.hubPort,
      logger,
    });
    closers.unshift(() => replay.close());
    const symbols = (replay.symbols.get('binance') ?? []).map(toCanonicalSymbol);
    const bus = new MemoryBus();
    closers.unshift(() => bus.close());
    const gateway = await startGatewayStack({ bus, config, symbols, logger });
    closers.unshift(() => gateway.close());
    const ingest = startIngest({
      bus,
      exchanges: config.exchanges,
      symbols,
      upstream: `http://${config.host}:${replay.port}`,
      bookDepth: config.bookDepth,
      logger,
    });
    closers.unshift(() => ingest.close());
    logger.info(
      { dashboard: `http://${displayHost(config.host)}:${gateway.port}/` },
      'tickstream is running',
    );
  } catch (err) {
    // Whatever started must stop, or the process would linger on its open sockets.
    for (const close of closers) await close();
    throw err;
  }
  // Stop order: ingest, gateway, bus, replay (the reverse of starting).
  await onShutdownSignal(closers, logger);
  return 0;
}

export function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
