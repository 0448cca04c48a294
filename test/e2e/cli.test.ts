import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VENUE_NAMES, venueFor } from '../../src/exchanges/index.js';
import { runCli, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

let dataset: Promise<string> | undefined;
/**
 * One minute of recordings of the first sample symbol of every venue (every venue replays by
 * default), generated once for the tests that need the program to get past its data.
 */
function smallDataset(): Promise<string> {
  dataset ??= tempDir('tickstream-cli-data-').then(async (root) => {
    const common = { root, seed: 'cli', startMs: Date.UTC(2026, 0, 5, 14, 30), minutes: 1 }; // inside the US session
    for (const name of VENUE_NAMES) {
      const venue = venueFor(name);
      await venue.generate({ ...common, symbols: venue.sampleSymbols.slice(0, 1) });
    }
    return root;
  });
  return dataset;
}

/** `generate` of one minute of Binance BTC/USDT into `dir`. */
const generateBtcUsdt = (dir: string): string[] => [
  'generate',
  '--data',
  dir,
  '--minutes',
  '1',
  '--exchanges',
  'binance',
  '--symbols',
  'BTC/USDT',
];

/** The CLI's exit code and its whole stderr, which must be one line and no stack trace. */
async function oneErrorLine(cli: CliProcess): Promise<{ code: number | string; line: string }> {
  const code = await cli.exited;
  const stderr = cli.stderr.join('');
  expect(
    stderr.endsWith('\n') && stderr.trimEnd().split('\n').length === 1,
    `one stderr line, got:\n${stderr}`,
  ).toBe(true);
  expect(stderr).not.toMatch(/^\s+at /m);
  return { code, line: stderr.trimEnd() };
}

describe('tickstream CLI', () => {
  it('refuses `record` with an unknown --interval key, naming it and the keys there are', async () => {
    const cli = runCli(['record', '--exchanges', 'okx', '--interval', 'books=1s']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr.join('')).toContain(
      'tickstream: --interval names an unknown endpoint key "books"; keys of the chosen exchanges: depth, info, trades',
    );
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
    const dir = await smallDataset();
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
    const cli = runCli(generateBtcUsdt(dir));
    expect(await cli.exited).toBe(0);
    expect(await readdir(join(dir, 'binance'))).toEqual(
      expect.arrayContaining(['api_v3_depth', 'api_v3_historicalTrades']),
    );
    expect(await readdir(join(dir, 'binance', 'api_v3_depth'))).toEqual(['BTCUSDT']);
  });

  it('generates every venue’s sample pairs by default, and refuses --symbols a venue has no pair for', async () => {
    const dir = await tempDir('tickstream-gen-all-');
    const cli = runCli(['generate', '--data', dir, '--minutes', '1']);
    expect(await cli.exited).toBe(0);
    expect(await readdir(join(dir, 'binance', 'api_v3_depth'))).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(await readdir(join(dir, 'kraken', '0_public_Depth'))).toHaveLength(2);

    const mixed = await oneErrorLine(
      runCli(['generate', '--data', dir, '--minutes', '1', '--symbols', 'BTC/USDT']),
    );
    expect(mixed.code).toBe(1);
    expect(mixed.line).toContain('"symbols" applies to every exchange, and Kraken has no pair BTC/USDT');
    expect(mixed.line).toContain('name the exchanges it is for with --exchanges');
  });

  it('lets "loop": false in a --config file outrank the default of `start`', async () => {
    const data = await smallDataset();
    const file = join(await tempDir('tickstream-cli-config-'), 'tickstream.json');
    await writeFile(file, JSON.stringify({ loop: false, speed: 'max' }));
    const cli = runCli(['start', '--config', file, '--data', data, '--port', '0', '--hub-port', '0']);
    try {
      // Both, in either order: at max speed the replay may finish before start-up is done (a
      // SIGINT before then is not handled yet).
      await Promise.all([
        cli.waitForLog((l) => l.msg === 'replay finished', 20_000),
        cli.waitForLog((l) => l.msg === 'tickstream is running', 20_000),
      ]);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exited).toBe(0);
  });

  it('refuses a malformed --host in one line, naming it and what is allowed', async () => {
    const { code, line } = await oneErrorLine(
      runCli(['start', '--host', '999.1.1.1', '--data', '/nonexistent']),
    );
    expect(code).toBe(1);
    expect(line).toContain('(from flag --host) must be an IPv4 or IPv6 address or a host name');
    expect(line).toContain('got "999.1.1.1"');
  });

  it('names --log-level as typed and the levels allowed', async () => {
    const { code, line } = await oneErrorLine(
      runCli(['replay', '--log-level', 'loud', '--data', '/nonexistent']),
    );
    expect(code).toBe(1);
    expect(line).toContain(
      '(from flag --log-level) must be one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(line).toContain('got "loud"');
  });

  it('refuses --port and --hub-port on one port before listening', async () => {
    const port = await freePort();
    const cli = runCli([
      'start',
      '--port',
      String(port),
      '--hub-port',
      String(port),
      '--data',
      await smallDataset(),
    ]);
    const { code, line } = await oneErrorLine(cli);
    expect(code).toBe(1);
    expect(line).toContain(
      `"gatewayPort" (from flag --port) and "hubPort" (from flag --hub-port) are both port ${port}`,
    );
    expect(line).toContain('pick two different ones');
    expect(cli.logs.some((l) => l.msg === 'replaying')).toBe(false);
  });

  it('names an unknown command, the nearest one and the commands', async () => {
    const { code, line } = await oneErrorLine(runCli(['strat', '--port', '0']));
    expect(code).toBe(1);
    expect(line).toBe(
      'tickstream: unknown command "strat"; did you mean "start"? Commands: start, replay, gateway, generate, record, bench (run with --help for usage).',
    );
  });

  it('takes ports in decimal only, from a flag or a file', async () => {
    const hex = await oneErrorLine(runCli(['replay', '--port', '0x10', '--data', '/nonexistent']));
    expect(hex.code).toBe(1);
    expect(hex.line).toContain('"hubPort" (from flag --port) must be a decimal port number 0-65535');
    expect(hex.line).toContain('got "0x10"');

    const file = join(await tempDir('tickstream-cli-port-'), 'tickstream.json');
    await writeFile(file, JSON.stringify({ hubPort: '1e3' }));
    const exp = await oneErrorLine(runCli(['replay', '--config', file, '--data', '/nonexistent']));
    expect(exp.code).toBe(1);
    expect(exp.line).toContain(`"hubPort" (from config file ${file}) must be a decimal port number 0-65535`);
    expect(exp.line).toContain('got "1e3"');
  });

  it('warns of a misspelled TICKSTREAM_* variable, names the nearest, and goes on', async () => {
    const dir = await tempDir('tickstream-cli-env-');
    const cli = runCli(generateBtcUsdt(dir), { TICKSTREAM_GATWAY_PORT: '4000' });
    const { code, line } = await oneErrorLine(cli);
    expect(code).toBe(0);
    expect(line).toBe(
      'tickstream: warning: environment variable TICKSTREAM_GATWAY_PORT names no setting and is ignored; did you mean TICKSTREAM_GATEWAY_PORT?',
    );
    expect(await readdir(join(dir, 'binance', 'api_v3_depth'))).toEqual(['BTCUSDT']);
  });

  it('says in one line when --host is no address of this machine or does not resolve', async () => {
    const data = await smallDataset();
    const foreign = await oneErrorLine(
      runCli(['replay', '--host', '192.0.2.1', '--port', '0', '--data', data]),
    );
    expect(foreign.code).toBe(1);
    expect(foreign.line).toContain(
      'cannot listen on 192.0.2.1: no network interface of this machine has that address',
    );

    const unresolved = await oneErrorLine(
      runCli(['replay', '--host', 'no-such-host.invalid', '--port', '0', '--data', data]),
    );
    expect(unresolved.code).toBe(1);
    expect(unresolved.line).toContain(
      'cannot listen on host no-such-host.invalid: the name does not resolve',
    );
  });
});
