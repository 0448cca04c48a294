/**
 * Benchmark consumers, run in a child process so that the server under test and its clients
 * do not share one event loop. Driven over IPC by `bench/clients.ts`.
 */
import WebSocket from 'ws';

export interface ClientJob {
  url: string;
  connections: number;
  /** Sent once per connection after it opens. */
  subscribe?: string;
  /** Frames that do not start with this are control replies, not data. */
  dataPrefix: string;
  /** Data frames each connection waits for (0 = count until told to stop). */
  expectPerConnection: number;
  /**
   * Regex source whose first capture group is a message id (e.g. `"id":"([^"]+)"`). When set,
   * every data frame it matches is reported as `[id, receivedAt]` in `deliveries`.
   */
  idPattern?: string;
}

/** A data frame's id and its receipt wall time (`performance.timeOrigin + performance.now()`, ms). */
export type Delivery = [id: string, receivedAt: number];

export type WorkerReport =
  | { type: 'ready' }
  | { type: 'progress'; received: number; bytes: number; firstAt: number; lastAt: number }
  | {
      type: 'done';
      received: number;
      bytes: number;
      firstAt: number;
      lastAt: number;
      latenciesMs: number[];
      deliveries: Delivery[];
    }
  | { type: 'error'; message: string };

function send(report: WorkerReport): void {
  process.send?.(report);
}

function run(job: ClientJob): void {
  const sockets: WebSocket[] = [];
  let opened = 0;
  let completed = 0;
  let received = 0;
  let bytes = 0;
  let firstAt = 0;
  let lastAt = 0;
  const latencies: number[] = [];
  const deliveries: Delivery[] = [];
  const idPattern = job.idPattern === undefined ? undefined : new RegExp(job.idPattern);
  const prefix = job.dataPrefix;
  const progress = setInterval(() => send({ type: 'progress', received, bytes, firstAt, lastAt }), 100);

  const finish = (): void => {
    clearInterval(progress);
    send({ type: 'done', received, bytes, firstAt, lastAt, latenciesMs: latencies, deliveries });
    for (const s of sockets) s.terminate();
    setTimeout(() => process.exit(0), 50);
  };

  for (let i = 0; i < job.connections; i++) {
    const ws = new WebSocket(job.url, { perMessageDeflate: false });
    sockets.push(ws);
    let mine = 0;
    ws.on('open', () => {
      if (job.subscribe) ws.send(job.subscribe);
      if (++opened === job.connections) setTimeout(() => send({ type: 'ready' }), 100);
    });
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (!text.startsWith(prefix)) return;
      const now = performance.timeOrigin + performance.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      received++;
      bytes += data.length;
      // Latency probes carry the send time as `"sentAt":<ms>`.
      const at = text.indexOf('"sentAt":');
      if (at >= 0) latencies.push(now - Number.parseFloat(text.slice(at + 9)));
      if (idPattern !== undefined) {
        const id = idPattern.exec(text);
        if (id !== null) deliveries.push([id[1], now]);
      }
      if (
        job.expectPerConnection > 0 &&
        ++mine === job.expectPerConnection &&
        ++completed === job.connections
      ) {
        finish();
      }
    });
    ws.on('error', (err) => send({ type: 'error', message: err.message }));
  }
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stop') finish();
  });
}

process.once('message', (job: ClientJob) => run(job));
