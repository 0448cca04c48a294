import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitTarget } from './http.js';
import { RestRouter } from './rest-router.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const router = new RestRouter({
    notFound: (r) => ({ status: 404, body: { error: [`unknown ${r.path}`] } }),
  })
    .on('GET', '/time', (r) => ({ status: 200, body: { t: r.query.get('x') ?? 'none' } }))
    .on('GET', '/items/latest', () => ({ status: 200, body: { exact: true } }))
    .on('GET', '/items/{id}/parts/{part}', (r) => ({ status: 200, body: r.params }))
    .on('GET', '/items/{id}', (r) => ({ status: 200, body: r.params }))
    .on(['GET', 'POST'], '/both', (r) => ({ status: 200, body: { method: r.method } }))
    .on('GET', '/text', () => ({
      status: 201,
      body: 'plain words',
      headers: { 'Content-Type': 'text/plain', 'X-Venue': 'test' },
    }));
  server = createServer((req, res) => {
    const { path, query } = splitTarget(req.url);
    router.handle(req, res, path, query);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('RestRouter', () => {
  it('routes method + path to a handler and writes its answer as JSON', async () => {
    const res = await fetch(`${base}/time?x=42`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await res.text()).toBe('{"t":"42"}');
    const post = await fetch(`${base}/both`, { method: 'POST' });
    expect(await post.json()).toEqual({ method: 'POST' });
  });

  it("answers an unknown path with the venue's not-found answer", async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: ['unknown /nope'] });
  });

  it('answers HEAD like GET without a body, and another method with 405 and Allow', async () => {
    const head = await fetch(`${base}/time`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('{"t":"none"}'.length));
    expect(await head.text()).toBe('');
    const del = await fetch(`${base}/time`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
  });

  it('keeps a text body and the headers the handler names', async () => {
    const res = await fetch(`${base}/text`);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-venue')).toBe('test');
    expect(await res.text()).toBe('plain words');
  });

  it('refuses a route defined twice', () => {
    const router = new RestRouter({ notFound: () => ({ status: 404, body: '' }) }).on('GET', '/a', () => ({
      status: 200,
      body: '',
    }));
    expect(() => router.on('get', '/a', () => ({ status: 200, body: '' }))).toThrow(/already defined/);
  });
  it('matches {name} segments into params, exact paths first, one segment each', async () => {
    expect(await (await fetch(`${base}/items/A%20B`)).json()).toEqual({ id: 'A B' });
    expect(await (await fetch(`${base}/items/7/parts/x`)).json()).toEqual({ id: '7', part: 'x' });
    expect(await (await fetch(`${base}/items/latest`)).json()).toEqual({ exact: true });
    for (const path of ['/items/', '/items/7/parts', '/items/7/extra', '/items/%E0%A4%A']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
  });
});
