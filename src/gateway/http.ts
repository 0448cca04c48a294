import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { httpStatusOf, type HealthReporter } from './health.js';
import type { PriceCache } from './prices.js';
import { parseMarket } from './streams.js';

export interface HttpHandlerOptions {
  readonly prices: PriceCache;
  /** Directory served at `/`; nothing outside it is ever read. */
  readonly publicDir: string;
  readonly logger: Logger;
  /** The exchanges ingest carries each pair from, reported beside the prices (`venues`). */
  readonly venues?: Readonly<Record<string, readonly Exchange[]>>;
  /** Served at `GET /metrics` (Prometheus text); without it the path is 404. */
  readonly metrics?: MetricsSource;
  /** `/api/market-data/health`, `/health` and `/api/market-data/sources`; without it those routes are 404. */
  readonly health?: HealthReporter;
}

export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * HTTP routes of the gateway: `GET /api/prices` (with the venues of each pair), `GET /api/prices/:pair` (`BTC-USDT`,
 * `BTC_USDT` or `BTC%2FUSDT`), `GET /metrics` (when given), the health routes (when given) and static files from `publicDir` (`/` → `index.html`).
 */
export function createHttpHandler(opts: HttpHandlerOptions): HttpHandler {
  const root = resolve(opts.publicDir);
  const log = opts.logger;

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, req, 405, {
        error: {
          code: 'method_not_allowed',
          msg: `method ${req.method ?? '?'} is not allowed on ${path}; use GET`,
        },
      });
      return;
    }
    if (path === '/api/prices' || path === '/api/prices/') {
      sendJson(res, req, 200, { prices: opts.prices.list(), venues: opts.venues ?? {} });
      return;
    }
    if (path.startsWith('/api/prices/')) {
      pricesForPair(opts.prices, path.slice('/api/prices/'.length), req, res);
      return;
    }
    if (path === '/metrics' && opts.metrics !== undefined) {
      sendMetrics(opts.metrics, req, res).catch((err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        if (!res.headersSent) sendText(res, req, 500, 'metrics collection failed; see the gateway log');
        else res.destroy();
      });
      return;
    }
    const health = opts.health;
    if (health !== undefined && (path === '/api/market-data/health' || path === '/api/market-data/health/')) {
      const report = health.health();
      sendJson(res, req, httpStatusOf(report.status), report);
      return;
    }
    if (health !== undefined && path === '/health') {
      const short = health.shortHealth();
      sendJson(res, req, httpStatusOf(short.status), short);
      return;
    }
    if (
      health !== undefined &&
      (path === '/api/market-data/sources' || path === '/api/market-data/sources/')
    ) {
      sendJson(res, req, 200, health.sources());
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) {
      const more = health === undefined ? '' : ', /api/market-data/health, /api/market-data/sources';
      sendJson(res, req, 404, {
        error: {
          code: 'not_found',
          msg: `no API route ${path}; try /api/prices or /api/prices/BTC-USDT${more}`,
        },
      });
      return;
    }
    serveStatic(root, path, req, res).catch((err: unknown) => {
      log.error({ err, path }, 'static file error');
      if (!res.headersSent) sendText(res, req, 500, 'Internal Server Error');
      else res.destroy();
    });
  };
}

/** `BTC-USDT`, `BTC_USDT`, `btc%2Fusdt` → `BTC/USDT` ({@link parseMarket}); undefined when not a valid market. */
export function pairFromPath(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const r = parseMarket(decoded);
  return r.ok ? r.symbol : undefined;
}

function pricesForPair(prices: PriceCache, segment: string, req: IncomingMessage, res: ServerResponse): void {
  const pair = pairFromPath(segment);
  const entry = pair === undefined ? undefined : prices.get(pair);
  if (entry !== undefined) {
    sendJson(res, req, 200, entry);
    return;
  }
  const known = prices.pairs();
  const shown = safeDecode(segment);
  const name = pair ?? shown ?? segment;
  const list = known.length === 0 ? 'none yet' : known.join(', ');
  sendJson(res, req, 404, {
    error: {
      code: 'unknown_pair',
      msg: `no price for pair '${name}'; known pairs: ${list} (write them as BTC-USDT, BTC_USDT or BTC%2FUSDT)`,
    },
    pair: name,
    knownPairs: known,
  });
}

async function serveStatic(
  root: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const decoded = safeDecode(path);
  if (decoded === undefined || decoded.includes('\0') || decoded.includes('\\')) {
    sendText(res, req, 400, 'Bad Request');
    return;
  }
  const rel = decoded.endsWith('/') ? decoded + 'index.html' : decoded;
  const file = resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + sep)) {
    sendText(res, req, 403, 'Forbidden');
    return;
  }
  let target = file;
  let info = await stat(target).catch(() => undefined);
  if (info !== undefined && info.isDirectory()) {
    target = resolve(file, 'index.html');
    info = await stat(target).catch(() => undefined);
  }
  if (info === undefined || !info.isFile()) {
    sendText(res, req, 404, 'Not Found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(target);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

async function sendMetrics(metrics: MetricsSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await metrics.text();
  res.writeHead(200, {
    'Content-Type': metrics.contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
