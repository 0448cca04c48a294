/**
 * What an SSE request asks for: `?pairs=BTC/USDT,ETH-USDT` (price events of each pair, from its
 * `price:<PAIR>` bus topic) and/or `?streams=trade@BTC/USDT,book@binance:ETH/USDT` (any gateway
 * stream, data as in a WS frame). Both may be repeated or comma-separated.
 */
import { priceTopic } from '../bus/price-topic.js';
import { parseMarket } from '../core/symbol.js';
import { isStatefulStream, parseStream, sourceRefusal, type StreamSources } from './streams.js';

export type SseStreamKind = 'price' | 'stream';

export interface SseStream {
  readonly kind: SseStreamKind;
  /** The bus topic. */
  readonly topic: string;
  /** The canonical pair (price) or stream name (stream, alias kept) the events carry. */
  readonly name: string;
  /** The latest value is sent first (price topics always). */
  readonly stateful: boolean;
}

export type SseRequestResult =
  | { readonly ok: true; readonly streams: readonly SseStream[] }
  | { readonly ok: false; readonly error: string };

const EXAMPLE = 'e.g. /api/market-data/stream?pairs=BTC/USDT,ETH/USDT or ?streams=trade@BTC/USDT';

function listOf(query: URLSearchParams, key: string): string[] {
  const out: string[] = [];
  for (const v of query.getAll(key)) {
    for (const part of v.split(',')) {
      const t = part.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

/** The streams of an SSE request, deduplicated, in the order asked; the error names the bad part. */
export function parseSseRequest(
  query: URLSearchParams,
  maxStreams: number,
  sources?: StreamSources,
): SseRequestResult {
  const pairs = listOf(query, 'pairs');
  const names = listOf(query, 'streams');
  if (pairs.length === 0 && names.length === 0) {
    return { ok: false, error: `name what to stream with 'pairs' or 'streams', ${EXAMPLE}` };
  }
  if (pairs.length + names.length > maxStreams) {
    return {
      ok: false,
      error: `${pairs.length + names.length} pairs and streams asked, over the limit of ${maxStreams} per connection; open several connections`,
    };
  }
  const streams: SseStream[] = [];
  const seen = new Set<string>();
  for (const p of pairs) {
    const r = parseMarket(p);
    if (!r.ok) return { ok: false, error: `pairs: ${r.error}` };
    const refusal =
      sources === undefined
        ? undefined
        : sourceRefusal({ type: 'trade', exchange: undefined, symbol: r.symbol }, sources, p);
    if (refusal !== undefined) return { ok: false, error: `pairs: ${refusal}` };
    const topic = priceTopic(r.symbol);
    if (seen.has('p' + topic)) continue;
    seen.add('p' + topic);
    streams.push({ kind: 'price', topic, name: r.symbol, stateful: true });
  }
  for (const n of names) {
    const r = parseStream(n);
    if (!r.ok) return { ok: false, error: `streams: ${r.error}` };
    const refusal = sources === undefined ? undefined : sourceRefusal(r.stream, sources, n);
    if (refusal !== undefined) return { ok: false, error: `streams: ${refusal}` };
    if (seen.has('s' + r.requested)) continue;
    seen.add('s' + r.requested);
    streams.push({ kind: 'stream', topic: r.name, name: r.requested, stateful: isStatefulStream(r.name) });
  }
  return { ok: true, streams };
}
