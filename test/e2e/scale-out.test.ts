/**
 * Several `tickstream gateway` processes on one real redis-server, ingesting from one replay hub
 * (`--upstream`), with a 2 s leader lease. A client on the follower receives what the leader
 * ingests; SIGKILL the leader and the follower leads within the lease and data flows again; Redis
 * killed and restarted mid-stream: health degraded, the local price cache served, recovered
 * unattended. "Never two leaders" is checked throughout: each process's own leadership log lines
 * (sampled every 25 ms, and their terms compared at the end) and `websocket.isLeader` of
 * `/api/market-data/health` polled on every live instance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { venueFor } from '../../src/exchanges/index.js';
import { redisAvailable, startRedisServer, type RedisProcess } from '../../src/test-support/redis.js';
import { runCli, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const SYMBOL = 'BTC/USDT';
const LEASE_MS = 2000;
const STREAM = `trade@${SYMBOL}`;

interface Gateway {
  readonly name: string;
  readonly cli: CliProcess;
  readonly port: number;
  /** When the test SIGKILLed it (its term, if any, ends there). */
  killedAt?: number;
  /** Listening (health polls start then). */
  ready: boolean;
}

interface Client {
  readonly ws: WebSocket;
  /** Data frames of `STREAM`, with their receipt times. */
  readonly trades: { id: string; at: number }[];
  close(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A /ws client subscribed to `STREAM`; resolves once the subscription is acknowledged. */
async function client(port: number): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const trades: { id: string; at: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SUBSCRIBE answer from :${port} within 5 s`)), 5000);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 })));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as {
        id?: number;
        result?: unknown;
        error?: { msg: string };
        stream?: string;
        data?: { id?: string };
      };
      if (msg.id === 1) {
        clearTimeout(timer);
        if (msg.error) reject(new Error(msg.error.msg));
        else resolve();
      } else if (msg.stream === STREAM && typeof msg.data?.id === 'string') {
        trades.push({ id: msg.data.id, at: Date.now() });
      }
    });
  });
  return { ws, trades, close: () => ws.terminate() };
}

/** This process's leadership terms, from its own log lines ([became, stepped down or killed]). */
function terms(g: Gateway): [number, number][] {
  const out: [number, number][] = [];
  for (const l of g.cli.logs) {
    if (l.msg === 'became leader') out.push([Number(l.time), Infinity]);
    else if (l.msg === 'stepped down as leader' && out.length > 0) out[out.length - 1][1] = Number(l.time);
  }
  const last = out.at(-1);
  if (last !== undefined && last[1] === Infinity && g.killedAt !== undefined) last[1] = g.killedAt;
  return out;
}

const leadsNow = (g: Gateway): boolean => terms(g).at(-1)?.[1] === Infinity;

interface Health {
  readonly status: string;
  readonly websocket: { readonly isLeader: boolean };
  readonly bus: { readonly state: string };
  readonly alerts: readonly { readonly code: string }[];
}

async function health(port: number): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/market-data/health`, {
    signal: AbortSignal.timeout(2000),
  });
  return { code: res.status, body: (await res.json()) as Health };
}

const alive = (g: Gateway): boolean => g.cli.child.exitCode === null && g.cli.child.signalCode === null;

describe.skipIf(!redisAvailable())('gateways on one Redis', () => {
  let dataDir: string;
  let hub: CliProcess;
  let hubPort: number;
  let redis: RedisProcess;
  const gateways: Gateway[] = [];
  const clients: Client[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let maxLeaders = 0;
  /** Rounds of health polls, and the most instances any round saw claiming `websocket.isLeader`. */
  let healthRounds = 0;
  let maxHealthLeaders = 0;
  let polling = true;
  let poller: Promise<void> | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tickstream-scale-out-'));
    await venueFor('binance').generate({
      root: dataDir,
      seed: 'scale-out',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 3,
      symbols: [SYMBOL],
    });
    hubPort = await freePort();
    hub = runCli([
      'replay',
      '--data',
      dataDir,
      '--port',
      String(hubPort),
      '--exchanges',
      'binance',
      '--loop',
    ]);
    await hub.waitForLog((l) => l.msg === 'replay hub listening', 30_000);
    redis = await startRedisServer();
    sampler = setInterval(() => {
      maxLeaders = Math.max(maxLeaders, gateways.filter(leadsNow).length);
    }, 25);
    poller = (async () => {
      while (polling) {
        const live = gateways.filter((g) => alive(g) && g.ready);
        const claims = await Promise.all(
          live.map((g) =>
            health(g.port).then(
              (h) => h.body.websocket.isLeader,
              () => false, // a process being killed answers nothing
            ),
          ),
        );
        if (live.length > 0) healthRounds++;
        maxHealthLeaders = Math.max(maxHealthLeaders, claims.filter(Boolean).length);
        await sleep(100);
      }
    })();
  }, 60_000);

  afterAll(async () => {
    clearInterval(sampler);
    polling = false;
    await poller;
    for (const c of clients) c.close();
    await Promise.all(
      [...gateways.map((g) => g.cli), hub].map(async (cli) => {
        if (cli === undefined || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
        cli.child.kill('SIGTERM');
        const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5000);
        await cli.exited;
        clearTimeout(timer);
      }),
    );
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function gateway(name: string): Promise<Gateway> {
    const port = await freePort();
    const cli = runCli(
      [
        'gateway',
        '--port',
        String(port),
        '--bus',
        redis.url,
        '--upstream',
        `http://127.0.0.1:${hubPort}`,
        '--exchanges',
        'binance',
        '--symbols',
        SYMBOL,
      ],
      { TICKSTREAM_LEASE_MS: String(LEASE_MS), TICKSTREAM_LEADER_KEY: 'e2e:leader' },
    );
    const g: Gateway = { name, cli, port, ready: false };
    gateways.push(g);
    await cli.waitForLog((l) => l.msg === 'gateway listening' && l.url !== undefined, 30_000);
    g.ready = true;
    return g;
  }

  /** Never two leaders, so far: by sampling, and no two terms (across processes) overlap. */
  function neverTwoLeaders(): void {
    expect(maxLeaders).toBeLessThanOrEqual(1);
    expect(healthRounds).toBeGreaterThan(10);
    expect(maxHealthLeaders).toBeLessThanOrEqual(1);
    const all = gateways.flatMap((g) => terms(g)).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < all.length; i++) expect(all[i][0]).toBeGreaterThanOrEqual(all[i - 1][1]);
  }

  it('a client on the follower receives what the leader ingests; SIGKILL the leader → the follower leads within the lease', async () => {
    const a = await gateway('a');
    await a.cli.waitForLog((l) => l.msg === 'became leader', 10_000);
    const b = await gateway('b');
    await b.cli.waitForLog((l) => l.msg === 'leader election: contending for the lease', 10_000);
    await sleep(LEASE_MS / 2);
    expect(leadsNow(a)).toBe(true);
    expect(leadsNow(b)).toBe(false);
    expect(b.cli.logs.some((l) => l.msg === 'leading: ingest started')).toBe(false);
    expect((await health(a.port)).body.websocket.isLeader).toBe(true);
    expect((await health(b.port)).body.websocket.isLeader).toBe(false);

    const onLeader = await client(a.port);
    const onFollower = await client(b.port);
    clients.push(onLeader, onFollower);
    await until(() => onFollower.trades.length >= 10, 20_000, 'trades on the follower');
    // What the follower's client gets is what the leader ingested (the same trades, by id).
    await until(() => onLeader.trades.length >= 10, 5000, 'trades on the leader');
    const leaderIds = new Set(onLeader.trades.map((t) => t.id));
    expect(onFollower.trades.filter((t) => leaderIds.has(t.id)).length).toBeGreaterThanOrEqual(5);

    a.killedAt = Date.now();
    a.cli.child.kill('SIGKILL');
    const took = await b.cli.waitForLog((l) => l.msg === 'became leader', LEASE_MS + 3000);
    expect(Number(took.time) - a.killedAt).toBeLessThanOrEqual(LEASE_MS + 250);
    await b.cli.waitForLog((l) => l.msg === 'leading: ingest started', 2000);
    const since = Number(took.time);
    await until(() => onFollower.trades.some((t) => t.at > since), 20_000, 'data again after the takeover');
    neverTwoLeaders();
  }, 90_000);

  it('Redis killed and restarted mid-stream: degraded, the local cache served, recovered unattended', async () => {
    // The survivor of the previous test leads; a second instance follows.
    const b = gateways.find((g) => g.name === 'b');
    expect(b).toBeDefined();
    if (b === undefined) return;
    const c = await gateway('c');
    await c.cli.waitForLog((l) => l.msg === 'leader election: contending for the lease', 10_000);
    const onC = await client(c.port);
    clients.push(onC);
    await until(() => onC.trades.length >= 5, 20_000, 'trades on the follower');
    expect(leadsNow(b)).toBe(true);
    expect(leadsNow(c)).toBe(false);

    const killedAt = Date.now();
    await redis.kill();
    // The leader cannot renew: it steps down (and stops ingesting) before its lease could lapse.
    await until(() => !leadsNow(b), LEASE_MS, 'the leader to step down');
    for (const g of [b, c]) {
      await until(
        async () => {
          const h = (await health(g.port)).body;
          return (
            h.status === 'degraded' &&
            h.bus.state === 'degraded' &&
            h.alerts.some((a) => a.code === 'bus_unhealthy')
          );
        },
        5000,
        `${g.name} degraded with a bus alert`,
      );
      const price = await fetch(`http://127.0.0.1:${g.port}/api/prices/${SYMBOL}`);
      expect(price.status).toBe(200);
      expect(((await price.json()) as { price: unknown }).price).toBeTypeOf('number');
    }
    await sleep(500);
    expect(gateways.filter(leadsNow)).toEqual([]);

    await redis.restart();
    const restartedAt = Date.now();
    await until(() => gateways.filter(leadsNow).length === 1, 15_000, 'one leader after the restart');
    await until(() => onC.trades.some((t) => t.at > restartedAt), 20_000, 'data again on the follower');
    for (const g of [b, c]) {
      await until(
        async () => {
          const h = await health(g.port);
          return (
            h.code === 200 &&
            h.body.bus.state === 'healthy' &&
            !h.body.alerts.some((a) => a.code === 'bus_unhealthy')
          );
        },
        15_000,
        `${g.name}'s bus healthy again`,
      );
    }
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    neverTwoLeaders();
  }, 90_000);
});
