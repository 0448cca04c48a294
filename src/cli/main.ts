import { Command, CommanderError, Option } from 'commander';
import { TickstreamError } from '../core/errors.js';
import { nearest } from '../core/nearest.js';
import { BENCH_PARTS, runBench } from './bench.js';
import type { CommonFlags } from './commands.js';
import { runGateway } from './gateway.js';
import { runGenerate } from './generate.js';
import { INTERVAL_HELP, RECORD_HELP, runRecord } from './record.js';
import { runReplay } from './replay.js';
import { runStart } from './start.js';

/** Exit code for a command this build does not provide yet. */
export const EXIT_NOT_AVAILABLE = 2;

type Runner = (flags: CommonFlags) => Promise<number>;

function commonOptions(cmd: Command, which: ReadonlyArray<keyof typeof OPTIONS>): Command {
  for (const name of which) cmd.addOption(OPTIONS[name]());
  return cmd;
}

const OPTIONS = {
  config: () => new Option('--config <file>', 'JSON config file'),
  data: () => new Option('--data <dir>', 'storage root of recordings'),
  state: () => new Option('--state <dir>', 'directory for replay offsets'),
  port: () => new Option('--port <n>', 'port to listen on'),
  hubPort: () => new Option('--hub-port <n>', 'replay hub port (default 3100)'),
  host: () => new Option('--host <addr>', 'address to listen on (default 127.0.0.1)'),
  exchanges: () => new Option('--exchanges <list>', 'comma list of binance,kraken,okx,alpaca'),
  speed: () => new Option('--speed <1|N|max>', 'replay pacing: 1 historical, N times faster, or max'),
  loop: () => new Option('--loop', 'replay the data again when it ends, with rising times and ids'),
  noLoop: () => new Option('--no-loop', 'stop when the data ends'),
  paused: () => new Option('--paused', 'start the replay paused (resume with POST /control/replay)'),
  startFrom: () =>
    new Option(
      '--start-from <mode>',
      'where replay starts without a saved offset: beginning, latest or a unix ms time',
    ),
  reset: () => new Option('--reset', 'ignore saved offsets and start per --start-from'),
  overflow: () =>
    new Option('--overflow <policy>', 'when a link buffer is full: drop-oldest, priority or rate-adaptive'),
  rateLimit: () =>
    new Option('--rate-limit <n[,burst]>', 'at most n messages a second per symbol, with a burst'),
  checkpointEvery: () =>
    new Option(
      '--checkpoint-every <n>',
      'save offsets every n messages (default 10000; a crash repeats at most n)',
    ),
  checkpointMs: () => new Option('--checkpoint-ms <ms>', 'and every ms milliseconds (default 1000)'),
  fault: () =>
    new Option(
      '--fault <exchange:symbol:fault:params>',
      'inject a fault, repeatable: e.g. binance:BTC/USDT:gap:count=1 or okx:BTC-USDT:latency:ratePerMin=6,ms=200 ' +
        '(faults: disconnect, close1008, stall, latency, gap, checksum, malformed, rest429; see README "Fault injection")',
    ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
  bus: () => new Option('--bus <memory|redis://…>', 'message bus'),
  upstream: () =>
    new Option('--upstream <url>', 'replay hub base URL to ingest from instead of the exchanges'),
  logLevel: () => new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent'),
  logFormat: () =>
    new Option('--log-format <format>', 'auto (readable on a terminal, JSON otherwise), pretty or json'),
  only: () =>
    new Option(
      '--only <parts>',
      `comma list of bench parts to run, all without it: ${BENCH_PARTS.map(([name]) => name).join(', ')}`,
    ),
  seed: () => new Option('--seed <seed>', 'generator seed'),
  minutes: () => new Option('--minutes <n>', 'minutes of market time to generate'),
  symbols: () => new Option('--symbols <list>', 'comma list of BASE/QUOTE pairs, e.g. BTC/USDT,ETH/USDT'),
  interval: () => new Option('--interval <key=duration,…>', INTERVAL_HELP),
  tlsCert: () => new Option('--tls-cert <file>', 'PEM certificate: serve https and wss (with --tls-key)'),
  tlsKey: () => new Option('--tls-key <file>', 'PEM private key of --tls-cert'),
  writeDelayMs: () =>
    new Option(
      '--write-delay-ms <ms>',
      'gateway write delay: one socket write per client for the turns within it (default 2; 0 = every turn)',
    ),
  recordUpstream: () =>
    new Option('--upstream <url>', 'base URL to poll instead of the exchanges (venue x under <url>/x)'),
} as const;

const REPLAY_FLAGS = [
  'startFrom',
  'reset',
  'overflow',
  'rateLimit',
  'checkpointEvery',
  'checkpointMs',
] as const;

export function buildProgram(setCode: (code: number) => void): Command {
  const program = new Command('tickstream')
    .description('Replay recorded exchange data as the exchanges’ own streams, ingest, and fan out prices.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const run = (runner: Runner) => async (flags: CommonFlags) => setCode(await runner(flags));

  commonOptions(
    program
      .command('start', { isDefault: true })
      .description('replay hub + ingest + gateway + dashboard on the sample data'),
    [
      'config',
      'data',
      'state',
      'port',
      'hubPort',
      'host',
      'exchanges',
      'speed',
      'loop',
      'noLoop',
      'paused',
      ...REPLAY_FLAGS,
      'fault',
      'bus',
      'tlsCert',
      'tlsKey',
      'writeDelayMs',
      'logLevel',
      'logFormat',
    ],
  ).action(run(runStart));
  commonOptions(program.command('replay').description('replay hub and publishers only'), [
    'config',
    'data',
    'state',
    'port',
    'host',
    'exchanges',
    'speed',
    'loop',
    'noLoop',
    'paused',
    ...REPLAY_FLAGS,
    'fault',
    'logLevel',
    'logFormat',
  ]).action(run(runReplay));
  commonOptions(
    program.command('gateway').description('gateway, with ingest from the exchanges or --upstream'),
    [
      'config',
      'port',
      'host',
      'exchanges',
      'bus',
      'upstream',
      'symbols',
      'tlsCert',
      'tlsKey',
      'writeDelayMs',
      'logLevel',
      'logFormat',
    ],
  ).action(run(runGateway));
  commonOptions(
    program.command('generate').description('write a seeded synthetic dataset in the REST formats'),
    ['config', 'data', 'exchanges', 'seed', 'minutes', 'symbols', 'logLevel'],
  ).action(run(runGenerate));
  commonOptions(
    program
      .command('record')
      .description('poll exchange REST endpoints into the storage layout')
      .addHelpText('after', RECORD_HELP),
    ['config', 'data', 'exchanges', 'symbols', 'interval', 'recordUpstream', 'logLevel'],
  ).action(run(runRecord));
  commonOptions(
    program.command('bench').description('benchmark suite (figures beside a plain-ws baseline)'),
    ['logLevel', 'only'],
  ).action(run(runBench));
  return program;
}

/** Entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  const unknown = unknownCommand(program, argv[2]);
  if (unknown) {
    process.stderr.write(`tickstream: ${unknown}\n`);
    return 1;
  }
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof TickstreamError) {
      process.stderr.write(`tickstream: ${err.message}\n`);
      return err.code === 'ERR_NOT_AVAILABLE' ? EXIT_NOT_AVAILABLE : 1;
    }
    const listenError = describeListenError(err);
    if (listenError) {
      process.stderr.write(`tickstream: ${listenError}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * Commander hands an unknown first word to the default command, which then complains of
 * "too many arguments for 'start'"; name the word and the commands instead.
 */
function unknownCommand(program: Command, word: string | undefined): string | undefined {
  if (word === undefined || word.startsWith('-') || word === 'help') return undefined;
  const names = program.commands.map((c) => c.name());
  if (names.includes(word)) return undefined;
  const guess = nearest(word, names, Math.max(1, Math.floor(word.length * 0.4)));
  const hint = guess ? `; did you mean "${guess}"?` : '.';
  return `unknown command "${word}"${hint} Commands: ${names.join(', ')} (run with --help for usage).`;
}

/** A listen failure as one line naming the address and what to change, or undefined for any other error. */
function describeListenError(err: unknown): string | undefined {
  const sys = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  switch (sys.code) {
    case 'EADDRINUSE':
    case 'EACCES': {
      const what =
        sys.code === 'EADDRINUSE' ? 'is already in use (is another tickstream running?)' : 'needs privileges';
      return `port ${sys.port} on ${sys.address} ${what}. Stop the other process or pick another port with --port / --hub-port.`;
    }
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${sys.address}: no network interface of this machine has that address. Use --host 127.0.0.1, 0.0.0.0, :: or one of this machine's addresses.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on host ${sys.hostname}: the name does not resolve. Use --host 127.0.0.1, 0.0.0.0, :: or a name this machine resolves.`;
    default:
      return undefined;
  }
}
