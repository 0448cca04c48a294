import { AlpacaCredentials } from './credentials.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaTestClient, alpacaTrade, startAlpacaHub, type RunningAlpacaHub } from './test-support/hub.js';

let hub: RunningAlpacaHub | undefined;
const clients: AlpacaTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await hub?.close();
  hub = undefined;
});

async function start(opts: Parameters<typeof startAlpacaHub>[0] = {}): Promise<RunningAlpacaHub> {
  hub = await startAlpacaHub(opts);
  return hub;
}

async function connect(url: string, opts: Parameters<typeof AlpacaTestClient.connect>[1] = {}) {
  const c = await AlpacaTestClient.connect(url, opts);
  clients.push(c);
  return c;
}

const err = (code: number, msg: string) => [{ T: 'error', code, msg }];

describe('Alpaca hub: connection and auth', () => {
  it('welcomes with connected, authenticates with the configured key, and refuses other paths', async () => {
    const h = await start({ credentials: new AlpacaCredentials('k1', 's1') });
    const c = await connect(`${h.wsBase}/v2/iex`);
    expect(await c.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    c.send({ action: 'auth', key: 'k1', secret: 's1' });
    expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    c.send({ action: 'auth', key: 'k1', secret: 's1' });
    expect(await c.next()).toEqual(err(403, 'already authenticated'));
    for (const path of ['/v2/crypto', '/v1/iex', '/v2/iex/x', '']) {
      await expect(connect(`${h.wsBase}${path}`), path).rejects.toThrow(/404/);
    }
    const plain = await fetch(`${h.restBase}/v2/iex`);
    expect(plain.status).toBe(426);
  });

  it('closes on a wrong key with 402', async () => {
    const h = await start();
    const c = await connect(`${h.wsBase}/v2/sip`);
    await c.next();
    c.send({ action: 'auth', key: 'demo', secret: 'wrong' });
    expect(await c.next()).toEqual(err(402, 'auth failed'));
    expect((await c.closed).code).toBe(1008);
  });

  it('closes a connection that does not authenticate within the timeout with 404', async () => {
    const h = await start({ authTimeoutMs: 120 });
    const c = await connect(`${h.wsBase}/v2/iex`);
    await c.next();
    const started = Date.now();
    expect(await c.next()).toEqual(err(404, 'auth timeout'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect((await c.closed).code).toBe(1008);
  });

  it('refuses a connection beyond the per-key limit of a feed with 406, other feeds apart', async () => {
    const h = await start();
    const first = await AlpacaTestClient.authed(`${h.wsBase}/v2/iex`);
    clients.push(first);
    const other = await AlpacaTestClient.authed(`${h.wsBase}/v2/sip`);
    clients.push(other);
    const second = await connect(`${h.wsBase}/v2/iex`);
    await second.next();
    second.send({ action: 'auth', key: 'demo', secret: 'demo' });
    expect(await second.next()).toEqual(err(406, 'connection limit exceeded'));
    expect((await second.closed).code).toBe(1008);
    // Once the first leaves, its slot is free again.
    first.close();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    clients.push(await AlpacaTestClient.authed(`${h.wsBase}/v2/iex`));
  });

  it('answers 401 to a subscribe before auth, 400 to malformed messages, and stays open', async () => {
    const h = await start();
    const c = await connect(`${h.wsBase}/v2/iex`);
    await c.next();
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    expect(await c.next()).toEqual(err(401, 'not authenticated'));
    for (const bad of ['not json', '[1,2]', '{"action":"dance"}', '{"action":"auth","key":1}']) {
      c.send(bad);
      expect(await c.next(), bad).toEqual(err(400, 'invalid syntax'));
    }
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    for (const bad of [{ trades: 'AAPL' }, { trades: [''] }, { candles: ['AAPL'] }]) {
      c.send({ action: 'subscribe', ...bad });
      expect(await c.next(), JSON.stringify(bad)).toEqual(err(400, 'invalid syntax'));
    }
    c.send({ action: 'subscribe', orderbooks: ['AAPL'] });
    expect(await c.next()).toEqual(err(410, 'invalid subscribe action for this feed'));
  });

  it('authenticates by the upgrade headers, authenticated right after connected', async () => {
    const h = await start();
    const ok = await connect(`${h.wsBase}/v2/iex`, {
      headers: { 'APCA-API-KEY-ID': 'demo', 'APCA-API-SECRET-KEY': 'demo' },
    });
    expect(await ok.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    expect(await ok.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    const bad = await connect(`${h.wsBase}/v2/sip`, {
      headers: { 'APCA-API-KEY-ID': 'demo', 'APCA-API-SECRET-KEY': 'nope' },
    });
    await bad.next();
    expect(await bad.next()).toEqual(err(402, 'auth failed'));
    expect((await bad.closed).code).toBe(1008);
  });

  it('refuses a feed outside the plan with 409 at auth', async () => {
    const h = await start({ feeds: ['iex', 'test'] });
    const c = await connect(`${h.wsBase}/v2/sip`);
    await c.next();
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    expect(await c.next()).toEqual(err(409, 'insufficient subscription'));
    expect((await c.closed).code).toBe(1008);
  });

  it('answers with the full subscription state, * included, and enforces the symbol limit with 405', async () => {
    const h = await start({ symbolLimit: 3 });
    const c = await AlpacaTestClient.authed(`${h.wsBase}/v2/iex`);
    clients.push(c);
    expect(await c.subscribe({ trades: ['AAPL'], quotes: ['AMD', 'CLDR'], bars: ['*'] })).toEqual({
      T: 'subscription',
      trades: ['AAPL'],
      quotes: ['AMD', 'CLDR'],
      bars: ['*'],
      updatedBars: [],
      dailyBars: [],
      statuses: [],
      lulds: [],
      corrections: ['AAPL'],
      cancelErrors: ['AAPL'],
    });
    c.send({ action: 'subscribe', trades: ['MSFT'] });
    expect(await c.next()).toEqual(err(405, 'symbol limit exceeded'));
    const after = await c.subscribe({ quotes: ['CLDR'], bars: ['*'] }, 'unsubscribe');
    expect(after).toMatchObject({ trades: ['AAPL'], quotes: ['AMD'], bars: [] });
    expect(await c.subscribe({ trades: ['MSFT'], dailyBars: ['AAPL'], statuses: ['*'] })).toMatchObject({
      trades: ['AAPL', 'MSFT'],
      dailyBars: ['AAPL'],
      statuses: ['*'],
      corrections: ['AAPL', 'MSFT'],
    });
  });

  it('understands MessagePack client messages and answers in binary MessagePack', async () => {
    const h = await start();
    const c = await connect(`${h.wsBase}/v2/iex`, { msgpack: true });
    expect(await c.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    expect(await c.subscribe({ trades: ['AAPL'] })).toMatchObject({ T: 'subscription', trades: ['AAPL'] });
    expect(c.binary).toEqual([true, true, true]);
  });

  it('counts for /health', async () => {
    const h = await start();
    clients.push(await AlpacaTestClient.authed(`${h.wsBase}/v2/iex`));
    const health = (await (await fetch(`${h.restBase.replace('/alpaca', '')}/health`)).json()) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(health)).toContain('"authenticated":1');
  });

  it('answers protocol pings (the SDKs ping every 10 s)', async () => {
    const h = await start();
    const c = await connect(`${h.wsBase}/v2/iex`);
    const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', resolve));
    c.ws.ping(Buffer.from('sdk'));
    expect(String(await pong)).toBe('sdk');
  });

  it('drops a consumer that stops reading with 407 slow client, then closes', async () => {
    const h = await start({ rules: { maxBufferedBytes: 64 * 1024 } });
    const c = await AlpacaTestClient.authed(`${h.wsBase}/v2/iex`);
    clients.push(c);
    await c.subscribe({ trades: ['AAPL'] });
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const conditions = Array.from({ length: 200 }, (_, i) => `c${i}`);
    let pushed = 0;
    const base = Date.parse('2026-01-05T15:00:00Z');
    // Bounded: the loopback buffers fill within a few MB.
    while (pushed < 20_000 && h.hub.health().venues[0].counters.slowDropped === 0) {
      for (let i = 0; i < 200; i++, pushed++) {
        const e = alpacaTrade('AAPL', new Date(base + pushed).toISOString(), 1, 1, pushed);
        (e.data as { c: string[] }).c = conditions;
        h.push(e);
      }
      await new Promise((r) => setImmediate(r));
    }
    socket.resume();
    const { code } = await c.closed;
    expect(code).toBe(1008);
    expect(c.frames[c.frames.length - 1]).toEqual(err(407, 'slow client'));
  });
});
