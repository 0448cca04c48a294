/**
 * A real child process saving its offset in a loop (src/test-support/offset-save-loop.ts, N = 1),
 * killed with SIGKILL at random moments: the offset file must be whole and valid after every
 * kill, and each restart resumes from it without going backwards.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeriesId } from '../storage/series.js';
import { loadOffsetFile, offsetFilePath } from './offset-file.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-support', 'offset-save-loop.ts');
const SERIES: SeriesId = { platform: 'kraken', endpoint: '0_public_Trades', symbol: 'BTC/USD' };
const KILLS = 6;

/** Starts the child, waits for its first save, lets it save for `ms` more, then SIGKILLs it. */
async function runAndKill(stateDir: string, ms: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const ready = await Promise.race([
    new Promise<number>((resolve) => {
      const check = () => {
        const match = /^ready (\d+)$/m.exec(stdout);
        if (match) resolve(Number(match[1]));
      };
      child.stdout.on('data', check);
    }),
    exited.then(() => {
      throw new Error(`offset-save-loop exited before its first save: ${stderr}`);
    }),
  ]);
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
  return ready;
}

describe('offsets under SIGKILL', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'tickstream-offsets-kill-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('leaves a whole, valid offset file after every kill, and each restart goes on from it', async () => {
    let previous = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const firstLine = await runAndKill(stateDir, 20 + Math.floor(Math.random() * 60));
      expect(firstLine).toBe(previous + 1);
      const loaded = await loadOffsetFile(stateDir, SERIES);
      if (loaded.kind !== 'ok') throw new Error(`after kill ${kill + 1}: ${JSON.stringify(loaded)}`);
      expect(loaded.record.lineNumber).toBeGreaterThanOrEqual(firstLine);
      // The child counts one message per line, carried across restarts.
      expect(loaded.record.messagesPublished).toBe(loaded.record.lineNumber);
      previous = loaded.record.lineNumber;
      // Whatever else a kill left behind is a temp file, never a second offset.
      const names = await readdir(dirname(offsetFilePath(stateDir, SERIES)));
      expect(names.filter((n) => !n.endsWith('.tmp'))).toEqual(['BTC%2FUSD_publisher.json']);
    }
    expect(previous).toBeGreaterThan(KILLS);
  });
});
