/** Alpaca Market Data v2 (US stocks) as one venue: what the registry hands the app, the CLI and the bench. */
import type { VenueModule } from '../venue.js';
import { alpacaRecordPlan } from './record-plan.js';
import { createAlpacaFeed, ALPACA_SYMBOLS } from './client.js';
import { AlpacaCredentials } from './credentials.js';
import { createAlpacaEndpoint, DEFAULT_ALPACA_CREDENTIALS } from './endpoint.js';
import { generateAlpacaDataset } from './generate.js';
import { AlpacaReplaySource } from './replay-source.js';
import type { AlpacaSubscribeRequest } from './wire.js';

export const alpaca: VenueModule = {
  exchange: 'alpaca',
  title: 'Alpaca',
  // The feed opens `<ws>/v2/<feed>`: wss://stream.data.alpaca.markets/v2/iex live, ws://<hub>/alpaca/v2/iex under --upstream.
  live: { ws: 'wss://stream.data.alpaca.markets', rest: 'https://data.alpaca.markets' },
  sampleSymbols: ['AAPL', 'MSFT', 'SPY'],
  toNative: (symbol) => ALPACA_SYMBOLS.toNative(symbol),
  toCanonical: (symbol) => ALPACA_SYMBOLS.toCanonical(symbol),
  createEndpoint: ({ logger, symbols, config }) =>
    createAlpacaEndpoint({
      logger,
      symbols,
      credentials:
        config === undefined
          ? DEFAULT_ALPACA_CREDENTIALS
          : new AlpacaCredentials(config.alpacaKey, config.alpacaSecret),
      connectionLimit: config?.alpacaConnectionLimit,
    }),
  openSource: (root, logger) => AlpacaReplaySource.open(root, logger),
  createFeed: ({ urls, symbols, logger, config, resilience }) =>
    createAlpacaFeed({
      ...resilience,
      wsBaseUrl: urls.ws,
      feed: config?.alpacaFeed ?? 'iex',
      symbols: [...symbols],
      credentials:
        config === undefined
          ? DEFAULT_ALPACA_CREDENTIALS
          : new AlpacaCredentials(config.alpacaKey, config.alpacaSecret),
      logger,
    }),
  firehose: (symbols) => {
    const list = [...symbols];
    const subscribe: AlpacaSubscribeRequest = { action: 'subscribe', trades: list, quotes: list, bars: list };
    return {
      path: '/v2/sip',
      // The bench's hub endpoint accepts the default pair.
      subscribe: [DEFAULT_ALPACA_CREDENTIALS.authMessage(), JSON.stringify(subscribe)],
    };
  },
  generate: async (opts) => {
    const { files, bytes } = await generateAlpacaDataset({ ...opts, symbols: opts.symbols });
    return { files, bytes };
  },
  recordPlan: ({ symbols, config }) => alpacaRecordPlan(symbols, config),
};
