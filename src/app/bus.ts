import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import type { Config } from '../config/schema.js';
import { NotAvailableError } from '../core/errors.js';

/** The bus named by `--bus`. */
export function createBus(config: Config): Bus {
  if (config.bus === 'memory') return new MemoryBus({ historySize: config.historySize });
  throw new NotAvailableError(
    `--bus ${config.bus} is not available yet: this build has the memory bus. Omit --bus.`,
  );
}
