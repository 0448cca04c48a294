import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The content type Binance (and most venues) answer REST calls with. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Answer an HTTP request with a JSON body (already serialized or a value to serialize). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(headOnly ? undefined : text);
}

/**
 * Refuse a WebSocket upgrade with a plain HTTP response and a JSON body, then close the
 * socket once the response is flushed (as `ws` does for its own handshake failures).
 */
export function rejectUpgrade(socket: Duplex, status: number, body: unknown): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  socket.once('finish', () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: ${JSON_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}

/** A request target split into its path and query (`/a/b?x=1` → `/a/b`, `x=1`). */
export interface RequestTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Split `req.url` without resolving it against a base (keeps `@`, `!` and `+` in paths). */
export function splitTarget(url: string | undefined): RequestTarget {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const hash = raw.indexOf('#');
  const pathEnd = q >= 0 ? q : hash >= 0 ? hash : raw.length;
  const queryEnd = hash >= 0 && hash > q ? hash : raw.length;
  return {
    path: raw.slice(0, pathEnd) || '/',
    query: new URLSearchParams(q >= 0 ? raw.slice(q + 1, queryEnd) : ''),
  };
}

/** A request body of at most `maxBytes`, as text; rejects past the cap (answer, then close). */
export function readSmallBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) reject(new Error(`body over ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
