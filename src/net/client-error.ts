import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Node's HTTP parser error codes that have their own status (as Node answers without a listener). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * The HTTP server's `clientError` listener: a request Node's parser rejected gets a short
 * `400 Bad Request` (431, 413 or 408 where Node has a better status) with a JSON body naming the
 * problem, then the socket closes. A socket that is gone, or that already sent part of a
 * response (a keep-alive connection), is only destroyed: a status line there would corrupt it.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const started = socket instanceof Socket && socket.bytesWritten > 0;
  if (!socket.writable || started || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[err.code ?? ''] ?? 400;
  const reason = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({
    error: `malformed HTTP request (${err.code ?? err.message}); send a valid HTTP/1.1 request`,
  });
  socket.once('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}
