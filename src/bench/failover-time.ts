/**
 * Failover time: the replay hub in-process with Binance and OKX replaying generated recordings of
 * BTC/USDT (both list it; Binance is the primary), the ingest stack with the aggregator on a memory
 * bus; the primary's connection is killed with the hub's `disconnect` fault and the wall time runs
 * until the first aggregated BTC/USDT book or ticker from OKX. Each run is a fresh ingest stack;
 * the median counts. Beside it, what the design promises: a failover within 8 s (a silent primary
 * is replaced `noDataTimeoutMs`, 5 s by default, after its last message, as soon as a secondary speaks).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIngest } from '../app/ingest-stack.js';
import { startReplay } from '../app/replay-stack.js';
import type { BusMessage } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { figure, type BenchFigure } from './report.js';

const SYMBOL = 'BTC/USDT';
const PRIMARY: Exchange = 'binance';
const SECONDARY: Exchange = 'okx';
/** The design's promise for a failover (DESIGN.md, the aggregator: within 8 s on the default checks). */
export const PROMISED_FAILOVER_MS = 8000;
/** No failover while the feeds connect; short, so a run starts measuring soon. */
const STARTUP_GRACE_MS = 1000;
const READY_TIMEOUT_MS = 15_000;
const FAILOVER_TIMEOUT_MS = 10_000;

export interface FailoverBenchOptions {
  readonly logger: Logger;
  /** Runs, each on a fresh ingest stack; the median is the figure. Default 5. */
  readonly runs?: number;
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`failover bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface RunTimes {
  /** Kill → the first aggregated message from the secondary. */
  readonly firstMessageMs: number;
  /** Kill → the aggregator's `sourceSwitch`. */
  readonly switchMs: number;
}

async function failoverRun(upstream: string, control: string, logger: Logger): Promise<RunTimes> {
  const bus = new MemoryBus();
  const ingest = startIngest({
    bus,
    symbols: new Map([PRIMARY, SECONDARY].map((e) => [e, [SYMBOL]] as const)),
    upstream,
    bookDepth: 20,
    logger,
    aggregator: { startupGraceMs: STARTUP_GRACE_MS },
  });
  const startedAt = Date.now();
  let killedAt = Infinity;
  let firstFromSecondary = NaN;
  const onAggregated = (m: BusMessage): void => {
    if (Number.isNaN(firstFromSecondary) && m.data.exchange === SECONDARY && Date.now() >= killedAt) {
      firstFromSecondary = Date.now();
    }
  };
  for (const type of ['book', 'ticker']) bus.subscribe(`${type}@${SYMBOL}`, onAggregated);
  let switchedAt = NaN;
  ingest.aggregator.on('sourceSwitch', (s) => {
    if (s.symbol === SYMBOL && s.from === PRIMARY && s.to === SECONDARY && Number.isNaN(switchedAt))
      switchedAt = s.at;
  });
  const healthy = (exchange: Exchange): boolean =>
    ingest
      .sources()
      .find((s) => s.symbol === SYMBOL)
      ?.sources.find((s) => s.exchange === exchange)?.healthy === true;
  try {
    await waitFor(
      () =>
        Date.now() - startedAt > STARTUP_GRACE_MS &&
        healthy(PRIMARY) &&
        healthy(SECONDARY) &&
        ingest.aggregator.activeSource(SYMBOL) === PRIMARY,
      READY_TIMEOUT_MS,
      `both ${PRIMARY} and ${SECONDARY} healthy with ${PRIMARY} active`,
    );
    killedAt = Date.now();
    const res = await fetch(control, {
      method: 'POST',
      body: JSON.stringify({ exchange: PRIMARY, symbol: SYMBOL, fault: 'disconnect', count: 1 }),
    });
    if (res.status !== 201) {
      throw new Error(
        `failover bench: the hub refused the disconnect fault (HTTP ${res.status}: ${await res.text()})`,
      );
    }
    await waitFor(
      () => !Number.isNaN(firstFromSecondary),
      FAILOVER_TIMEOUT_MS,
      `the first aggregated ${SYMBOL} message from ${SECONDARY}`,
    );
    if (Number.isNaN(switchedAt)) {
      throw new Error(
        `failover bench: ${SECONDARY} data reached the aggregated ${SYMBOL} streams without a source switch`,
      );
    }
    return { firstMessageMs: firstFromSecondary - killedAt, switchMs: switchedAt - killedAt };
  } finally {
    await fetch(control, { method: 'DELETE' });
    await ingest.close();
    await bus.close();
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export async function benchFailoverTime(opts: FailoverBenchOptions): Promise<BenchFigure> {
  const runs = opts.runs ?? 5;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`failover bench: runs must be a whole number ≥ 1, got ${runs}`);
  const root = await mkdtemp(join(tmpdir(), 'tickstream-failover-bench-'));
  try {
    for (const name of [PRIMARY, SECONDARY]) {
      await venueFor(name).generate({
        root,
        seed: 'failover-bench',
        startMs: Date.UTC(2026, 0, 5, 14, 30),
        minutes: 3,
        symbols: [SYMBOL],
      });
    }
    const replay = await startReplay({
      root,
      exchanges: [PRIMARY, SECONDARY],
      speed: 1,
      loop: true,
      host: '127.0.0.1',
      port: 0,
      logger: opts.logger,
    });
    const times: RunTimes[] = [];
    try {
      const upstream = `http://127.0.0.1:${replay.port}`;
      for (let i = 0; i < runs; i++)
        times.push(await failoverRun(upstream, `${upstream}/control/faults`, opts.logger));
    } finally {
      await replay.close();
    }
    return figure(
      `failover time, ${SYMBOL} (${PRIMARY} connection killed → first aggregated message from ${SECONDARY})`,
      'ms',
      median(times.map((t) => t.firstMessageMs)),
      PROMISED_FAILOVER_MS,
      {
        runs,
        minMs: Math.min(...times.map((t) => t.firstMessageMs)),
        maxMs: Math.max(...times.map((t) => t.firstMessageMs)),
        medianSwitchMs: median(times.map((t) => t.switchMs)),
        baseline: 'the design promise: failover within 8 s (noDataTimeoutMs 5000 on the default checks)',
      },
      'lower',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
