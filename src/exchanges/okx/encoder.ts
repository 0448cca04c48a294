/**
 * OKX v5 frames as the hub writes them, pure: wire objects → the JSON text of WebSocket pushes,
 * acks and error events, and REST bodies. Field order follows OKX's own frames [capture: the
 * 2022 OKX.ws.1.0 recording; `connId`, `id`, `seqId` placement doc]; numbers stay decimal strings
 * except `checksum`, `seqId` and `prevSeqId`, which OKX sends as JSON numbers.
 */
import type {
  OkxArg,
  OkxBookData,
  OkxCandle,
  OkxChannel,
  OkxDepthData,
  OkxRestBody,
  OkxTicker,
  OkxTrade,
} from './wire.js';

/** The literal answer to the literal `ping` [doc]. */
export const OKX_PONG = 'pong';

/** `{"id"?,"event":"subscribe","arg":{…},"connId":"…"}`: one per arg [capture; id doc]. */
export function encodeOkxAck(
  event: 'subscribe' | 'unsubscribe',
  arg: OkxArg,
  connId: string,
  id: string | undefined,
): string {
  return JSON.stringify(id === undefined ? { event, arg, connId } : { id, event, arg, connId });
}

/** `{"id"?,"event":"error","code":"60012","msg":"…","connId":"…"}` [doc]. */
export function encodeOkxError(code: string, msg: string, connId: string, id: string | undefined): string {
  const base = { event: 'error', code, msg, connId };
  return JSON.stringify(id === undefined ? base : { id, ...base });
}

function arg(channel: OkxChannel, instId: string): { channel: OkxChannel; instId: string } {
  return { channel, instId };
}

/** A `books` push: `{"arg":…,"action":"snapshot"|"update","data":[{asks,bids,ts,checksum,prevSeqId,seqId}]}`. */
export function encodeOkxBook(instId: string, action: 'snapshot' | 'update', data: OkxBookData): string {
  return JSON.stringify({ arg: arg('books', instId), action, data: [data] });
}

/** A `books5` or `bbo-tbt` push: the full top levels, no action [doc]. */
export function encodeOkxDepth(channel: 'books5' | 'bbo-tbt', data: OkxDepthData): string {
  return JSON.stringify({ arg: arg(channel, data.instId), data: [data] });
}

/** A `trades` push: one trade per push, as OKX sends them [capture]. */
export function encodeOkxTrade(trade: OkxTrade): string {
  return JSON.stringify({ arg: arg('trades', trade.instId), data: [trade] });
}

/** A `tickers` push [capture]. */
export function encodeOkxTicker(ticker: OkxTicker): string {
  return JSON.stringify({ arg: arg('tickers', ticker.instId), data: [ticker] });
}

/** A `candle1m` push (business service) [doc]. */
export function encodeOkxCandle(instId: string, candle: OkxCandle): string {
  return JSON.stringify({ arg: arg('candle1m', instId), data: [candle] });
}

/** A REST success body: `{"code":"0","msg":"","data":[…]}` [doc]. */
export function okxRestBody<T>(data: T[]): OkxRestBody<T> {
  return { code: '0', msg: '', data };
}

/** A REST failure body: the code as text, OKX's message, empty data [doc]. */
export function okxRestError(code: string, msg: string): OkxRestBody<never> {
  return { code, msg, data: [] };
}
