/**
 * Every documented stream delivers (tickstream start at --speed 60): the hub's Binance streams of
 * EXCHANGES.md §1.4 for a replayed symbol, with exactly Binance's field names and types, within
 * their cadence; the gateway's stream types, `bar@` included; and refusals, never silent acks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSampleStack, type SampleStack } from '../support/stack.js';

let stack: SampleStack;
let gatewayPort: number;
let hubPort: number;

beforeAll(async () => {
  stack = await startSampleStack({ seed: 'streams', minutes: 4, speed: 60 });
  ({ gatewayPort, hubPort } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

// ---- Binance payload shapes, field order as documented (web-socket-streams.md)

type FieldType = 'string' | 'decimal' | 'integer' | 'boolean' | 'levels' | Shape;
interface Shape {
  readonly [field: string]: FieldType;
}

const D = 'decimal';
const I = 'integer';
const TRADE: Shape = { e: 'string', E: I, s: 'string', t: I, p: D, q: D, T: I, m: 'boolean', M: 'boolean' };
const AGG_TRADE: Shape = {
  e: 'string',
  E: I,
  s: 'string',
  a: I,
  p: D,
  q: D,
  f: I,
  l: I,
  T: I,
  m: 'boolean',
  M: 'boolean',
};
const DEPTH_UPDATE: Shape = { e: 'string', E: I, s: 'string', U: I, u: I, b: 'levels', a: 'levels' };
const PARTIAL_DEPTH: Shape = { lastUpdateId: I, bids: 'levels', asks: 'levels' };
const BOOK_TICKER: Shape = { u: I, s: 'string', b: D, B: D, a: D, A: D };
// prettier-ignore
const TICKER: Shape = {
  e: 'string', E: I, s: 'string', p: D, P: D, w: D, x: D, c: D, Q: D, b: D, B: D, a: D, A: D,
  o: D, h: D, l: D, v: D, q: D, O: I, C: I, F: I, L: I, n: I,
};
const MINI_TICKER: Shape = { e: 'string', E: I, s: 'string', c: D, o: D, h: D, l: D, v: D, q: D };
// prettier-ignore
const ROLLING_TICKER: Shape = {
  e: 'string', E: I, s: 'string', p: D, P: D, o: D, h: D, l: D, c: D, w: D, v: D, q: D,
  O: I, C: I, F: I, L: I, n: I,
};
const AVG_PRICE: Shape = { e: 'string', E: I, s: 'string', i: 'string', w: D, T: I };
// prettier-ignore
const KLINE: Shape = {
  e: 'string', E: I, s: 'string',
  k: {
    t: I, T: I, s: 'string', i: 'string', f: I, L: I, o: D, c: D, h: D, l: D, v: D, n: I,
    x: 'boolean', q: D, V: D, Q: D, B: 'string',
  },
};

const DECIMAL = /^-?\d+\.\d+$/;

/** Every way `data` differs from `shape` (keys in order, then each value's type). */
function shapeProblems(data: unknown, shape: Shape, at = ''): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return [`${at || 'payload'} is not an object`];
  const obj = data as Record<string, unknown>;
  const keys = Object.keys(obj).join(',');
  if (keys !== Object.keys(shape).join(','))
    return [`${at || 'payload'} keys ${keys} ≠ ${Object.keys(shape).join(',')}`];
  const problems: string[] = [];
  for (const [field, type] of Object.entries(shape)) {
    const v = obj[field];
    const name = at + field;
    if (typeof type === 'object') problems.push(...shapeProblems(v, type, `${name}.`));
    else if (type === 'string' && typeof v !== 'string') problems.push(`${name} is not a string`);
    else if (type === 'decimal' && !(typeof v === 'string' && DECIMAL.test(v)))
      problems.push(`${name}=${String(v)}`);
    else if (type === 'integer' && !Number.isSafeInteger(v)) problems.push(`${name} is not an integer`);
    else if (type === 'boolean' && typeof v !== 'boolean') problems.push(`${name} is not a boolean`);
    else if (
      type === 'levels' &&
      !(
        Array.isArray(v) &&
        v.every((l) => Array.isArray(l) && l.length === 2 && l.every((x) => DECIMAL.test(x)))
      )
    )
      problems.push(`${name} is not [[price, qty], …]`);
  }
  return problems;
}

// ---- the documented streams of one symbol

const SYM = 'btcusdt';
// prettier-ignore
const INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
const ROLLING = ['1h', '4h', '1d'];
const DAY_MS = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** `15m` → 900 000 (fixed-length intervals, counted from the Unix epoch). */
function intervalMs(interval: string): number {
  return Number(interval.slice(0, -1)) * UNIT_MS[interval.slice(-1)];
}

interface Expected {
  readonly shape: Shape;
  /** Exact `e` (event type), when the payload has one. */
  readonly e?: string;
  /** Replay-time push period (ms) for cadenced streams with an event time. */
  readonly cadenceMs?: number;
  readonly array?: boolean;
}

const EXPECTED = new Map<string, Expected>([
  [`${SYM}@trade`, { shape: TRADE, e: 'trade' }],
  [`${SYM}@aggTrade`, { shape: AGG_TRADE, e: 'aggTrade' }],
  [`${SYM}@depth`, { shape: DEPTH_UPDATE, e: 'depthUpdate' }],
  [`${SYM}@depth@100ms`, { shape: DEPTH_UPDATE, e: 'depthUpdate' }],
  [`${SYM}@depth@1000ms`, { shape: DEPTH_UPDATE, e: 'depthUpdate' }],
  ...[5, 10, 20].flatMap((n) =>
    ['', '@100ms', '@1000ms'].map((speed): [string, Expected] => [
      `${SYM}@depth${n}${speed}`,
      { shape: PARTIAL_DEPTH },
    ]),
  ),
  [`${SYM}@bookTicker`, { shape: BOOK_TICKER }],
  [`${SYM}@ticker`, { shape: TICKER, e: '24hrTicker', cadenceMs: 1000 }],
  [`${SYM}@miniTicker`, { shape: MINI_TICKER, e: '24hrMiniTicker', cadenceMs: 1000 }],
  [`${SYM}@avgPrice`, { shape: AVG_PRICE, e: 'avgPrice', cadenceMs: 1000 }],
  ...ROLLING.map((w): [string, Expected] => [
    `${SYM}@ticker_${w}`,
    { shape: ROLLING_TICKER, e: `${w}Ticker`, cadenceMs: 1000 },
  ]),
  ...INTERVALS.flatMap((i) =>
    ['', '@+08:00'].map((tz): [string, Expected] => [
      `${SYM}@kline_${i}${tz}`,
      { shape: KLINE, e: 'kline', cadenceMs: i === '1s' ? 1000 : 2000 },
    ]),
  ),
  ['!ticker@arr', { shape: TICKER, e: '24hrTicker', array: true }],
  ['!miniTicker@arr', { shape: MINI_TICKER, e: '24hrMiniTicker', array: true }],
  ...ROLLING.map((w): [string, Expected] => [
    `!ticker_${w}@arr`,
    { shape: ROLLING_TICKER, e: `${w}Ticker`, array: true },
  ]),
]);

interface Frame {
  stream?: string;
  data?: unknown;
  result?: unknown;
  error?: { code: number; msg: string };
  id?: number;
}

async function open(url: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(String(raw)) as Frame));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames };
}

async function request(c: { ws: WebSocket; frames: Frame[] }, msg: Record<string, unknown>): Promise<Frame> {
  c.ws.send(JSON.stringify(msg));
  let reply: Frame | undefined;
  await expect
    .poll(() => (reply = c.frames.find((f) => f.id === msg.id && f.stream === undefined)), { timeout: 5000 })
    .toBeDefined();
  return reply as Frame;
}

interface KlineData {
  E: number;
  k: { t: number; T: number; i: string; f: number; L: number; v: string; n: number; x: boolean; q: string };
}
interface TradeData {
  t: number;
  p: string;
  q: string;
  T: number;
}

/** Exact sum of 8-decimal strings, as a string with 8 decimals. */
function sum(values: readonly string[]): string {
  let units = 0n;
  for (const v of values) {
    const [whole, frac = ''] = v.split('.');
    units += BigInt(whole + frac.padEnd(8, '0').slice(0, 8));
  }
  const s = units.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

describe('hub streams at --speed 60', () => {
  it('delivers every documented stream of a replayed symbol, well-formed and within its cadence', async () => {
    const c = await open(`ws://127.0.0.1:${hubPort}/binance/stream`);
    const names = [...EXPECTED.keys()];
    expect(await request(c, { method: 'SUBSCRIBE', params: names, id: 1 })).toEqual({ result: null, id: 1 });
    const of = (name: string): unknown[] => c.frames.filter((f) => f.stream === name).map((f) => f.data);
    const closed1m = (): KlineData[] => (of(`${SYM}@kline_1m`) as KlineData[]).filter((k) => k.k.x);
    /** Closed 1m klines of minutes that began after the first trade seen (so seen whole). */
    const wholeMinutes = (): KlineData[] => {
      const first = (of(`${SYM}@trade`) as TradeData[])[0];
      if (first === undefined) return [];
      return closed1m().filter((k) => k.k.t >= Math.floor(first.T / 60_000) * 60_000 + 60_000);
    };

    // Bounded: at --speed 60 a replay minute is one wall second.
    await expect
      .poll(
        () => names.every((n) => of(n).length >= 3) && closed1m().length >= 2 && wholeMinutes().length > 0,
        {
          timeout: 20_000,
          interval: 100,
        },
      )
      .toBe(true);
    c.ws.close();

    for (const [name, exp] of EXPECTED) {
      const payloads = of(name);
      for (const payload of payloads) {
        const events = exp.array ? (payload as unknown[]) : [payload];
        if (exp.array) expect(Array.isArray(payload) && events.length > 0, name).toBe(true);
        for (const ev of events) {
          expect(shapeProblems(ev, exp.shape), name).toEqual([]);
          if (exp.e !== undefined) expect((ev as { e: string }).e, name).toBe(exp.e);
          if ('s' in exp.shape && !exp.array) expect((ev as { s: string }).s, name).toBe('BTCUSDT');
        }
      }
      if (exp.cadenceMs !== undefined) {
        // Replay-time event times: every cadence boundary pushes, none is skipped.
        const times = payloads.map((p) => (p as { E: number }).E);
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        expect(Math.max(...gaps), `${name} gaps ${gaps.join(',')}`).toBeLessThanOrEqual(exp.cadenceMs);
        expect(Math.min(...gaps), `${name} gaps ${gaps.join(',')}`).toBeGreaterThan(0);
      }
    }

    // Klines: boundaries in UTC (1w from Monday, 1M on the 1st) or UTC+8, x once per interval.
    for (const i of INTERVALS) {
      for (const tz of ['', '@+08:00']) {
        const shift = tz === '' ? 0 : 8 * 3_600_000;
        const klines = of(`${SYM}@kline_${i}${tz}`) as KlineData[];
        for (const { k } of klines) {
          const local = k.t + shift;
          const day = new Date(local);
          expect(k.i).toBe(i);
          if (i === '1M') expect([day.getUTCDate(), local % DAY_MS]).toEqual([1, 0]);
          else if (i === '1w') expect([day.getUTCDay(), local % DAY_MS]).toEqual([1, 0]);
          else expect(local % intervalMs(i), `${i}${tz} t=${k.t}`).toBe(0);
          expect(k.T).toBeGreaterThan(k.t);
        }
        const finals = klines.filter((k) => k.k.x).map((k) => k.k.t);
        expect(new Set(finals).size, `${i}${tz} finals`).toBe(finals.length);
      }
    }
    expect((of(`${SYM}@kline_1s`) as KlineData[]).every((k) => k.k.x && k.k.T === k.k.t + 999)).toBe(true);

    // A closed 1m kline seen whole is exactly the replayed trades of its minute.
    const trades = of(`${SYM}@trade`) as TradeData[];
    const whole = wholeMinutes();
    expect(whole.length).toBeGreaterThan(0);
    for (const { k } of whole) {
      const inMinute = trades.filter((t) => t.T >= k.t && t.T <= k.T);
      expect(k.T).toBe(k.t + 59_999);
      expect({ n: k.n, f: k.f, L: k.L, v: k.v }).toEqual({
        n: inMinute.length,
        f: inMinute.length > 0 ? inMinute[0].t : -1,
        L: inMinute.length > 0 ? inMinute[inMinute.length - 1].t : -1,
        v: sum(inMinute.map((t) => t.q)),
      });
    }
  });

  it('refuses documented streams it cannot produce and unknown symbols, and never lists them', async () => {
    const c = await open(`ws://127.0.0.1:${hubPort}/binance/ws`);
    let id = 10;
    for (const stream of [`${SYM}@referencePrice`, `${SYM}@blockTrade`, '!bookTicker', 'solusdt@trade']) {
      const reply = await request(c, { method: 'SUBSCRIBE', params: [stream], id: ++id });
      expect(reply.error?.code).toBe(2);
      expect(reply.error?.msg).toContain(`stream \`${stream}\` is not available: `);
    }
    expect(await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 99 })).toEqual({ result: [], id: 99 });
    c.ws.close();
  });
});

describe('gateway streams at --speed 60', () => {
  it('delivers every stream type of every venue, bar@ with 1-minute bars, and refuses streams nothing ingests', async () => {
    const c = await open(`ws://127.0.0.1:${gatewayPort}/ws`);
    const types = ['trade', 'book', 'book_change', 'ticker', 'quote', 'status'];
    // BTC/USDT's primary is Binance (OKX carries it too), BTC/USD is Kraken's alone: the aggregated
    // streams of each come from that venue, except trade@, the tape of every venue of the pair.
    // Alpaca's AAPL has no book and no ticker: quotes (the NBBO), trades, bars and statuses.
    const stockTypes = ['trade', 'quote', 'status'];
    const venues = [
      { exchange: 'binance', symbol: 'BTC/USDT', primary: true, types },
      { exchange: 'kraken', symbol: 'BTC/USD', primary: true, types },
      { exchange: 'okx', symbol: 'BTC/USDT', primary: false, types },
      { exchange: 'alpaca', symbol: 'AAPL', primary: true, types: stockTypes },
    ];
    const names = [
      ...new Set(
        venues.flatMap(({ exchange, symbol, primary, types: own }) => [
          ...(primary ? [`bar@${symbol}`, ...own.map((t) => `${t}@${symbol}`)] : []),
          `bar@${exchange}:${symbol}`,
          ...own.map((t) => `${t}@${exchange}:${symbol}`),
        ]),
      ),
    ];
    expect(await request(c, { method: 'SUBSCRIBE', params: names, id: 1 })).toEqual({ result: null, id: 1 });
    const of = (name: string): Record<string, unknown>[] =>
      c.frames.filter((f) => f.stream === name).map((f) => f.data as Record<string, unknown>);
    const tapeVenues = (): Set<unknown> => new Set(of('trade@BTC/USDT').map((t) => t.exchange));
    await expect
      .poll(
        () =>
          names.every((n) => of(n).length > 0) &&
          venues.every(({ exchange, symbol }) => of(`bar@${exchange}:${symbol}`).length >= 2) &&
          tapeVenues().size === 2,
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(tapeVenues()).toEqual(new Set(['binance', 'okx']));

    for (const { exchange, symbol, primary, types: own } of venues) {
      const bars = primary ? [`bar@${symbol}`, `bar@${exchange}:${symbol}`] : [`bar@${exchange}:${symbol}`];
      for (const name of bars) {
        for (const bar of of(name)) {
          expect(Object.keys(bar)).toEqual([
            'type',
            'exchange',
            'symbol',
            'timestamp',
            'localTimestamp',
            'interval',
            'open',
            'high',
            'low',
            'close',
            'volume',
          ]);
          expect(bar).toMatchObject({ type: 'bar', exchange, symbol, interval: '1m' });
          for (const f of ['timestamp', 'localTimestamp', 'open', 'high', 'low', 'close', 'volume'])
            expect(typeof bar[f], f).toBe('number');
          expect(bar.high as number).toBeGreaterThanOrEqual(
            Math.max(bar.open as number, bar.close as number),
          );
          expect(bar.low as number).toBeLessThanOrEqual(Math.min(bar.open as number, bar.close as number));
        }
        // Closed bars only: one per replay minute, a minute of replay apart.
        const times = of(name).map((b) => b.timestamp as number);
        expect(new Set(times.map((t) => Math.floor(t / 60_000))).size).toBe(times.length);
      }
      for (const t of own) {
        if (primary && t !== 'trade') {
          expect(
            of(`${t}@${symbol}`).every((m) => m.exchange === exchange),
            t,
          ).toBe(true);
        }
        expect(of(`${t}@${exchange}:${symbol}`)[0], t).toMatchObject({ exchange, symbol });
      }
    }

    const refusals = [
      [
        'bar@alpaca:BTC/USDT',
        "this gateway ingests AAPL, MSFT, SPY from alpaca, not BTC/USDT; use 'bar@BTC/USDT' for the aggregated stream",
      ],
      [
        'book@kraken:BTC/USDT',
        "this gateway ingests BTC/USD, ETH/USD from kraken, not BTC/USDT; use 'book@BTC/USDT' for the aggregated stream",
      ],
      [
        'trade@SOL/USDT',
        'this gateway ingests BTC/USDT, ETH/USDT, BTC/USD, ETH/USD, AAPL, MSFT, SPY, not SOL/USDT',
      ],
    ];
    let id = 10;
    for (const [stream, why] of refusals) {
      const reply = await request(c, { method: 'SUBSCRIBE', params: [stream], id: ++id });
      expect(reply.error).toEqual({
        code: 3,
        msg: `stream '${stream}' has no source: ${why}; nothing was subscribed`,
      });
    }
    const list = await request(c, { method: 'LIST_SUBSCRIPTIONS', id: 99 });
    expect([...(list.result as string[])].sort()).toEqual([...names].sort());
    c.ws.close();
  });
});
