import type { BusMessage } from '../bus/bus.js';
import type { NormalizedMessage } from '../core/types.js';

/**
 * `?format=compact` on `/ws`: data frames keep their envelope
 * (`{"stream":"trade@BTC-USDT","data":…}`) but `data` is a short Binance-like object, for
 * bandwidth-sensitive bots. Prices and amounts are JSON numbers; levels are `[price, amount]`.
 *
 * - trade `{e:"trade",t,m,p,q,s}`: t id (a number when the exchange's id is an integer), m buyer
 *   is maker (the taker sold; null when the venue does not say), p price, q amount, s symbol.
 * - book_change (`depth@`) `{e:"depth",a,b}`: changed levels (amount 0: remove); `r:true` when
 *   the change replaces the whole book (a source switch).
 * - book `{e:"book",a,b}`: the top-20 levels, best first.
 * - ticker `{e:"ticker",c,b,a,s}`: c last price, b best bid, a best ask.
 * - quote `{e:"quote",b,B,a,A,s}`: best bid, its size, best ask, its size.
 * - bar `{e:"bar",i,E,o,h,l,c,v,s}`: interval, event time (ms), open, high, low, close, volume.
 * - status is sent as it is (rare, and its reason is the point).
 */
export type WireFormat = 'json' | 'compact';

export const WIRE_FORMATS: readonly WireFormat[] = ['json', 'compact'];

export type WireFormatResult =
  { readonly ok: true; readonly format: WireFormat } | { readonly ok: false; readonly error: string };

const USAGE = `use ?format=compact for the short shapes or leave format out (json)`;

/** The `format` of a `/ws` upgrade URL (`/ws?format=compact`); the error says what to send instead. */
export function wireFormatOf(url: string): WireFormatResult {
  const q = url.indexOf('?');
  if (q === -1) return { ok: true, format: 'json' };
  const values = new URLSearchParams(url.slice(q + 1)).getAll('format');
  if (values.length === 0) return { ok: true, format: 'json' };
  if (values.length > 1) {
    return { ok: false, error: `format is given ${values.length} times; give it once: ${USAGE}` };
  }
  const v = values[0].toLowerCase();
  if (v === 'json' || v === 'compact') return { ok: true, format: v };
  const shown = values[0].length > 32 ? values[0].slice(0, 32) + '…' : values[0];
  return { ok: false, error: `unknown format '${shown}': ${USAGE}` };
}

const INTEGER_ID = /^(0|[1-9][0-9]{0,14})$/;

/** The compact `data` of a bus message: serialized once per message for every compact client. */
export function compactPayload(message: BusMessage): string {
  return message.data.type === 'status' ? message.json : compactJson(message.data);
}

/** The compact JSON of a message. */
export function compactJson(msg: NormalizedMessage): string {
  switch (msg.type) {
    case 'trade':
      return JSON.stringify({
        e: 'trade',
        t: INTEGER_ID.test(msg.id) ? Number(msg.id) : msg.id,
        m: msg.side === 'unknown' ? null : msg.side === 'sell',
        p: msg.price,
        q: msg.amount,
        s: msg.symbol,
      });
    case 'book_change':
      return msg.isSnapshot
        ? JSON.stringify({ e: 'depth', a: msg.asks, b: msg.bids, r: true })
        : JSON.stringify({ e: 'depth', a: msg.asks, b: msg.bids });
    case 'book_snapshot':
      return JSON.stringify({ e: 'book', a: msg.asks, b: msg.bids });
    case 'ticker':
      return JSON.stringify({ e: 'ticker', c: msg.last, b: msg.bid, a: msg.ask, s: msg.symbol });
    case 'quote':
      return JSON.stringify({
        e: 'quote',
        b: msg.bid,
        B: msg.bidSize,
        a: msg.ask,
        A: msg.askSize,
        s: msg.symbol,
      });
    case 'bar':
      return JSON.stringify({
        e: 'bar',
        i: msg.interval,
        E: msg.timestamp,
        o: msg.open,
        h: msg.high,
        l: msg.low,
        c: msg.close,
        v: msg.volume,
        s: msg.symbol,
      });
    case 'status':
      return JSON.stringify(msg);
  }
}
