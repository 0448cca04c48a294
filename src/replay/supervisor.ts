/**
 * Forks one publisher process per exchange (publisher-main) and keeps it running: a process that
 * dies for any reason but a clean finish is started again after a backoff (1 s doubling to 30 s,
 * back to 1 s once it stayed up for a while), without touching the others. `stop()` asks every
 * child to stop gracefully (SIGTERM: it flushes, saves offsets and closes its link) and kills
 * what is still there after a timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { PUBLISHER_ENV, type PublisherSettings } from './publisher-process.js';

export interface SupervisorOptions {
  readonly publishers: readonly PublisherSettings[];
  readonly logger: Logger;
  /** First restart delay, ms (default 1000), doubling to `maxRestartDelayMs` (default 30000). */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** Up this long, a process counts as healthy again and the delay starts over (default 30000). */
  readonly stableMs?: number;
  /** How long `stop()` waits for a graceful exit before SIGKILL, ms (default 10000). */
  readonly stopTimeoutMs?: number;
}

export interface PublisherProcessInfo {
  readonly exchange: Exchange;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly restarts: number;
  /** Finished cleanly (exit 0): not restarted. */
  readonly finished: boolean;
  readonly lastExit: { code: number | null; signal: string | null } | undefined;
}

interface Slot {
  settings: PublisherSettings;
  child: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  finished: boolean;
  lastExit: { code: number | null; signal: string | null } | undefined;
  timer: NodeJS.Timeout | undefined;
  delay: number;
}

/** The forked script: publisher-main beside this module (.ts under tsx, .js once built). */
function entry(): { path: string; execArgv: string[] } {
  const self = import.meta.url;
  const ts = self.endsWith('.ts');
  return {
    path: fileURLToPath(new URL(`./publisher-main.${ts ? 'ts' : 'js'}`, self)),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}

export class Supervisor {
  private readonly opts: SupervisorOptions;
  private readonly slots = new Map<Exchange, Slot>();
  private stopping = false;
  private readonly exitListeners: Array<(exchange: Exchange, code: number | null) => void> = [];

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    for (const settings of opts.publishers) {
      this.slots.set(settings.exchange, {
        settings,
        child: undefined,
        restarts: 0,
        startedAt: 0,
        finished: false,
        lastExit: undefined,
        timer: undefined,
        delay: opts.restartDelayMs ?? 1000,
      });
    }
  }

  start(): void {
    for (const slot of this.slots.values()) this.spawn(slot);
  }

  /** Called after each child exit (tests wait on it). */
  onExit(listener: (exchange: Exchange, code: number | null) => void): void {
    this.exitListeners.push(listener);
  }

  info(): PublisherProcessInfo[] {
    return [...this.slots.values()].map((s) => ({
      exchange: s.settings.exchange,
      pid: s.child?.pid,
      running: s.child !== undefined,
      restarts: s.restarts,
      finished: s.finished,
      lastExit: s.lastExit,
    }));
  }

  /**
   * Settings a restart of `exchange`'s publisher starts with (the control API's pause and speed
   * outlive a crash).
   */
  update(exchange: Exchange, patch: Partial<Pick<PublisherSettings, 'paused' | 'speed'>>): void {
    const slot = this.slots.get(exchange);
    if (slot !== undefined) slot.settings = { ...slot.settings, ...patch };
  }

  restartsOf(exchange: Exchange): number {
    return this.slots.get(exchange)?.restarts ?? 0;
  }

  /** True once every publisher finished cleanly (recordings ended, no `--loop`). */
  get allFinished(): boolean {
    return [...this.slots.values()].every((s) => s.finished);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const waits: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      const child = slot.child;
      if (child === undefined) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timeout = this.opts.stopTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.opts.logger.warn(
          { exchange: slot.settings.exchange, pid: child.pid },
          'publisher did not stop in time; killing it',
        );
        child.kill('SIGKILL');
      }, timeout);
      waits.push(exited.finally(() => clearTimeout(timer)));
    }
    await Promise.all(waits);
  }

  private spawn(slot: Slot): void {
    if (this.stopping) return;
    const { path, execArgv } = entry();
    const exchange = slot.settings.exchange;
    const child = fork(path, [], {
      execArgv,
      env: { ...process.env, [PUBLISHER_ENV]: JSON.stringify(slot.settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    // `--reset` applies to the first start: a restart goes on from the offsets that run saved.
    slot.settings = { ...slot.settings, reset: false };
    this.opts.logger.info({ exchange, pid: child.pid, restarts: slot.restarts }, 'publisher process started');
    child.once('error', (err) => this.opts.logger.error({ err, exchange }, 'publisher process error'));
    child.once('exit', (code, signal) => this.onChildExit(slot, child, code, signal));
  }

  private onChildExit(
    slot: Slot,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    slot.lastExit = { code, signal };
    const exchange = slot.settings.exchange;
    // Marked before the listeners run: they ask `allFinished` to tell the replay is over.
    if (code === 0 && !this.stopping) slot.finished = true;
    for (const listener of this.exitListeners) listener(exchange, code);
    if (this.stopping) return;
    if (code === 0) {
      this.opts.logger.info({ exchange }, 'publisher process finished');
      return;
    }
    if (Date.now() - slot.startedAt >= (this.opts.stableMs ?? 30_000))
      slot.delay = this.opts.restartDelayMs ?? 1000;
    const delay = slot.delay;
    slot.delay = Math.min(delay * 2, this.opts.maxRestartDelayMs ?? 30_000);
    slot.restarts++;
    this.opts.logger.warn(
      { exchange, code, signal, restartInMs: delay, restarts: slot.restarts },
      'publisher process died; restarting',
    );
    slot.timer = setTimeout(() => this.spawn(slot), delay);
  }
}
