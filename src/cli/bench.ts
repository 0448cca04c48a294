import { benchBookIngest, bookIngestFigure } from '../bench/book-ingest.js';
import { benchFailoverTime } from '../bench/failover-time.js';
import { benchFanout } from '../bench/fanout.js';
import { benchIngestThroughput } from '../bench/ingest-throughput.js';
import { benchLatency } from '../bench/latency.js';
import { benchOffsetCost } from '../bench/offset-cost.js';
import { benchProcessReplay } from '../bench/replay-processes.js';
import { benchReplay } from '../bench/replay-throughput.js';
import { printReport, type BenchFigure } from '../bench/report.js';
import { benchScaleOut } from '../bench/scaleout.js';
import { benchSseMemory, benchWsMemory } from '../bench/idle-memory.js';
import { benchSoak } from '../bench/soak.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { nearest } from '../core/nearest.js';
import { VENUE_NAMES, venueFor } from '../exchanges/index.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** Saturated fan-out to 1,000 clients: a bursty replay's rhythm (50 per turn) and a live feed's (2). */
const FANOUT_LOADS = [
  { clients: 1000, perTurn: 50, messages: 2000, naiveMessages: 200 },
  // A live feed's rhythm; the write delay coalesces it across turns. Then its latency at half load.
  { clients: 1000, perTurn: 2, messages: 2000, naiveMessages: 100, latencySeconds: 4 },
  {
    clients: 1000,
    perTurn: 2,
    messages: 8000,
    naiveMessages: 600,
    streams: 20,
    streamsPerClient: 3,
    latencySeconds: 4,
  },
] as const;

/** Market minutes replayed through the process layout: enough frames for a steady rate. */
const PROCESS_REPLAY_MINUTES: Partial<Record<string, number>> = { binance: 480 };

type Part = (logger: Logger) => Promise<BenchFigure[]>;

/** The bench's parts in run order; `--only` picks some by name. */
export const BENCH_PARTS: ReadonlyArray<readonly [name: string, title: string, run: Part]> = [
  [
    'replay',
    'replay throughput',
    async (logger) => {
      const out: BenchFigure[] = [];
      for (const name of VENUE_NAMES)
        out.push(await benchReplay({ venue: venueFor(name), minutes: 20, logger }));
      return out;
    },
  ],
  [
    'process-replay',
    'replay throughput through the process layout',
    async (logger) => {
      const out: BenchFigure[] = [];
      for (const name of VENUE_NAMES) {
        const venue = venueFor(name);
        const minutes = PROCESS_REPLAY_MINUTES[name] ?? 20;
        // The goal's figure (Binance) is of warmed processes; the others are first runs.
        out.push(await benchProcessReplay({ venue, minutes, logger, warmUp: name === 'binance' }));
        if (name === 'binance')
          out.push(
            await benchProcessReplay({
              venue,
              minutes,
              logger,
              checkpointEvery: 1000,
              variant: 'checkpointEvery 1000',
            }),
          );
      }
      return out;
    },
  ],
  ['offsets', 'offset persistence cost', () => benchOffsetCost()],
  [
    'ingest',
    'ingest throughput (decode, normalize, book sync on one core)',
    async (logger) => {
      const out: BenchFigure[] = [];
      for (const name of VENUE_NAMES)
        out.push(await benchIngestThroughput({ venue: venueFor(name), minutes: 10, logger }));
      return out;
    },
  ],
  [
    'failover',
    'failover time (primary killed → first message from the secondary)',
    async (logger) => [await benchFailoverTime({ logger })],
  ],
  ['book', 'book ingest cost per update', async () => [bookIngestFigure(await benchBookIngest())]],
  [
    'fanout',
    'gateway fan-out',
    async (logger) => {
      const out: BenchFigure[] = [];
      for (const load of FANOUT_LOADS) out.push(...(await benchFanout({ ...load, logger })));
      return out;
    },
  ],
  ['latency', 'end-to-end latency', (logger) => benchLatency({ minutes: 5, speed: 30, clients: 20, logger })],
  [
    'memory',
    'memory per idle WebSocket connection at 10,000',
    async (logger) => [await benchWsMemory({ connections: 10_000, warmup: 1000, workers: 3, logger })],
  ],
  [
    'scaleout',
    'two instances on Redis beside Socket.IO with its Redis adapter',
    (logger) => benchScaleOut({ clients: 1000, messages: 3000, perTurn: 10, rateSeconds: 5, logger }),
  ],
  [
    'sse',
    'memory per idle SSE connection at 10,000',
    async (logger) => [await benchSseMemory({ connections: 10_000, warmup: 1000, workers: 3, logger })],
  ],
  [
    'soak',
    'soak: 10 minutes at --speed max with 1,000 clients (only with --only soak)',
    (logger) => benchSoak({ minutes: 10, clients: 1000, sampleMs: 5000, logger }),
  ],
];

/** Parts too long for the default run: they run only when `--only` names them. */
const ONLY_WHEN_NAMED: readonly string[] = ['soak'];

/** The parts `--only a,b` names, in run order; every part without it. Unknown names are refused. */
export function selectParts(only: string | undefined): typeof BENCH_PARTS {
  if (only === undefined) return BENCH_PARTS.filter(([name]) => !ONLY_WHEN_NAMED.includes(name));
  const names = BENCH_PARTS.map(([name]) => name);
  const wanted = only
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (wanted.length === 0)
    throw new ConfigError(`--only needs at least one part name (one of: ${names.join(', ')})`);
  for (const w of wanted) {
    if (names.includes(w)) continue;
    const near = nearest(w, names, 3);
    throw new ConfigError(
      `--only: no bench part "${w}"${near ? ` (did you mean "${near}"?)` : ''}; parts: ${names.join(', ')}`,
    );
  }
  return BENCH_PARTS.filter(([name]) => wanted.includes(name));
}

/** `tickstream bench`: each figure beside a baseline measured in the same run (plain ws, or the same path without the feature). */
export async function runBench(flags: CommonFlags): Promise<number> {
  const parts = selectParts(flags.only);
  const logger = loggerFor(await resolveConfig(flags, 'bench'));
  const figures: BenchFigure[] = [];
  for (const [, title, run] of parts) {
    process.stderr.write(`bench: ${title}…\n`);
    figures.push(...(await run(logger)));
  }
  printReport(figures, (s) => process.stdout.write(s));
  return 0;
}
