/**
 * The SSE baseline: a hand-built `http` SSE price service written the usual way. Each
 * connection gets a client record in a Map (its response, a Set of pairs, its Last-Event-ID,
 * connect time) and its own heartbeat interval; a price tick is formatted per client and written
 * to every client that asked for the pair. This is what the SSE memory bench compares the gateway
 * with.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';

interface Client {
  readonly id: number;
  readonly res: ServerResponse;
  readonly pairs: Set<string>;
  readonly lastEventId: string | undefined;
  readonly connectedAt: number;
  readonly heartbeat: NodeJS.Timeout;
}

export interface SseBaseline {
  readonly server: Server;
  connections(): number;
  /** Write one `price` event for `pair` to every client that asked for it. */
  broadcast(pair: string, price: number): void;
}

const HEARTBEAT_MS = 15_000;

export function createSseBaseline(): SseBaseline {
  const clients = new Map<number, Client>();
  let nextId = 0;
  let eventId = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/market-data/stream') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `no route ${url.pathname}` }));
      return;
    }
    const pairs = new Set((url.searchParams.get('pairs') ?? '').split(',').filter((p) => p !== ''));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const id = nextId++;
    const header = req.headers['last-event-id'];
    const client: Client = {
      id,
      res,
      pairs,
      lastEventId: typeof header === 'string' ? header : undefined,
      connectedAt: Date.now(),
      heartbeat: setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS),
    };
    clients.set(id, client);
    req.on('close', () => {
      clearInterval(client.heartbeat);
      clients.delete(id);
    });
  });
  return {
    server,
    connections: () => clients.size,
    broadcast(pair, price) {
      const id = ++eventId;
      for (const c of clients.values()) {
        if (!c.pairs.has(pair)) continue;
        const data = JSON.stringify({ pair, price, timestamp: Date.now(), source: 'binance' });
        c.res.write(`id: ${id}\nevent: price\ndata: ${data}\n\n`);
      }
    },
  };
}
