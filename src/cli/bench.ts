import { benchFanout } from '../bench/fanout.js';
import { benchLatency } from '../bench/latency.js';
import { benchMemory } from '../bench/memory.js';
import { benchReplay } from '../bench/replay-throughput.js';
import { printReport, type BenchFigure } from '../bench/report.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream bench`: each figure beside a plain-ws baseline measured in the same run. */
export async function runBench(flags: CommonFlags): Promise<number> {
  const logger = loggerFor(await resolveConfig(flags, 'bench'));
  const figures: BenchFigure[] = [];
  process.stderr.write('bench: replay throughput…\n');
  figures.push(await benchReplay({ minutes: 20, logger }));
  process.stderr.write('bench: gateway fan-out…\n');
  figures.push(await benchFanout({ clients: 100, messages: 2000, logger }));
  process.stderr.write('bench: end-to-end latency…\n');
  figures.push(...(await benchLatency({ minutes: 5, speed: 30, clients: 20, logger })));
  process.stderr.write('bench: memory per idle connection…\n');
  figures.push(await benchMemory({ connections: 2000, logger }));
  printReport(figures, (s) => process.stdout.write(s));
  return 0;
}
