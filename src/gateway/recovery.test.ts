/**
 * Stream recovery on a real gateway on loopback (memory bus): a client that was away comes back
 * with its last position and gets every missed message in order, none twice, then live data; a
 * position the history no longer covers, or of another epoch, is answered `recovered: false`
 * with the latest state.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Ticker, Trade } from '../core/types.js';
import { SlowHistoryBus } from '../test-support/slow-history-bus.js';
import { until } from '../test-support/until.js';
import { createGateway } from './server.js';
import { WsErrorCode } from './ws-protocol.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(
  historySize: number,
  recoveryMaxMessages = 5000,
  slowHistory?: 'early' | 'late',
): Promise<{ bus: MemoryBus; url: string; slow: SlowHistoryBus | undefined }> {
  const bus = new MemoryBus({ historySize, epoch: 'ep0ch001' });
  const slow = slowHistory === undefined ? undefined : new SlowHistoryBus(bus, 40, slowHistory);
  const gw = createGateway({
    bus: slow ?? bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: PUBLIC_DIR,
    recoveryMaxMessages,
  });
  const { port } = await gw.listen();
  cleanups.push(() => bus.close());
  cleanups.push(() => gw.close());
  return { bus, url: `ws://127.0.0.1:${port}/ws`, slow };
}

interface Frame {
  stream?: string;
  data?: Record<string, unknown>;
  offset?: number;
  epoch?: string;
  result?: unknown;
  error?: { code: number; msg: string };
  id?: unknown;
}

class Client {
  readonly frames: Frame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse((d as Buffer).toString('utf8')) as Frame));
  }

  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws);
  }

  async request(msg: Record<string, unknown>): Promise<Frame> {
    this.ws.send(JSON.stringify(msg));
    await until(() => this.frames.some((f) => f.id === msg.id), 3000, `reply ${String(msg.id)}`);
    return this.frames.find((f) => f.id === msg.id) as Frame;
  }

  data(stream: string): Frame[] {
    return this.frames.filter((f) => f.stream === stream);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await closed;
  }
}

function trade(n: number): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: 1_700_000_000_000 + n,
    localTimestamp: 1_700_000_000_001 + n,
    id: String(n),
    price: 60_000 + n,
    amount: 0.1,
    side: 'buy',
  };
}

function ticker(last: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'okx',
    symbol: 'ETH/USDT',
    timestamp: 1_700_000_000_000 + last,
    localTimestamp: 1_700_000_000_001 + last,
    last,
    bid: last - 1,
    ask: last + 1,
    bidSize: 1,
    askSize: 1,
    volume24h: 10,
    change24hPct: 0,
  };
}

const TRADE = 'trade@BTC/USDT';
const TICKER = 'ticker@ETH/USDT';

/** Publishes trades every millisecond-ish in small bursts until stopped or `max` are out. */
function fastStream(bus: MemoryBus, max: number): { stop: () => void; count: () => number } {
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 5 && n < max; i++) bus.publish(TRADE, trade(++n));
  }, 2);
  cleanups.push(() => clearInterval(timer));
  return { stop: () => clearInterval(timer), count: () => n };
}

describe('stream recovery over /ws', () => {
  it.each(['late', 'early'] as const)(
    'a client away 2 s during a fast stream comes back with its position: every missed message in order, none twice (history read %s)',
    async (snapshot) => {
      const { bus, url, slow } = await start(20_000, 5000, snapshot);
      const first = await Client.open(url);
      expect(await first.request({ method: 'SUBSCRIBE', params: [TRADE], id: 1 })).toEqual({
        result: null,
        id: 1,
      });
      const stream = fastStream(bus, 12_000);
      await until(() => first.data(TRADE).length >= 200, 5000, 'first 200 trades');
      await first.close();
      const seen = first.data(TRADE);
      const last = seen[seen.length - 1];
      expect(last.epoch).toBe('ep0ch001');
      const awayFrom = stream.count();
      await new Promise((r) => setTimeout(r, 2000));
      expect(stream.count() - awayFrom).toBeGreaterThan(500);

      // Back while the stream still runs: live messages arrive while history is read.
      const back = await Client.open(url);
      const reply = await back.request({
        method: 'SUBSCRIBE',
        params: [TRADE],
        id: 2,
        since: { [TRADE]: { offset: last.offset, epoch: last.epoch } },
      });
      const outcome = (reply.result as { streams: Record<string, Record<string, unknown>> }).streams[TRADE];
      expect(outcome).toMatchObject({ recovered: true, epoch: 'ep0ch001' });
      expect(outcome.replayed as number).toBe((outcome.offset as number) - (last.offset as number));
      // The reply comes before any data on the new connection.
      expect(back.frames[0].id).toBe(2);
      await until(
        () => back.data(TRADE).length > (outcome.replayed as number) + 100,
        5000,
        'live after replay',
      );
      stream.stop();
      const total = stream.count();
      await until(() => back.data(TRADE).at(-1)?.offset === total, 5000, 'every trade');

      const offsets = [...seen, ...back.data(TRADE)].map((f) => f.offset as number);
      // From the first trade the first connection got ('early': its bus subscription started late).
      const from = offsets[0];
      expect(snapshot === 'late' ? from : 1).toBe(1);
      expect(offsets).toEqual(Array.from({ length: total - from + 1 }, (_, i) => i + from));
      // The data is the message at that position.
      for (const f of back.data(TRADE)) expect(f.data?.id).toBe(String(f.offset));
      // 'early': live messages published while history was read were not in it, so the gap
      // between the two was read again.
      expect(slow?.historyCalls).toBe(snapshot === 'early' ? 2 : 1);
    },
  );

  it('a position older than the history: recovered false with a reason, then the latest value and live data', async () => {
    const { bus, url } = await start(50);
    for (let i = 1; i <= 200; i++) bus.publish(TICKER, ticker(i), { latestTtlMs: 60_000 });
    const c = await Client.open(url);
    const reply = await c.request({
      method: 'SUBSCRIBE',
      params: [TICKER],
      id: 1,
      since: { [TICKER]: { offset: 10, epoch: 'ep0ch001' } },
    });
    expect(reply.result).toEqual({
      streams: {
        [TICKER]: {
          recovered: false,
          replayed: 0,
          offset: 200,
          epoch: 'ep0ch001',
          reason: expect.stringMatching(/offset 10 is older than the history kept/) as unknown,
        },
      },
    });
    await until(() => c.data(TICKER).length === 1, 2000, 'latest value');
    expect(c.data(TICKER)[0]).toMatchObject({ offset: 200, epoch: 'ep0ch001', data: { last: 200 } });
    bus.publish(TICKER, ticker(201), { latestTtlMs: 60_000 });
    await until(() => c.data(TICKER).length === 2, 2000, 'live value');
    expect(c.data(TICKER).map((f) => f.offset)).toEqual([200, 201]);
  });

  it('an epoch that is not the stream’s: recovered false, latest value', async () => {
    const { bus, url } = await start(1000);
    for (let i = 1; i <= 5; i++) bus.publish(TICKER, ticker(i), { latestTtlMs: 60_000 });
    const c = await Client.open(url);
    const reply = await c.request({
      method: 'SUBSCRIBE',
      params: [TICKER],
      id: 'r',
      since: { [TICKER]: { offset: 3, epoch: 'oldepoch' } },
    });
    const outcome = (reply.result as { streams: Record<string, Record<string, unknown>> }).streams[TICKER];
    expect(outcome).toMatchObject({ recovered: false, offset: 5, epoch: 'ep0ch001' });
    expect(outcome.reason).toMatch(/epoch 'oldepoch' is not the stream's \(now 'ep0ch001'\)/);
    await until(() => c.data(TICKER).length === 1, 2000, 'latest value');
    expect(c.data(TICKER)[0]).toMatchObject({ offset: 5, data: { last: 5 } });
  });

  it('more missed than a resubscribe replays: recovered false, and a trade stream goes on live only', async () => {
    const { bus, url } = await start(1000, 20);
    for (let i = 1; i <= 100; i++) bus.publish(TRADE, trade(i));
    const c = await Client.open(url);
    const reply = await c.request({
      method: 'SUBSCRIBE',
      params: [TRADE, 'trade@ETH/USDT'],
      id: 1,
      since: { [TRADE]: { offset: 50, epoch: 'ep0ch001' } },
    });
    const streams = (reply.result as { streams: Record<string, Record<string, unknown>> }).streams;
    // Only streams given a position are reported.
    expect(Object.keys(streams)).toEqual([TRADE]);
    expect(streams[TRADE]).toMatchObject({ recovered: false, offset: 100 });
    expect(streams[TRADE].reason).toMatch(/50 messages were missed, more than the 20/);
    bus.publish(TRADE, trade(101));
    await until(() => c.data(TRADE).length === 1, 2000, 'live trade');
    expect(c.data(TRADE)[0].offset).toBe(101);
  });

  it('replays a short gap of a stateful stream without the latest value twice, under the client’s spelling', async () => {
    const { bus, url } = await start(1000);
    for (let i = 1; i <= 10; i++) bus.publish(TICKER, ticker(i), { latestTtlMs: 60_000 });
    const c = await Client.open(url);
    const spelled = 'ticker@eth-usdt';
    const reply = await c.request({
      method: 'SUBSCRIBE',
      params: [spelled],
      id: 1,
      since: { [spelled]: { offset: 7, epoch: 'ep0ch001' } },
    });
    expect(reply.result).toEqual({
      streams: { [spelled]: { recovered: true, replayed: 3, offset: 10, epoch: 'ep0ch001' } },
    });
    await until(() => c.data(spelled).length === 3, 2000, 'replay');
    bus.publish(TICKER, ticker(11), { latestTtlMs: 60_000 });
    await until(() => c.data(spelled).length === 4, 2000, 'live');
    expect(c.data(spelled).map((f) => f.offset)).toEqual([8, 9, 10, 11]);
    expect(c.frames.filter((f) => f.stream !== undefined && f.stream !== spelled)).toEqual([]);
  });

  it('answers a malformed since with an error naming it and keeps the connection', async () => {
    const { url } = await start(10);
    const c = await Client.open(url);
    const stray = await c.request({
      method: 'SUBSCRIBE',
      params: [TRADE],
      id: 1,
      since: { 'trade@ETH/USDT': { offset: 1, epoch: 'x' } },
    });
    expect(stray.error?.code).toBe(WsErrorCode.InvalidRequest);
    expect(stray.error?.msg).toMatch(/'since' names 'trade@ETH\/USDT', which is not in 'params'/);
    const badOffset = await c.request({
      method: 'SUBSCRIBE',
      params: [TRADE],
      id: 2,
      since: { [TRADE]: { offset: -1, epoch: 'x' } },
    });
    expect(badOffset.error?.msg).toMatch(
      /invalid 'since\.trade@BTC\/USDT\.offset'.*"since":\{"trade@BTC\/USDT"/,
    );
    const unsub = await c.request({
      method: 'UNSUBSCRIBE',
      params: [TRADE],
      id: 3,
      since: { [TRADE]: { offset: 1, epoch: 'x' } },
    });
    expect(unsub.error?.msg).toMatch(/'since' is only for SUBSCRIBE/);
    expect(await c.request({ method: 'SUBSCRIBE', params: [TRADE], id: 4 })).toEqual({ result: null, id: 4 });
  });
});

describe('stream recovery when the bus cannot read history', () => {
  it('answers recovered false with the reason and subscribes from the latest state', async () => {
    const { bus, url, slow } = await start(1000, 1000, 'late');
    for (let i = 1; i <= 3; i++) bus.publish(TICKER, ticker(i), { latestTtlMs: 60_000 });
    (slow as SlowHistoryBus).historyError = new Error('connection to redis lost');
    const c = await Client.open(url);
    const reply = await c.request({
      method: 'SUBSCRIBE',
      params: [TICKER],
      id: 1,
      since: { [TICKER]: { offset: 1, epoch: 'ep0ch001' } },
    });
    const outcome = (reply.result as { streams: Record<string, Record<string, unknown>> }).streams[TICKER];
    expect(outcome).toMatchObject({ recovered: false, replayed: 0 });
    expect(outcome.reason).toMatch(/history unavailable \(connection to redis lost\)/);
    await until(() => c.data(TICKER).length === 1, 2000, 'latest value');
    expect(c.data(TICKER)[0]).toMatchObject({ offset: 3 });
    bus.publish(TICKER, ticker(4), { latestTtlMs: 60_000 });
    await until(() => c.data(TICKER).length === 2, 2000, 'live value');
  });
});
