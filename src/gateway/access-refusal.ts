import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Why a request is refused before it becomes a connection; sent as JSON `{"error":{code,msg}}`. */
export interface AccessRefusal {
  readonly status: 400 | 401 | 403 | 503;
  readonly code: string;
  readonly msg: string;
}

const STATUS_TEXT: Readonly<Record<AccessRefusal['status'], string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
};

function body(r: AccessRefusal): string {
  return JSON.stringify({ error: { code: r.code, msg: r.msg } });
}

/** Answer an HTTP upgrade with the refusal and close the socket. */
export function refuseUpgrade(socket: Duplex, r: AccessRefusal): void {
  const text = body(r);
  const extra =
    r.status === 503 ? 'Retry-After: 5\r\n' : r.status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.once('error', noop);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${r.status} ${STATUS_TEXT[r.status]}\r\n` +
      'Connection: close\r\n' +
      extra +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n` +
      text,
  );
}

/** Answer a plain HTTP request (e.g. the SSE endpoint) with the refusal. */
export function refuseHttp(res: ServerResponse, r: AccessRefusal): void {
  const text = body(r);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (r.status === 503) headers['Retry-After'] = 5;
  if (r.status === 401) headers['WWW-Authenticate'] = 'Bearer';
  res.writeHead(r.status, headers);
  res.end(text);
}

function noop(): void {}
