/** OKX v5 (spot) as one venue: what the registry hands the app, the CLI and the bench. */
import type { VenueModule } from '../venue.js';
import { okxRecordPlan } from './record-plan.js';
import { createOkxFeed } from './client.js';
import { createOkxEndpoint } from './endpoint.js';
import { generateOkxDataset } from './generate.js';
import { OkxReplaySource } from './replay-source.js';
import { canonicalSymbolOf, instIdOf } from './symbols.js';
import type { OkxRequest } from './wire.js';

/** The channels the replay bench's consumer takes per instrument: everything the public URL pushes. */
const FIREHOSE_CHANNELS = ['trades', 'books', 'books5', 'bbo-tbt', 'tickers'] as const;

export const okx: VenueModule = {
  exchange: 'okx',
  title: 'OKX',
  // The feed opens `<ws>/ws/v5/public` and `<ws>/ws/v5/business`: live on :8443, under --upstream
  // ws://<hub>/okx/ws/v5/….
  live: { ws: 'wss://ws.okx.com:8443', rest: 'https://www.okx.com' },
  sampleSymbols: ['BTC/USDT', 'ETH/USDT'],
  toNative: instIdOf,
  toCanonical: canonicalSymbolOf,
  createEndpoint: ({ logger, symbols }) => createOkxEndpoint({ logger, symbols }),
  openSource: (root, logger) => OkxReplaySource.open(root, logger),
  createFeed: ({ urls, symbols, bookDepth, logger, resilience }) =>
    createOkxFeed({ ...resilience, wsBaseUrl: urls.ws, symbols: [...symbols], bookDepth, logger }),
  firehose: (symbols) => {
    const request: OkxRequest = {
      op: 'subscribe',
      args: symbols.flatMap((instId) => FIREHOSE_CHANNELS.map((channel) => ({ channel, instId }))),
    };
    return { path: '/ws/v5/public', subscribe: [JSON.stringify(request)] };
  },
  generate: async (opts) => {
    const { files, bytes } = await generateOkxDataset({ ...opts, symbols: opts.symbols.map(instIdOf) });
    return { files, bytes };
  },
  recordPlan: ({ symbols }) => okxRecordPlan(symbols),
};
