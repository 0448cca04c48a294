/**
 * The replay hub's control API through the gateway, so the dashboard (served by the gateway, on
 * its origin) can pause, resume, seek, change speed and inject faults: `/api/replay` forwards to
 * the hub's `/control/replay` and `/api/faults` to `/control/faults`, method, body and answer
 * unchanged. A gateway with no hub behind it answers 404 saying so.
 *
 * A change (POST, DELETE) must come as `application/json` from the gateway's own origin or an
 * allowed one: a form on another site cannot send that without a preflight, which the gateway
 * refuses for these methods, so a page elsewhere cannot pause a user's replay.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

export const CONTROL_ROUTES: Readonly<Record<string, string>> = {
  '/api/replay': '/control/replay',
  '/api/faults': '/control/faults',
};

/** Control bodies are a few dozen bytes (the hub caps them too). */
const MAX_BODY_BYTES = 4096;
const UPSTREAM_TIMEOUT_MS = 5000;

export interface ControlProxyOptions {
  /** The hub's base URL (`http://127.0.0.1:8080`); undefined when no hub runs behind this gateway. */
  readonly upstream: string | undefined;
  /** Whether a cross-origin page may send changes (the gateway's origin allow-list). */
  readonly allowsOrigin: (origin: string) => boolean;
}

/** The hub path `path` maps to, or undefined when it is not a control route. */
export function controlTarget(path: string): string | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return CONTROL_ROUTES[trimmed];
}

function answer(res: ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ error: { code, msg } }));
}

function sameOrigin(req: IncomingMessage, origin: string): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Why this change request is refused, or undefined when it may go through. */
function refusal(req: IncomingMessage, opts: ControlProxyOptions): [number, string, string] | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  if (req.method !== 'POST' && req.method !== 'DELETE') {
    return [
      405,
      'method_not_allowed',
      `method ${req.method ?? '?'} is not allowed here; use GET, POST or DELETE`,
    ];
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(req, origin) && !opts.allowsOrigin(origin)) {
    return [
      403,
      'origin_not_allowed',
      `origin ${origin} may not control the replay; add it to allowedOrigins`,
    ];
  }
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && !type.toLowerCase().startsWith('application/json')) {
    return [
      415,
      'unsupported_media_type',
      'send the control body as JSON with Content-Type: application/json',
    ];
  }
  return undefined;
}

/**
 * Forwards a control request to the hub. `hubPath` comes from {@link controlTarget}; the query
 * string is kept. Never throws: an unreachable hub is a 502 naming it.
 */
export function proxyControl(
  req: IncomingMessage,
  res: ServerResponse,
  hubPath: string,
  query: string,
  opts: ControlProxyOptions,
): void {
  if (opts.upstream === undefined) {
    answer(res, 404, 'no_replay_hub', 'no replay hub runs behind this gateway; `tickstream start` runs one');
    return;
  }
  const refused = refusal(req, opts);
  if (refused !== undefined) {
    req.resume();
    answer(res, ...refused);
    return;
  }
  const target = new URL(hubPath + query, opts.upstream);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (tooLarge) {
      answer(res, 413, 'body_too_large', `a control body is at most ${MAX_BODY_BYTES} bytes`);
      return;
    }
    const body = Buffer.concat(chunks);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (body.length > 0) {
      headers['content-type'] = req.headers['content-type'] ?? 'application/json';
      headers['content-length'] = body.length;
    }
    const upstream = request(
      target,
      { method: req.method, headers, timeout: UPSTREAM_TIMEOUT_MS },
      (hubRes: IncomingMessage) => {
        res.writeHead(hubRes.statusCode ?? 502, {
          'Content-Type': hubRes.headers['content-type'] ?? 'application/json; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        hubRes.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer in ${UPSTREAM_TIMEOUT_MS} ms`)));
    upstream.on('error', (err) => {
      if (res.headersSent) res.destroy();
      else
        answer(
          res,
          502,
          'hub_unreachable',
          `the replay hub at ${opts.upstream} did not answer: ${err.message}`,
        );
    });
    upstream.end(body);
  });
}
