/** Binance Spot as one venue: what the registry hands the app, the CLI and the bench. */
import { generateBinanceDataset } from './generate.js';
import type { VenueModule } from '../venue.js';
import { binanceRecordPlan } from './record-plan.js';
import { createBinanceFeed } from './client.js';
import { createBinanceVenue } from './hub.js';
import { BinanceReplaySource } from './replay-source.js';
import { toBinanceSymbol, toCanonicalSymbol } from './symbols.js';

export const binance: VenueModule = {
  exchange: 'binance',
  title: 'Binance',
  live: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  sampleSymbols: ['BTC/USDT', 'ETH/USDT'],
  toNative: toBinanceSymbol,
  toCanonical: toCanonicalSymbol,
  createEndpoint: ({ logger, symbols }) => createBinanceVenue({ logger, symbols }),
  openSource: (root, logger) => BinanceReplaySource.open(root, logger),
  createFeed: ({ urls, symbols, bookDepth, logger, resilience }) =>
    createBinanceFeed({
      ...resilience,
      wsBaseUrl: urls.ws,
      restBaseUrl: urls.rest,
      symbols: [...symbols],
      bookDepth,
      logger,
    }),
  firehose: (symbols) => ({
    path: `/stream?streams=${symbols
      .flatMap((s) => ['trade', 'depth@100ms', 'bookTicker'].map((k) => `${s.toLowerCase()}@${k}`))
      .join('/')}`,
    subscribe: [],
  }),
  generate: async (opts) => {
    const summary = await generateBinanceDataset({
      root: opts.root,
      seed: opts.seed,
      startMs: opts.startMs,
      minutes: opts.minutes,
      symbols: opts.symbols.map(toBinanceSymbol),
    });
    return { files: summary.files, bytes: summary.bytes };
  },
  recordPlan: ({ symbols }) => binanceRecordPlan(symbols),
};
