import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientJob, WorkerReport } from './client-worker.js';

export type DoneReport = Extract<WorkerReport, { type: 'done' }>;

/** A fleet of WebSocket consumers in a child process. */
export class BenchClients {
  private readonly child: ChildProcess;
  private latest: WorkerReport | undefined;
  readonly ready: Promise<void>;
  readonly done: Promise<DoneReport>;

  constructor(job: ClientJob) {
    const worker = fileURLToPath(new URL('./client-worker.js', import.meta.url));
    const isTs = import.meta.url.endsWith('.ts');
    this.child = fork(isTs ? worker.replace(/\.js$/, '.ts') : worker, [], {
      execArgv: isTs ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (report: WorkerReport) => {
        this.latest = report;
        if (report.type === 'ready') resolve();
        if (report.type === 'error') reject(new Error(`bench client: ${report.message}`));
      });
      this.child.once('exit', () => reject(new Error('bench client exited before it was ready')));
    });
    this.done = new Promise((resolve, reject) => {
      this.child.on('message', (report: WorkerReport) => {
        if (report.type === 'done') resolve(report);
      });
      this.child.once('exit', () => reject(new Error('bench client exited before it finished')));
    });
    this.child.send(job);
  }

  /** Received count so far (updated every 100 ms). */
  received(): number {
    const r = this.latest;
    return r && (r.type === 'progress' || r.type === 'done') ? r.received : 0;
  }

  stop(): Promise<DoneReport> {
    // A child that already exited has rejected `done`; sending would only raise an 'error' event.
    if (this.child.connected) this.child.send({ type: 'stop' });
    return this.done;
  }
}
