/**
 * Fault injection on a real replay stack (generated recordings of all four venues, real
 * publishers, the hub on a loopback port): each fault seen by a plain `ws` client or HTTP
 * client of a venue as that exchange would show it, and `/control/faults` itself (bad bodies,
 * listing, clearing). One stack for the file; every test clears the faults it armed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../core/logger.js';
import { VENUE_NAMES, venueFor } from '../exchanges/index.js';
import { krakenBookChecksum } from '../exchanges/kraken/checksum.js';
import { KRAKEN_PAIRS } from '../exchanges/kraken/symbols.js';
import { okxBookChecksum } from '../exchanges/okx/checksum.js';
import type { FaultRuleView } from '../replay/faults.js';
import { startReplay, type ReplayStack } from './replay-stack.js';

let root: string;
let stack: ReplayStack;
let http: string;
let ws: string;
const clients: WebSocket[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-faults-'));
  for (const name of VENUE_NAMES) {
    const venue = venueFor(name);
    await venue.generate({
      root,
      seed: 'faults',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 3,
      symbols: venue.sampleSymbols,
    });
  }
  stack = await startReplay({
    root,
    exchanges: VENUE_NAMES,
    speed: 4,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    faults: ['binance:BTCUSDT:rest429:count=1,retryAfter=7'],
  });
  http = `http://127.0.0.1:${stack.port}`;
  ws = `ws://127.0.0.1:${stack.port}`;
}, 60_000);

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await fetch(`${http}/control/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

/** A plain `ws` client that keeps every frame (text, or undefined for binary) with its arrival time. */
interface Plain {
  readonly socket: WebSocket;
  readonly frames: { text: string; at: number }[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the index of the first frame from `from` on that satisfies `test`. */
  until(test: (text: string) => boolean, from?: number, timeoutMs?: number): Promise<number>;
  send(message: unknown): void;
}

async function connect(path: string): Promise<Plain> {
  const socket = new WebSocket(`${ws}${path}`, { perMessageDeflate: false });
  clients.push(socket);
  const frames: { text: string; at: number }[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    frames.push({ text: String(data), at: Date.now() });
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const w of waiters.splice(0)) w();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    send: (m) => socket.send(typeof m === 'string' ? m : JSON.stringify(m)),
    async until(test, from = 0, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      for (let i = from; ;) {
        for (; i < frames.length; i++) if (test(frames[i].text)) return i;
        const left = deadline - Date.now();
        if (left <= 0 || socket.readyState === WebSocket.CLOSED)
          throw new Error(`no such frame within ${timeoutMs} ms; last: ${frames.at(-1)?.text.slice(0, 300)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

async function arm(
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${http}/control/faults`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function armed(body: Record<string, unknown>): Promise<FaultRuleView> {
  const res = await arm(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.fault as FaultRuleView;
}

async function listed(): Promise<FaultRuleView[]> {
  return ((await (await fetch(`${http}/control/faults`)).json()) as { faults: FaultRuleView[] }).faults;
}

const parse = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--fault', () => {
  it('a --fault flag armed at start answers the first Binance depth request 429 with -1003 and Retry-After', async () => {
    const first = await fetch(`${http}/binance/api/v3/depth?symbol=BTCUSDT&limit=5`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(((await first.json()) as { code: number }).code).toBe(-1003);
    // The hub answers 400 until the replay has a book; then 200: the one 429 was the fault.
    let second = await fetch(`${http}/binance/api/v3/depth?symbol=BTCUSDT&limit=5`);
    for (let i = 0; i < 50 && second.status === 400; i++) {
      await sleep(100);
      second = await fetch(`${http}/binance/api/v3/depth?symbol=BTCUSDT&limit=5`);
    }
    expect(second.status).toBe(200);
    expect(await second.json()).toHaveProperty('lastUpdateId');
  });
});

describe('POST /control/faults: bad requests', () => {
  it.each([
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'explode', count: 1 },
      /fault must be one of disconnect/,
    ],
    [
      { exchange: 'bitmex', symbol: 'BTC/USDT', fault: 'gap', count: 1 },
      /"bitmex" is not replayed.*binance, kraken/,
    ],
    [
      { exchange: 'binance', symbol: 'DOGE/USDT', fault: 'gap', count: 1 },
      /"DOGE\/USDT".*BTC\/USDT \(BTCUSDT\)/,
    ],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', count: 1, ratePerMin: 2 },
      /exactly one of count .* not both/,
    ],
    [{ exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap' }, /exactly one of count .* got neither/],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', count: -1 },
      /count must be a whole number from 1/,
    ],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', ratePerMin: 0 },
      /ratePerMin must be a number from 1/,
    ],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'stall', count: 1, ms: -5 },
      /ms must be a whole number/,
    ],
    [{ exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', count: 1, ms: 5 }, /ms does not apply to gap/],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', count: 1, colour: 'red' },
      /unknown field "colour"/,
    ],
    [{ exchange: 'binance', fault: 'gap', count: 1 }, /symbol must be a non-empty string/],
    [
      { exchange: 'binance', symbol: 'BTC/USDT', fault: 'checksum', count: 1 },
      /binance messages carry no checksum; checksum applies to kraken, okx/,
    ],
    [
      { exchange: 'alpaca', symbol: 'AAPL', fault: 'gap', count: 1 },
      /alpaca streams carry no sequence number.*binance, kraken, okx/,
    ],
  ])('%j → 400', async (body, message) => {
    const res = await arm(body);
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(message);
  });

  it('answers a body that is not JSON with 400 and the usage, and other methods with 405', async () => {
    const res = await fetch(`${http}/control/faults`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/not JSON.*"fault":"gap"/);
    const put = await fetch(`${http}/control/faults`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
    const del = await fetch(`${http}/control/faults?colour=red`, { method: 'DELETE' });
    expect(del.status).toBe(400);
  });
});

describe('GET and DELETE /control/faults', () => {
  it('lists armed faults with what is left, and clears by filter or all', async () => {
    await armed({ exchange: 'okx', symbol: 'BTC/USDT', fault: 'latency', ratePerMin: 1, ms: 1 });
    await armed({ exchange: 'kraken', symbol: 'XBT/USD', fault: 'rest429', count: 3 });
    await armed({ exchange: 'alpaca', symbol: 'MSFT', fault: 'rest429', count: 2 });
    const all = await listed();
    const kraken = all.find((f) => f.exchange === 'kraken');
    expect(kraken).toMatchObject({
      symbol: 'BTC/USD',
      fault: 'rest429',
      count: 3,
      remaining: 3,
      injected: 0,
      retryAfter: 1,
    });
    expect(all.find((f) => f.exchange === 'okx')).toMatchObject({
      symbol: 'BTC-USDT',
      ratePerMin: 1,
      remaining: null,
      ms: 1,
    });

    const cleared = await fetch(`${http}/control/faults?exchange=kraken&symbol=BTC/USD`, {
      method: 'DELETE',
    });
    const answer = (await cleared.json()) as { cleared: FaultRuleView[]; faults: FaultRuleView[] };
    expect(answer.cleared.map((f) => f.exchange)).toEqual(['kraken']);
    expect(answer.faults.map((f) => f.exchange).sort()).toEqual(['alpaca', 'okx']);
    await fetch(`${http}/control/faults?fault=latency`, { method: 'DELETE' });
    expect((await listed()).map((f) => f.exchange)).toEqual(['alpaca']);
    await fetch(`${http}/control/faults`, { method: 'DELETE' });
    expect(await listed()).toEqual([]);
  });
});

describe('rest429', () => {
  it('Kraken, OKX and Alpaca answer with their own 429 bodies for the next `count` requests naming the symbol', async () => {
    await armed({ exchange: 'kraken', symbol: 'BTC/USD', fault: 'rest429', count: 2 });
    await armed({ exchange: 'okx', symbol: 'BTC/USDT', fault: 'rest429', count: 1 });
    await armed({ exchange: 'alpaca', symbol: 'AAPL', fault: 'rest429', count: 1, retryAfter: 3 });
    const other = await fetch(`${http}/kraken/0/public/Depth?pair=ETHUSD`);
    expect(other.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${http}/kraken/0/public/Depth?pair=XBTUSD&count=10`);
      expect(res.status).toBe(429);
      expect(await res.json()).toEqual({ error: ['EGeneral:Too many requests'] });
    }
    expect((await fetch(`${http}/kraken/0/public/Depth?pair=XBTUSD&count=10`)).status).toBe(200);
    const okx = await fetch(`${http}/okx/api/v5/market/books?instId=BTC-USDT&sz=5`);
    expect(okx.status).toBe(429);
    expect(await okx.json()).toEqual({ msg: 'Too Many Requests', code: '50011' });
    const alpaca = await fetch(`${http}/alpaca/v2/stocks/AAPL/trades/latest`);
    expect(alpaca.status).toBe(429);
    expect(alpaca.headers.get('retry-after')).toBe('3');
    expect(((await alpaca.json()) as { code: number }).code).toBe(42910000);
    expect((await listed()).find((f) => f.exchange === 'kraken')).toBeUndefined();
  });
});

describe('connection faults', () => {
  it('disconnect: a Binance consumer of the symbol gets serverShutdown, then close 1001; others stay', async () => {
    const btc = await connect('/binance/ws/btcusdt@trade');
    const eth = await connect('/binance/ws/ethusdt@trade');
    await btc.until(() => true);
    const rule = await armed({ exchange: 'binance', symbol: 'BTC/USDT', fault: 'disconnect', count: 1 });
    // A consumer carrying the symbol was there: injected at once, and the rule expired.
    expect(rule).toMatchObject({ remaining: 0, injected: 1 });
    const closed = await btc.closed;
    expect(closed.code).toBe(1001);
    expect(btc.frames.some((f) => parse(f.text).e === 'serverShutdown')).toBe(true);
    const seen = eth.frames.length;
    await eth.until(() => true, seen);
    expect(eth.socket.readyState).toBe(WebSocket.OPEN);
    expect(await listed()).toEqual([]);
  });

  it('close1008: a Kraken consumer subscribing after the fault was armed is closed with 1008', async () => {
    await armed({ exchange: 'kraken', symbol: 'ETH/USD', fault: 'close1008', count: 1 });
    const c = await connect('/kraken/v2');
    c.send({ method: 'subscribe', params: { channel: 'trade', symbol: ['ETH/USD'] }, req_id: 1 });
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many requests' });
  });

  it('close1008: an Alpaca consumer gets the 406 error message, then close 1008', async () => {
    const c = await connect('/alpaca/v2/iex');
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    await c.until((t) => t.includes('authenticated'));
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    await c.until((t) => t.includes('"T":"subscription"'));
    await armed({ exchange: 'alpaca', symbol: 'AAPL', fault: 'close1008', count: 1 });
    expect(await c.closed).toEqual({ code: 1008, reason: 'connection limit exceeded' });
    expect(c.frames.at(-1)?.text).toBe('[{"T":"error","code":406,"msg":"connection limit exceeded"}]');
  });

  it('stall: an OKX consumer hears nothing for `ms`, then the stream resumes', async () => {
    const c = await connect('/okx/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await c.until((t) => t.includes('"action":"snapshot"'));
    await c.until(() => true, c.frames.length);
    await armed({ exchange: 'okx', symbol: 'BTC-USDT', fault: 'stall', count: 1, ms: 1500 });
    const armedAt = Date.now();
    const from = c.frames.length;
    const next = await c.until((t) => t.includes('"action":"update"'), from, 8000);
    // Frames that were already in flight when the POST was answered may still arrive.
    const late = c.frames.slice(from, next + 1).filter((f) => f.at - armedAt > 100);
    expect(late.length).toBeGreaterThan(0);
    expect(late[0].at - armedAt).toBeGreaterThanOrEqual(1300);
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
  });
});

describe('frame faults', () => {
  it('gap: a Binance diff-depth consumer sees U past the last u + 1 once, then contiguous updates', async () => {
    const c = await connect('/binance/ws/btcusdt@depth@100ms');
    await c.until(() => true);
    const seqs = (from: number) => c.frames.slice(from).map((f) => parse(f.text) as { U: number; u: number });
    await c.until(() => true, 3);
    const before = seqs(0);
    for (let i = 1; i < before.length; i++) expect(before[i].U).toBe(before[i - 1].u + 1);
    await armed({ exchange: 'binance', symbol: 'BTCUSDT', fault: 'gap', count: 1 });
    const start = c.frames.length;
    await c.until(() => true, start + 4);
    const after = seqs(start - 1);
    const gaps = after.slice(1).filter((e, i) => e.U !== after[i].u + 1);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].U).toBeGreaterThan(after[0].u + 1);
    expect((await listed()).length).toBe(0);
  });

  it('gap at ratePerMin keeps skipping OKX books updates until cleared: prevSeqId no longer matches', async () => {
    const c = await connect('/okx/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'ETH-USDT' }] });
    await c.until((t) => t.includes('"action":"snapshot"'));
    await armed({ exchange: 'okx', symbol: 'ETH/USDT', fault: 'gap', ratePerMin: 60 });
    const mismatches = (): number => {
      let last: number | undefined;
      let n = 0;
      for (const f of c.frames) {
        if (!f.text.startsWith('{"arg"')) continue;
        const d = (parse(f.text).data as { seqId: number; prevSeqId: number }[])[0];
        if (last !== undefined && d.prevSeqId !== -1 && d.prevSeqId !== last) n++;
        last = d.seqId;
      }
      return n;
    };
    const deadline = Date.now() + 10_000;
    while (mismatches() < 2 && Date.now() < deadline) await sleep(50);
    expect(mismatches()).toBeGreaterThanOrEqual(2);
    const rule = (await listed())[0];
    expect(rule.remaining).toBeNull();
    expect(rule.injected).toBeGreaterThanOrEqual(2);
    await fetch(`${http}/control/faults?exchange=okx&fault=gap`, { method: 'DELETE' });
    await sleep(100);
    const settled = mismatches();
    await c.until((t) => t.includes('"action":"update"'), c.frames.length);
    await c.until((t) => t.includes('"action":"update"'), c.frames.length);
    expect(mismatches()).toBe(settled);
  });

  it('checksum: a Kraken book consumer computes a CRC32 that differs from the one sent, once', async () => {
    const c = await connect('/kraken/v2');
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 }, req_id: 2 });
    await c.until((t) => t.startsWith('{"channel":"book","type":"snapshot"'));
    await armed({ exchange: 'kraken', symbol: 'BTC/USD', fault: 'checksum', count: 1 });
    const from = c.frames.length;
    await c.until((t) => t.startsWith('{"channel":"book"'), from);
    await sleep(500);
    expect(krakenMismatches(c.frames.map((f) => f.text))).toBe(1);
  });

  it('gap: a Kraken book consumer missing one update fails its checksum', async () => {
    const c = await connect('/kraken/v2');
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['ETH/USD'], depth: 10 }, req_id: 3 });
    await c.until((t) => t.startsWith('{"channel":"book","type":"snapshot"'));
    await c.until((t) => t.startsWith('{"channel":"book","type":"update"'), c.frames.length);
    expect(krakenMismatches(c.frames.map((f) => f.text))).toBe(0);
    await armed({ exchange: 'kraken', symbol: 'ETH/USD', fault: 'gap', count: 1 });
    const deadline = Date.now() + 8000;
    while (krakenMismatches(c.frames.map((f) => f.text)) === 0 && Date.now() < deadline) await sleep(50);
    expect(krakenMismatches(c.frames.map((f) => f.text))).toBeGreaterThan(0);
  });

  it('checksum: an OKX books consumer computes a checksum that differs from the one sent', async () => {
    const c = await connect('/okx/ws/v5/public');
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await c.until((t) => t.includes('"action":"snapshot"'));
    await armed({ exchange: 'okx', symbol: 'BTC-USDT', fault: 'checksum', count: 1 });
    await c.until((t) => t.includes('"action":"update"'), c.frames.length);
    await sleep(300);
    expect(okxMismatches(c.frames.map((f) => f.text))).toBe(1);
  });

  it('malformed: an Alpaca JSON consumer gets one frame that does not parse; the stream goes on', async () => {
    const c = await connect('/alpaca/v2/sip');
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    await c.until((t) => t.includes('authenticated'));
    c.send({ action: 'subscribe', quotes: ['AAPL'] });
    await c.until((t) => t.includes('"T":"subscription"'));
    await armed({ exchange: 'alpaca', symbol: 'AAPL', fault: 'malformed', count: 1 });
    const broken = await c.until((t) => !parses(t), c.frames.length);
    await c.until((t) => t.includes('"T":"q"') && parses(t), broken + 1);
    expect(c.frames.filter((f) => !parses(f.text))).toHaveLength(1);
  });

  it('latency: BTC trades on a combined Binance stream arrive late and in order while ETH flows', async () => {
    const c = await connect('/binance/stream?streams=btcusdt@trade/ethusdt@trade');
    await c.until((t) => t.includes('btcusdt@trade'));
    await armed({ exchange: 'binance', symbol: 'BTCUSDT', fault: 'latency', count: 1, ms: 1500 });
    const armedAt = Date.now();
    const from = c.frames.length;
    const isBtc = (t: string) => t.includes('"stream":"btcusdt@trade"');
    await sleep(1800);
    await c.until(isBtc, c.frames.length);
    const btc = c.frames.slice(from).filter((f) => isBtc(f.text));
    const arrivals = [armedAt, ...btc.map((f) => f.at)];
    let widest = 0;
    let widestEnd = armedAt;
    for (let i = 1; i < arrivals.length; i++) {
      if (arrivals[i] - arrivals[i - 1] > widest)
        [widest, widestEnd] = [arrivals[i] - arrivals[i - 1], arrivals[i]];
    }
    expect(widest).toBeGreaterThanOrEqual(1300);
    const ethMeanwhile = c.frames.filter(
      (f) => f.text.includes('ethusdt') && f.at > widestEnd - widest + 100 && f.at < widestEnd - 100,
    );
    expect(ethMeanwhile.length).toBeGreaterThan(0);
    const ids = c.frames.filter((f) => isBtc(f.text)).map((f) => (parse(f.text).data as { t: number }).t);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A price-keyed side of a local book. */
type Side = Map<string, { price: number; qty: number }>;

function sorted(side: Side, desc: boolean): { price: number; qty: number }[] {
  return [...side.values()].sort((a, b) => (desc ? b.price - a.price : a.price - b.price));
}

/** Checksum mismatches a Kraken v2 depth-10 book client would find over `frames`. */
function krakenMismatches(frames: readonly string[]): number {
  const pair = KRAKEN_PAIRS.get('BTC/USD');
  const bids: Side = new Map();
  const asks: Side = new Map();
  let n = 0;
  for (const text of frames) {
    if (!text.startsWith('{"channel":"book"')) continue;
    const msg = parse(text) as {
      type: string;
      data: { symbol: string; bids: L[]; asks: L[]; checksum: number }[];
    };
    type L = { price: number; qty: number };
    const d = msg.data[0];
    const p = KRAKEN_PAIRS.get(d.symbol);
    if (msg.type === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    for (const [side, levels] of [
      [bids, d.bids],
      [asks, d.asks],
    ] as const) {
      for (const l of levels) {
        if (l.qty === 0) side.delete(String(l.price));
        else side.set(String(l.price), l);
      }
    }
    // Depth 10: levels pushed out of the window are forgotten, as Kraken's guide says.
    for (const [side, desc] of [
      [bids, true],
      [asks, false],
    ] as const) {
      for (const l of sorted(side, desc).slice(10)) side.delete(String(l.price));
    }
    const top = (side: Side, desc: boolean) =>
      sorted(side, desc).map((l) => [l.price, l.qty] as [number, number]);
    if (krakenBookChecksum(top(asks, false), top(bids, true), p ?? pair) !== d.checksum) n++;
  }
  return n;
}

/** Checksum mismatches an OKX `books` client would find over `frames`. */
function okxMismatches(frames: readonly string[]): number {
  const bids = new Map<string, string[]>();
  const asks = new Map<string, string[]>();
  let n = 0;
  for (const text of frames) {
    if (!text.startsWith('{"arg"')) continue;
    const msg = parse(text) as {
      action: string;
      data: { bids: string[][]; asks: string[][]; checksum: number }[];
    };
    const d = msg.data[0];
    if (msg.action === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    for (const [side, levels] of [
      [bids, d.bids],
      [asks, d.asks],
    ] as const) {
      for (const l of levels) {
        if (l[1] === '0') side.delete(l[0]);
        else side.set(l[0], l);
      }
    }
    const order = (side: Map<string, string[]>, desc: boolean) =>
      [...side.values()].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    if (
      okxBookChecksum(order(bids, true) as [string, string][], order(asks, false) as [string, string][]) !==
      d.checksum
    )
      n++;
  }
  return n;
}
