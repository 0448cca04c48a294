/**
 * Test support: an HTTP server on 127.0.0.1 that answers REST calls with recorded bodies from a
 * storage root, the way the exchange answered them: `GET /<platform><path>?…` gets, per series,
 * the next recorded body of that path whose identifying parameters (the caller names them, e.g.
 * the symbol parameter) match, one body per request in recorded order, then the last one again.
 * Other parameters (cursors, limits) are not interpreted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listEndpoints, listPlatforms, listSymbols } from '../../storage/layout.js';
import { readSeries } from '../../storage/series.js';

export interface RecordedUpstream {
  readonly url: string;
  /** Paths asked for, in order (`/binance/api/v3/depth`). */
  readonly asked: string[];
  close(): Promise<void>;
}

interface Series {
  readonly bodies: string[];
  next: number;
}

export async function startRecordedUpstream(
  root: string,
  identityParams: readonly string[],
): Promise<RecordedUpstream> {
  const series = new Map<string, Series>();
  const keyOf = (path: string, params: URLSearchParams | Record<string, string | number>): string => {
    const get = (name: string): string | undefined =>
      params instanceof URLSearchParams ? (params.get(name) ?? undefined) : params[name]?.toString();
    return JSON.stringify([path, ...identityParams.map((p) => get(p) ?? null)]);
  };
  for (const platform of await listPlatforms(root)) {
    for (const endpoint of await listEndpoints(root, platform)) {
      for (const symbol of await listSymbols(root, platform, endpoint)) {
        for await (const { record } of readSeries(root, { platform, endpoint, symbol })) {
          const key = keyOf(`/${platform}${record.request.path}`, record.request.params);
          let s = series.get(key);
          if (s === undefined) series.set(key, (s = { bodies: [], next: 0 }));
          s.bodies.push(JSON.stringify(record.data));
        }
      }
    }
  }
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    asked.push(url.pathname);
    const s = series.get(keyOf(url.pathname, url.searchParams));
    if (s === undefined) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not recorded' }));
      return;
    }
    const body = s.bodies[Math.min(s.next, s.bodies.length - 1)];
    s.next++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
