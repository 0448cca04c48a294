/**
 * Kraken in the venue registry: names, the live and `--upstream` URLs the app gives its feed (a
 * real feed on the real hub's `/kraken` mount), and the firehose the replay bench subscribes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamUrls } from '../../app/ingest-stack.js';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { NormalizedMessage } from '../../core/types.js';
import { until } from '../../test-support/until.js';
import { venueFor, VENUE_NAMES } from '../index.js';
import { tradeEvent } from './test-support/events.js';
import { KrakenTestClient, startKrakenHub } from './test-support/hub.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the kraken venue module', () => {
  const kraken = venueFor('kraken');

  it('is registered after binance and names pairs by their v2 symbol', () => {
    expect(VENUE_NAMES).toEqual(['binance', 'kraken', 'okx', 'alpaca']);
    expect(kraken).toMatchObject({ title: 'Kraken', sampleSymbols: ['BTC/USD', 'ETH/USD'] });
    expect(kraken.live).toEqual({ ws: 'wss://ws.kraken.com', rest: 'https://api.kraken.com' });
    expect(['BTC/USD', 'XBTUSD', 'XXBTZUSD', 'xbt/usd'].map(kraken.toCanonical)).toEqual(
      Array(4).fill('BTC/USD'),
    );
    expect(kraken.toNative('ETH/USD')).toBe('ETH/USD');
    expect(() => kraken.toNative('SOL/USD')).toThrow(ConfigError);
  });

  it('under --upstream, its feed opens the hub’s /kraken/v2 and delivers the replay', async () => {
    const h = await startKrakenHub();
    cleanups.push(() => h.close());
    const port = new URL(h.wsUrl).port;
    const feed = kraken.createFeed({
      urls: upstreamUrls(`http://127.0.0.1:${port}`, 'kraken'),
      symbols: ['BTC/USD'],
      bookDepth: 20,
      logger: silentLogger(),
    });
    cleanups.push(() => feed.close());
    const out: NormalizedMessage[] = [];
    void (async () => {
      for await (const m of feed.messages()) out.push(m);
    })();
    await until(() => h.hub.health().venues[0].consumers === 1 && feed.stats().state === 'connected');
    // Once the hub has answered the subscribes (the trade snapshot sent), a trade goes out as an update.
    await until(() => h.hub.health().venues[0].counters.requests === 4, 5000, 'four subscribes');
    h.push(tradeEvent('BTC/USD', 7, T0, '94000.10000', '0.01000000'));
    await until(() => out.some((m) => m.type === 'trade'), 5000, 'the trade');
    expect(out.find((m) => m.type === 'trade')).toMatchObject({
      exchange: 'kraken',
      symbol: 'BTC/USD',
      id: '7',
    });
    expect(feed.stats().exchange).toBe('kraken');
  });

  it('gives the replay bench a firehose the hub accepts: trades, books and bbo tickers', async () => {
    const h = await startKrakenHub();
    cleanups.push(() => h.close());
    const { path, subscribe } = kraken.firehose(['BTC/USD', 'ETH/USD']);
    const client = await KrakenTestClient.connect(h.wsUrl.replace('/kraken/v2', `/kraken${path}`));
    cleanups.push(() => client.close());
    await client.next(); // status
    for (const request of subscribe) client.send(request);
    const acks = await client.barrier();
    const parsed = acks.map(
      (text) => JSON.parse(text) as { success?: boolean; result?: { channel: string } },
    );
    expect(parsed.filter((f) => f.success === true).map((f) => f.result?.channel)).toEqual([
      'trade',
      'trade',
      'book',
      'book',
      'ticker',
      'ticker',
    ]);
    expect(parsed.every((f) => f.success !== false)).toBe(true);
  });
});
