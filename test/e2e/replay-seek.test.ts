/**
 * Run-time control of publisher processes (issue 9): pause, seek forward and back, speed, through
 * `POST /control/replay` on the shipped layout. After a seek the trades come from the new time,
 * the hub's book is a recorded book again (a fresh snapshot, then diffs on it), and the cadenced
 * streams go on after a seek back in time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../../src/app/replay-stack.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { venueFor } from '../../src/exchanges/index.js';
import type { BinanceRestDepth } from '../../src/exchanges/binance/wire.js';
import type { ReplayControlState } from '../../src/replay/replay-control.js';
import { readSeries } from '../../src/storage/series.js';
import { until } from '../../src/test-support/until.js';

const START = Date.UTC(2026, 0, 5, 14, 30);
let root: string;
let stack: ReplayStack;
let base: string;
/** Binance trades (T) and tickers received, in order. */
const trades: number[] = [];
let tickers = 0;
let ws: WebSocket;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-seek-'));
  await venueFor('binance').generate({
    root,
    seed: 'seek',
    startMs: START,
    minutes: 4,
    symbols: ['BTC/USDT'],
  });
  stack = await startReplay({
    root,
    exchanges: ['binance'],
    speed: 4,
    loop: false,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    config: configSchema.parse({ logLevel: 'silent' }),
    paused: true,
    stateDir: join(root, 'state'),
    processes: true,
  });
  base = `http://127.0.0.1:${stack.port}`;
  await until(() => stack.processes!.receiver.connected().length === 1, 20_000, 'the link');
  ws = new WebSocket(`ws://127.0.0.1:${stack.port}/binance/stream?streams=btcusdt@trade/btcusdt@ticker`);
  ws.on('message', (raw) => {
    const { data } = JSON.parse(String(raw)) as { data: { e: string; T: number } };
    if (data.e === 'trade') trades.push(data.T);
    else if (data.e === '24hrTicker') tickers++;
  });
  await new Promise((resolve) => ws.once('open', resolve));
}, 60_000);

afterAll(async () => {
  ws?.close();
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

async function post(body: unknown): Promise<ReplayControlState> {
  const res = await fetch(`${base}/control/replay`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ReplayControlState;
}

async function state(): Promise<ReplayControlState> {
  return (await (await fetch(`${base}/control/replay`)).json()) as ReplayControlState;
}

/** The hub's BTCUSDT book, and the recorded depth response with the same update id. */
async function bookAgainstRecording(): Promise<{
  hub: BinanceRestDepth;
  recorded: BinanceRestDepth | undefined;
}> {
  const hub = (await (
    await fetch(`${base}/binance/api/v3/depth?symbol=BTCUSDT&limit=5000`)
  ).json()) as BinanceRestDepth;
  let recorded: BinanceRestDepth | undefined;
  for await (const { record } of readSeries<BinanceRestDepth>(root, {
    platform: 'binance',
    endpoint: 'api_v3_depth',
    symbol: 'BTCUSDT',
  })) {
    if (record.data.lastUpdateId === hub.lastUpdateId) recorded = record.data;
  }
  return { hub, recorded };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('POST /control/replay on publisher processes', () => {
  it('pauses, seeks forward and back with fresh books, and changes speed', async () => {
    await post({ action: 'resume' });
    await until(() => trades.length > 20, 10_000, 'trades');

    await post({ action: 'pause' });
    await sleep(1200); // the next status report carries the pause
    const paused = (await state()).exchanges.binance;
    expect(paused.state).toBe('paused');
    const count = trades.length;
    await sleep(500);
    expect(trades.length).toBe(count);

    const forward = START + 150_000;
    await post({ action: 'seek', to: forward });
    await post({ action: 'resume' });
    const afterForward = trades.length;
    await until(() => trades.length > afterForward + 20, 10_000, 'trades after the seek');
    expect(trades.slice(afterForward).every((t) => t >= forward - 1000)).toBe(true);
    await post({ action: 'pause' });
    await sleep(300);
    const forwardBook = await bookAgainstRecording();
    expect(forwardBook.recorded, 'the hub book is a recorded one').toBeDefined();
    expect(forwardBook.hub.bids).toEqual(forwardBook.recorded?.bids.slice(0, forwardBook.hub.bids.length));
    expect(forwardBook.hub.asks).toEqual(forwardBook.recorded?.asks.slice(0, forwardBook.hub.asks.length));
    await expect
      .poll(async () => (await state()).exchanges.binance.replayTime ?? 0, { timeout: 5000 })
      .toBeGreaterThanOrEqual(forward);

    const back = START + 20_000;
    await post({ action: 'seek', to: back });
    await post({ action: 'resume' });
    const afterBack = trades.length;
    const tickersBefore = tickers;
    await until(() => trades.length > afterBack + 20, 10_000, 'trades after the seek back');
    expect(Math.min(...trades.slice(afterBack))).toBeLessThan(forward - 60_000);
    // 1 s tickers go on from the earlier time (the venue's clock was set back with the seek).
    await until(() => tickers > tickersBefore + 2, 10_000, 'tickers after the seek back');
    const seeked = (await state()).exchanges.binance;
    expect(seeked.seeks).toBe(2);
    expect(seeked.replayTime).toBeLessThan(forward);

    expect((await post({ action: 'speed', speed: 'max' })).exchanges.binance).toBeDefined();
    await sleep(1200);
    expect((await state()).exchanges.binance.speed).toBe('max');
    const bad = await fetch(`${base}/control/replay`, {
      method: 'POST',
      body: '{"action":"seek","to":"later"}',
    });
    expect(bad.status).toBe(400);
  }, 90_000);
});
