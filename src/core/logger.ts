import { pino, type Logger, type LevelWithSilent } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export type { Logger };

/** `pretty`: readable coloured lines; `json`: one JSON object a line; `auto`: pretty on a terminal. */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Whether `format` prints readable lines, given whether stdout is a terminal. */
export function prettyLogs(format: LogFormat, stdoutIsTty: boolean = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}

/**
 * The one root logger; components receive it (or a `child`) by injection. JSON lines for log
 * collectors unless `format` asks for readable ones (written synchronously, so nothing is lost on
 * exit and the order with the process's other output holds).
 */
export function createLogger(level: LevelWithSilent = 'info', format: LogFormat = 'json'): Logger {
  const options = { level, base: { app: 'tickstream' } };
  if (!prettyLogs(format)) return pino(options);
  return pino(
    options,
    prettyStream({
      sync: true,
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,app',
      singleLine: true,
    }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
