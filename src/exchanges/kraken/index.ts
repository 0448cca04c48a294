/** Kraken Spot (WebSocket v2) as one venue: what the registry hands the app, the CLI and the bench. */
import type { VenueModule } from '../venue.js';
import { krakenRecordPlan } from './record-plan.js';
import { createKrakenFeed } from './client.js';
import { krakenSubscribeRequest } from './encoder.js';
import { createKrakenEndpoint } from './endpoint.js';
import { generateKrakenDataset } from './generate.js';
import { KrakenReplaySource } from './replay-source.js';
import { KRAKEN_PAIRS } from './symbols.js';

/** A pair's v2 symbol (`BTC/USD`), which is also Tickstream's canonical form, from any Kraken spelling. */
const v2Symbol = (name: string): string => KRAKEN_PAIRS.get(name).symbol;

export const kraken: VenueModule = {
  exchange: 'kraken',
  title: 'Kraken',
  // The feed opens `<ws>/v2`: wss://ws.kraken.com/v2 live, ws://<hub>/kraken/v2 under --upstream.
  live: { ws: 'wss://ws.kraken.com', rest: 'https://api.kraken.com' },
  sampleSymbols: ['BTC/USD', 'ETH/USD'],
  toNative: v2Symbol,
  toCanonical: v2Symbol,
  createEndpoint: ({ logger, symbols }) => createKrakenEndpoint({ logger, symbols }),
  openSource: (root, logger) => KrakenReplaySource.open(root, logger),
  createFeed: ({ urls, symbols, bookDepth, logger, resilience }) =>
    createKrakenFeed({ ...resilience, wsBaseUrl: urls.ws, symbols: [...symbols], bookDepth, logger }),
  firehose: (symbols) => {
    const symbol = [...symbols];
    return {
      path: '/v2',
      subscribe: [
        krakenSubscribeRequest({ channel: 'trade', symbol }),
        krakenSubscribeRequest({ channel: 'book', symbol, depth: 10 }),
        krakenSubscribeRequest({ channel: 'ticker', symbol, event_trigger: 'bbo' }),
      ],
    };
  },
  generate: async (opts) => {
    const { files, bytes } = await generateKrakenDataset({ ...opts, symbols: opts.symbols.map(v2Symbol) });
    return { files, bytes };
  },
  recordPlan: ({ symbols }) => krakenRecordPlan(symbols),
};
