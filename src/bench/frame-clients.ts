import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FrameClientJob, FrameClientReport } from './frame-client-worker.js';
import type { HistogramPairs } from './histogram.js';

type Progress = Extract<FrameClientReport, { type: 'progress' }>;

/** A fleet of cheap frame-counting WebSocket consumers in a child process. */
export class FrameClients {
  private readonly child: ChildProcess;
  private latest: Progress = { type: 'progress', frames: 0, bytes: 0, firstAt: 0, lastAt: 0 };
  private readonly waiters: Array<{ frames: number; resolve: () => void }> = [];
  private readonly replies: Array<(r: FrameClientReport) => boolean> = [];
  readonly ready: Promise<void>;

  constructor(job: FrameClientJob) {
    const worker = fileURLToPath(new URL('./frame-client-worker.js', import.meta.url));
    const isTs = import.meta.url.endsWith('.ts');
    this.child = fork(isTs ? worker.replace(/\.js$/, '.ts') : worker, [], {
      execArgv: isTs ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (r: FrameClientReport) => {
        if (r.type === 'ready') resolve();
        else if (r.type === 'error') reject(new Error(`bench client: ${r.message}`));
        else if (r.type === 'progress') this.onProgress(r);
        else {
          const i = this.replies.findIndex((take) => take(r));
          if (i >= 0) this.replies.splice(i, 1);
        }
      });
      this.child.once('exit', () => reject(new Error('bench clients exited before they were ready')));
    });
    this.child.send(job);
  }

  /** Text frames received by all connections so far (reported every 25 ms). */
  get frames(): number {
    return this.latest.frames;
  }

  get progress(): Progress {
    return this.latest;
  }

  /** Resolves once `frames` text frames have arrived in all, or rejects after `timeoutMs`. */
  until(frames: number, timeoutMs: number): Promise<void> {
    if (this.latest.frames >= frames) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`bench clients got ${this.latest.frames} of ${frames} frames in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        frames,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Forget the sampled connections' latencies so far. */
  resetLatency(): Promise<void> {
    return this.ask('resetLatency', (r) => (r.type === 'latencyReset' ? true : undefined)).then(
      () => undefined,
    );
  }

  /** The sampled connections' publish → receipt latencies since the last reset. */
  collectLatency(): Promise<{ samples: number; pairs: HistogramPairs }> {
    return this.ask('collectLatency', (r) =>
      r.type === 'latency' ? { samples: r.samples, pairs: r.pairs } : undefined,
    );
  }

  private ask<T>(
    type: 'resetLatency' | 'collectLatency',
    take: (r: FrameClientReport) => T | undefined,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench clients did not answer ${type} in 10 s`)),
        10_000,
      );
      this.replies.push((r) => {
        const v = take(r);
        if (v === undefined) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      });
      this.child.send({ type });
    });
  }

  async stop(): Promise<Progress> {
    if (this.child.connected) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.send({ type: 'stop' });
      await exited;
    }
    return this.latest;
  }

  private onProgress(r: Progress): void {
    this.latest = r;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (r.frames >= this.waiters[i].frames) this.waiters.splice(i, 1)[0].resolve();
    }
  }
}
