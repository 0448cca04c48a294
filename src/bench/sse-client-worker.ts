/**
 * Idle SSE consumers for the SSE memory bench, in a child process (driven by `idle-memory.ts`):
 * raw TCP connections from one loopback source address (so several workers do not share one
 * ephemeral port range), each sending `GET <path>` and then reading and discarding the stream.
 * At most `CONCURRENT_OPENS` requests wait for their response headers at once (the server's
 * accept backlog is not flooded).
 */
import { connect, type Socket } from 'node:net';

export interface SseClientJob {
  readonly type: 'start';
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  /** e.g. `127.0.0.2` */
  readonly localAddress: string;
}

export type SseClientCommand = SseClientJob | { type: 'stop' };

export type SseClientReport =
  | { type: 'ready'; open: number }
  | { type: 'progress'; open: number; closed: number }
  | { type: 'error'; message: string };

const CONCURRENT_OPENS = 100;

function report(r: SseClientReport): void {
  process.send?.(r);
}

function run(job: SseClientJob): void {
  const sockets: Socket[] = [];
  let started = 0;
  let pending = 0;
  let open = 0;
  let closed = 0;
  let failed = false;
  const progress = setInterval(() => report({ type: 'progress', open, closed }), 100);
  const request =
    `GET ${job.path} HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nAccept: text/event-stream\r\n` +
    'Cache-Control: no-cache\r\n\r\n';

  const openNext = (): void => {
    while (!failed && pending < CONCURRENT_OPENS && started < job.connections) {
      started++;
      pending++;
      const socket = connect({ port: job.port, host: '127.0.0.1', localAddress: job.localAddress });
      sockets.push(socket);
      let head = '';
      let answered = false;
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        if (answered) return;
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        answered = true;
        pending--;
        if (!head.startsWith('HTTP/1.1 200')) {
          failed = true;
          report({ type: 'error', message: `SSE request refused: ${head.slice(0, 300)}` });
          return;
        }
        if (++open === job.connections) report({ type: 'ready', open });
        openNext();
      });
      socket.on('close', () => closed++);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        failed = true;
        const hint =
          err.code === 'EMFILE' || err.code === 'EADDRNOTAVAIL'
            ? ' (out of descriptors or source ports: raise `ulimit -n`, or use fewer connections)'
            : '';
        report({ type: 'error', message: `SSE client from ${job.localAddress}: ${err.message}${hint}` });
      });
    }
  };
  openNext();

  process.on('message', (cmd: SseClientCommand) => {
    if (cmd.type !== 'stop') return;
    clearInterval(progress);
    for (const s of sockets) s.destroy();
    setTimeout(() => process.exit(0), 20);
  });
}

// The bench process is gone (crashed or killed): do not linger.
process.once('disconnect', () => process.exit(0));

process.once('message', (job: SseClientCommand) => {
  if (job.type === 'start') run(job);
});
