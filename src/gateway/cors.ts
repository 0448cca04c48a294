/**
 * CORS for the HTTP API and SSE, so a page served from another origin (an app on its own dev
 * server, a dashboard on another host) can read prices, health and streams with fetch and
 * EventSource. The same allow-list as WebSocket upgrades decides; a refused origin gets no CORS
 * headers (the browser then withholds the answer) and its preflight a 403.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS = 'authorization, x-api-key, last-event-id, accept, cache-control';

/**
 * Adds the CORS headers to an `/api/…` answer for an allowed `Origin`; answers a preflight
 * (`OPTIONS`) itself. True when the request was answered here.
 */
export function handleCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowsOrigin: (origin: string) => boolean,
): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && allowsOrigin(origin);
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (!allowed) {
    res.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        error: {
          code: 'origin_not_allowed',
          msg: `origin ${JSON.stringify(origin ?? null)} is not allowed; add it to allowedOrigins`,
        },
      }),
    );
    return true;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}
