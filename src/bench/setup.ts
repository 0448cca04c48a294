import { SAMPLE_START_MS } from '../app/sample-data.js';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { PUBLIC_DIR } from '../app/paths.js';
import type { Bus } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import type { VenueModule } from '../exchanges/venue.js';
import { createGateway, type Gateway, type GatewayLimits, type GatewayOptions } from '../gateway/server.js';
import { ReplayHub, type VenueEndpoint } from '../replay/hub.js';

const HOST = '127.0.0.1';

/** The port a listening server is bound to. */
export function boundPort(address: string | { port: number } | null): number {
  if (address === null || typeof address === 'string')
    throw new Error('server is not listening on a TCP port');
  return address.port;
}

/** Run `fn` on a freshly generated dataset of `venue` (its sample symbols) in a temp dir, removed afterwards. */
export async function withDataset<T>(
  venue: VenueModule,
  seed: string,
  minutes: number,
  fn: (root: string) => Promise<T>,
): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'tickstream-bench-'));
  try {
    const symbols = venue.sampleSymbols;
    // The sample's own start, the New York open: a stock venue records only inside the session.
    await venue.generate({ root, seed, startMs: SAMPLE_START_MS, minutes, symbols });
    return await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface BenchHub {
  readonly hub: ReplayHub;
  readonly endpoint: VenueEndpoint;
  readonly port: number;
}

/** A replay hub with `venue` mounted, replaying `symbols` (native), on an ephemeral loopback port. */
export async function startBenchHub(
  venue: VenueModule,
  logger: Logger,
  symbols: readonly string[],
): Promise<BenchHub> {
  const hub = new ReplayHub({ logger });
  const endpoint = venue.createEndpoint({ logger, symbols });
  hub.addVenue(endpoint);
  const port = await hub.listen(0, HOST);
  return { hub, endpoint, port };
}

/** The gateway on an ephemeral loopback port. */
export async function startBenchGateway(
  bus: Bus,
  logger: Logger,
  extra: { pricePairs?: string[]; limits?: Partial<GatewayLimits>; sse?: GatewayOptions['sse'] } = {},
): Promise<{ gateway: Gateway; port: number }> {
  const gateway = createGateway({ bus, port: 0, host: HOST, logger, publicDir: PUBLIC_DIR, ...extra });
  const { port } = await gateway.listen();
  return { gateway, port };
}

/** A plain `ws` server (the baselines) on an ephemeral loopback port. */
export async function listenPlainWs(): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ port: 0, host: HOST, perMessageDeflate: false });
  await once(wss, 'listening');
  return { wss, port: boundPort(wss.address()) };
}

export async function closePlainWs(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  await new Promise((resolve) => wss.close(resolve));
}
