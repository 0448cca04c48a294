/**
 * Kraken recordings → Kraken replay events. Polled `0/public/Trades` pages become `trade`
 * events (each trade once, in trade-id order, at its own time, however the polls' `since`
 * windows overlap); consecutive `0/public/Depth` books become one `book_snapshot` and then
 * `book_update` diffs (SnapshotDiffer), whose application to the snapshot reproduces every
 * recorded book. A Depth level whose volume prints as zero ("0.000": under the 3 decimals REST
 * writes) is not on the book: it is dropped before diffing, never sent as a delete.
 */
import { DecodeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { originOf, type ReplayEvent } from '../../replay/events.js';
import { SnapshotDiffer, type TextBook, type TextLevel } from '../../replay/level-diff.js';
import { mergeByTime } from '../../replay/merge.js';
import { SpanTracker, recordingStartOf, type ReplaySource } from '../../replay/source.js';
import { TradeDeduper } from '../../replay/trade-dedup.js';
import { listRecordingFiles, listSymbolsOf } from '../../storage/layout.js';
import { readRecords, type BadLineInfo } from '../../storage/reader.js';
import type { KrakenTradeInput } from './encoder.js';
import { KRAKEN_PAIRS, restResult, type KrakenPair, type KrakenPairs } from './symbols.js';
import type { KrakenRestDepthLevel, KrakenRestTradeRow } from './wire.js';

export const KRAKEN_PLATFORM = 'kraken';
export const KRAKEN_TRADES_ENDPOINT = '0_public_Trades';
export const KRAKEN_DEPTH_ENDPOINT = '0_public_Depth';

/**
 * `book_snapshot` and `book_update` data: levels as the REST text `[price, volume]`, best first
 * in a snapshot; in an update a zero volume removes the level.
 */
export type KrakenBookEvent = TextBook;

/** `trade` data: the v2 trade as the encoder takes it (`timestamp` in ms, its fraction µs). */
export type KrakenTradeEvent = KrakenTradeInput;

/** Per-pair transform state that lives across passes, so `--loop` continues seamlessly. */
class PairState {
  readonly trades = new TradeDeduper<KrakenRestTradeRow>((row) => row[6]);
  readonly depth = new SnapshotDiffer();
  readonly tradeIds = new SpanTracker();

  constructor(
    readonly pair: KrakenPair,
    /** The storage directory name (the v2 symbol, or however the recorder spelled it). */
    readonly stored: string,
  ) {}
}

export class KrakenReplaySource implements ReplaySource {
  readonly symbols: readonly string[];
  private readonly root: string;
  private readonly logger: Logger;
  private readonly state: readonly PairState[];
  private badLines = 0;
  private zeroLevels = 0;

  private constructor(root: string, state: PairState[], logger: Logger) {
    this.root = root;
    this.state = state;
    this.symbols = state.map((s) => s.pair.symbol);
    this.logger = logger;
  }

  /**
   * The pairs recorded under `<root>/kraken/` (optionally only those of `only`, any Kraken
   * spelling). A recorded pair `pairs` does not know is skipped with a warning.
   */
  static async open(
    root: string,
    logger: Logger,
    opts: { readonly only?: readonly string[]; readonly pairs?: KrakenPairs } = {},
  ): Promise<KrakenReplaySource> {
    const pairs = opts.pairs ?? KRAKEN_PAIRS;
    const stored = await listSymbolsOf(root, KRAKEN_PLATFORM, [
      KRAKEN_DEPTH_ENDPOINT,
      KRAKEN_TRADES_ENDPOINT,
    ]);
    const wanted = opts.only?.map((name) => pairs.find(name)?.symbol ?? name);
    const state: PairState[] = [];
    for (const name of stored) {
      const pair = pairs.find(name);
      if (pair === undefined) {
        logger.warn({ pair: name }, 'kraken: skipping recordings of a pair with no known precision');
        continue;
      }
      if (wanted === undefined || wanted.includes(pair.symbol)) state.push(new PairState(pair, name));
    }
    return new KrakenReplaySource(root, state, logger);
  }

  async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const streams: AsyncGenerator<ReplayEvent>[] = [];
    for (const s of this.state) {
      streams.push(this.tradeEvents(s, index, timeShift));
      streams.push(this.depthEvents(s, timeShift));
    }
    yield* mergeByTime(streams, (e) => e.ts);
  }

  async recordingStart(): Promise<number | undefined> {
    const stored = this.state.map((s) => s.stored);
    return recordingStartOf(
      this.root,
      KRAKEN_PLATFORM,
      [KRAKEN_TRADES_ENDPOINT, KRAKEN_DEPTH_ENDPOINT],
      stored,
    );
  }

  stats(): Record<string, number> {
    let duplicates = 0;
    let tradeGaps = 0;
    let missingTradeIds = 0;
    for (const s of this.state) {
      duplicates += s.trades.stats.duplicates;
      tradeGaps += s.trades.stats.gaps;
      missingTradeIds += s.trades.stats.missingIds;
    }
    return { duplicates, tradeGaps, missingTradeIds, zeroLevels: this.zeroLevels, badLines: this.badLines };
  }

  private files(endpoint: string, s: PairState): Promise<string[]> {
    return listRecordingFiles(this.root, KRAKEN_PLATFORM, endpoint, s.stored);
  }

  private async *tradeEvents(s: PairState, index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const symbol = s.pair.symbol;
    const idShift = s.tradeIds.shiftPast(1);
    // Event times never go back: a trade timed before the previous one plays with it.
    let ts = -Infinity;
    const files = await this.files(KRAKEN_TRADES_ENDPOINT, s);
    for await (const { record, file, lineNumber } of readRecords(files, { onBadLine: this.onBadLine })) {
      const origin = originOf(KRAKEN_TRADES_ENDPOINT, s.stored, file, lineNumber, record.ts);
      const rows = this.tradeRows(record.data, s.pair);
      if (rows === undefined) continue;
      const fresh = s.trades.push(index === 0 ? rows : rows.map((row) => shiftedRow(row, idShift)));
      for (let i = 0; i < fresh.length; i++) {
        const data = tradeEvent(fresh[i], symbol, timeShift);
        s.tradeIds.see(data.tradeId);
        const ms = Math.floor(data.timestamp);
        if (ms > ts) ts = ms;
        yield { exchange: KRAKEN_PLATFORM, symbol, ts, kind: 'trade', data, origin };
      }
    }
  }

  private async *depthEvents(s: PairState, timeShift: number): AsyncGenerator<ReplayEvent> {
    const symbol = s.pair.symbol;
    const files = await this.files(KRAKEN_DEPTH_ENDPOINT, s);
    for await (const { record, file, lineNumber } of readRecords(files, { onBadLine: this.onBadLine })) {
      const book = this.depthBook(record.data, s.pair);
      if (book === undefined) continue;
      const ts = record.ts + timeShift;
      const diff = s.depth.push(book);
      const data: KrakenBookEvent = diff ?? (s.depth.book as TextBook);
      yield {
        exchange: KRAKEN_PLATFORM,
        symbol,
        ts,
        kind: diff === null ? 'book_snapshot' : 'book_update',
        data,
        origin: originOf(KRAKEN_DEPTH_ENDPOINT, s.stored, file, lineNumber, record.ts),
        full: diff === null ? undefined : book,
      };
    }
  }

  /** The rows of a Trades body, or undefined (counted, logged) when it is not one. */
  private tradeRows(body: unknown, pair: KrakenPair): KrakenRestTradeRow[] | undefined {
    try {
      const rows = restResult(body, 'Trades')[pair.restKey];
      if (Array.isArray(rows) && rows.every(isTradeRow)) return rows;
      throw new DecodeError(`kraken: Trades result has no valid rows under ${pair.restKey}`);
    } catch (err) {
      return this.badBody('Trades', pair, err);
    }
  }

  /** The book of a Depth body without zero-volume levels, or undefined when it is not one. */
  private depthBook(body: unknown, pair: KrakenPair): TextBook | undefined {
    try {
      const book = restResult(body, 'Depth')[pair.restKey] as { asks?: unknown; bids?: unknown } | undefined;
      const bids = book === undefined ? undefined : this.levels(book.bids);
      const asks = book === undefined ? undefined : this.levels(book.asks);
      if (bids !== undefined && asks !== undefined) return { bids, asks };
      throw new DecodeError(`kraken: Depth result has no valid asks and bids under ${pair.restKey}`);
    } catch (err) {
      return this.badBody('Depth', pair, err);
    }
  }

  private levels(side: unknown): TextLevel[] | undefined {
    if (!Array.isArray(side) || !side.every(isDepthLevel)) return undefined;
    const out: TextLevel[] = [];
    for (const level of side) {
      if (+level[1] === 0) this.zeroLevels++;
      else out.push([level[0], level[1]]);
    }
    return out;
  }

  private badBody(endpoint: string, pair: KrakenPair, err: unknown): undefined {
    this.badLines++;
    this.logger.warn(
      { endpoint, pair: pair.symbol, err: String(err) },
      'kraken: skipping a recorded response whose body is not the expected shape',
    );
    return undefined;
  }

  private readonly onBadLine = (info: BadLineInfo): void => {
    this.badLines++;
    this.logger.warn(
      { file: info.file, line: info.lineNumber, err: String(info.error) },
      'kraken: skipping a malformed recording line',
    );
  };
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

function isTradeRow(row: unknown): row is KrakenRestTradeRow {
  return (
    Array.isArray(row) &&
    row.length >= 7 &&
    typeof row[0] === 'string' &&
    DECIMAL.test(row[0]) &&
    typeof row[1] === 'string' &&
    DECIMAL.test(row[1]) &&
    Number.isFinite(row[2]) &&
    (row[3] === 'b' || row[3] === 's') &&
    (row[4] === 'm' || row[4] === 'l') &&
    Number.isSafeInteger(row[6])
  );
}

function isDepthLevel(level: unknown): level is KrakenRestDepthLevel {
  return (
    Array.isArray(level) &&
    typeof level[0] === 'string' &&
    DECIMAL.test(level[0]) &&
    typeof level[1] === 'string' &&
    DECIMAL.test(level[1])
  );
}

function shiftedRow(row: KrakenRestTradeRow, idShift: number): KrakenRestTradeRow {
  const copy = row.slice() as KrakenRestTradeRow;
  copy[6] = row[6] + idShift;
  return copy;
}

/** A Trades row as the v2 trade; its time (fractional seconds) kept to the µs. */
function tradeEvent(row: KrakenRestTradeRow, symbol: string, timeShift: number): KrakenTradeEvent {
  return {
    symbol,
    side: row[3] === 'b' ? 'buy' : 'sell',
    price: row[0],
    qty: row[1],
    ordType: row[4] === 'm' ? 'market' : 'limit',
    tradeId: row[6],
    timestamp: Math.round(row[2] * 1e6) / 1000 + timeShift,
  };
}
