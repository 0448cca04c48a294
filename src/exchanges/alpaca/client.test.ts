/**
 * The Alpaca feed against the real replay hub's `/alpaca` mount: login and subscriptions, quotes,
 * trades and bars normalized (mid exact), a reconnect that logs in and subscribes again, and the
 * hub's own answers driving the feed's verdicts — 402 (no retry, a status naming what to set,
 * the key pair in no log line or status), 406 (the longer wait, then in), 405 (a counted
 * rejection naming the feed and the symbols), 407 (a relay stops reading, the hub drops the
 * feed as a slow client, the feed reconnects).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bar, NormalizedMessage, Quote, Status, Trade } from '../../core/types.js';
import { captureLogs, LOG_LEVEL } from '../../test-support/log-capture.js';
import { until } from '../../test-support/until.js';
import { startWsProxy } from '../../test-support/ws-proxy.js';
import { createAlpacaFeed, type AlpacaFeedOptions, type AlpacaStreamFeed } from './client.js';
import { AlpacaCredentials } from './credentials.js';
import type { AlpacaEndpointOptions } from './endpoint.js';
import {
  AlpacaTestClient,
  alpacaBar,
  alpacaQuote,
  alpacaTrade,
  startAlpacaHub,
  type RunningAlpacaHub,
} from './test-support/hub.js';

const KEY = 'PKTESTKEY0123456789';
const SECRET = 'sEcReT-never-in-a-log-42';
const PAIR = new AlpacaCredentials(KEY, SECRET);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function hubWith(opts: Partial<AlpacaEndpointOptions> = {}): Promise<RunningAlpacaHub> {
  const h = await startAlpacaHub({ credentials: PAIR, ...opts });
  cleanups.push(() => h.close());
  return h;
}

function feedOn(h: RunningAlpacaHub, extra: Partial<AlpacaFeedOptions> = {}) {
  const { logger, lines } = captureLogs('debug');
  const feed: AlpacaStreamFeed = createAlpacaFeed({
    wsBaseUrl: h.wsBase,
    feed: 'iex',
    symbols: ['AAPL', 'msft'],
    credentials: PAIR,
    logger,
    backoff: { random: () => 0 },
    ...extra,
  });
  cleanups.push(() => feed.close());
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  const statuses = (): Status[] => out.filter((m): m is Status => m.type === 'status');
  return { feed, out, lines, statuses };
}

const counters = (h: RunningAlpacaHub): Record<string, number> => h.hub.health().venues[0].counters;

describe('the Alpaca feed against the real hub', () => {
  it('logs in, subscribes, and normalizes quotes (mid exact), trades and bars', async () => {
    const h = await hubWith();
    const { feed, out } = feedOn(h);
    await until(() => feed.stats().state === 'connected', 5000, 'connected');
    await until(() => counters(h).requests >= 2, 5000, 'auth and subscribe');
    h.push(
      alpacaQuote('AAPL', '2026-01-05T14:30:00.100000001Z', 87.66, 87.68),
      alpacaQuote('MSFT', '2026-01-05T14:30:00.200Z', 0.07, 0.08),
      alpacaTrade('AAPL', '2026-01-05T14:30:00.300Z', 87.67, 100, 42),
      alpacaBar('AAPL', '2026-01-05T14:30:00Z', 87.6, 87.7, 87.5, 87.65, 1200),
    );
    await until(() => out.some((m) => m.type === 'bar'), 5000, 'the bar');
    const quotes = out.filter((m): m is Quote => m.type === 'quote');
    expect(quotes.map((q) => [q.symbol, q.bid, q.ask, q.mid])).toEqual([
      ['AAPL', 87.66, 87.68, 87.67],
      ['MSFT', 0.07, 0.08, 0.075],
    ]);
    expect(quotes[0]).toMatchObject({
      exchange: 'alpaca',
      timestamp: Date.parse('2026-01-05T14:30:00.100Z'),
    });
    expect(out.find((m): m is Trade => m.type === 'trade')).toMatchObject({
      exchange: 'alpaca',
      symbol: 'AAPL',
      id: '42',
      price: 87.67,
      amount: 100,
      side: 'unknown',
    });
    expect(out.find((m): m is Bar => m.type === 'bar')).toMatchObject({
      symbol: 'AAPL',
      interval: '1m',
      open: 87.6,
      high: 87.7,
      low: 87.5,
      close: 87.65,
      volume: 1200,
      timestamp: Date.parse('2026-01-05T14:30:00Z'),
    });
  });

  it('logs in and subscribes again after the hub goes away and comes back on its port', async () => {
    const first = await startAlpacaHub({ credentials: PAIR });
    const port = Number(new URL(first.wsBase).port);
    const { feed, out } = feedOn(first);
    await until(() => counters(first).requests >= 2, 5000, 'first login');
    await first.close();
    await until(() => feed.stats().state !== 'connected', 5000, 'noticed the drop');
    const again = await startAlpacaHub({ credentials: PAIR, port });
    cleanups.push(() => again.close());
    await until(() => counters(again).requests >= 2, 10_000, 'second login and subscribe');
    again.push(alpacaQuote('AAPL', '2026-01-05T14:31:00Z', 100.01, 100.02));
    await until(() => out.some((m) => m.type === 'quote'), 5000, 'a quote after the reconnect');
    expect(feed.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('402 auth failed: no retry, a status saying what to set, and the key pair in no log line or status', async () => {
    const h = await hubWith({ credentials: new AlpacaCredentials('other-key', 'other-secret') });
    const { feed, lines, statuses } = feedOn(h);
    await until(() => statuses().some((s) => s.reason.includes('not reconnecting')), 5000, 'give up');
    await new Promise((r) => setTimeout(r, 300)); // backoff is instant here: a retry would show
    expect(counters(h).connectionsOpened).toBe(1);
    expect(feed.stats().state).toBe('disconnected');
    const last = statuses().at(-1) as Status;
    expect(last.reason).toContain('402 auth failed');
    expect(last.reason).toContain('alpacaKey and alpacaSecret');
    expect(last.reason).toContain('APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    expect(lines.some((l) => l.level === LOG_LEVEL.error && l.msg.includes('not reconnecting'))).toBe(true);
    const printed = JSON.stringify(lines) + JSON.stringify(statuses());
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(KEY);
  });

  it('406 connection limit: waits the longer delay, retries, and logs in once the slot is free', async () => {
    const h = await hubWith({ connectionLimit: 1 });
    const holder = await AlpacaTestClient.connect(`${h.wsBase}/v2/iex`);
    cleanups.push(() => holder.close());
    await holder.next();
    holder.send({ action: 'auth', key: KEY, secret: SECRET });
    expect((await holder.next())[0]).toMatchObject({ msg: 'authenticated' });

    const { feed, statuses } = feedOn(h, { connectionLimitWaitMs: 400 });
    await until(() => statuses().some((s) => s.reason.includes('406')), 5000, 'the 406');
    const refusedAt = Date.now();
    holder.close();
    await until(() => feed.stats().state === 'connected' && counters(h).authenticated === 2, 5000, 'in');
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(350);
    expect(statuses().find((s) => s.state === 'disconnected')?.reason).toContain(
      '406 connection limit exceeded',
    );
  });

  it('405 symbol limit: a counted rejection naming the feed and the symbols, the connection kept', async () => {
    const h = await hubWith({ symbolLimit: 1 });
    const { feed, lines } = feedOn(h);
    await until(() => feed.stats().rejectedRequests === 1, 5000, 'the 405');
    const warning = lines.find(
      (l) => l.level === LOG_LEVEL.warn && l.msg === 'alpaca rejected a control request',
    );
    expect(warning).toMatchObject({ code: 405 });
    expect(String(warning?.reason)).toContain('feed iex; 2 symbols subscribed: AAPL, MSFT');
    expect(feed.stats().state).toBe('connected');
    expect(counters(h).connectionsOpened).toBe(1);
  });

  it('407 slow client: dropped by the hub when it stops reading, then back in', async () => {
    const h = await hubWith({ rules: { maxBufferedBytes: 64 * 1024 } });
    const relay = await startWsProxy(h.wsBase.replace('/alpaca', ''), () => true);
    cleanups.push(() => relay.close());
    const { feed, statuses } = feedOn(h, { wsBaseUrl: `${relay.url}/alpaca` });
    await until(() => counters(h).requests >= 2, 5000, 'auth and subscribe');
    relay.pauseServer();
    // Far more than the socket buffers hold, in one go: the hub's send buffer passes its budget.
    for (let i = 0; i < 40_000; i++) {
      const ms = Date.UTC(2026, 0, 5, 14, 30) + i;
      h.push(alpacaQuote('AAPL', new Date(ms).toISOString(), 100 + (i % 50) / 100, 101 + (i % 50) / 100));
    }
    await until(() => counters(h).slowDropped >= 1, 5000, 'the hub gave up on the feed');
    relay.resumeServer(); // what the hub sent before its 407 arrives first, then the 407
    await until(() => statuses().some((s) => s.reason.includes('407')), 10_000, 'the 407');
    await until(
      () => counters(h).authenticated >= 2 && feed.stats().state === 'connected',
      10_000,
      'back in',
    );
    expect(feed.stats().reconnects).toBeGreaterThanOrEqual(1);
  });
});
