import { BenchChild } from './child.js';
import type { FleetCommand, FleetProtocol, FleetReport } from './fleet-worker.js';
import type { HistogramPairs } from './histogram.js';

type Progress = Extract<FleetReport, { type: 'progress' }>;

/** A fleet of scale-out bench consumers in one child process (see `fleet-worker.ts`). */
export class Fleet {
  private readonly child = new BenchChild<FleetReport, FleetCommand>(
    new URL('./fleet-worker.js', import.meta.url),
  );
  private latest: Progress = { type: 'progress', received: 0, withData: 0, closed: 0, lastAt: 0 };

  constructor(
    protocol: FleetProtocol,
    port: number,
    readonly connections: number,
    stream: string,
  ) {
    this.child.onMessage((m) => {
      if (m.type === 'progress') this.latest = m;
    });
    this.child.send({ type: 'start', protocol, port, connections, stream });
  }

  /** Every connection is open and subscribed (or in the room). */
  ready(timeoutMs: number): Promise<void> {
    return this.child
      .next('ready', (m) => (m.type === 'ready' ? true : undefined), timeoutMs)
      .then(() => undefined);
  }

  get progress(): Progress {
    return this.latest;
  }

  /** Forget deliveries so far (latencies and count); resolves once the worker has. */
  async reset(timeoutMs = 5000): Promise<void> {
    const done = this.child.next('reset', (m) => (m.type === 'resetDone' ? true : undefined), timeoutMs);
    this.child.send({ type: 'reset' });
    await done;
    this.latest = { ...this.latest, received: 0 };
  }

  collect(timeoutMs = 5000): Promise<{ received: number; latency: HistogramPairs }> {
    const got = this.child.next(
      'latencies',
      (m) => (m.type === 'collected' ? { received: m.received, latency: m.latency } : undefined),
      timeoutMs,
    );
    this.child.send({ type: 'collect' });
    return got;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
