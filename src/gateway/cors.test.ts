/** CORS on a real gateway: pages of allowed origins may read the API and SSE from another origin. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import { createGateway, type Gateway } from './server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function ask(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CORS', () => {
  const bus = new MemoryBus();
  let gw: Gateway;
  let port: number;
  beforeAll(async () => {
    gw = createGateway({
      bus,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir: process.cwd(),
      access: { allowedOrigins: ['http://localhost:5173'] },
    });
    port = (await gw.listen()).port;
  });
  afterAll(async () => {
    await gw.close();
    await bus.close();
  });

  it('answers an allowed origin with Access-Control-Allow-Origin on the API and SSE', async () => {
    const origin = { origin: 'http://localhost:5173' };
    const prices = await ask(port, 'GET', '/api/prices', origin);
    expect(prices.status).toBe(200);
    expect(prices.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(prices.headers.vary).toBe('Origin');
    const sse = await ask(port, 'GET', '/api/market-data/stream?pairs=BTC/USDT', origin);
    expect(sse.status).toBe(200);
    expect(sse.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('answers a preflight of an allowed origin with what may be sent, and refuses others', async () => {
    const ok = await ask(port, 'OPTIONS', '/api/market-data/health', {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-api-key',
    });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-headers']).toContain('x-api-key');
    const refused = await ask(port, 'OPTIONS', '/api/prices', { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    const plain = await ask(port, 'GET', '/api/prices', { origin: 'https://evil.example' });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});
