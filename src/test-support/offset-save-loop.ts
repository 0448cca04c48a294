/**
 * Test support (a child process for offsets.test.ts): resumes the offset of one series from the
 * state directory given as argv[2], then saves a new position after every message, in a loop,
 * until it is killed. Prints `ready <line>` once the first save is on disk.
 */
import { loadOffsetFile } from '../replay/offset-file.js';
import { OffsetTracker } from '../replay/offsets.js';
import { silentLogger } from '../core/logger.js';

const SAVE_LOOP_SERIES = { platform: 'kraken', endpoint: '0_public_Trades', symbol: 'BTC/USD' } as const;
const SAVE_LOOP_FILE = '/data/kraken/0_public_Trades/BTC%2FUSD/2026-01-05T14:00:00.000Z.jsonl';

async function main(stateDir: string): Promise<void> {
  const loaded = await loadOffsetFile(stateDir, SAVE_LOOP_SERIES);
  if (loaded.kind === 'corrupt') throw new Error(`${loaded.path}: ${loaded.problem}`);
  const resumed = loaded.kind === 'ok' ? loaded.record : undefined;
  const tracker = new OffsetTracker({
    stateDir,
    series: SAVE_LOOP_SERIES,
    everyMessages: 1,
    everyMs: 60_000,
    logger: silentLogger(),
    resumed,
  });
  let line = resumed?.lineNumber ?? 0;
  for (;;) {
    line++;
    await tracker.published({ file: SAVE_LOOP_FILE, lineNumber: line, timestamp: line });
    if (tracker.saved?.lineNumber !== line) throw new Error(`save of line ${line} failed`);
    if (line === (resumed?.lineNumber ?? 0) + 1) process.stdout.write(`ready ${line}\n`);
  }
}

const stateDir = process.argv[2];
if (stateDir === undefined) {
  process.stderr.write('usage: offset-save-loop.ts <state dir>\n');
  process.exit(2);
}
main(stateDir).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
