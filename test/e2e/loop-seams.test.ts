import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/core/types.js';
import type { BinanceAggTradeEvent, BinanceTradeEvent } from '../../src/exchanges/binance/wire.js';
import { generateBinanceDataset, type SymbolSummary } from '../../src/exchanges/binance/generate.js';
import { TestClient } from '../../src/exchanges/binance/test-support/hub.js';
import { runCli, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';

/** Passes a consumer must see trades from (ids tell the pass: each pass shifts them by one pass's count). */
const PASSES = 3;

interface Envelope {
  stream?: string;
  data?: unknown;
}

let dataDir: string;
let cli: CliProcess;
let hubPort: number;
let gatewayPort: number;
let btc: SymbolSummary;
let eth: SymbolSummary;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tickstream-loop-'));
  // Sample-shaped: the first poll of each symbol holds trades from before the recording began.
  const summary = await generateBinanceDataset({
    root: dataDir,
    seed: 'loop-seams',
    startMs: Date.UTC(2026, 0, 5, 14),
    minutes: 1,
    symbols: ['BTCUSDT', 'ETHUSDT'],
  });
  [btc, eth] = ['BTCUSDT', 'ETHUSDT'].map(
    (s) => summary.symbols.find((x) => x.symbol === s) as SymbolSummary,
  );
  hubPort = await freePort();
  gatewayPort = await freePort();
  // About two minutes of replay time per pass (data plus the first poll's earlier trades): ~1.2 s at 100×.
  const ports = ['--port', String(gatewayPort), '--hub-port', String(hubPort)];
  cli = runCli(['start', '--data', dataDir, '--exchanges', 'binance', ...ports, '--speed', '100', '--loop']);
  await cli.waitForLog((l) => l.msg === 'tickstream is running', 30_000);
});

afterAll(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGINT');
    await cli.exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

/** Which pass a (shifted) trade id belongs to. */
function passOf(id: number, s: SymbolSummary): number {
  return Math.floor((id - s.firstTradeId) / s.trades);
}

/** Times never fall (trades can share a millisecond), ids always rise. */
function expectRising(label: string, rows: ReadonlyArray<{ time: number; id: number }>): void {
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1];
    const cur = rows[i];
    if (cur.time < prev.time || cur.id <= prev.id)
      expect.fail(
        `${label}: #${i} id ${cur.id} at ${cur.time} after id ${prev.id} at ${prev.time} (${cur.time - prev.time} ms)`,
      );
  }
}

describe('--loop seams (end to end)', () => {
  it(`a consumer across ${PASSES} passes sees rising trade times and ids at the hub and the gateway`, async () => {
    const hub = await TestClient.open(
      `ws://127.0.0.1:${hubPort}/binance/stream?streams=btcusdt@trade/btcusdt@aggTrade/ethusdt@trade/ethusdt@aggTrade`,
    );
    const gateway = await TestClient.open(`ws://127.0.0.1:${gatewayPort}/ws`);
    gateway.send({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT'], id: 1 });
    const frames = <T>(c: TestClient, stream: string): T[] =>
      (c.messages as Envelope[]).filter((m) => m.stream === stream).map((m) => m.data as T);
    const hubTrades = (sym: string): BinanceTradeEvent[] => frames(hub, `${sym}@trade`);
    const gatewayTrades = (): Trade[] => frames(gateway, 'trade@BTC/USDT');
    const passesSeen = (ids: number[], s: SymbolSummary): number =>
      new Set(ids.map((id) => passOf(id, s))).size;
    const hubIds = (sym: string): number[] => hubTrades(sym).map((t) => t.t);
    const gatewayIds = (): number[] => gatewayTrades().map((t) => Number(t.id));
    const fewestPasses = (): number =>
      Math.min(
        passesSeen(hubIds('btcusdt'), btc),
        passesSeen(hubIds('ethusdt'), eth),
        passesSeen(gatewayIds(), btc),
      );
    try {
      await expect.poll(fewestPasses, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(PASSES);
    } finally {
      await hub.close();
      await gateway.close();
    }

    for (const sym of ['btcusdt', 'ethusdt']) {
      const trades = hubTrades(sym);
      const aggs = frames<BinanceAggTradeEvent>(hub, `${sym}@aggTrade`);
      const sequences: Array<[string, Array<{ time: number; id: number }>]> = [
        ['trade T', trades.map((t) => ({ time: t.T, id: t.t }))],
        ['trade E', trades.map((t) => ({ time: t.E, id: t.t }))],
        ['aggTrade T', aggs.map((a) => ({ time: a.T, id: a.a }))],
        ['aggTrade E', aggs.map((a) => ({ time: a.E, id: a.a }))],
      ];
      for (const [label, rows] of sequences) expectRising(`${sym}@${label}`, rows);
      for (const t of trades) if (t.E < t.T) expect.fail(`${sym}@trade ${t.t}: E ${t.E} before T ${t.T}`);
    }
    expectRising(
      'gateway trade@BTC/USDT',
      gatewayTrades().map((t) => ({ time: t.timestamp, id: Number(t.id) })),
    );
  });
});
