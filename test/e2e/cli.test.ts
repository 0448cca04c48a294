import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBinanceDataset } from '../../src/generate/binance.js';
import { runCli } from '../support/cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('tickstream CLI', () => {
  it('says plainly that `record` is not available yet and exits with code 2', async () => {
    const cli = runCli(['record']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr.join('')).toContain('not available yet');
  });

  it('rejects a bad flag value before starting, naming the key and the fix', async () => {
    const cli = runCli(['start', '--speed', 'fast', '--port', '0', '--hub-port', '0']);
    expect(await cli.exited).toBe(1);
    const err = cli.stderr.join('');
    expect(err).toContain('"speed" (from flag --speed)');
    expect(err).toContain('"max"');
    expect(cli.logs.some((l) => l.msg === 'replay hub listening')).toBe(false);
  });

  it('rejects a bad environment value, naming the variable', async () => {
    const cli = runCli(['replay', '--data', '/nonexistent'], { TICKSTREAM_EXCHANGES: 'binance,ftx' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr.join('')).toContain('environment variable TICKSTREAM_EXCHANGES');
    expect(cli.stderr.join('')).toContain('unknown exchange "ftx"');
  });

  it('explains an empty data directory instead of crashing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-empty-'));
    dirs.push(dir);
    const cli = runCli(['replay', '--data', dir, '--port', '0']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr.join('')).toContain('No Binance recordings under');
    expect(cli.stderr.join('')).toContain('tickstream generate');
  });

  it('says which port is taken instead of crashing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-port-'));
    dirs.push(dir);
    await generateBinanceDataset({
      root: dir,
      seed: 'port',
      startMs: Date.UTC(2026, 0, 5),
      minutes: 1,
      symbols: ['BTCUSDT'],
    });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const taken = runCli(['replay', '--port', String(port), '--data', dir]);
    expect(await taken.exited).toBe(1);
    expect(taken.stderr.join('')).toContain(`port ${port} on 127.0.0.1 is already in use`);
    server.close();
  });

  it('generates a dataset into --data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstream-gen-'));
    dirs.push(dir);
    const cli = runCli(['generate', '--data', dir, '--minutes', '1', '--symbols', 'BTC/USDT']);
    expect(await cli.exited).toBe(0);
    expect(await readdir(join(dir, 'binance'))).toEqual(
      expect.arrayContaining(['api_v3_depth', 'api_v3_historicalTrades']),
    );
    expect(await readdir(join(dir, 'binance', 'api_v3_depth'))).toEqual(['BTCUSDT']);
  });
});
