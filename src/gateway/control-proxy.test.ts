/**
 * `/api/replay` and `/api/faults` on a real gateway in front of a real replay hub (one generated
 * Binance minute): reads and changes reach the hub and its answers come back unchanged; changes
 * from a foreign origin, or not sent as JSON, are refused before the hub sees them; a gateway
 * without a hub, or with one that is gone, says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../app/replay-stack.js';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import { freePort } from '../../test/support/ports.js';
import { createGateway, type Gateway } from './server.js';

let root: string;
let replay: ReplayStack;
const gateways: Gateway[] = [];

async function gatewayFor(controlUpstream: string | undefined): Promise<string> {
  const gw = createGateway({
    bus: new MemoryBus(),
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    publicDir: process.cwd(),
    controlUpstream,
    access: { allowedOrigins: ['http://localhost:5173'] },
  });
  gateways.push(gw);
  return `http://127.0.0.1:${(await gw.listen()).port}`;
}

let base: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-control-proxy-'));
  await venueFor('binance').generate({
    root,
    seed: 'control-proxy',
    startMs: Date.UTC(2026, 0, 5, 14, 30),
    minutes: 1,
    symbols: ['BTC/USDT'],
  });
  replay = await startReplay({
    root,
    exchanges: ['binance'],
    speed: 5,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    paused: true,
  });
  base = await gatewayFor(`http://127.0.0.1:${replay.port}`);
});

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await replay?.close();
  await rm(root, { recursive: true, force: true });
});

async function call(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method, body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the hub control API through the gateway', () => {
  it('reads and changes the replay: paused, resumed, speed, each answer the hub gave', async () => {
    expect((await call(`${base}/api/replay`, 'GET')).body).toMatchObject({ state: 'paused', speed: 5 });
    const resumed = await call(`${base}/api/replay`, 'POST', '{"action":"resume"}');
    expect(resumed).toMatchObject({ status: 200, body: { state: 'playing' } });
    expect(
      (await call(`${base}/api/replay/`, 'POST', '{"action":"speed","speed":"max"}')).body,
    ).toMatchObject({ speed: 'max' });
    const direct = (await (await fetch(`http://127.0.0.1:${replay.port}/control/replay`)).json()) as {
      speed: unknown;
    };
    expect(direct.speed).toBe('max');
    // The hub's own 400 comes back as it was: it names the bad action.
    const bad = await call(`${base}/api/replay`, 'POST', '{"action":"rewind"}');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/action/);
  });

  it('arms, lists and clears faults', async () => {
    const armed = await call(
      `${base}/api/faults`,
      'POST',
      JSON.stringify({ exchange: 'binance', symbol: 'BTC/USDT', fault: 'disconnect', count: 1 }),
    );
    expect(armed.status).toBeLessThan(300);
    const listed = await call(`${base}/api/faults`, 'GET');
    expect(JSON.stringify(listed.body)).toMatch(/disconnect/);
    expect((await call(`${base}/api/faults`, 'DELETE')).status).toBeLessThan(300);
    expect(JSON.stringify((await call(`${base}/api/faults`, 'GET')).body)).not.toMatch(/disconnect/);
  });

  it('refuses a change from a foreign origin or not sent as JSON, and the hub never sees it', async () => {
    await call(`${base}/api/replay`, 'POST', '{"action":"pause"}');
    const foreign = await call(`${base}/api/replay`, 'POST', '{"action":"resume"}', {
      'Content-Type': 'application/json',
      Origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(foreign.body)).toMatch(/evil\.example.*allowedOrigins/);
    const form = await call(`${base}/api/replay`, 'POST', '{"action":"resume"}', {
      'Content-Type': 'text/plain',
    });
    expect(form.status).toBe(415);
    expect((await call(`${base}/api/replay`, 'GET')).body).toMatchObject({ state: 'paused' });
    // An allowed origin (a dev server) may.
    const allowed = await call(`${base}/api/replay`, 'POST', '{"action":"resume"}', {
      'Content-Type': 'application/json',
      Origin: 'http://localhost:5173',
    });
    expect(allowed.body).toMatchObject({ state: 'playing' });
  });

  it('says when no hub runs behind the gateway, or when it does not answer', async () => {
    const lone = await gatewayFor(undefined);
    const none = await call(`${lone}/api/replay`, 'GET');
    expect(none.status).toBe(404);
    expect(JSON.stringify(none.body)).toMatch(/no replay hub/);
    const deadPort = await freePort();
    const orphan = await gatewayFor(`http://127.0.0.1:${deadPort}`);
    const gone = await call(`${orphan}/api/faults`, 'GET');
    expect(gone.status).toBe(502);
    expect(JSON.stringify(gone.body)).toContain(`127.0.0.1:${deadPort} did not answer`);
  });
});
