/**
 * OKX recordings → OKX replay events (events.ts). Polled `/api/v5/market/trades` pages become
 * `trade` events: each tradeId once, in id order, at its own `ts`, however the pages overlap
 * (TradeDeduper); ids stay text. Consecutive `/api/v5/market/books` answers become one
 * `book_snapshot` and then `book_update` diffs (SnapshotDiffer over the four-field level): a level
 * whose size or order count changed or that appeared, with its new text, and a vanished one as
 * OKX deletes it, `[px, "0", "0", "0"]` [capture]. Applying the updates to the snapshot reproduces
 * every recorded book exactly. A REST body with `code` ≠ "0" is an error answer [doc]; it, bad
 * JSON and missing fields are counted and logged once with file:line, then skipped.
 */
import type { Logger } from '../../core/logger.js';
import { BadLineLog } from '../../replay/bad-lines.js';
import { originOf, type ReplayEvent } from '../../replay/events.js';
import { SnapshotDiffer } from '../../replay/level-diff.js';
import { mergeByTime } from '../../replay/merge.js';
import { SpanTracker, recordingStartOf, type ReplaySource } from '../../replay/source.js';
import { TradeDeduper } from '../../replay/trade-dedup.js';
import { listRecordingFiles, listSymbolsOf } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import type { OkxBookEvent, OkxTradeEvent } from './events.js';
import { canonicalSymbolOf, instIdOf } from './symbols.js';
import type { OkxLevel, OkxRestTrade } from './wire.js';

export const OKX_PLATFORM = 'okx';
export const OKX_TRADES_ENDPOINT = 'api_v5_market_trades';
export const OKX_BOOKS_ENDPOINT = 'api_v5_market_books';
export const OKX_INSTRUMENTS_ENDPOINT = 'api_v5_public_instruments';

/** How OKX writes a deleted level in a `books` update [capture]. */
export function deletedLevel(gone: OkxLevel): OkxLevel {
  return [gone[0], '0', '0', '0'];
}

/** Per-instrument transform state that lives across passes, so `--loop` continues seamlessly. */
class InstrumentState {
  readonly trades = new TradeDeduper<OkxRestTrade>((t) => Number(t.tradeId));
  readonly books = new SnapshotDiffer<OkxLevel>(deletedLevel);
  readonly tradeIds = new SpanTracker();

  constructor(readonly instId: string) {}
}

/** Why a recorded body is not usable: the text names what is wrong. */
class BadBody {
  constructor(readonly why: string) {}
}

export class OkxReplaySource implements ReplaySource {
  readonly symbols: readonly string[];
  private readonly bad: BadLineLog;
  private zeroLevels = 0;

  private constructor(
    private readonly root: string,
    private readonly state: readonly InstrumentState[],
    logger: Logger,
  ) {
    this.symbols = state.map((s) => s.instId);
    this.bad = new BadLineLog('okx', logger);
  }

  /**
   * The instruments recorded under `<root>/okx/` (optionally only those of `only`, as instIds or
   * canonical symbols). A directory that is not a `BASE-QUOTE` instId is skipped with a warning.
   */
  static async open(
    root: string,
    logger: Logger,
    opts: { readonly only?: readonly string[] } = {},
  ): Promise<OkxReplaySource> {
    const stored = await listSymbolsOf(root, OKX_PLATFORM, [OKX_BOOKS_ENDPOINT, OKX_TRADES_ENDPOINT]);
    const wanted = opts.only?.map((name) => (name.includes('/') ? instIdOf(name) : name));
    const state: InstrumentState[] = [];
    for (const instId of stored) {
      try {
        canonicalSymbolOf(instId);
      } catch (err) {
        logger.warn(
          { instId, err: String(err) },
          'okx: skipping recordings of an instrument that is not BASE-QUOTE',
        );
        continue;
      }
      if (wanted === undefined || wanted.includes(instId)) state.push(new InstrumentState(instId));
    }
    return new OkxReplaySource(root, state, logger);
  }

  async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const streams: AsyncGenerator<ReplayEvent>[] = [];
    for (const s of this.state) {
      streams.push(this.tradeEvents(s, index, timeShift));
      streams.push(this.bookEvents(s, timeShift));
    }
    yield* mergeByTime(streams, (e) => e.ts);
  }

  async recordingStart(): Promise<number | undefined> {
    return recordingStartOf(this.root, OKX_PLATFORM, [OKX_TRADES_ENDPOINT, OKX_BOOKS_ENDPOINT], this.symbols);
  }

  /** `badLines` counts distinct bad lines (a `--loop` pass re-reading one does not count it again). */
  stats(): Record<string, number> {
    let duplicates = 0;
    let tradeGaps = 0;
    let missingTradeIds = 0;
    for (const s of this.state) {
      duplicates += s.trades.stats.duplicates;
      tradeGaps += s.trades.stats.gaps;
      missingTradeIds += s.trades.stats.missingIds;
    }
    return {
      duplicates,
      tradeGaps,
      missingTradeIds,
      zeroLevels: this.zeroLevels,
      badLines: this.bad.count,
    };
  }

  private files(endpoint: string, s: InstrumentState): Promise<string[]> {
    return listRecordingFiles(this.root, OKX_PLATFORM, endpoint, s.instId);
  }

  private async *tradeEvents(
    s: InstrumentState,
    index: number,
    timeShift: number,
  ): AsyncGenerator<ReplayEvent> {
    const symbol = s.instId;
    const idShift = s.tradeIds.shiftPast(1);
    // Event times never go back: a trade timed before the previous one plays with it.
    let ts = -Infinity;
    const files = await this.files(OKX_TRADES_ENDPOINT, s);
    for await (const { record, file, lineNumber } of readRecords(files, { onBadLine: this.bad.onBadLine })) {
      const trades = tradesOf(record.data, s.instId);
      if (trades instanceof BadBody) {
        this.bad.body(file, lineNumber, trades.why);
        continue;
      }
      const origin = originOf(OKX_TRADES_ENDPOINT, s.instId, file, lineNumber, record.ts);
      const page =
        index === 0 ? trades : trades.map((t) => ({ ...t, tradeId: String(Number(t.tradeId) + idShift) }));
      for (const trade of s.trades.push(page)) {
        s.tradeIds.see(Number(trade.tradeId));
        const ms = Number(trade.ts) + timeShift;
        if (ms > ts) ts = ms;
        const data: OkxTradeEvent = timeShift === 0 ? trade : { ...trade, ts: String(ms) };
        yield { exchange: OKX_PLATFORM, symbol, ts, kind: 'trade', data, origin };
      }
    }
  }

  private async *bookEvents(s: InstrumentState, timeShift: number): AsyncGenerator<ReplayEvent> {
    const symbol = s.instId;
    const files = await this.files(OKX_BOOKS_ENDPOINT, s);
    for await (const { record, file, lineNumber } of readRecords(files, { onBadLine: this.bad.onBadLine })) {
      const book = this.bookOf(record.data);
      if (book instanceof BadBody) {
        this.bad.body(file, lineNumber, book.why);
        continue;
      }
      const diff = s.books.push(book);
      const levels = diff ?? { bids: book.bids, asks: book.asks };
      const bookTs = String(Number(book.ts) + timeShift);
      const data: OkxBookEvent = { ...levels, ts: bookTs };
      yield {
        exchange: OKX_PLATFORM,
        symbol,
        ts: record.ts + timeShift,
        kind: diff === null ? 'book_snapshot' : 'book_update',
        data,
        origin: originOf(OKX_BOOKS_ENDPOINT, s.instId, file, lineNumber, record.ts),
        full: diff === null ? undefined : { bids: book.bids, asks: book.asks, ts: bookTs },
      };
    }
  }

  /** The one book of a books body, zero-size levels dropped (counted), or why it is not one. */
  private bookOf(body: unknown): OkxBookEvent | BadBody {
    const entry = firstEntry(body, 'books');
    if (entry instanceof BadBody) return entry;
    const { bids, asks, ts } = entry as { bids?: unknown; asks?: unknown; ts?: unknown };
    if (!isMs(ts)) return new BadBody('books: the entry has no ms `ts` text');
    const bidLevels = this.levels(bids);
    const askLevels = this.levels(asks);
    if (bidLevels === undefined || askLevels === undefined) {
      return new BadBody('books: `bids`/`asks` are not lists of [px, sz, "0", orders] text levels');
    }
    return { bids: bidLevels, asks: askLevels, ts };
  }

  private levels(side: unknown): OkxLevel[] | undefined {
    if (!Array.isArray(side) || !side.every(isLevel)) return undefined;
    const out: OkxLevel[] = [];
    for (const level of side) {
      if (+level[1] === 0) this.zeroLevels++;
      else out.push(level);
    }
    return out;
  }
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
const DIGITS = /^\d+$/;

function isMs(value: unknown): value is string {
  return typeof value === 'string' && DIGITS.test(value) && Number.isSafeInteger(Number(value));
}

function isLevel(level: unknown): level is OkxLevel {
  return (
    Array.isArray(level) &&
    level.length === 4 &&
    typeof level[0] === 'string' &&
    DECIMAL.test(level[0]) &&
    typeof level[1] === 'string' &&
    DECIMAL.test(level[1]) &&
    typeof level[2] === 'string' &&
    DECIMAL.test(level[2]) &&
    typeof level[3] === 'string' &&
    DIGITS.test(level[3])
  );
}

/** The `data` list of an OKX answer with `code` "0", or why it is not one. */
function dataOf(body: unknown, endpoint: string): unknown[] | BadBody {
  if (typeof body !== 'object' || body === null)
    return new BadBody(`${endpoint}: the body is not a JSON object`);
  const { code, msg, data } = body as { code?: unknown; msg?: unknown; data?: unknown };
  if (code !== '0') {
    return new BadBody(
      `${endpoint}: OKX answered code ${JSON.stringify(code)} (${JSON.stringify(msg)}), not "0"`,
    );
  }
  if (!Array.isArray(data)) return new BadBody(`${endpoint}: the body has no \`data\` list`);
  return data;
}

function firstEntry(body: unknown, endpoint: string): object | BadBody {
  const data = dataOf(body, endpoint);
  if (data instanceof BadBody) return data;
  const entry: unknown = data[0];
  if (data.length !== 1 || typeof entry !== 'object' || entry === null) {
    return new BadBody(`${endpoint}: \`data\` must hold exactly one book, it holds ${data.length} entries`);
  }
  return entry;
}

function isTrade(value: unknown, instId: string): value is OkxRestTrade {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Record<keyof OkxRestTrade, unknown>>;
  return (
    t.instId === instId &&
    (t.side === 'buy' || t.side === 'sell') &&
    typeof t.px === 'string' &&
    DECIMAL.test(t.px) &&
    typeof t.sz === 'string' &&
    DECIMAL.test(t.sz) &&
    isMs(t.tradeId) &&
    isMs(t.ts)
  );
}

/** The trades of a trades page (as recorded: newest first), or why it is not one. */
function tradesOf(body: unknown, instId: string): OkxRestTrade[] | BadBody {
  const data = dataOf(body, 'trades');
  if (data instanceof BadBody) return data;
  const bad = data.findIndex((t) => !isTrade(t, instId));
  if (bad >= 0) {
    return new BadBody(
      `trades: entry ${bad} is not a ${instId} trade {instId, side, sz, px, tradeId, ts} with text numbers`,
    );
  }
  return data as OkxRestTrade[];
}
