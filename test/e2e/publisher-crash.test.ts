/**
 * The shipped process layout under crashes (issue 9): a real hub with Binance and Kraken
 * publisher processes under the supervisor, offsets in a real state directory. The Binance
 * publisher is SIGKILLed at 20 random moments. A plain Binance client must see every recorded
 * trade id of every symbol, in order, with no gap and at most N repeats per crash; the supervisor
 * restarts the publisher each time; the Kraken client, on the other process, sees every one of
 * its trades exactly once on a connection that never drops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../../src/app/replay-stack.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { venueFor } from '../../src/exchanges/index.js';
import {
  TradeTapeClient,
  checkTape,
  recordedTradeIds,
  repeatsBetween,
} from '../../src/test-support/trade-tape.js';
import { until } from '../../src/test-support/until.js';

const N = 25;
const KILLS = 20;
const START = Date.UTC(2026, 0, 5, 14, 30);

let root: string;
let state: string;
let stack: ReplayStack;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-crash-'));
  state = join(root, 'state');
  for (const exchange of ['binance', 'kraken'] as const) {
    await venueFor(exchange).generate({
      root,
      seed: 'crash',
      startMs: START,
      minutes: 2,
      symbols: exchange === 'binance' ? ['BTC/USDT', 'ETH/USDT'] : ['BTC/USD'],
    });
  }
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

/** Resolves once `value()` has not changed for `quietMs` (within 2 s). */
async function settled(value: () => number, quietMs: number): Promise<void> {
  const deadline = Date.now() + 2000;
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    if (value() !== last) {
      last = value();
      since = Date.now();
    }
  }
}

async function control(body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${stack.port}/control/replay`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('publisher processes under kill -9', () => {
  it('loses no trade and repeats at most N per crash; the other exchange never notices', async () => {
    const config = configSchema.parse({
      checkpointEvery: N,
      publisherRestartMs: 50,
      publisherMaxRestartMs: 400,
    });
    stack = await startReplay({
      root,
      exchanges: ['binance', 'kraken'],
      speed: 3,
      loop: false,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      config,
      paused: true,
      stateDir: state,
      processes: true,
    });
    const layout = stack.processes!;
    await until(() => layout.receiver.connected().length === 2, 20_000, 'both publisher links');
    const binance = await TradeTapeClient.binance(stack.port, ['BTCUSDT', 'ETHUSDT']);
    const kraken = await TradeTapeClient.kraken(stack.port, ['BTC/USD']);
    await control({ action: 'resume' });

    const pidOf = () => layout.supervisor.info().find((i) => i.exchange === 'binance')?.pid;
    const marks: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const before = binance.count();
      await until(
        () => layout.receiver.connected().includes('binance') && binance.count() > before,
        20_000,
        `binance publishing again before kill ${kill + 1}`,
      );
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      const pid = pidOf();
      expect(pid).toBeDefined();
      process.kill(pid as number, 'SIGKILL');
      // The crash's stretch starts after what the dead publisher had already handed the hub: its
      // link gone, the hub has forwarded all it read from it. Counting at the kill instead would
      // put those late arrivals (repeats of the previous crash among them) in the next stretch.
      await until(
        () => !layout.receiver.connected().includes('binance'),
        5000,
        `link gone after kill ${kill + 1}`,
      );
      await settled(() => binance.arrivals.length, 50);
      marks.push(binance.arrivals.length);
      await until(() => pidOf() !== undefined && pidOf() !== pid, 20_000, `restart after kill ${kill + 1}`);
    }
    // Play out the rest at once; both publishers finish their recordings and exit cleanly.
    await until(() => layout.receiver.connected().includes('binance'), 20_000, 'binance link');
    await control({ action: 'speed', speed: 'max' });
    await until(() => layout.supervisor.allFinished, 60_000, 'both publishers finished');

    expect(layout.supervisor.restartsOf('binance')).toBe(KILLS);
    expect(layout.supervisor.restartsOf('kraken')).toBe(0);

    const expected = await recordedTradeIds(root, 'binance');
    const last = [...expected.values()].reduce((n, ids) => n + ids.length, 0);
    await until(() => binance.count() >= last, 10_000, 'the last binance trades');
    let repeats = 0;
    for (const [symbol, ids] of expected) {
      const tape = checkTape(binance.ids.get(symbol) ?? []);
      expect(tape.firsts, `${symbol}: every trade id, in order`).toEqual(ids);
      repeats += tape.repeats;
    }
    // Each crash repeats at most the N messages sent since the last saved offset (trades among them).
    const perCrash = repeatsBetween(binance.arrivals, marks);
    expect(perCrash[0], 'no repeats before the first crash').toBe(0);
    for (const n of perCrash) expect(n).toBeLessThanOrEqual(N);
    expect(repeats).toBe(perCrash.reduce((a, b) => a + b, 0));

    const krakenExpected = await recordedTradeIds(root, 'kraken');
    for (const [symbol, ids] of krakenExpected) {
      await until(
        () => (kraken.ids.get(symbol)?.length ?? 0) >= ids.length,
        10_000,
        'the last kraken trades',
      );
      expect(kraken.ids.get(symbol), `kraken ${symbol}: exactly once, in order`).toEqual(ids);
    }
    expect(kraken.closedEarly).toBe(false);
    expect(binance.closedEarly).toBe(false);
    binance.close();
    kraken.close();
  }, 240_000);
});
