import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binance } from '../exchanges/binance/index.js';
import { startRecordedUpstream, type RecordedUpstream } from '../record/test-support/recorded-upstream.js';
import { listRecordingFiles } from '../storage/layout.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  readonly exited: Promise<number | string>;
  readonly kill: (signal: NodeJS.Signals) => void;
  waitForMsg(msg: string, timeoutMs?: number): Promise<void>;
}

/** `tickstream record …` from source as a real child process, its JSON log lines collected. */
function runRecord(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'record', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    logs,
    stderr: () => err,
    exited,
    kill: (signal) => child.kill(signal),
    async waitForMsg(msg, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!logs.some((l) => l.msg === msg)) {
        if (Date.now() > deadline) throw new Error(`no "${msg}" log within ${timeoutMs} ms; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe('tickstream record (child process)', () => {
  let source: string;
  let upstream: RecordedUpstream;
  const dirs: string[] = [];

  beforeAll(async () => {
    source = await mkdtemp(join(tmpdir(), 'tickstream-cli-record-src-'));
    dirs.push(source);
    await binance.generate({
      root: source,
      seed: 'cli',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 1,
      symbols: ['BTC/USDT'],
    });
    upstream = await startRecordedUpstream(source, ['symbol']);
  });
  afterAll(async () => {
    await upstream.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('polls the upstream until SIGINT, then exits 0 with whole files in the storage layout', async () => {
    const data = await mkdtemp(join(tmpdir(), 'tickstream-cli-record-out-'));
    dirs.push(data);
    const run = runRecord([
      '--upstream',
      upstream.url,
      '--data',
      data,
      '--exchanges',
      'binance',
      '--symbols',
      'BTC/USDT',
      '--interval',
      'depth=100ms,trades=200ms',
    ]);
    await run.waitForMsg('recording');
    const started = run.logs.find((l) => l.msg === 'recording');
    expect(started?.intervalsMs).toEqual({ depth: 100, trades: 200, info: 3_600_000 });
    await new Promise((r) => setTimeout(r, 2000));
    run.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.logs.some((l) => l.msg === 'recordings closed')).toBe(true);
    for (const endpoint of ['api_v3_depth', 'api_v3_historicalTrades', 'api_v3_exchangeInfo']) {
      const files = await listRecordingFiles(data, 'binance', endpoint, 'BTCUSDT');
      expect(files.length, endpoint).toBe(1);
      const text = await readFile(files[0], 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text
        .slice(0, -1)
        .split('\n')
        .map((l) => JSON.parse(l) as { request: { path: string } });
      expect(lines.every((l) => l.request.path.startsWith('/api/v3/'))).toBe(true);
      if (endpoint === 'api_v3_depth') expect(lines.length).toBeGreaterThan(5);
    }
  });

  it('refuses a bad interval with one line naming it, exit code 1', async () => {
    const run = runRecord(['--exchanges', 'binance', '--interval', 'depht=1s']);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('unknown endpoint key "depht"');
    const bad = runRecord(['--exchanges', 'binance', '--interval', 'depth=fast']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('--interval depth "fast" is not a duration');
  });
});
