import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import { createGateway, type Gateway } from './server.js';
import { loadTlsFiles } from './tls-files.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../dist/dashboard', import.meta.url));

let dir = '';
let certFile = '';
let keyFile = '';
let cert = '';
let bus: MemoryBus;
let gw: Gateway;
let port = 0;

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  cert = pems.cert;
  dir = await mkdtemp(join(tmpdir(), 'tickstream-tls-'));
  certFile = join(dir, 'cert.pem');
  keyFile = join(dir, 'key.pem');
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private);
  const tls = await loadTlsFiles(certFile, keyFile);
  bus = new MemoryBus();
  gw = createGateway({ bus, port: 0, host: '127.0.0.1', logger: silentLogger(), publicDir: PUBLIC_DIR, tls });
  port = (await gw.listen()).port;
}, 30_000);

afterAll(async () => {
  await gw?.close();
  await bus?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('gateway over TLS', () => {
  it('serves https to a client that trusts the generated certificate', async () => {
    expect(gw.scheme).toBe('https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = get({ host: '127.0.0.1', port, path: '/api/prices', ca: cert, timeout: 3000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('https GET timed out')));
      req.on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('serves wss: subscribe and receive a trade', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca: cert });
    try {
      const frames: Record<string, unknown>[] = [];
      const got = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no trade over wss within 3 s')), 3000);
        ws.on('message', (d) => {
          const f = JSON.parse(String(d)) as Record<string, unknown>;
          frames.push(f);
          if (f.id === 1)
            bus.publish('trade@BTC/USDT', {
              type: 'trade',
              exchange: 'binance',
              symbol: 'BTC/USDT',
              timestamp: 1,
              localTimestamp: 2,
              id: '1',
              price: 1,
              amount: 1,
              side: 'buy',
            });
          if (f.stream === 'trade@BTC/USDT') {
            clearTimeout(timer);
            resolve();
          }
        });
        ws.once('error', reject);
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['trade@BTC/USDT'], id: 1 }));
      await got;
      expect(frames[0]).toEqual({ result: null, id: 1 });
    } finally {
      ws.terminate();
    }
  });

  it('a plain ws client without the CA is refused by the TLS handshake', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`);
    const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(err.message).toMatch(/self[- ]signed|certificate/i);
  });
});

describe('loadTlsFiles', () => {
  it('wants both files or neither, and names an unreadable one', async () => {
    expect(await loadTlsFiles(undefined, undefined)).toBeUndefined();
    await expect(loadTlsFiles(certFile, undefined)).rejects.toThrow(
      /tlsCert is set but tlsKey is not.*--tls-key/,
    );
    await expect(loadTlsFiles(undefined, keyFile)).rejects.toThrow(/tlsKey is set but tlsCert is not/);
    const missing = join(dir, 'nope.pem');
    await expect(loadTlsFiles(missing, keyFile)).rejects.toThrow(`cannot read tlsCert file ${missing}`);
  });

  it('a file that is not a PEM certificate is a ConfigError at gateway creation', async () => {
    const bogus = join(dir, 'bogus.pem');
    await writeFile(bogus, 'not a certificate');
    const tls = await loadTlsFiles(bogus, keyFile);
    expect(() => createGateway({ bus, port: 0, logger: silentLogger(), publicDir: PUBLIC_DIR, tls })).toThrow(
      /TLS certificate or key is not usable/,
    );
  });
});
