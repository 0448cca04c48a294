/** A raw TCP exchange for tests of what HTTP servers answer to bytes no HTTP client would send. */
import { connect } from 'node:net';

/**
 * Connect to `127.0.0.1:port`, send `bytes`, and resolve with all the server sent back once it
 * closes the connection. Rejects when it has not closed within `timeoutMs`.
 */
export function exchangeRaw(port: number, bytes: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `server on port ${port} did not close within ${timeoutMs} ms; got ${JSON.stringify(received)}`,
        ),
      );
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(bytes);
  });
}
