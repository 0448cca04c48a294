/**
 * Test support: a small REST exchange on 127.0.0.1 with a trade tape of consecutive ids, and the
 * record plan that polls it. `/toy/trades?symbol&limit[&fromId]` answers from `fromId` on (or
 * the latest `limit`), `/toy/latest?symbol&limit` the latest `limit` only, `/toy/depth?symbol` a
 * snapshot. Every trades or latest request first prints `printPerRequest` new trades. It logs
 * every request (arrival time, path, symbol) and can answer the next ones with 429.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PageSummary, RateLimitRule, RequestParams, RecordPlan, RecordSeries } from '../plan.js';

export interface ToyTrade {
  readonly id: number;
  readonly time: number;
}

export interface ToyRequest {
  readonly at: number;
  readonly path: string;
  readonly symbol: string | null;
  readonly fromId: number | null;
}

export interface ToyExchange {
  readonly url: string;
  readonly requests: ToyRequest[];
  /** Trades printed so far per symbol (ids 1..n). */
  printed(symbol: string): number;
  /** The next `count` requests get 429 with `Retry-After: retryAfterS`. */
  rateLimitNext(count: number, retryAfterS: number): void;
  close(): Promise<void>;
}

export async function startToyExchange(opts: { printPerRequest: number }): Promise<ToyExchange> {
  const tapes = new Map<string, number>();
  const requests: ToyRequest[] = [];
  let limited = 0;
  let retryAfterS = 1;
  const print = (symbol: string): number => {
    const n = (tapes.get(symbol) ?? 0) + opts.printPerRequest;
    tapes.set(symbol, n);
    return n;
  };
  const trade = (id: number): ToyTrade => ({ id, time: 1_700_000_000_000 + id });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://toy');
    const symbol = url.searchParams.get('symbol');
    const fromId = url.searchParams.get('fromId');
    requests.push({
      at: Date.now(),
      path: url.pathname,
      symbol,
      fromId: fromId === null ? null : Number(fromId),
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (limited > 0) {
      limited--;
      send(429, { msg: 'too many requests' }, { 'retry-after': String(retryAfterS) });
      return;
    }
    if (symbol === null) return send(400, { msg: 'symbol missing' });
    const limit = Number(url.searchParams.get('limit') ?? 10);
    if (url.pathname === '/toy/depth') return send(200, { symbol, bids: [['1', '1']], asks: [['2', '1']] });
    if (url.pathname !== '/toy/trades' && url.pathname !== '/toy/latest')
      return send(404, { msg: 'no route' });
    const last = print(symbol);
    const first =
      url.pathname === '/toy/trades' && fromId !== null
        ? Math.max(1, Number(fromId))
        : Math.max(1, last - limit + 1);
    const ids: number[] = [];
    for (let id = first; id <= last && ids.length < limit; id++) ids.push(id);
    send(200, ids.map(trade));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    printed: (symbol) => tapes.get(symbol) ?? 0,
    rateLimitNext(count, seconds) {
      limited = count;
      retryAfterS = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readToyTrades(body: unknown, limit: number): PageSummary {
  if (!Array.isArray(body)) throw new Error('toy: trades body is not an array');
  const trades = body as ToyTrade[];
  const mark = (t: ToyTrade | undefined) => t && { id: t.id, timeMs: t.time };
  return {
    items: trades.length,
    oldest: mark(trades[0]),
    newest: mark(trades[trades.length - 1]),
    full: trades.length >= limit,
  };
}

export interface ToyPlanOptions {
  readonly symbols: readonly string[];
  readonly limit: number;
  /** `trades` continues by fromId; `latest` asks for the latest page only. */
  readonly trades: 'trades' | 'latest';
  readonly tradesWeight: number;
  readonly depthWeight: number;
  readonly rateLimits: readonly RateLimitRule[];
  readonly tradesIntervalMs: number;
  readonly depthIntervalMs: number;
}

/** The plan of the toy exchange (platform `toy`, endpoints `toy_trades` / `toy_latest`, `toy_depth`). */
export function toyPlan(o: ToyPlanOptions): RecordPlan {
  const tradesSeries = (symbol: string): RecordSeries => ({
    symbol,
    request: (after) => {
      const params: RequestParams = { symbol, limit: o.limit };
      if (o.trades === 'trades' && after?.id !== undefined) params.fromId = after.id;
      return { path: `/${o.trades}`, params };
    },
    read: (body) => readToyTrades(body, o.limit),
  });
  return {
    platform: 'toy',
    liveBaseUrl: 'http://127.0.0.1:9/unused',
    rateLimits: o.rateLimits,
    endpoints: [
      {
        key: 'trades',
        endpoint: `toy_${o.trades}`,
        weight: o.tradesWeight,
        intervalMs: o.tradesIntervalMs,
        continuity: o.trades === 'trades' ? 'consecutive-ids' : 'overlap',
        series: o.symbols.map(tradesSeries),
      },
      {
        key: 'depth',
        endpoint: 'toy_depth',
        weight: o.depthWeight,
        intervalMs: o.depthIntervalMs,
        series: o.symbols.map((symbol) => ({
          symbol,
          request: () => ({ path: '/depth', params: { symbol } }),
        })),
      },
    ],
  };
}
