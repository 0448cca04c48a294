import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import { createAuthorizer, patternGrant } from './auth.js';
import { createGateway, type AccessOptions } from './server.js';
import { WsErrorCode } from './ws-protocol.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(access: AccessOptions): Promise<string> {
  const bus = new MemoryBus();
  const gw = createGateway({
    bus,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: PUBLIC_DIR,
    access,
  });
  const { port } = await gw.listen();
  cleanups.push(() => bus.close());
  cleanups.push(() => gw.close());
  return `ws://127.0.0.1:${port}/ws`;
}

type Outcome =
  | { open: true; ws: WebSocket }
  | { open: false; status: number; body: { error: { code: string; msg: string } } };

/** Open a socket; resolves with it, or with the HTTP status and JSON body that refused it. */
function attempt(
  url: string,
  opts: { headers?: Record<string, string>; origin?: string } = {},
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers, origin: opts.origin });
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade within 3 s')), 3000);
    ws.once('open', () => {
      clearTimeout(timer);
      cleanups.push(() => ws.terminate());
      resolve({ open: true, ws });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        clearTimeout(timer);
        ws.terminate();
        resolve({ open: false, status: res.statusCode ?? 0, body: JSON.parse(text) as never });
      });
    });
    ws.once('error', () => undefined);
  });
}

function token(
  claims: Record<string, unknown>,
  opts: { exp?: string | number; nbf?: string | number } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (opts.exp !== undefined) jwt.setExpirationTime(opts.exp);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

function reply(
  ws: WebSocket,
  msg: { method: string; params?: string[]; id: number },
): Promise<Record<string, unknown>> {
  const id = msg.id;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to id ${id} within 2 s`)), 2000);
    const onMessage = (data: Buffer): void => {
      const f = JSON.parse(data.toString()) as Record<string, unknown>;
      if (f.id !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(f);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(msg));
  });
}

function expectRefused(o: Outcome, status: number, code: string, msg: RegExp): void {
  expect(o.open).toBe(false);
  if (o.open) return;
  expect(o.status).toBe(status);
  expect(o.body.error.code).toBe(code);
  expect(o.body.error.msg).toMatch(msg);
}

describe('gateway auth and origin', () => {
  it('refuses a foreign Origin with 403, accepts listed origins and clients that send none', async () => {
    const url = await start({ allowedOrigins: ['https://app.example.com', 'https://*.trusted.io'] });
    expectRefused(
      await attempt(url, { origin: 'https://evil.example' }),
      403,
      'origin_not_allowed',
      /"https:\/\/evil\.example" is not allowed.*allowedOrigins/,
    );
    expect((await attempt(url, { origin: 'https://app.example.com' })).open).toBe(true);
    expect((await attempt(url, { origin: 'https://desk.trusted.io' })).open).toBe(true);
    expect((await attempt(url, { origin: 'http://desk.trusted.io' })).open).toBe(false);
    expect((await attempt(url)).open).toBe(true);
  });

  it('API keys: accepted in X-API-Key or ?apiKey=, a bad or missing one refused with 401', async () => {
    const url = await start({ apiKeys: ['k-one', 'k-two'] });
    expect((await attempt(url, { headers: { 'X-API-Key': 'k-two' } })).open).toBe(true);
    expect((await attempt(`${url}?apiKey=k-one`)).open).toBe(true);
    expectRefused(
      await attempt(url, { headers: { 'X-API-Key': 'k-three' } }),
      401,
      'invalid_api_key',
      /not valid/,
    );
    expectRefused(await attempt(url), 401, 'missing_api_key', /X-API-Key header or \?apiKey=/);
  });

  it('JWT: a bad signature, an expired or not-yet-valid token, or none is refused with 401', async () => {
    const url = await start({ jwtSecret: SECRET });
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(40)));
    expectRefused(await attempt(`${url}?token=${forged}`), 401, 'invalid_token', /signature does not verify/);
    const expired = await token({}, { exp: Math.floor(Date.now() / 1000) - 60 });
    expectRefused(await attempt(`${url}?token=${expired}`), 401, 'invalid_token', /expired/);
    const early = await token({}, { nbf: Math.floor(Date.now() / 1000) + 3600 });
    expectRefused(await attempt(`${url}?token=${early}`), 401, 'invalid_token', /not valid yet/);
    expectRefused(await attempt(`${url}?token=not.a.jwt`), 401, 'invalid_token', /not a valid JWT/);
    expectRefused(await attempt(url), 401, 'missing_token', /Authorization: Bearer/);
    const bad = await token({ streams: 'trade@*' });
    expectRefused(
      await attempt(`${url}?token=${bad}`),
      401,
      'invalid_token',
      /claim 'streams' must be a non-empty array/,
    );
    const good = await token({}, { exp: '1h' });
    expect((await attempt(url, { headers: { Authorization: `Bearer ${good}` } })).open).toBe(true);
  });

  it('a token subscribing beyond its streams claim gets error 7 naming stream and claim; the connection stays', async () => {
    const url = await start({ jwtSecret: SECRET });
    const t = await token({ streams: ['trade@*', '*@ETH/USDT', 'book@binance:BTC/USDT'] }, { exp: '1h' });
    const o = await attempt(`${url}?token=${t}`);
    if (!o.open) throw new Error(`refused: ${JSON.stringify(o.body)}`);
    const ok = await reply(o.ws, {
      method: 'SUBSCRIBE',
      params: ['trade@BTC/USDT', 'trade@okx:BTC/USDT', 'ticker@ETH/USDT', 'book@Binance:btc/usdt'],
      id: 1,
    });
    expect(ok).toEqual({ result: null, id: 1 });
    const denied = await reply(o.ws, {
      method: 'SUBSCRIBE',
      params: ['trade@SOL/USDT', 'ticker@BTC/USDT'],
      id: 2,
    });
    const err = denied.error as { code: number; msg: string };
    expect(err.code).toBe(WsErrorCode.Forbidden);
    expect(err.msg).toContain("stream 'ticker@BTC/USDT' is not allowed");
    expect(err.msg).toContain('["trade@*","*@ETH/USDT","book@binance:BTC/USDT"]');
    expect(err.msg).toMatch(/nothing was subscribed$/);
    const list = await reply(o.ws, { method: 'LIST_SUBSCRIPTIONS', id: 3 });
    // Listed as the client spelled them.
    expect((list.result as string[]).sort()).toEqual([
      'book@Binance:btc/usdt',
      'ticker@ETH/USDT',
      'trade@BTC/USDT',
      'trade@okx:BTC/USDT',
    ]);
    expect(o.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('origin is checked before credentials, so a foreign page learns nothing about the key', async () => {
    const url = await start({ allowedOrigins: ['https://app.example.com'], apiKeys: ['k'] });
    expectRefused(
      await attempt(url, { origin: 'https://evil.example', headers: { 'X-API-Key': 'k' } }),
      403,
      'origin_not_allowed',
      /not allowed/,
    );
  });
});

describe('createAuthorizer', () => {
  it('infers the mode from the keys set and refuses an incomplete or ambiguous setup', () => {
    expect(createAuthorizer({}).mode).toBe('none');
    expect(createAuthorizer({ apiKeys: ['k'] }).mode).toBe('apiKey');
    expect(createAuthorizer({ jwtSecret: SECRET }).mode).toBe('jwt');
    expect(() => createAuthorizer({ apiKeys: ['k'], jwtSecret: SECRET })).toThrow(/choose one with authMode/);
    expect(() => createAuthorizer({ mode: 'jwt' })).toThrow(/needs jwtSecret of at least 32/);
    expect(() => createAuthorizer({ mode: 'apiKey' })).toThrow(/needs apiKeys/);
  });

  it('patterns: globs ignore case, exact names match in any accepted spelling', () => {
    const g = patternGrant(['trade@*', 'book@binance:btc/usdt']);
    expect(g.refusal('trade@kraken:BTC/USD')).toBeUndefined();
    expect(g.refusal('book@binance:BTC/USDT')).toBeUndefined();
    expect(g.refusal('book@okx:BTC/USDT')).toMatch(/not allowed/);
  });
});

describe('the same access rules on the SSE endpoint', () => {
  async function sse(
    base: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const res = await fetch(base.replace('ws://', 'http://').replace('/ws', '') + path, {
      headers,
      signal: AbortSignal.timeout(3000),
    });
    if (res.status === 200) {
      await res.body?.cancel();
      return { status: 200, body: '' };
    }
    return { status: res.status, body: await res.text() };
  }

  it('refuses a missing key (401), a foreign origin (403) and a pair beyond the token claim (403)', async () => {
    const keyed = await start({ apiKeys: ['k1'], allowedOrigins: ['https://app.example'] });
    const path = '/api/market-data/stream?pairs=BTC/USDT';
    expect(await sse(keyed, path)).toMatchObject({
      status: 401,
      body: expect.stringContaining('missing_api_key'),
    });
    expect((await sse(keyed, path, { 'X-API-Key': 'k1', Origin: 'https://evil.example' })).status).toBe(403);
    expect((await sse(keyed, path, { 'X-API-Key': 'k1', Origin: 'https://app.example' })).status).toBe(200);

    const jwt = await start({ jwtSecret: SECRET });
    const narrow = await token({ streams: ['*@ETH/USDT'] });
    const denied = await sse(jwt, path, { Authorization: `Bearer ${narrow}` });
    expect(denied.status).toBe(403);
    expect(denied.body).toContain("'price@BTC/USDT' is not allowed");
    const ok = await sse(jwt, '/api/market-data/stream?pairs=ETH-USDT', {
      Authorization: `Bearer ${narrow}`,
    });
    expect(ok.status).toBe(200);
  });
});
