/**
 * Soak (`tickstream bench --only soak`, not in the default run): `tickstream start` on the
 * sample of every venue at `--speed max` (looping, so it never runs dry), 1,000 header-only
 * WebSocket clients on the gateway subscribed to trades, tickers and books, for ten minutes (the
 * replay starts paused and is resumed through the gateway once every client is connected).
 * The `start` process's RSS (hub, ingest, gateway) and its publisher processes' are read from
 * /proc every few seconds; after the warm-up (the first fifth) the least-squares slope of each
 * is the figure: flat memory is a slope near 0 MB/min. Beside it, the same slope during the
 * warm-up, measured in the same run. Each process's JS heap after its latest full collection
 * (the start process's from its `/metrics`, the publishers' from the hub's) is sampled too: what the program holds, apart from garbage not yet
 * collected and from what the allocator keeps of freed memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureSampleData } from '../app/sample-data.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { VENUE_NAMES } from '../exchanges/index.js';
import { FrameClients } from './frame-clients.js';
import { figure, type BenchFigure } from './report.js';

export interface SoakOptions {
  readonly minutes: number;
  readonly clients: number;
  /** RSS sample period, ms. */
  readonly sampleMs: number;
  /** Venues replayed (default every one). */
  readonly exchanges?: readonly Exchange[];
  readonly logger: Logger;
}

/** Binance's and OKX's pairs (the aggregate of both): the heaviest streams of the sample. */
const STREAMS = ['trade@BTC/USDT', 'ticker@BTC/USDT', 'book@BTC/USDT', 'trade@ETH/USDT'];
const SUBSCRIBE = JSON.stringify({ method: 'SUBSCRIBE', params: STREAMS, id: 1 });
const PAGE = 4096;

/** Resident set size of a process, bytes (0 once it is gone). */
async function rssOf(pid: number): Promise<number> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

/**
 * The start process's JS heap in use after its latest full collection (the gateway's
 * `/metrics`, `tickstream_heap_live_bytes`), bytes; undefined before one (the gauge reads 0) or when it does not answer.
 */
async function liveHeapOf(port: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    const match = /^tickstream_heap_live_bytes (\S+)$/m.exec(await res.text());
    const bytes = match === null ? 0 : Number(match[1]);
    return bytes > 0 ? bytes : undefined; // 0: no full collection yet
  } catch {
    return undefined;
  }
}

/**
 * The publisher processes' JS heaps after their latest full collections, summed (the hub's
 * `/metrics`, `tickstream_publisher_heap_live_bytes`); undefined until every one of `count` has one.
 */
async function publishersHeapOf(hubPort: number, count: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${hubPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    const values = [
      ...(await res.text()).matchAll(/^tickstream_publisher_heap_live_bytes\{[^}]*\} (\S+)$/gm),
    ];
    return values.length < count ? undefined : values.reduce((sum, m) => sum + Number(m[1]), 0);
  } catch {
    return undefined;
  }
}

/** Child process ids of `pid` (its threads' children). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
      for (const c of text.split(' ').filter(Boolean)) out.push(Number(c));
    }
  } catch {
    // gone
  }
  return out;
}

/** Least-squares slope of `ys` over `xs`. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

function startCli(args: string[]): ChildProcess {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fromSource
    ? fileURLToPath(new URL('../cli/run.ts', import.meta.url))
    : fileURLToPath(new URL('../../bin/tickstream.js', import.meta.url));
  return spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), entry, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Resolves with the gateway's and the hub's ports once `start` logs that it is running. */
async function waitForRunning(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ port: number; hubPort: number }> {
  const ports = await new Promise<{ port: number; hubPort: number }>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`soak: start did not say it was running in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (!line.includes('tickstream is running')) continue;
        clearTimeout(timer);
        const { dashboard, hub } = JSON.parse(line) as { dashboard: string; hub: string };
        resolve({ port: Number(new URL(dashboard).port), hubPort: Number(new URL(hub).port) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`soak: start exited with ${String(code)} before running`));
    });
  });
  child.stdout?.resume();
  return ports;
}

export async function benchSoak(opts: SoakOptions): Promise<BenchFigure[]> {
  const root = await mkdtemp(join(tmpdir(), 'tickstream-soak-'));
  let child: ChildProcess | undefined;
  let clients: FrameClients | undefined;
  try {
    const exchanges = opts.exchanges ?? VENUE_NAMES;
    await ensureSampleData(root, exchanges, opts.logger);
    child = startCli([
      'start',
      ...['--data', root, '--port', '0', '--hub-port', '0', '--state', join(root, '.state')],
      ...['--exchanges', exchanges.join(',')],
      ...['--speed', 'max', '--paused', '--log-level', 'info', '--log-format', 'json'],
    ]);
    const { port, hubPort } = await waitForRunning(child, 60_000);
    const pid = child.pid ?? -1;
    clients = new FrameClients({
      host: '127.0.0.1',
      port,
      path: '/ws',
      connections: opts.clients,
      subscribe: SUBSCRIBE,
    });
    await clients.ready;
    // Every client is connected before the replay runs flat out (connecting 1,000 sockets to a
    // process already using both cores would be a different test).
    const resumed = await fetch(`http://127.0.0.1:${port}/api/replay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'resume' }),
    });
    if (!resumed.ok)
      throw new Error(`soak: resuming the replay answered ${resumed.status} ${await resumed.text()}`);
    const t0 = Date.now();
    const end = t0 + opts.minutes * 60_000;
    const warmEnd = t0 + (opts.minutes * 60_000) / 5;
    const warm: {
      at: number;
      main: number;
      publishers: number;
      heap: number | undefined;
      publishersHeap: number | undefined;
    }[] = [];
    const steady: typeof warm = [];
    const firstFrames = clients.frames;
    // The /metrics reads of a busy process take a while: they complete on their own, so that the
    // /proc reads keep their period.
    const metricsReads: Promise<void>[] = [];
    while (Date.now() < end) {
      await sleep(Math.min(opts.sampleMs, Math.max(0, end - Date.now())));
      if (child.exitCode !== null)
        throw new Error(`soak: start exited with ${child.exitCode} during the soak`);
      const now = Date.now();
      const [main, publishers] = await Promise.all([
        rssOf(pid),
        childrenOf(pid).then(async (pids) => (await Promise.all(pids.map(rssOf))).reduce((a, b) => a + b, 0)),
      ]);
      const sample: (typeof warm)[number] = {
        at: (now - t0) / 60_000,
        main,
        publishers,
        heap: undefined,
        publishersHeap: undefined,
      };
      (now < warmEnd ? warm : steady).push(sample);
      metricsReads.push(
        Promise.all([liveHeapOf(port), publishersHeapOf(hubPort, exchanges.length)]).then(([heap, pubs]) => {
          sample.heap = heap;
          sample.publishersHeap = pubs;
        }),
      );
    }
    await Promise.all(metricsReads);
    type Sample = (typeof warm)[number];
    /** The samples that have the figure `pick` reads (the /metrics ones may lack it). */
    const known = (samples: Sample[], pick: (s: Sample) => number | undefined) =>
      samples.filter((s) => pick(s) !== undefined);
    const slopeOf = (samples: Sample[], pick: (s: Sample) => number | undefined) =>
      slope(
        known(samples, pick).map((s) => s.at),
        known(samples, pick).map((s) => pick(s) as number),
      );
    const main = (s: Sample) => s.main;
    const publishers = (s: Sample) => s.publishers;
    const heap = (s: Sample) => s.heap;
    const publishersHeap = (s: Sample) => s.publishersHeap;
    const frames = clients.frames - firstFrames;
    const seconds = (Date.now() - t0) / 1000;
    const mb = (b: number) => b / 1024 / 1024;
    const details = {
      minutes: opts.minutes,
      clients: opts.clients,
      samples: steady.length,
      warmupMinutes: opts.minutes / 5,
      framesPerSecToClients: Math.round(frames / seconds),
      startRssMbAfterWarmup: Math.round(mb(steady[0]?.main ?? 0)),
      startRssMbAtEnd: Math.round(mb(steady.at(-1)?.main ?? 0)),
      publishersRssMbAfterWarmup: Math.round(mb(steady[0]?.publishers ?? 0)),
      publishersRssMbAtEnd: Math.round(mb(steady.at(-1)?.publishers ?? 0)),
      heapSamples: known(steady, heap).length,
      startHeapMbAfterWarmup: Math.round(mb(known(steady, heap)[0]?.heap ?? 0)),
      startHeapMbAtEnd: Math.round(mb(known(steady, heap).at(-1)?.heap ?? 0)),
      publishersHeapSamples: known(steady, publishersHeap).length,
      publishersHeapMbAfterWarmup: Math.round(mb(known(steady, publishersHeap)[0]?.publishersHeap ?? 0)),
      publishersHeapMbAtEnd: Math.round(mb(known(steady, publishersHeap).at(-1)?.publishersHeap ?? 0)),
    };
    // Beside each steady slope, the same process's slope during warm-up: flat memory is a
    // steady slope near 0 and far below the warm-up's.
    return [
      figure(
        `soak: start process RSS slope after warm-up vs during it (${opts.minutes} min at --speed max, ${opts.clients} clients)`,
        'MB/min',
        mb(slopeOf(steady, main)),
        mb(slopeOf(warm, main)),
        details,
        'lower',
      ),
      figure(
        `soak: start process JS heap after full collections, slope after warm-up vs during it (its /metrics)`,
        'MB/min',
        mb(slopeOf(steady, heap)),
        mb(slopeOf(warm, heap)),
        details,
        'lower',
      ),
      figure(
        `soak: publisher processes' RSS slope after warm-up vs during it (${opts.minutes} min at --speed max)`,
        'MB/min',
        mb(slopeOf(steady, publishers)),
        mb(slopeOf(warm, publishers)),
        details,
        'lower',
      ),
      figure(
        `soak: publisher processes' JS heaps after full collections, slope after warm-up vs during it (the hub's /metrics)`,
        'MB/min',
        mb(slopeOf(steady, publishersHeap)),
        mb(slopeOf(warm, publishersHeap)),
        details,
        'lower',
      ),
    ];
  } finally {
    await clients?.stop();
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  }
}
