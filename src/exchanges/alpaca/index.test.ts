/**
 * Alpaca in the venue registry: names, URLs and symbols, the firehose the replay bench subscribes
 * (accepted by the real hub), and the config's key pair reaching both the hub endpoint and the feed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamUrls } from '../../app/ingest-stack.js';
import { configSchema } from '../../config/schema.js';
import { silentLogger } from '../../core/logger.js';
import type { NormalizedMessage } from '../../core/types.js';
import { ReplayHub } from '../../replay/hub.js';
import { until } from '../../test-support/until.js';
import { venueFor, VENUE_NAMES } from '../index.js';
import { AlpacaTestClient, alpacaQuote } from './test-support/hub.js';

const alpaca = venueFor('alpaca');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hubOf(
  config?: ReturnType<typeof configSchema.parse>,
): Promise<{ hub: ReplayHub; port: number }> {
  const hub = new ReplayHub({ logger: silentLogger() });
  hub.addVenue(alpaca.createEndpoint({ logger: silentLogger(), symbols: ['AAPL', 'MSFT'], config }));
  const port = await hub.listen(0);
  cleanups.push(() => hub.close());
  return { hub, port };
}

describe('the alpaca venue module', () => {
  it('is registered last and names stocks as themselves', () => {
    expect(VENUE_NAMES).toEqual(['binance', 'kraken', 'okx', 'alpaca']);
    expect(alpaca).toMatchObject({ title: 'Alpaca', sampleSymbols: ['AAPL', 'MSFT', 'SPY'] });
    expect(alpaca.live).toEqual({
      ws: 'wss://stream.data.alpaca.markets',
      rest: 'https://data.alpaca.markets',
    });
    expect(alpaca.toNative('aapl')).toBe('AAPL');
    expect(alpaca.toCanonical('BRK.B')).toBe('BRK.B');
    expect(() => alpaca.toNative('BTC/USD')).toThrow();
  });

  it('gives the replay bench a firehose the hub authenticates and subscribes', async () => {
    const { port } = await hubOf();
    const { path, subscribe } = alpaca.firehose(['AAPL', 'MSFT']);
    const client = await AlpacaTestClient.connect(`ws://127.0.0.1:${port}/alpaca${path}`);
    cleanups.push(() => client.close());
    expect((await client.next())[0]).toMatchObject({ T: 'success', msg: 'connected' });
    for (const request of subscribe) client.send(request);
    expect((await client.next())[0]).toMatchObject({ T: 'success', msg: 'authenticated' });
    expect((await client.next())[0]).toMatchObject({
      T: 'subscription',
      trades: ['AAPL', 'MSFT'],
      quotes: ['AAPL', 'MSFT'],
      bars: ['AAPL', 'MSFT'],
    });
  });

  it("takes the config's key pair on the hub and in the feed, and feeds the replay through", async () => {
    const config = configSchema.parse({
      alpacaKey: 'my-key-0001',
      alpacaSecret: 'my-secret',
      alpacaFeed: 'sip',
    });
    const { hub, port } = await hubOf(config);
    // The default pair is refused by a hub configured with another one.
    const stranger = await AlpacaTestClient.connect(`ws://127.0.0.1:${port}/alpaca/v2/sip`);
    cleanups.push(() => stranger.close());
    await stranger.next();
    stranger.send({ action: 'auth', key: 'demo', secret: 'demo' });
    expect((await stranger.next())[0]).toMatchObject({ T: 'error', code: 402 });

    const feed = alpaca.createFeed({
      urls: upstreamUrls(`http://127.0.0.1:${port}`, 'alpaca'),
      symbols: ['AAPL'],
      bookDepth: 20,
      logger: silentLogger(),
      config,
    });
    cleanups.push(() => feed.close());
    const out: NormalizedMessage[] = [];
    void (async () => {
      for await (const m of feed.messages()) out.push(m);
    })();
    await until(() => hub.health().venues[0].counters.authenticated === 1, 5000, 'the feed logged in');
    await until(() => hub.health().venues[0].counters.requests >= 3, 5000, 'its subscribe');
    hub.push(alpacaQuote('AAPL', '2026-01-05T14:30:00Z', 200.1, 200.12));
    await until(() => out.some((m) => m.type === 'quote'), 5000, 'the quote');
    expect(out.find((m) => m.type === 'quote')).toMatchObject({
      exchange: 'alpaca',
      symbol: 'AAPL',
      mid: 200.11,
    });
  });
});
