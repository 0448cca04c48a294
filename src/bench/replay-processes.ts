/**
 * Replay throughput through the shipped process layout: `startReplay({processes: true})` (the hub
 * in this process, the venue's publisher forked by the supervisor, sending over the link) at
 * `--speed max` into one consumer of the venue's firehose streams (in another process, reading
 * only frame headers), beside a plain `ws` server pushing the same number of frames of the same
 * average size to such a consumer in the same run.
 *
 * The replay starts paused, so the figure is the replay alone: the consumer is subscribed and the
 * publisher's link is up before `resume`, and the clock stops at the last frame received. The
 * timeline cache is compiled before the run, as every run after a recording's first finds it: a
 * publisher that has just compiled it runs slower for a while (its heap, the disk writing back).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplay, type ReplayStack } from '../app/replay-stack.js';
import { configSchema } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { VenueModule } from '../exchanges/venue.js';
import { openCachedSource } from '../replay/timeline-cache.js';
import { FrameClients } from './frame-clients.js';
import { measurePlainWs, waitUntilStable } from './plain-ws.js';
import { figure, type BenchFigure } from './report.js';
import { withDataset } from './setup.js';

export interface ProcessReplayBenchOptions {
  readonly venue: VenueModule;
  readonly minutes: number;
  readonly logger: Logger;
  /** Offsets saved after this many messages (the shipped default when unset). */
  readonly checkpointEvery?: number;
  /**
   * One untimed run of the layout and of the plain-ws baseline first: the figures are then of
   * warmed processes (JIT, the heap after generating the dataset), not of a first run.
   */
  readonly warmUp?: boolean;
  /** Label of the figure's variant (`checkpointEvery 1000`); default: the shipped settings. */
  readonly variant?: string;
}

export interface ProcessReplayRun {
  readonly rate: number;
  readonly frames: number;
  readonly bytes: number;
  readonly published: number;
}

/** The first run compiles the timeline cache before the publisher links up. */
const LINK_TIMEOUT_MS = 180_000;

async function untilLinked(stack: ReplayStack, venue: VenueModule): Promise<void> {
  const receiver = stack.processes?.receiver;
  if (receiver === undefined) throw new Error('replay bench: the stack was not started with processes');
  const deadline = Date.now() + LINK_TIMEOUT_MS;
  while (!receiver.connected().includes(venue.exchange)) {
    if (Date.now() > deadline)
      throw new Error(
        `replay bench: the ${venue.title} publisher did not link up within ${LINK_TIMEOUT_MS} ms`,
      );
    await sleep(20);
  }
}

/** One run of the process layout over the recordings under `root`. */
export async function measureProcessReplay(
  opts: ProcessReplayBenchOptions,
  root: string,
): Promise<ProcessReplayRun> {
  const { venue, logger } = opts;
  await openCachedSource({
    root,
    exchange: venue.exchange,
    open: () => venue.openSource(root, logger),
    logger,
  });
  const stateDir = await mkdtemp(join(tmpdir(), 'tickstream-bench-state-'));
  const config = configSchema.parse({
    logLevel: 'warn',
    ...(opts.checkpointEvery === undefined ? {} : { checkpointEvery: opts.checkpointEvery }),
  });
  const stack = await startReplay({
    root,
    exchanges: [venue.exchange],
    speed: 'max',
    loop: false,
    host: '127.0.0.1',
    port: 0,
    logger,
    config,
    paused: true,
    stateDir,
    processes: true,
  });
  const symbols = stack.symbols.get(venue.exchange) ?? [];
  const { path, subscribe } = venue.firehose(symbols);
  const clients = new FrameClients({
    host: '127.0.0.1',
    port: stack.port,
    path: `/${venue.exchange}${path}`,
    connections: 1,
    subscribe,
  });
  try {
    await clients.ready;
    await untilLinked(stack, venue);
    await sleep(200); // the subscriptions are in place
    const handle = stack.publishers.get(venue.exchange);
    if (handle === undefined) throw new Error(`replay bench: no ${venue.title} publisher`);
    const before = clients.frames;
    const started = performance.timeOrigin + performance.now();
    await handle.apply({ action: 'resume' });
    await stack.finished;
    await waitUntilStable(clients, 500);
    const { frames, bytes, lastAt } = clients.progress;
    const data = frames - before;
    const counters = stack.hub.health().venues.find((v) => v.exchange === venue.exchange)?.counters ?? {};
    const dropped = counters.slowConsumersDropped ?? counters.slowDropped ?? 0;
    if (dropped > 0)
      throw new Error(
        `replay bench: the hub dropped the ${venue.title} consumer as slow (${data} frames received); ` +
          'the figure would not be a throughput into one consumer',
      );
    return {
      rate: data / (Math.max(lastAt - started, 1) / 1000),
      frames: data,
      bytes,
      published: handle.view().published,
    };
  } finally {
    await clients.stop();
    await stack.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The process-layout figure of one venue, with its plain-ws baseline of the same run. */
export async function benchProcessReplay(opts: ProcessReplayBenchOptions): Promise<BenchFigure> {
  const { venue } = opts;
  return withDataset(venue, 'bench', opts.minutes, async (root) => {
    if (opts.warmUp === true) {
      const warm = await measureProcessReplay(opts, root);
      await measurePlainWs(warm.frames, Math.round(warm.bytes / Math.max(warm.frames, 1)));
    }
    const run = await measureProcessReplay(opts, root);
    if (run.frames === 0) {
      throw new Error(
        `replay bench: the ${venue.title} consumer received no frames through the process layout ` +
          `from ${opts.minutes} generated minutes; check the venue firehose and the publisher logs`,
      );
    }
    const avg = Math.round(run.bytes / Math.max(run.frames, 1));
    const baseline = await measurePlainWs(run.frames, avg);
    const streams = venue.firehose(venue.sampleSymbols.map(venue.toNative));
    return figure(
      `replay throughput, ${venue.title} (publisher process → hub → 1 consumer, --speed max` +
        `${opts.variant === undefined ? '' : `, ${opts.variant}`})`,
      'msg/s',
      run.rate,
      baseline,
      {
        frames: run.frames,
        avgFrameBytes: avg,
        eventsPublished: run.published,
        marketMinutes: opts.minutes,
        streams: streams.path,
        checkpointEvery: opts.checkpointEvery ?? configSchema.parse({}).checkpointEvery,
        timelineCache: 'compiled before the run',
        warmUp: opts.warmUp === true ? 'one untimed run of each first' : 'none',
      },
    );
  });
}
