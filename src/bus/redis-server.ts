import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/**
 * A throwaway `redis-server` on a free loopback port, with no persistence: what the tests and
 * the bench run the Redis bus against. Each one is isolated, so parallel test files never share
 * keys or channels.
 */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 2 s; resolves when the process is gone. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: Redis vanishes mid-stream, as in a crash. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port (after `stop` or `kill`), empty. */
  restart(): Promise<void>;
}

export const REDIS_SERVER = 'redis-server';

/** Whether a `redis-server` binary is on the PATH. */
export function redisServerInstalled(): boolean {
  const r = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export async function startRedisServer(
  opts: { port?: number; startTimeoutMs?: number } = {},
): Promise<RedisProcess> {
  const port = opts.port ?? (await freeLoopbackPort());
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  let child: ChildProcess = await launch(port, timeoutMs);
  let exited: Promise<void> = exitOf(child);

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(force);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart(): Promise<void> {
      await end('SIGTERM');
      child = await launch(port, timeoutMs);
      exited = exitOf(child);
    },
  };
}

async function launch(port: number, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (b: Buffer): void => {
    if (output.length < 4000) output += b.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${REDIS_SERVER}: ${err.message}`)));
    child.once('exit', (code) =>
      reject(
        new Error(
          `${REDIS_SERVER} on port ${port} exited (code ${String(code)}) before accepting connections: ${output.trim()}`,
        ),
      ),
    );
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await Promise.race([answersPing(port), failed]);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${REDIS_SERVER} on port ${port} did not answer PING within ${timeoutMs} ms: ${output.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.stdout?.removeListener('data', keep);
  child.stderr?.removeListener('data', keep);
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One inline PING; true on +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (b) => done(b.toString('utf8').startsWith('+PONG')));
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
