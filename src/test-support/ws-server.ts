/** Shutting down a loopback `ws` server and its HTTP server. Test support only (excluded from the build). */
import type { Server } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';

/** Cut every socket (no close handshake), then close the WebSocket server and the HTTP server. */
export async function closeWsServer(
  http: Server,
  wss: WebSocketServer,
  sockets: Iterable<WebSocket>,
): Promise<void> {
  for (const ws of sockets) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
