/**
 * The cost of crash-safe offsets per published message: a publisher loop that awaits each save
 * the tracker makes due (as a publisher must, to bound a crash to N duplicates) with an atomic,
 * fsynced offset file every N messages (N = 1, 10, 100), beside the same loop with no offsets.
 * Real files on the machine's temp directory; figures are µs per message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../core/logger.js';
import { OffsetTracker, type PublishedMessage } from '../replay/offsets.js';
import { figure, type BenchFigure } from './report.js';

const SERIES = { platform: 'binance', endpoint: 'api_v3_depth', symbol: 'BTCUSDT' } as const;

/** The loop's own work per message (what a publisher does besides offsets), kept tiny on purpose. */
function publishLoop(messages: number, onMessage: (m: PublishedMessage) => Promise<void> | undefined) {
  return async (): Promise<number> => {
    const started = performance.now();
    let sink = 0;
    for (let i = 1; i <= messages; i++) {
      const m: PublishedMessage = {
        file: '2026-01-05T14:30:00.000Z.jsonl',
        lineNumber: i,
        timestamp: 1_767_623_400_000 + i,
      };
      sink += m.lineNumber;
      const due = onMessage(m);
      if (due !== undefined) await due;
    }
    if (sink < 0) throw new Error('unreachable');
    return ((performance.now() - started) * 1000) / messages;
  };
}

/** µs per message with an offset saved every `everyMessages`, and with none, best of `rounds`. */
export async function benchOffsetCost(
  opts: { messages?: number; rounds?: number } = {},
): Promise<BenchFigure[]> {
  const rounds = opts.rounds ?? 3;
  const figures: BenchFigure[] = [];
  const stateDir = await mkdtemp(join(tmpdir(), 'tickstream-offsets-bench-'));
  try {
    let baseline = Infinity;
    for (let r = 0; r < rounds; r++)
      baseline = Math.min(baseline, await publishLoop(20_000, () => undefined)());
    for (const everyMessages of [1, 10, 100]) {
      // An fsync per save: fewer messages at N = 1 keep the run short; the figure is per message.
      const messages = opts.messages ?? Math.min(20_000, 400 * everyMessages);
      let best = Infinity;
      for (let r = 0; r < rounds; r++) {
        const tracker = new OffsetTracker({
          stateDir,
          series: SERIES,
          everyMessages,
          everyMs: 60_000,
          logger: silentLogger(),
        });
        try {
          best = Math.min(best, await publishLoop(messages, (m) => tracker.published(m))());
        } finally {
          await tracker.close();
        }
      }
      figures.push(
        figure(
          `offset persistence per message (atomic fsynced save every ${everyMessages})`,
          'µs',
          best,
          baseline,
          { messages, everyMessages, baseline: 'the same publish loop without offsets' },
          'lower',
        ),
      );
    }
    return figures;
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
