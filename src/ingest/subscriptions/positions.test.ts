/**
 * The positions poller against a real HTTP server on loopback (the user's own positions service
 * is an HTTP endpoint: a local server is the real thing).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exchange } from '../../core/types.js';
import { captureLogs, LOG_LEVEL, type LogLine } from '../../test-support/log-capture.js';
import { ManualSchedule } from '../../test-support/manual-schedule.js';
import { until } from '../../test-support/until.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import type { SubscriptionTarget } from './manager.js';
import { PositionsPoller, type PositionsOptions } from './positions.js';
import { startSubscriptions } from './subscriptions.js';
import { catalogOf, type SymbolWant } from './wants.js';

const SECRET = 'Bearer s3cr3t-token-value';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler;
const requests: IncomingMessage[] = [];

const json =
  (body: unknown, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
const positions = (...symbols: string[]): Handler =>
  json({ positions: symbols.map((symbol) => ({ symbol, qty: 1 })) });

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/positions?account=7`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  handler = positions();
});

function jsonPath(text: string): JsonPath {
  const r = parseJsonPath(text);
  if (!r.ok) throw new Error(r.error);
  return r.path;
}

function poller(extra: Partial<PositionsOptions> = {}): {
  poller: PositionsPoller;
  changes: string[][];
  logs: LogLine[];
} {
  const { logger, lines } = captureLogs('debug');
  const changes: string[][] = [];
  const p = new PositionsPoller({
    url,
    intervalMs: 60_000,
    path: jsonPath('positions[*].symbol'),
    authHeader: { name: 'Authorization', value: SECRET },
    timeoutMs: 2000,
    logger,
    onChange: (wants: readonly SymbolWant[]) => changes.push(wants.map((w) => w.symbol)),
    ...extra,
  });
  return { poller: p, changes, logs: lines };
}

describe('PositionsPoller', () => {
  it('sends the auth header, reads the symbols at the path, canonical and once each', async () => {
    handler = positions('btc/usdt', 'ETH/USDT', 'BTC/USDT');
    const { poller: p, changes } = poller();
    const r = await p.poll();
    expect(r).toEqual({ ok: true, symbols: ['BTC/USDT', 'ETH/USDT'] });
    expect(changes).toEqual([['BTC/USDT', 'ETH/USDT']]);
    expect(requests[0].headers.authorization).toBe(SECRET);
    expect(requests[0].url).toBe('/positions?account=7');
    await p.close();
  });

  it('keeps the last good symbols on every kind of bad response, and says what was wrong', async () => {
    handler = positions('BTC/USDT', 'ETH/USDT');
    const { poller: p, changes, logs } = poller({ timeoutMs: 300 });
    await p.poll();
    const cases: Array<[Handler, string]> = [
      [
        json({ error: 'maintenance' }, 503),
        `HTTP 503 Service Unavailable (body starts '{"error":"maintenance"}')`,
      ],
      [
        (_q, res) => res.end('<html>oops</html>'),
        `the response is not JSON (body starts '<html>oops</html>')`,
      ],
      [json({ data: [] }), `'positions' is missing (fields there: data)`],
      [
        json({ positions: [{ symbol: 'BTC/USDT' }, { sym: 'X' }] }),
        `'positions[1].symbol' is missing (fields there: sym)`,
      ],
      [json({ positions: [{ symbol: 42 }] }), `'positions[0].symbol' is a number, not a string`],
      [positions('BTC-USDT'), `symbol 'BTC-USDT' is not canonical: use 'BTC/USDT'`],
      [() => undefined, 'no answer within 300 ms'],
    ];
    for (const [h, error] of cases) {
      handler = h;
      expect(await p.poll()).toEqual({ ok: false, error });
    }
    expect(changes).toEqual([['BTC/USDT', 'ETH/USDT']]);
    expect(p.symbols()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(p.stats()).toEqual({ goodPolls: 1, badPolls: cases.length });
    const warned = logs.filter((l) => l.level === LOG_LEVEL.warn);
    expect(warned.map((l) => l.error)).toEqual(cases.map(([, e]) => e));
    expect(warned[0].msg).toContain('keeping the 2 symbols of the last good poll');
    expect(warned[0].url).toBe(url.replace('?account=7', ''));
    // An empty list from a good poll is real: every position closed.
    handler = positions();
    expect(await p.poll()).toEqual({ ok: true, symbols: [] });
    expect(changes.at(-1)).toEqual([]);
    expect(JSON.stringify(logs)).not.toContain('s3cr3t');
    await p.close();
  });

  it('reports a refused connection with its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { poller: p, changes } = poller({ url: `http://127.0.0.1:${port}/positions` });
    const r = await p.poll();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^request failed: .*ECONNREFUSED/);
    expect(changes).toEqual([]);
    await p.close();
  });

  it('polls again one interval after each poll; close() clears the timer and aborts a request in flight', async () => {
    const clock = new ManualSchedule();
    handler = positions('BTC/USDT');
    const { poller: p, changes } = poller({ schedule: clock.schedule, intervalMs: 300_000 });
    p.start();
    await until(() => clock.pending === 1, 5000, 'the next poll scheduled');
    expect(changes).toEqual([['BTC/USDT']]);
    handler = positions('ETH/USDT');
    clock.advance(299_999);
    expect(requests).toHaveLength(1);
    clock.advance(1);
    await until(() => changes.length === 2, 5000, 'the second poll');
    expect(changes[1]).toEqual(['ETH/USDT']);
    await until(() => clock.pending === 1, 5000, 'the third poll scheduled');
    handler = () => undefined; // the next request hangs
    clock.advance(300_000);
    await until(() => requests.length === 3, 5000, 'the third request');
    await p.close();
    expect(clock.pending).toBe(0);
    expect(changes).toHaveLength(2);
  });
});

describe('positions through the subscription manager', () => {
  it('subscriptions follow the positions endpoint within one interval, beside the static symbols', async () => {
    const subscribed = new Map<Exchange, Set<string>>([
      ['binance', new Set()],
      ['okx', new Set()],
    ]);
    const target = (e: Exchange): SubscriptionTarget => ({
      subscribe: (s) => s.forEach((x) => subscribed.get(e)!.add(x)),
      unsubscribe: (s) => s.forEach((x) => subscribed.get(e)!.delete(x)),
    });
    const has = (e: Exchange): string[] => [...subscribed.get(e)!].sort();
    handler = positions('ETH/USDT');
    const subs = startSubscriptions({
      targets: new Map([
        ['binance', target('binance')],
        ['okx', target('okx')],
      ]),
      static: new Map([['binance', ['BTC/USDT']]]),
      catalog: catalogOf(
        new Map<Exchange, string[]>([
          ['binance', ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']],
          ['okx', ['BTC/USDT', 'ETH/USDT']],
        ]),
      ),
      positions: { url, intervalMs: 150, path: jsonPath('positions[*].symbol'), timeoutMs: 2000 },
      logger: captureLogs('info').logger,
    });
    try {
      await until(() => has('okx').includes('ETH/USDT'), 5000, 'ETH/USDT from positions');
      expect(has('binance')).toEqual(['BTC/USDT', 'ETH/USDT']);
      handler = positions('SOL/USDT', 'BTC/USDT');
      await until(() => has('binance').includes('SOL/USDT'), 5000, 'SOL/USDT from positions');
      expect(has('binance')).toEqual(['BTC/USDT', 'SOL/USDT']);
      expect(has('okx')).toEqual(['BTC/USDT']);
      handler = json({}, 500);
      const bad = requests.length;
      await until(() => requests.length > bad + 1, 5000, 'two bad polls');
      expect(has('binance')).toEqual(['BTC/USDT', 'SOL/USDT']);
      handler = positions();
      await until(() => has('okx').length === 0, 5000, 'every position closed');
      expect(has('binance')).toEqual(['BTC/USDT']); // the static symbol stays
    } finally {
      await subs.close();
    }
  });

  it('close() leaves no timer of either source behind', async () => {
    const clock = new ManualSchedule();
    handler = positions('BTC/USDT');
    const noop: SubscriptionTarget = { subscribe: () => undefined, unsubscribe: () => undefined };
    const subs = startSubscriptions({
      targets: new Map([['binance', noop]]),
      static: new Map(),
      catalog: catalogOf(new Map<Exchange, string[]>([['binance', ['BTC/USDT', 'ETH/USDT']]])),
      demand: { graceMs: 30_000 },
      positions: { url, intervalMs: 300_000, path: jsonPath('positions[*].symbol'), timeoutMs: 2000 },
      schedule: clock.schedule,
      logger: captureLogs('info').logger,
    });
    subs.demand!.demanded('ETH/USDT', undefined);
    subs.demand!.released('ETH/USDT', undefined);
    await until(() => clock.pending === 2, 5000, 'a grace timer and the next poll');
    expect(subs.manager.subscribed('binance').sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    await subs.close();
    expect(clock.pending).toBe(0);
  });
});
