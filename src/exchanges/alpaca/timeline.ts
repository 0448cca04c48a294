/**
 * The Alpaca replay timeline: per-symbol state (hub-market.ts) fed by replay events (events.ts),
 * publishing each stream message once per encoding on its fan-out channel (channels.ts), and
 * only while that channel has a subscriber:
 *
 * - `t` for each trade event, `q` for each quote event, at their own times;
 * - `b` for each `bar` event (sent at the end of its minute), then `d`, the day's bar so far;
 * - `u` when a trade of a minute whose bar was already sent arrives (hub-bars.ts). Events arrive
 *   in time order, so this happens only for a trade recorded late (its `t` before the bar's end
 *   while its event comes after the bar). The daily bar is left as it was (no second `d`);
 * - `s` for every replayed symbol when replay time crosses the regular session's open or close
 *   (market-hours.ts): at the open status "T" "Trading Resumption", at the close "H" "Trading
 *   Halt", reason code and message empty. Alpaca's `s` carries halts and resumptions [doc]; that
 *   it marks the scheduled open and close with these codes is [unconfirmed], and the `z` is the
 *   symbol's latest trade's tape. Only a crossing is announced: the state at the first event is not.
 *
 * Feed `test` serves `FAKEPACA` [doc]: here the first replayed symbol's data relabeled
 * (`S` = `FAKEPACA`), the first of `symbols` when given.
 */
import type { Logger } from '../../core/logger.js';
import { dataText, type ReplayEvent } from '../../replay/events.js';
import type { ChannelPublisher } from '../../replay/venue-host.js';
import { FAKEPACA, fanoutChannel, type AlpacaDataType } from './channels.js';
import { encodeMessage, rfc3339Millis, type AlpacaEncoding } from './encoder.js';
import type { AlpacaBarEvent, AlpacaQuoteEvent, AlpacaTradeEvent } from './events.js';
import { millisText, withLateTrade } from './hub-bars.js';
import { AlpacaMarket } from './hub-market.js';
import { inSession, sessionOn } from './market-hours.js';
import type { AlpacaMessage, AlpacaRestBar, AlpacaStatusMessage } from './wire.js';

const ENCODINGS: readonly AlpacaEncoding[] = ['json', 'msgpack'];
const MINUTE_MS = 60_000;

export interface AlpacaTimelineCounters {
  events: number;
  /** Events that could not be applied (bad fields): logged, skipped. */
  badEvents: number;
  messagesPublished: number;
  lateTrades: number;
  statusMessages: number;
}

type Body<M> = Omit<M, 'T' | 'S'>;

/** Where one kind of message of one symbol goes, in one encoding. */
interface MessageChannels {
  readonly encoding: AlpacaEncoding;
  /** Subscribers of the symbol. */
  readonly one: string;
  /** Subscribers of `*`. */
  readonly all: string;
  /** The `test` feed's FAKEPACA. */
  readonly test: string;
}

export class AlpacaTimeline {
  readonly counters: AlpacaTimelineCounters = {
    events: 0,
    badEvents: 0,
    messagesPublished: 0,
    lateTrades: 0,
    statusMessages: 0,
  };
  private readonly markets = new Map<string, AlpacaMarket>();
  private latest: number | null = null;
  private testSource: string | undefined;
  /** Message type → symbol → its channels; lookups allocate nothing per message. */
  private readonly channelNames = new Map<AlpacaDataType, Map<string, readonly MessageChannels[]>>();

  constructor(
    private readonly sink: ChannelPublisher,
    private readonly logger: Logger,
    symbols: readonly string[] = [],
  ) {
    for (const s of symbols) this.marketOf(s);
    this.testSource = symbols[0];
  }

  get replayTime(): number | null {
    return this.latest;
  }

  symbols(): string[] {
    return [...this.markets.keys()];
  }

  market(symbol: string): AlpacaMarket | undefined {
    return this.markets.get(symbol);
  }

  /** The symbol whose data the `test` feed serves as FAKEPACA. */
  get fakepacaSource(): string | undefined {
    return this.testSource;
  }

  rewindTo(ts: number): void {
    if (Number.isFinite(ts)) this.latest = ts;
  }

  advanceTo(ts: number): void {
    if (!Number.isFinite(ts)) return;
    const before = this.latest;
    if (before !== null && ts <= before) return;
    this.latest = ts;
    if (before === null) return;
    const wasIn = inSession(before);
    if (wasIn === inSession(ts)) return;
    const at = wasIn ? sessionOn(before)?.close : sessionOn(ts)?.open;
    if (at === undefined) return;
    for (const m of this.markets.values()) this.publishStatus(m, wasIn ? 'close' : 'open', at);
  }

  push(event: ReplayEvent): void {
    this.counters.events++;
    this.advanceTo(event.ts);
    try {
      const market = this.marketOf(event.symbol);
      if (event.kind === 'trade') this.onTrade(market, event.data as AlpacaTradeEvent, dataText(event));
      else if (event.kind === 'quote') this.onQuote(market, event.data as AlpacaQuoteEvent, dataText(event));
      else if (event.kind === 'bar') this.onBar(market, event.data as AlpacaBarEvent);
      else throw new Error(`Alpaca replays trade, quote and bar events, not ${event.kind}`);
    } catch (err) {
      this.counters.badEvents++;
      this.logger.warn(
        { symbol: event.symbol, kind: event.kind, err: err instanceof Error ? err.message : String(err) },
        'skipping an Alpaca event the hub cannot apply; check the recording',
      );
    }
  }

  private marketOf(symbol: string): AlpacaMarket {
    let m = this.markets.get(symbol);
    if (m === undefined) {
      if (typeof symbol !== 'string' || symbol === '') throw new Error(`bad symbol ${String(symbol)}`);
      m = new AlpacaMarket(symbol);
      this.markets.set(symbol, m);
      this.testSource ??= symbol;
    }
    return m;
  }

  private onTrade(m: AlpacaMarket, trade: AlpacaTradeEvent, text: string): void {
    checkTimed(trade, ['p', 's', 'i']);
    const { ms, newestOfMinute } = m.addTrade(trade, text);
    this.publish(m.symbol, 't', {
      i: trade.i,
      x: trade.x,
      p: trade.p,
      s: trade.s,
      c: trade.c,
      t: trade.t,
      z: trade.z,
    });
    const sent = m.barIndexAt(Math.floor(ms / MINUTE_MS) * MINUTE_MS);
    if (sent < 0) return;
    this.counters.lateTrades++;
    const corrected = withLateTrade(m.bars.valueAt(sent), trade, newestOfMinute);
    m.bars.setValue(sent, corrected);
    this.publish(m.symbol, 'u', barBody(corrected));
  }

  private onQuote(m: AlpacaMarket, quote: AlpacaQuoteEvent, text: string): void {
    checkTimed(quote, ['ap', 'as', 'bp', 'bs']);
    m.addQuote(quote, text);
    const { bx, bp, bs, ax, ap, c, z, t } = quote;
    this.publish(m.symbol, 'q', { bx, bp, bs, ax, ap, as: quote.as, t, c, z });
  }

  private onBar(m: AlpacaMarket, bar: AlpacaBarEvent): void {
    checkTimed(bar, ['o', 'h', 'l', 'c', 'v', 'n', 'vw']);
    const daily = m.addBar(bar);
    this.publish(m.symbol, 'b', barBody(bar));
    this.publish(m.symbol, 'd', barBody(daily));
  }

  private publishStatus(m: AlpacaMarket, edge: 'open' | 'close', at: number): void {
    this.counters.statusMessages++;
    const body: Body<AlpacaStatusMessage> = {
      sc: edge === 'open' ? 'T' : 'H',
      sm: edge === 'open' ? 'Trading Resumption' : 'Trading Halt',
      rc: '',
      rm: '',
      t: millisText(at),
      z: m.latestTrade?.z ?? '',
    };
    this.publish(m.symbol, 's', body);
  }

  /** Publish one message of `symbol` on its live channels (and as FAKEPACA on `test`). */
  private publish(symbol: string, type: AlpacaDataType, body: object): void {
    let message: AlpacaMessage | undefined;
    let fake: AlpacaMessage | undefined;
    for (const ch of this.channelsOf(symbol, type)) {
      const toOne = this.sink.has(ch.one);
      const toAll = this.sink.has(ch.all);
      if (toOne || toAll) {
        message ??= { T: type, S: symbol, ...body } as AlpacaMessage;
        const payload = encodeMessage(message, ch.encoding);
        if (toOne) this.sink.publish(ch.one, payload);
        if (toAll) this.sink.publish(ch.all, payload);
        this.counters.messagesPublished++;
      }
      if (symbol === this.testSource && this.sink.has(ch.test)) {
        fake ??= { T: type, S: FAKEPACA, ...body } as AlpacaMessage;
        this.sink.publish(ch.test, encodeMessage(fake, ch.encoding));
        this.counters.messagesPublished++;
      }
    }
  }

  /** The channel names a message of `symbol` and `type` may go out on, per encoding (built once). */
  private channelsOf(symbol: string, type: AlpacaDataType): readonly MessageChannels[] {
    let bySymbol = this.channelNames.get(type);
    if (bySymbol === undefined) this.channelNames.set(type, (bySymbol = new Map()));
    let list = bySymbol.get(symbol);
    if (list === undefined) {
      list = ENCODINGS.map((encoding) => ({
        encoding,
        one: fanoutChannel(encoding, 'live', type, symbol),
        all: fanoutChannel(encoding, 'live', type, '*'),
        test: fanoutChannel(encoding, 'test', type, FAKEPACA),
      }));
      bySymbol.set(symbol, list);
    }
    return list;
  }
}

function barBody(bar: AlpacaRestBar): Body<AlpacaRestBar> {
  return { o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v, t: bar.t, n: bar.n, vw: bar.vw };
}

/** Throws naming the field when `t` is not RFC3339 text or a number field is not a finite number. */
function checkTimed(value: unknown, numbers: readonly string[]): void {
  if (typeof value !== 'object' || value === null) throw new Error('event data is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.t !== 'string' || !Number.isFinite(rfc3339Millis(v.t))) {
    throw new Error(`field t ${JSON.stringify(v.t)} is not RFC3339 text`);
  }
  for (const f of numbers) {
    if (typeof v[f] !== 'number' || !Number.isFinite(v[f])) {
      throw new Error(`field ${f} ${JSON.stringify(v[f])} is not a finite number`);
    }
  }
}
