import type { Logger } from '../core/logger.js';

export type Closer = () => Promise<void>;

/**
 * Stop on SIGINT/SIGTERM: run the closers in order, and exit. If they have not finished
 * within `graceMs` the process exits anyway (code 1), so Ctrl-C always returns the terminal.
 * A second signal exits at once.
 */
export function onShutdownSignal(closers: Closer[], logger: Logger, graceMs = 4500): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ graceMs }, 'shutdown did not finish in time: exiting');
        process.exit(1);
      }, graceMs);
      timer.unref();
      void (async () => {
        for (const close of closers) {
          try {
            await close();
          } catch (err) {
            logger.error({ err }, 'error while shutting down');
          }
        }
        clearTimeout(timer);
        logger.info('stopped');
        resolve();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
