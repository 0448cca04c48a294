/**
 * A bench child process driven over IPC: forked from its `.js` file in the build, or its `.ts`
 * file through tsx under vitest. Messages the child sends are handed to `onMessage`; its exit
 * rejects every pending wait, so a crashed child never hangs the bench.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchChildOptions {
  /** Extra node flags (e.g. `--expose-gc`). */
  readonly nodeFlags?: readonly string[];
}

export class BenchChild<Out extends { type: string }, In = unknown> {
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(m: Out) => void>();
  private exitError: Error | undefined;
  readonly exited: Promise<void>;

  /** `moduleUrl`: `new URL('./x-worker.js', import.meta.url)` from a module in this folder. */
  constructor(moduleUrl: URL, opts: BenchChildOptions = {}) {
    const file = fileURLToPath(moduleUrl);
    const isTs = import.meta.url.endsWith('.ts');
    this.child = fork(isTs ? file.replace(/\.js$/, '.ts') : file, [], {
      execArgv: [...(isTs ? ['--import', 'tsx'] : []), ...(opts.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: Out) => {
      for (const l of [...this.listeners]) l(m);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitError = new Error(
          `bench child ${file} exited (code ${String(code)}, signal ${String(signal)})`,
        );
        for (const l of [...this.listeners]) l({ type: '__exit' } as Out);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(message: In): void {
    if (this.child.connected) this.child.send(message as object);
  }

  onMessage(listener: (m: Out) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The first message `pick` accepts (returns non-undefined for), within `timeoutMs`; a message
   * of type `error` (with `message`) or the child's exit rejects.
   */
  next<T>(what: string, pick: (m: Out) => T | undefined, timeoutMs: number): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const done = (err: Error | undefined, value?: T): void => {
        clearTimeout(timer);
        off();
        if (err) reject(err);
        else resolve(value as T);
      };
      const timer = setTimeout(
        () => done(new Error(`bench child: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const off = this.onMessage((m) => {
        if (m.type === '__exit') return done(this.exitError);
        if (m.type === 'error') {
          const text = (m as { message?: unknown }).message;
          return done(new Error(`bench child, waiting for ${what}: ${String(text)}`));
        }
        const value = pick(m);
        if (value !== undefined) done(undefined, value);
      });
    });
  }

  /** Ask it to stop (`{type:'stop'}`), SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.send({ type: 'stop' } as In);
    const force = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(force);
  }
}
