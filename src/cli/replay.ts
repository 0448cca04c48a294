import { startReplay } from '../app/replay-stack.js';
import { SAMPLE_DATA_DIR } from '../app/paths.js';
import { ensureSampleData } from '../app/sample-data.js';
import { onShutdownSignal } from '../app/shutdown.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream replay`: the hub on :3100 and one publisher per exchange, until Ctrl-C. */
export async function runReplay(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'hubPort');
  const logger = loggerFor(config);
  const root = config.data ?? SAMPLE_DATA_DIR;
  if (!config.data) await ensureSampleData(root, logger);
  const replay = await startReplay({
    root,
    exchanges: config.exchanges,
    speed: config.speed,
    loop: config.loop,
    host: config.host,
    port: config.hubPort,
    logger,
  });
  await onShutdownSignal([() => replay.close()], logger);
  return 0;
}
