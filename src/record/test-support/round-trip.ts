/**
 * Test support: record one venue from a server that answers with that venue's generated REST
 * bodies, then replay what was recorded through the venue's own `openSource`. Venue-neutral:
 * each venue's record-plan test runs it and checks its own events.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../config/schema.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { VenueModule } from '../../exchanges/venue.js';
import type { ReplayEvent } from '../../replay/events.js';
import { listEndpoints, listRecordingFiles, listSymbols } from '../../storage/layout.js';
import { parseIntervals } from '../intervals.js';
import type { RecordPlan } from '../plan.js';
import { Recorder } from '../recorder.js';
import type { VenueRecordStats } from '../series-runner.js';
import { startRecordedUpstream } from './recorded-upstream.js';

export interface RoundTrip {
  readonly plan: RecordPlan;
  readonly stats: VenueRecordStats;
  readonly events: readonly ReplayEvent[];
  readonly sourceSymbols: readonly string[];
  readonly sourceStats: Record<string, number>;
  /** Recorded lines whose `data` is not byte for byte one of the served bodies. */
  readonly alteredBodies: number;
  /** Recorded lines per endpoint directory. */
  readonly linesPerEndpoint: Record<string, number>;
}

const SAMPLE_START_MS = Date.UTC(2026, 0, 5, 14, 30, 0);

/** Bodies as served: the `data` text of every generated line, per endpoint. */
async function bodiesOf(root: string, platform: string): Promise<Map<string, Set<string>>> {
  const bodies = new Map<string, Set<string>>();
  for (const endpoint of await listEndpoints(root, platform)) {
    const set = new Set<string>();
    for (const symbol of await listSymbols(root, platform, endpoint)) {
      for (const file of await listRecordingFiles(root, platform, endpoint, symbol)) {
        for (const line of (await readFile(file, 'utf8')).split('\n')) {
          if (line !== '') set.add(JSON.stringify((JSON.parse(line) as { data: unknown }).data));
        }
      }
    }
    bodies.set(endpoint, set);
  }
  return bodies;
}

/**
 * Generate two minutes of `symbol` (canonical), record it for `recordMs` with every interval at
 * 20 ms and the venue's rate windows shortened `speedUp` times (so a test sees many polls), and
 * replay the recording's first pass.
 */
export async function recordAndReplay(
  venue: VenueModule,
  symbol: string,
  identityParams: readonly string[],
  opts: { recordMs?: number; speedUp?: number; logger?: Logger } = {},
): Promise<RoundTrip> {
  const generated = await mkdtemp(join(tmpdir(), 'tickstream-record-src-'));
  const recorded = await mkdtemp(join(tmpdir(), 'tickstream-record-out-'));
  await venue.generate({
    root: generated,
    seed: 'record-round-trip',
    startMs: SAMPLE_START_MS,
    minutes: 2,
    symbols: [symbol],
  });
  const upstream = await startRecordedUpstream(generated, identityParams);
  try {
    const native = venue.toNative(symbol);
    const config = configSchema.parse({});
    const planned = venue.recordPlan({ symbols: [native], config });
    const speedUp = opts.speedUp ?? 20;
    const plan: RecordPlan = {
      ...planned,
      rateLimits: planned.rateLimits.map((r) => ({ ...r, windowMs: Math.ceil(r.windowMs / speedUp) })),
    };
    const keys = plan.endpoints.map((e) => `${e.key}=20ms`).join(',');
    const recorder = await Recorder.start({
      root: recorded,
      plans: [plan],
      intervals: parseIntervals(keys, [plan]),
      upstream: upstream.url,
      logger: opts.logger ?? silentLogger(),
    });
    await new Promise((r) => setTimeout(r, opts.recordMs ?? 2000));
    await recorder.stop();
    const stats = recorder.progress()[0].stats;

    const served = await bodiesOf(generated, plan.platform);
    let alteredBodies = 0;
    const linesPerEndpoint: Record<string, number> = {};
    for (const endpoint of await listEndpoints(recorded, plan.platform)) {
      for (const file of await listRecordingFiles(recorded, plan.platform, endpoint, native)) {
        for (const line of (await readFile(file, 'utf8')).split('\n')) {
          if (line === '') continue;
          linesPerEndpoint[endpoint] = (linesPerEndpoint[endpoint] ?? 0) + 1;
          const data = line.slice(line.indexOf(',"data":') + ',"data":'.length, -1);
          if (!served.get(endpoint)?.has(data)) alteredBodies++;
        }
      }
    }
    const source = await venue.openSource(recorded, silentLogger());
    const events: ReplayEvent[] = [];
    for await (const event of source.pass(0, 0)) events.push(event);
    return {
      plan,
      stats,
      events,
      sourceSymbols: source.symbols,
      sourceStats: source.stats(),
      alteredBodies,
      linesPerEndpoint,
    };
  } finally {
    await upstream.close();
    await rm(generated, { recursive: true, force: true });
    await rm(recorded, { recursive: true, force: true });
  }
}
