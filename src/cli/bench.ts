import { benchBookIngest, bookIngestFigure } from '../bench/book-ingest.js';
import { benchFailoverTime } from '../bench/failover-time.js';
import { benchFanout } from '../bench/fanout.js';
import { benchIngestThroughput } from '../bench/ingest-throughput.js';
import { benchLatency } from '../bench/latency.js';
import { benchMemory } from '../bench/memory.js';
import { benchOffsetCost } from '../bench/offset-cost.js';
import { benchProcessReplay } from '../bench/replay-processes.js';
import { benchReplay } from '../bench/replay-throughput.js';
import { printReport, type BenchFigure } from '../bench/report.js';
import { VENUE_NAMES, venueFor } from '../exchanges/index.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** Saturated fan-out to 1,000 clients: a bursty replay's rhythm (50 per turn) and a live feed's (2). */
const FANOUT_LOADS = [
  { clients: 1000, perTurn: 50, messages: 2000, naiveMessages: 200 },
  { clients: 1000, perTurn: 2, messages: 600, naiveMessages: 100 },
] as const;

/** Market minutes replayed through the process layout: enough frames for a steady rate. */
const PROCESS_REPLAY_MINUTES: Partial<Record<string, number>> = { binance: 120 };

/** `tickstream bench`: each figure beside a baseline measured in the same run (plain ws, or the same path without the feature). */
export async function runBench(flags: CommonFlags): Promise<number> {
  const logger = loggerFor(await resolveConfig(flags, 'bench'));
  const figures: BenchFigure[] = [];
  for (const name of VENUE_NAMES) {
    process.stderr.write(`bench: replay throughput, ${name}…\n`);
    figures.push(await benchReplay({ venue: venueFor(name), minutes: 20, logger }));
  }
  for (const name of VENUE_NAMES) {
    process.stderr.write(`bench: replay throughput through the process layout, ${name}…\n`);
    const venue = venueFor(name);
    const minutes = PROCESS_REPLAY_MINUTES[name] ?? 20;
    figures.push(await benchProcessReplay({ venue, minutes, logger }));
    if (name === 'binance')
      figures.push(
        await benchProcessReplay({
          venue,
          minutes,
          logger,
          checkpointEvery: 100_000,
          variant: 'checkpointEvery 100000',
        }),
      );
  }
  process.stderr.write('bench: offset persistence cost…\n');
  figures.push(...(await benchOffsetCost()));
  for (const name of VENUE_NAMES) {
    process.stderr.write(`bench: ingest throughput (decode, normalize, book sync on one core), ${name}…\n`);
    figures.push(await benchIngestThroughput({ venue: venueFor(name), minutes: 10, logger }));
  }
  process.stderr.write('bench: failover time (primary killed → first message from the secondary)…\n');
  figures.push(await benchFailoverTime({ logger }));
  process.stderr.write('bench: book ingest cost per update…\n');
  figures.push(bookIngestFigure(await benchBookIngest()));
  process.stderr.write('bench: gateway fan-out…\n');
  for (const load of FANOUT_LOADS) figures.push(...(await benchFanout({ ...load, logger })));
  process.stderr.write('bench: end-to-end latency…\n');
  figures.push(...(await benchLatency({ minutes: 5, speed: 30, clients: 20, logger })));
  process.stderr.write('bench: memory per idle connection…\n');
  figures.push(await benchMemory({ connections: 2000, logger }));
  printReport(figures, (s) => process.stdout.write(s));
  return 0;
}
