import { startReplayFromConfig } from '../app/replay-stack.js';
import { onShutdownSignal } from '../app/shutdown.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream replay`: the hub on :3100 and one publisher per exchange, until Ctrl-C. */
export async function runReplay(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'replay');
  const logger = loggerFor(config);
  const replay = await startReplayFromConfig(config, logger);
  await onShutdownSignal([() => replay.close()], logger);
  return 0;
}
