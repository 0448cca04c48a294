/**
 * Bars the Alpaca hub derives from the recorded ones, pure:
 *
 * - the daily bar so far (`d`, and REST snapshots' `dailyBar`): the New York day's minute bars
 *   merged — open of the first, high / low over all, close of the last, volume and trade count
 *   summed, VWAP volume-weighted — stamped at New York midnight as Alpaca stamps daily bars
 *   ("2021-02-22T05:00:00Z") [doc: example bars; the merge rule is the bars' definition];
 * - the updated minute bar (`u`): a bar already sent, with a trade of its minute that arrived
 *   after it (high / low / volume / count / VWAP; the close too when the trade is the minute's
 *   latest). Alpaca sends `u` when late trades change a sent bar [doc]; its exact rule (which
 *   conditions count toward a bar) is [unconfirmed] — every trade counts here.
 */
import { formatTimeSpec } from './encoder.js';
import type { AlpacaRestBar, AlpacaRestTrade } from './wire.js';

/** RFC3339 text of whole milliseconds (`2026-01-05T14:31:00Z`). */
export function millisText(ms: number): string {
  const sec = Math.floor(ms / 1000);
  return formatTimeSpec({ sec, nsec: (ms - sec * 1000) * 1e6 });
}

function vwap(aPrice: number, aVolume: number, bPrice: number, bVolume: number): number {
  const v = aVolume + bVolume;
  return v === 0 ? bPrice : (aPrice * aVolume + bPrice * bVolume) / v;
}

/** The daily bar `daily` (or a new one stamped `dayStartText`) with the minute bar `bar` merged in. */
export function mergeDaily(
  daily: AlpacaRestBar | undefined,
  bar: AlpacaRestBar,
  dayStartText: string,
): AlpacaRestBar {
  if (daily === undefined) return { ...bar, t: dayStartText };
  return {
    t: daily.t,
    o: daily.o,
    h: Math.max(daily.h, bar.h),
    l: Math.min(daily.l, bar.l),
    c: bar.c,
    v: daily.v + bar.v,
    n: daily.n + bar.n,
    vw: vwap(daily.vw, daily.v, bar.vw, bar.v),
  };
}

/** `bar` with the late `trade` of its minute added; `latest` when the trade is the minute's newest. */
export function withLateTrade(bar: AlpacaRestBar, trade: AlpacaRestTrade, latest: boolean): AlpacaRestBar {
  return {
    t: bar.t,
    o: bar.o,
    h: Math.max(bar.h, trade.p),
    l: Math.min(bar.l, trade.p),
    c: latest ? trade.p : bar.c,
    v: bar.v + trade.s,
    n: bar.n + 1,
    vw: vwap(bar.vw, bar.v, trade.p, trade.s),
  };
}
