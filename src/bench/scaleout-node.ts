/**
 * One server instance of the scale-out bench, in its own process (two run side by side on one
 * redis-server, each taking half the clients). Driven by `scaleout.ts` over IPC.
 *
 * - `socketio`: an `http` server with Socket.IO (WebSocket transport only, no compression) and
 *   `@socket.io/redis-adapter` on ioredis; every socket joins the room on connection.
 * - `tickstream`: the gateway on the bus `--bus <redisUrl>` names (`createBus`, as
 *   `tickstream gateway` builds it), with the connection cap raised for the bench.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { busConnected, createBus } from '../app/bus.js';
import { loggerFor, resolveConfig } from '../cli/commands.js';
import { boundPort, startBenchGateway } from './setup.js';

export type ScaleOutServerKind = 'socketio' | 'tickstream';

export interface ScaleOutServerJob {
  readonly type: 'start';
  readonly kind: ScaleOutServerKind;
  readonly redisUrl: string;
  /** Socket.IO room every socket joins. */
  readonly room: string;
}

export type ScaleOutServerCommand = ScaleOutServerJob | { type: 'stop' };

export type ScaleOutServerReport = { type: 'listening'; port: number } | { type: 'error'; message: string };

function report(r: ScaleOutServerReport): void {
  process.send?.(r);
}

async function startSocketIo(job: ScaleOutServerJob): Promise<() => Promise<void>> {
  const pub = new Redis(job.redisUrl);
  const sub = pub.duplicate();
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.adapter(createAdapter(pub, sub));
  io.on('connection', (socket) => void socket.join(job.room));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  report({ type: 'listening', port: boundPort(http.address()) });
  return async () => {
    io.disconnectSockets(true);
    await io.close();
    pub.disconnect();
    sub.disconnect();
  };
}

async function startTickstream(job: ScaleOutServerJob): Promise<() => Promise<void>> {
  const config = await resolveConfig({ bus: job.redisUrl }, 'bench', {});
  const logger = loggerFor(config);
  const bus = createBus(config, logger);
  await busConnected(bus, logger);
  const { gateway, port } = await startBenchGateway(bus, logger, {
    limits: { maxConnections: 20_000, messageRatePerSec: 1000, messageBurst: 1000 },
  });
  report({ type: 'listening', port });
  return async () => {
    await gateway.close();
    await bus.close();
  };
}

// The bench process is gone (crashed or killed): do not linger.
process.once('disconnect', () => process.exit(0));

process.once('message', (job: ScaleOutServerCommand) => {
  if (job.type !== 'start') return;
  (job.kind === 'socketio' ? startSocketIo(job) : startTickstream(job)).then(
    (close) => {
      process.on('message', (cmd: ScaleOutServerCommand) => {
        if (cmd.type === 'stop') void close().finally(() => process.exit(0));
      });
    },
    (err: unknown) => {
      report({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});
