import type { Logger } from '../../core/logger.js';
import { originOf, type ReplayEvent } from '../../replay/events.js';
import { mergeByTime } from '../../replay/merge.js';
import { SpanTracker, type ReplaySource } from '../../replay/source.js';
import { listSymbolsOf } from '../../storage/layout.js';
import { firstRecord, readSeries, type SeriesId } from '../../storage/series.js';
import { DepthDiffer } from './depth-diff.js';
import { TradeDeduper } from '../../replay/trade-dedup.js';
import { binanceTradeId, restTradeToEvent } from './trade-dedup.js';
import type { BinanceRestDepth, BinanceRestTrade } from './wire.js';

export const BINANCE_TRADES_ENDPOINT = 'api_v3_historicalTrades';
export const BINANCE_DEPTH_ENDPOINT = 'api_v3_depth';

/** Per-symbol transform state that lives across passes, so `--loop` continues seamlessly. */
class SymbolState {
  readonly trades = new TradeDeduper<BinanceRestTrade>(binanceTradeId);
  readonly depth: DepthDiffer;
  readonly tradeIds = new SpanTracker();
  readonly updateIds = new SpanTracker();
  snapshotSent = false;

  constructor(symbol: string) {
    this.depth = new DepthDiffer(symbol);
  }
}

/**
 * Binance recordings → Binance events: polled `historicalTrades` become `trade` events (each
 * trade once, in id order, at its own trade time); consecutive `depth` snapshots become one
 * `book_snapshot` and then `depthUpdate` diffs.
 */
export class BinanceReplaySource implements ReplaySource {
  readonly symbols: readonly string[];
  private readonly root: string;
  private readonly logger: Logger;
  private readonly state = new Map<string, SymbolState>();
  private badLines = 0;

  private constructor(root: string, symbols: string[], logger: Logger) {
    this.root = root;
    this.symbols = symbols;
    this.logger = logger;
    for (const s of symbols) this.state.set(s, new SymbolState(s));
  }

  /** Symbols present in the recordings (optionally restricted to `only`, native spelling). */
  static async open(root: string, logger: Logger, only?: readonly string[]): Promise<BinanceReplaySource> {
    const found = await listSymbolsOf(root, 'binance', [BINANCE_DEPTH_ENDPOINT, BINANCE_TRADES_ENDPOINT]);
    const symbols = found.filter((s) => !only || only.includes(s));
    return new BinanceReplaySource(root, symbols, logger);
  }

  async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const streams: AsyncGenerator<ReplayEvent>[] = [];
    for (const symbol of this.symbols) {
      const state = this.state.get(symbol) as SymbolState;
      streams.push(this.tradeEvents(symbol, state, index, timeShift));
      streams.push(this.depthEvents(symbol, state, timeShift));
    }
    yield* mergeByTime(streams, eventTime);
  }

  async recordingStart(): Promise<number | undefined> {
    let start: number | undefined;
    for (const symbol of this.symbols) {
      for (const endpoint of [BINANCE_TRADES_ENDPOINT, BINANCE_DEPTH_ENDPOINT]) {
        const first = await firstRecord(this.root, series(endpoint, symbol));
        if (first !== undefined && (start === undefined || first.record.ts < start)) start = first.record.ts;
      }
    }
    return start;
  }

  stats(): Record<string, number> {
    let duplicates = 0;
    let gaps = 0;
    let missingIds = 0;
    let staleSnapshots = 0;
    for (const s of this.state.values()) {
      duplicates += s.trades.stats.duplicates;
      gaps += s.trades.stats.gaps;
      missingIds += s.trades.stats.missingIds;
      staleSnapshots += s.depth.stats.stale;
    }
    return {
      duplicates,
      tradeGaps: gaps,
      missingTradeIds: missingIds,
      staleSnapshots,
      badLines: this.badLines,
    };
  }

  private async *tradeEvents(
    symbol: string,
    state: SymbolState,
    index: number,
    timeShift: number,
  ): AsyncGenerator<ReplayEvent> {
    const polls = readSeries<BinanceRestTrade[]>(this.root, series(BINANCE_TRADES_ENDPOINT, symbol), {
      onBadLine: this.onBadLine,
    });
    const idShift = state.tradeIds.shiftPast(1);
    // Every trade plays at its own time, the first poll's older ones included; a time below the
    // previous trade's (never seen from Binance) plays with it, so event times never go back.
    let ts = -Infinity;
    for await (const { record, file, lineNumber } of polls) {
      const origin = originOf(BINANCE_TRADES_ENDPOINT, symbol, file, lineNumber, record.ts);
      if (!Array.isArray(record.data)) {
        this.reportBadBody(record.request.path, symbol);
        continue;
      }
      const poll = index === 0 ? record.data : shiftTrades(record.data, idShift, timeShift);
      const fresh = state.trades.push(poll);
      for (let i = 0; i < fresh.length; i++) {
        const trade = fresh[i];
        state.tradeIds.see(trade.id);
        if (trade.time > ts) ts = trade.time;
        yield {
          exchange: 'binance',
          symbol,
          ts,
          kind: 'trade',
          data: restTradeToEvent(trade, symbol, ts),
          origin,
        };
      }
    }
  }

  private async *depthEvents(
    symbol: string,
    state: SymbolState,
    timeShift: number,
  ): AsyncGenerator<ReplayEvent> {
    const snapshots = readSeries<BinanceRestDepth>(this.root, series(BINANCE_DEPTH_ENDPOINT, symbol), {
      onBadLine: this.onBadLine,
    });
    const idShift = state.updateIds.shiftPast(1);
    for await (const { record, file, lineNumber } of snapshots) {
      const body = record.data;
      const origin = originOf(BINANCE_DEPTH_ENDPOINT, symbol, file, lineNumber, record.ts);
      if (!isDepthBody(body)) {
        this.reportBadBody(record.request.path, symbol);
        continue;
      }
      const ts = record.ts + timeShift;
      const snapshot = idShift === 0 ? body : { ...body, lastUpdateId: body.lastUpdateId + idShift };
      const update = state.depth.push(snapshot, ts);
      if (!state.snapshotSent) {
        state.snapshotSent = true;
        state.updateIds.see(snapshot.lastUpdateId);
        yield { exchange: 'binance', symbol, ts, kind: 'book_snapshot', data: snapshot, origin };
      } else if (update) {
        state.updateIds.see(update.u);
        yield { exchange: 'binance', symbol, ts, kind: 'book_update', data: update, origin, full: snapshot };
      }
    }
  }

  private readonly onBadLine = (info: { file: string; lineNumber: number; error: unknown }): void => {
    this.badLines++;
    this.logger.warn(
      { file: info.file, line: info.lineNumber, err: String(info.error) },
      'skipping a malformed recording line',
    );
  };

  private reportBadBody(path: string, symbol: string): void {
    this.badLines++;
    this.logger.warn({ path, symbol }, 'skipping a recorded response whose body is not the expected shape');
  }
}

function series(endpoint: string, symbol: string): SeriesId {
  return { platform: 'binance', endpoint, symbol };
}

function eventTime(e: ReplayEvent): number {
  return e.ts;
}

function isDepthBody(body: unknown): body is BinanceRestDepth {
  const b = body as BinanceRestDepth | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.lastUpdateId === 'number' &&
    Array.isArray(b.bids) &&
    Array.isArray(b.asks)
  );
}

function shiftTrades(
  poll: readonly BinanceRestTrade[],
  idShift: number,
  timeShift: number,
): BinanceRestTrade[] {
  const out = new Array<BinanceRestTrade>(poll.length);
  for (let i = 0; i < poll.length; i++) {
    const t = poll[i];
    out[i] = { ...t, id: t.id + idShift, time: t.time + timeShift };
  }
  return out;
}
