/**
 * Alpaca recordings → Alpaca replay events (events.ts). Recorded historical REST answers
 * (`/v2/stocks/{symbol}/trades|quotes|bars`, each window possibly in several pages, one line a
 * page) become, per stock: a `trade` event per trade, each (exchange `x`, id `i`) once — ids are
 * per symbol and exchange [doc] — in time order at the trade's own time; a `quote` event per
 * quote, each once, in time order; a `bar` event per minute bar at the end of its minute (when
 * the stream sends it). `--loop` passes shift times (`t` rewritten, its sub-ms digits kept) and
 * trade ids past everything emitted. A line that is not a recording, a body that is not an
 * Alpaca page of the stock (an error answer `{"code","message"}` among them) and malformed items
 * are counted and logged once with file:line, then skipped.
 */
import type { Logger } from '../../core/logger.js';
import { BadLineLog } from '../../replay/bad-lines.js';
import { originOf, type EventOrigin, type ReplayEvent } from '../../replay/events.js';
import { mergeByTime } from '../../replay/merge.js';
import { SpanTracker, recordingStartOf, type ReplaySource } from '../../replay/source.js';
import { TradeDeduper } from '../../replay/trade-dedup.js';
import { listRecordingFiles, listSymbolsOf } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import type { AlpacaBarEvent, AlpacaQuoteEvent, AlpacaTradeEvent } from './events.js';
import { compareInstants, formatAlpacaTime, parseAlpacaTime, type AlpacaInstant } from './recording-time.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

export const ALPACA_PLATFORM = 'alpaca';
export const ALPACA_TRADES_ENDPOINT = 'v2_stocks_trades';
export const ALPACA_QUOTES_ENDPOINT = 'v2_stocks_quotes';
export const ALPACA_BARS_ENDPOINT = 'v2_stocks_bars';
const ENDPOINTS = [ALPACA_TRADES_ENDPOINT, ALPACA_QUOTES_ENDPOINT, ALPACA_BARS_ENDPOINT] as const;
const MINUTE_MS = 60_000;
/** US stock symbols as Alpaca spells them (`AAPL`, `BRK.B`). */
const STOCK_SYMBOL = /^[A-Z][A-Z0-9.]{0,14}$/;

/** Per-stock state that lives across passes, so `--loop` continues seamlessly. */
class StockState {
  /** One deduper per exchange code: trade ids count per symbol and exchange. */
  readonly trades = new Map<string, TradeDeduper<AlpacaRestTrade>>();
  readonly tradeIds = new SpanTracker();

  constructor(readonly symbol: string) {}

  deduper(x: string): TradeDeduper<AlpacaRestTrade> {
    let d = this.trades.get(x);
    if (d === undefined) this.trades.set(x, (d = new TradeDeduper((t) => t.i)));
    return d;
  }
}

/** Why a recorded body is not usable: the text names what is wrong. */
class BadBody {
  constructor(readonly why: string) {}
}

/** Drops repeats of time-ordered items without ids (quotes, bars): the same or an older time. */
class TimeOrderFilter {
  private last: AlpacaInstant | undefined;
  /** The items emitted at exactly `last` (different items may share a timestamp). */
  private atLast = new Set<string>();
  duplicates = 0;

  accept(at: AlpacaInstant, item: object): boolean {
    const order = this.last === undefined ? 1 : compareInstants(at, this.last);
    const key = JSON.stringify(item);
    if (order < 0 || (order === 0 && this.atLast.has(key))) {
      this.duplicates++;
      return false;
    }
    if (order > 0) this.atLast = new Set();
    this.last = at;
    this.atLast.add(key);
    return true;
  }
}

export class AlpacaReplaySource implements ReplaySource {
  readonly symbols: readonly string[];
  private readonly bad: BadLineLog;
  private repeatedQuotes = 0;
  private repeatedBars = 0;

  private constructor(
    private readonly root: string,
    private readonly state: readonly StockState[],
    logger: Logger,
  ) {
    this.symbols = state.map((s) => s.symbol);
    this.bad = new BadLineLog('alpaca', logger);
  }

  /**
   * The stocks recorded under `<root>/alpaca/` (optionally only those of `only`). A directory
   * that is not a stock symbol is skipped with a warning.
   */
  static async open(
    root: string,
    logger: Logger,
    opts: { readonly only?: readonly string[] } = {},
  ): Promise<AlpacaReplaySource> {
    const stored = await listSymbolsOf(root, ALPACA_PLATFORM, ENDPOINTS);
    const wanted = opts.only?.map((s) => s.toUpperCase());
    const state: StockState[] = [];
    for (const symbol of stored) {
      if (!STOCK_SYMBOL.test(symbol)) {
        logger.warn({ symbol }, 'alpaca: skipping recordings of a directory that is not a stock symbol');
        continue;
      }
      if (wanted === undefined || wanted.includes(symbol)) state.push(new StockState(symbol));
    }
    return new AlpacaReplaySource(root, state, logger);
  }

  async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const streams: AsyncGenerator<ReplayEvent>[] = [];
    for (const s of this.state) {
      streams.push(this.tradeEvents(s, index, timeShift));
      streams.push(this.quoteEvents(s, timeShift));
      streams.push(this.barEvents(s, timeShift));
    }
    yield* mergeByTime(streams, (e) => e.ts);
  }

  async recordingStart(): Promise<number | undefined> {
    return recordingStartOf(this.root, ALPACA_PLATFORM, ENDPOINTS, this.symbols);
  }

  /** `badLines` counts distinct bad lines (a `--loop` pass re-reading one does not count it again). */
  stats(): Record<string, number> {
    let duplicates = 0;
    let tradeGaps = 0;
    let missingTradeIds = 0;
    for (const s of this.state) {
      for (const d of s.trades.values()) {
        duplicates += d.stats.duplicates;
        tradeGaps += d.stats.gaps;
        missingTradeIds += d.stats.missingIds;
      }
    }
    return {
      duplicates,
      tradeGaps,
      missingTradeIds,
      repeatedQuotes: this.repeatedQuotes,
      repeatedBars: this.repeatedBars,
      badLines: this.bad.count,
    };
  }

  private files(endpoint: string, s: StockState): Promise<string[]> {
    return listRecordingFiles(this.root, ALPACA_PLATFORM, endpoint, s.symbol);
  }

  /** The item lists of a series' recorded pages, in file order, bad ones reported and skipped. */
  private async *pages<T>(
    endpoint: string,
    s: StockState,
    series: 'trades' | 'quotes' | 'bars',
    isItem: (v: unknown) => v is T,
  ): AsyncGenerator<{ items: T[]; origin: EventOrigin }> {
    const files = await this.files(endpoint, s);
    for await (const { record, file, lineNumber } of readRecords(files, { onBadLine: this.bad.onBadLine })) {
      const items = pageItems(record.data, series, s.symbol, isItem);
      if (items instanceof BadBody) this.bad.body(file, lineNumber, items.why);
      else yield { items, origin: originOf(endpoint, s.symbol, file, lineNumber, record.ts) };
    }
  }

  private async *tradeEvents(s: StockState, index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    const idShift = s.tradeIds.shiftPast(1);
    // Event times never go back: a trade timed before the previous one plays with it.
    let ts = -Infinity;
    for await (const { items: page, origin } of this.pages(ALPACA_TRADES_ENDPOINT, s, 'trades', isTrade)) {
      for (const recorded of page) {
        const trade = index === 0 ? recorded : { ...recorded, i: recorded.i + idShift };
        if (s.deduper(trade.x).push([trade]).length === 0) continue;
        s.tradeIds.see(trade.i);
        const at = parseAlpacaTime(trade.t)!;
        ts = Math.max(ts, at.ms + timeShift);
        const data: AlpacaTradeEvent = timeShift === 0 ? trade : { ...trade, t: shifted(at, timeShift) };
        yield { exchange: ALPACA_PLATFORM, symbol: s.symbol, ts, kind: 'trade', data, origin };
      }
    }
  }

  private async *quoteEvents(s: StockState, timeShift: number): AsyncGenerator<ReplayEvent> {
    const seen = new TimeOrderFilter();
    for await (const { items: page, origin } of this.pages(ALPACA_QUOTES_ENDPOINT, s, 'quotes', isQuote)) {
      for (const quote of page) {
        const at = parseAlpacaTime(quote.t)!;
        if (!seen.accept(at, quote)) {
          this.repeatedQuotes++;
          continue;
        }
        const data: AlpacaQuoteEvent = timeShift === 0 ? quote : { ...quote, t: shifted(at, timeShift) };
        yield {
          exchange: ALPACA_PLATFORM,
          symbol: s.symbol,
          ts: at.ms + timeShift,
          kind: 'quote',
          data,
          origin,
        };
      }
    }
  }

  private async *barEvents(s: StockState, timeShift: number): AsyncGenerator<ReplayEvent> {
    const seen = new TimeOrderFilter();
    for await (const { items: page, origin } of this.pages(ALPACA_BARS_ENDPOINT, s, 'bars', isBar)) {
      for (const bar of page) {
        const at = parseAlpacaTime(bar.t)!;
        // One bar per minute: a later answer for a minute already played is a repeat.
        if (!seen.accept(at, { t: bar.t })) {
          this.repeatedBars++;
          continue;
        }
        const data: AlpacaBarEvent = timeShift === 0 ? bar : { ...bar, t: shifted(at, timeShift) };
        const ts = at.ms + MINUTE_MS + timeShift;
        yield { exchange: ALPACA_PLATFORM, symbol: s.symbol, ts, kind: 'bar', data, origin };
      }
    }
  }
}

function shifted(at: AlpacaInstant, shiftMs: number): string {
  return formatAlpacaTime(at.ms + shiftMs, at.subMsNanos);
}

/** The items of one recorded page of `symbol` (`null` items: none), or why it is not one. */
function pageItems<T>(
  body: unknown,
  series: 'trades' | 'quotes' | 'bars',
  symbol: string,
  isItem: (v: unknown) => v is T,
): T[] | BadBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new BadBody(`${series}: the body is not a JSON object`);
  }
  const page = body as Record<string, unknown>;
  if (typeof page.message === 'string' && !(series in page)) {
    return new BadBody(`${series}: Alpaca answered an error, code ${String(page.code)}: ${page.message}`);
  }
  if (page.symbol !== symbol) {
    return new BadBody(`${series}: the page is of symbol ${JSON.stringify(page.symbol)}, not ${symbol}`);
  }
  if (!(typeof page.next_page_token === 'string' || page.next_page_token === null)) {
    return new BadBody(`${series}: \`next_page_token\` is neither text nor null`);
  }
  const items = page[series];
  if (items === null) return [];
  if (!Array.isArray(items)) return new BadBody(`${series}: the body has no \`${series}\` list`);
  const bad = items.findIndex((item) => !isItem(item));
  if (bad >= 0) {
    return new BadBody(
      `${series}: item ${bad} is not an Alpaca ${series.slice(0, -1)} (${JSON.stringify(items[bad])})`,
    );
  }
  return items as T[];
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isCode = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isConditions = (v: unknown): v is string[] => Array.isArray(v) && v.every((c) => typeof c === 'string');

function fields(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function isTrade(v: unknown): v is AlpacaRestTrade {
  const t = fields(v);
  return (
    t !== undefined &&
    parseAlpacaTime(t.t) !== undefined &&
    isCode(t.x) &&
    isNumber(t.p) &&
    t.p > 0 &&
    isCount(t.s) &&
    isConditions(t.c) &&
    isCount(t.i) &&
    typeof t.z === 'string'
  );
}

function isQuote(v: unknown): v is AlpacaRestQuote {
  const q = fields(v);
  return (
    q !== undefined &&
    parseAlpacaTime(q.t) !== undefined &&
    typeof q.ax === 'string' &&
    isNumber(q.ap) &&
    isCount(q.as) &&
    typeof q.bx === 'string' &&
    isNumber(q.bp) &&
    isCount(q.bs) &&
    isConditions(q.c) &&
    typeof q.z === 'string'
  );
}

function isBar(v: unknown): v is AlpacaRestBar {
  const b = fields(v);
  return (
    b !== undefined &&
    parseAlpacaTime(b.t) !== undefined &&
    isNumber(b.o) &&
    isNumber(b.h) &&
    isNumber(b.l) &&
    isNumber(b.c) &&
    isCount(b.v) &&
    isCount(b.n) &&
    isNumber(b.vw)
  );
}
