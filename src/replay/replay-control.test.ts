/**
 * `/control/replay` on a real hub with real publishers (startReplay over a generated Binance
 * minute): start paused, resume, pause, change speed, and every bad request answered with a 400
 * (or 404, 405, 413) that names what is wrong — the replay untouched by them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay, type ReplayStack } from '../app/replay-stack.js';
import { silentLogger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import type { ReplayControlState } from './replay-control.js';

let root: string;
let replay: ReplayStack;
let base: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-control-'));
  const binance = venueFor('binance');
  await binance.generate({
    root,
    seed: 'control',
    startMs: Date.UTC(2026, 0, 5, 14, 30),
    minutes: 1,
    symbols: ['BTC/USDT'],
  });
  replay = await startReplay({
    root,
    exchanges: ['binance'],
    speed: 20,
    loop: true,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    paused: true,
  });
  base = `http://127.0.0.1:${replay.port}/control/replay`;
});

afterAll(async () => {
  await replay?.close();
  await rm(root, { recursive: true, force: true });
});

async function state(): Promise<ReplayControlState> {
  return (await (await fetch(base)).json()) as ReplayControlState;
}

async function post(body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('POST /control/replay', () => {
  it('starts paused, resumes, pauses again and changes speed, reporting the state each time', async () => {
    await sleep(300);
    expect(await state()).toMatchObject({
      state: 'paused',
      speed: 20,
      exchanges: { binance: { published: 0, paused: true } },
    });

    expect((await post('{"action":"resume"}')).body).toMatchObject({ state: 'playing' });
    await expect
      .poll(async () => (await state()).exchanges.binance.published, { timeout: 5000 })
      .toBeGreaterThan(50);

    const paused = await post('{"action":"pause"}');
    expect(paused.body.state).toBe('paused');
    await sleep(100); // what was due at the pause is out
    const at = (await state()).exchanges.binance;
    await sleep(400);
    expect((await state()).exchanges.binance).toEqual(at); // nothing published, replay time stands still

    expect((await post('{"action":"speed","speed":"max"}')).body).toMatchObject({
      state: 'paused',
      speed: 'max',
    });
    expect((await post('{"action":"resume"}')).body).toMatchObject({ state: 'playing', speed: 'max' });
    await expect
      .poll(async () => (await state()).exchanges.binance.passes, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect((await post('{"action":"speed","speed":5}')).body).toMatchObject({ speed: 5 });
  });

  it('answers bad requests with what is wrong and what is accepted', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['not json', 400, /not JSON.*pause/],
      ['{"action":"rewind"}', 400, /is not a control action; send \{"action":"pause"\}/],
      ['{"action":"speed","speed":-2}', 400, /not a control action/],
      ['{"action":"speed"}', 400, /not a control action/],
      ['{"action":"seek","to":"soon"}', 400, /not a control action/],
      ['{"action":"seek","to":-5}', 400, /not a control action/],
      [
        '{"action":"pause","exchange":"kraken"}',
        404,
        /no kraken publisher in this replay; replaying binance/,
      ],
      ['x'.repeat(5000), 413, /over 4096 bytes/],
    ];
    for (const [body, status, error] of cases) {
      const res = await post(body);
      expect(res.status, body.slice(0, 40)).toBe(status);
      expect(String(res.body.error)).toMatch(error);
    }
    const del = await fetch(base, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD, POST');
    // The hub still serves, and the replay still runs.
    expect((await fetch(`http://127.0.0.1:${replay.port}/health`)).status).toBe(200);
    expect((await state()).state).toBe('playing');
  });
});
