/**
 * The Alpaca replay events' `data`, the contract between the replay source (recordings → events)
 * and the hub timeline (events → stream messages and REST answers). `ReplayEvent.symbol` is the
 * stock symbol (`AAPL`), which is also its canonical form.
 *
 * - kind `trade`: one `AlpacaTradeEvent` per trade, each (exchange, id) once, in time order, at the
 *   trade's own time.
 * - kind `quote`: one `AlpacaQuoteEvent` per quote, each once, in time order, at its own time.
 * - kind `bar`: one `AlpacaBarEvent` per recorded minute bar (`t` = the minute's start), at the end
 *   of its minute (when Alpaca's stream sends it).
 *
 * `t` is RFC3339 text with the recording's own sub-millisecond digits; on `--loop` passes the
 * source rewrites it shifted, keeping those digits.
 */
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

export type AlpacaTradeEvent = AlpacaRestTrade;
export type AlpacaQuoteEvent = AlpacaRestQuote;
export type AlpacaBarEvent = AlpacaRestBar;
