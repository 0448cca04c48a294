import { decode, decodeTimestampToTimeSpec, ExtensionCodec } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlpacaTestClient,
  alpacaBar,
  alpacaQuote,
  alpacaTrade,
  startAlpacaHub,
  type Message,
  type RunningAlpacaHub,
} from './test-support/hub.js';

let hub: RunningAlpacaHub;
beforeAll(async () => {
  // One connection per key and feed is Alpaca's rule; these tests open several.
  hub = await startAlpacaHub({ connectionLimit: 20 });
});
afterAll(() => hub.close());

const url = (feed: string) => `${hub.wsBase}/v2/${feed}`;

async function session(
  feed: string,
  lists: Record<string, string[]>,
  msgpack = false,
): Promise<AlpacaTestClient> {
  const c = await AlpacaTestClient.authed(url(feed), { msgpack });
  await c.subscribe(lists);
  return c;
}

/** Raw MessagePack frames decoded with timestamps as {sec, nsec}. */
const specCodec = new ExtensionCodec();
specCodec.register({ type: -1, encode: () => null, decode: (d: Uint8Array) => decodeTimestampToTimeSpec(d) });

describe('Alpaca hub: stream messages', () => {
  it('sends JSON and MessagePack sessions the same messages, several of one moment in one frame', async () => {
    const lists = { trades: ['AAPL'], quotes: ['AAPL'] };
    const [json, packed] = [await session('iex', lists), await session('iex', lists, true)];
    hub.push(
      alpacaTrade('AAPL', '2026-01-05T14:31:05.335689322Z', 250.1, 5, 1),
      alpacaTrade('AAPL', '2026-01-05T14:31:05.335689322Z', 250.2, 7, 2),
      alpacaTrade('AAPL', '2026-01-05T14:31:05.335689322Z', 250.3, 1, 3),
      alpacaQuote('AAPL', '2026-01-05T14:31:05.4Z', 250.0, 250.4),
    );
    const jsonFrames = [await json.next(), await json.next()];
    const packedFrames = [await packed.next(), await packed.next()];
    expect(jsonFrames.map((f) => f.length).sort()).toEqual([1, 3]);
    const trades = jsonFrames.find((f) => f.length === 3) as Message[];
    expect(trades[0]).toEqual({
      T: 't',
      S: 'AAPL',
      i: 1,
      x: 'V',
      p: 250.1,
      s: 5,
      c: ['@'],
      t: '2026-01-05T14:31:05.335689322Z',
      z: 'C',
    });
    expect(trades.map((m) => m.i)).toEqual([1, 2, 3]);
    const quote = jsonFrames.find((f) => f.length === 1) as Message[];
    expect(Object.keys(quote[0])).toEqual(['T', 'S', 'bx', 'bp', 'bs', 'ax', 'ap', 'as', 't', 'c', 'z']);
    const byType = (frames: Message[][]) => [...frames].sort((a, b) => a.length - b.length);
    expect(byType(packedFrames)).toEqual(byType(jsonFrames));
    expect(packed.binary.slice(-2)).toEqual([true, true]);
    // The timestamp extension carries the nanoseconds.
    const raw = packed.raw.slice(-2).map((b) => decode(b, { extensionCodec: specCodec }) as Message[]);
    const packedTrade = raw.find((f) => f.length === 3) as Message[];
    expect(packedTrade[0].t).toEqual({ sec: Date.parse('2026-01-05T14:31:05Z') / 1000, nsec: 335_689_322 });
    json.close();
    packed.close();
  });

  it('sends minute bars and the daily bar so far, bars on * for every symbol', async () => {
    const c = await session('sip', { bars: ['*'], dailyBars: ['AAPL'] });
    hub.push(alpacaBar('AAPL', '2026-01-05T14:32:00Z', 10, 12, 9, 11, 100));
    hub.push(alpacaBar('MSFT', '2026-01-05T14:32:00Z', 50, 51, 49, 50.5, 10));
    hub.push(alpacaBar('AAPL', '2026-01-05T14:33:00Z', 11, 13, 10.5, 12, 300));
    const got = await c.messages(5);
    expect(got.filter((m) => m.T === 'b').map((m) => [m.S, m.t])).toEqual([
      ['AAPL', '2026-01-05T14:32:00Z'],
      ['MSFT', '2026-01-05T14:32:00Z'],
      ['AAPL', '2026-01-05T14:33:00Z'],
    ]);
    const daily = got.filter((m) => m.T === 'd');
    expect(daily).toHaveLength(2);
    // The New York day starts at 05:00 UTC in January (EST).
    expect(daily[1]).toEqual({
      T: 'd',
      S: 'AAPL',
      o: 10,
      h: 13,
      l: 9,
      c: 12,
      v: 400,
      t: '2026-01-05T05:00:00Z',
      n: 20,
      vw: (10.5 * 100 + 11.5 * 300) / 400,
    });
    c.close();
  });

  it('sends an updated bar when a trade of an already sent minute arrives late', async () => {
    const c = await session('iex', { updatedBars: ['MSFT'] });
    hub.push(alpacaBar('MSFT', '2026-01-05T14:40:00Z', 50, 51, 49, 50.5, 10));
    hub.push(alpacaTrade('MSFT', '2026-01-05T14:40:59.9Z', 52, 10, 77, Date.parse('2026-01-05T14:41:01Z')));
    const [u] = await c.next();
    expect(u).toMatchObject({
      T: 'u',
      S: 'MSFT',
      t: '2026-01-05T14:40:00Z',
      o: 50,
      h: 52,
      l: 49,
      c: 52,
      v: 20,
      n: 11,
    });
    c.close();
  });

  it('serves FAKEPACA on the test feed from the first symbol, nothing of the others', async () => {
    const c = await session('test', { trades: ['FAKEPACA'] });
    const star = await session('test', { quotes: ['*'] }, true);
    hub.push(alpacaTrade('MSFT', '2026-01-05T14:45:00Z', 400, 1, 5));
    hub.push(alpacaTrade('AAPL', '2026-01-05T14:45:01Z', 251, 2, 6));
    hub.push(alpacaQuote('AAPL', '2026-01-05T14:45:02Z', 250.9, 251.1));
    const [t] = await c.next();
    expect(t).toMatchObject({ T: 't', S: 'FAKEPACA', p: 251, i: 6 });
    const [q] = await star.next();
    expect(q).toMatchObject({ T: 'q', S: 'FAKEPACA', bp: 250.9 });
    c.close();
    star.close();
  });

  it('sends trading statuses when replay time crosses the session open and close', async () => {
    const fresh = await startAlpacaHub({ symbols: ['AAPL'] });
    try {
      const c = await AlpacaTestClient.authed(`${fresh.wsBase}/v2/iex`);
      await c.subscribe({ statuses: ['*'] });
      fresh.advanceTo(Date.parse('2026-01-05T14:00:00Z'));
      fresh.advanceTo(Date.parse('2026-01-05T14:30:00.500Z'));
      fresh.advanceTo(Date.parse('2026-01-05T21:00:10Z'));
      const got = await c.messages(2);
      expect(got).toEqual([
        {
          T: 's',
          S: 'AAPL',
          sc: 'T',
          sm: 'Trading Resumption',
          rc: '',
          rm: '',
          t: '2026-01-05T14:30:00Z',
          z: '',
        },
        { T: 's', S: 'AAPL', sc: 'H', sm: 'Trading Halt', rc: '', rm: '', t: '2026-01-05T21:00:00Z', z: '' },
      ]);
      c.close();
    } finally {
      await fresh.close();
    }
  });

  it('publishes only to channels with subscribers, and stops after an unsubscribe', async () => {
    const fresh = await startAlpacaHub({ symbols: ['AAPL'] });
    try {
      const health = async () =>
        (
          (await (await fetch(`${fresh.restBase.replace('/alpaca', '')}/health`)).json()) as {
            venues: Array<{ counters: Record<string, number> }>;
          }
        ).venues[0].counters;
      fresh.push(alpacaTrade('AAPL', '2026-01-05T15:00:00Z', 1, 1, 1));
      expect((await health()).messagesPublished).toBe(0);
      const c = await AlpacaTestClient.authed(`${fresh.wsBase}/v2/iex`);
      await c.subscribe({ trades: ['AAPL'] });
      fresh.push(alpacaTrade('AAPL', '2026-01-05T15:00:01Z', 1, 1, 2));
      expect((await c.next())[0]).toMatchObject({ i: 2 });
      await c.subscribe({ trades: ['AAPL'] }, 'unsubscribe');
      fresh.push(alpacaTrade('AAPL', '2026-01-05T15:00:02Z', 1, 1, 3));
      expect((await health()).messagesPublished).toBe(1);
      c.close();
    } finally {
      await fresh.close();
    }
  });
});
