/**
 * Replay throughput per venue: the venue's recordings played at `--speed max` into the hub, one
 * consumer of all its real-time streams (in another process, reading only frame headers), beside
 * a plain `ws` server pushing the same number of frames of the same average size to it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { VenueModule } from '../exchanges/venue.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { FrameClients } from './frame-clients.js';
import { figure, type BenchFigure } from './report.js';
import { measurePlainWs, waitUntilStable } from './plain-ws.js';
import { startBenchHub, withDataset } from './setup.js';

export interface ReplayBenchOptions {
  readonly venue: VenueModule;
  readonly minutes: number;
  readonly logger: Logger;
}

interface HubRun {
  readonly rate: number;
  readonly frames: number;
  readonly bytes: number;
}

async function measureHub(venue: VenueModule, root: string, logger: Logger): Promise<HubRun> {
  const source = await venue.openSource(root, logger);
  const { hub, port } = await startBenchHub(venue, logger, source.symbols);
  const { path, subscribe } = venue.firehose(source.symbols);
  const clients = new FrameClients({
    host: '127.0.0.1',
    port,
    path: `/${venue.exchange}${path}`,
    connections: 1,
    subscribe,
  });
  try {
    await clients.ready;
    await sleep(200); // the subscriptions are in place
    const before = clients.frames;
    const started = performance.timeOrigin + performance.now();
    await new ReplayPublisher({ source, speed: 'max', loop: false, logger }).run(hub);
    await waitUntilStable(clients, 500);
    const { frames, bytes, lastAt } = clients.progress;
    const data = frames - before;
    return { rate: data / (Math.max(lastAt - started, 1) / 1000), frames: data, bytes };
  } finally {
    await clients.stop();
    await hub.close();
  }
}

export async function benchReplay(opts: ReplayBenchOptions): Promise<BenchFigure> {
  const { venue } = opts;
  return withDataset(venue, 'bench', opts.minutes, async (root) => {
    const hub = await measureHub(venue, root, opts.logger);
    if (hub.frames === 0) {
      throw new Error(
        `replay bench: the ${venue.title} consumer received no frames from ${opts.minutes} generated minutes; ` +
          'check the venue firehose (path, subscribe messages) and that its generator wrote data',
      );
    }
    const avg = Math.round(hub.bytes / Math.max(hub.frames, 1));
    const baseline = await measurePlainWs(hub.frames, avg);
    return figure(
      `replay throughput, ${venue.title} (--speed max, 1 consumer)`,
      'msg/s',
      hub.rate,
      baseline,
      {
        frames: hub.frames,
        avgFrameBytes: avg,
        marketMinutes: opts.minutes,
      },
    );
  });
}
