import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** The one root logger; components receive it (or a `child`) by injection. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({ level, base: { app: 'tickstream' } });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
