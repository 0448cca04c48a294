import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VENUE_NAMES, venueFor } from '../../src/exchanges/index.js';
import { runCli, type CliProcess } from './cli.js';
import { freePort } from './ports.js';

/** `tickstream start` running on a freshly generated dataset, on free loopback ports. */
export interface SampleStack {
  readonly cli: CliProcess;
  readonly dataDir: string;
  readonly gatewayPort: number;
  readonly hubPort: number;
  /** SIGINT if still running (SIGKILL after 5 s), then remove the dataset. */
  stop(): Promise<void>;
}

export interface SampleStackOptions {
  readonly seed: string;
  /** Market minutes generated (every venue’s sample symbols, from 2026-01-05 14:30 UTC, the New York open). */
  readonly minutes: number;
  /** Market time of the first capture (default 2026-01-05 14:30 UTC, the New York open). */
  readonly startMs?: number;
  /** `--speed`; the CLI default when absent. */
  readonly speed?: number;
  /** `--no-loop` when false; `start` loops by default. */
  readonly loop?: boolean;
}

async function generateSample(opts: SampleStackOptions): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), `tickstream-${opts.seed}-`));
  const common = {
    root: dataDir,
    seed: opts.seed,
    startMs: opts.startMs ?? Date.UTC(2026, 0, 5, 14, 30),
    minutes: opts.minutes,
  };
  for (const name of VENUE_NAMES) {
    const venue = venueFor(name);
    await venue.generate({ ...common, symbols: venue.sampleSymbols });
  }
  return dataDir;
}

async function stopCli(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGINT');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5000);
  await cli.exited;
  clearTimeout(timer);
}

/** Generate the dataset of every venue, start the CLI and resolve once it logs "tickstream is running". */
export async function startSampleStack(opts: SampleStackOptions): Promise<SampleStack> {
  const dataDir = await generateSample(opts);
  const gatewayPort = await freePort();
  const hubPort = await freePort();
  const args = ['start', '--data', dataDir, '--port', String(gatewayPort), '--hub-port', String(hubPort)];
  if (opts.speed !== undefined) args.push('--speed', String(opts.speed));
  if (opts.loop === false) args.push('--no-loop');
  const cli = runCli(args);
  const stop = async (): Promise<void> => {
    await stopCli(cli);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await cli.waitForLog((l) => l.msg === 'tickstream is running', 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { cli, dataDir, gatewayPort, hubPort, stop };
}

/**
 * The same sample as two processes, `tickstream replay` and `tickstream gateway --upstream` on
 * it, so a test can stop the gateway and start it again on the same port while the hub plays on.
 */
export interface SplitSampleStack {
  readonly dataDir: string;
  readonly gatewayPort: number;
  readonly hubPort: number;
  readonly hub: CliProcess;
  gateway(): CliProcess;
  /** SIGINT the gateway and wait for it to exit. */
  stopGateway(): Promise<void>;
  /** Start the gateway again (same port); resolves once it listens. */
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSplitSampleStack(opts: SampleStackOptions): Promise<SplitSampleStack> {
  const dataDir = await generateSample(opts);
  const gatewayPort = await freePort();
  const hubPort = await freePort();
  const hubArgs = ['replay', '--data', dataDir, '--port', String(hubPort)];
  if (opts.speed !== undefined) hubArgs.push('--speed', String(opts.speed));
  hubArgs.push(opts.loop === false ? '--no-loop' : '--loop');
  const hub = runCli(hubArgs);
  let gateway: CliProcess | undefined;
  const stop = async (): Promise<void> => {
    if (gateway !== undefined) await stopCli(gateway);
    await stopCli(hub);
    await rm(dataDir, { recursive: true, force: true });
  };
  const startGateway = async (): Promise<void> => {
    gateway = runCli([
      'gateway',
      '--upstream',
      `http://127.0.0.1:${hubPort}`,
      '--port',
      String(gatewayPort),
      '--host',
      '127.0.0.1',
    ]);
    await gateway.waitForLog((l) => l.msg === 'gateway listening', 30_000);
  };
  try {
    await hub.waitForLog((l) => l.msg === 'replay hub listening', 30_000);
    await startGateway();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dataDir,
    gatewayPort,
    hubPort,
    hub,
    gateway: () => {
      if (gateway === undefined) throw new Error('the gateway has not started');
      return gateway;
    },
    stopGateway: async () => {
      if (gateway !== undefined) await stopCli(gateway);
    },
    startGateway,
    stop,
  };
}
