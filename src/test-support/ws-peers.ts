/**
 * A real `ws` server on loopback that hands each test the server side of every connection it
 * opens, with a collecting client on the other end. Test support only (excluded from the build).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** The server side of one connection: what a fan-out subscriber is made of. */
export interface ServerSide {
  readonly id: number;
  readonly ws: WebSocket;
  readonly socket: Duplex;
}

export interface Peer {
  readonly sub: ServerSide;
  readonly client: WebSocket;
  /** Text messages received by the client, in order. */
  readonly received: string[];
  /** Resolves once `n` messages have arrived in all. */
  until(n: number): Promise<void>;
  /** Stop reading from the socket, so the server's send backlog grows. */
  stopReading(): void;
}

export interface PeerServer {
  connect(): Promise<Peer>;
  close(): Promise<void>;
}

export async function startPeerServer(): Promise<PeerServer> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const accepted: Array<(s: ServerSide) => void> = [];
  const clients: WebSocket[] = [];
  let nextId = 0;
  server.on('upgrade', (req, socket: Duplex, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => accepted.shift()?.({ id: ++nextId, ws, socket })),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  async function connect(): Promise<Peer> {
    const sub = new Promise<ServerSide>((resolve) => accepted.push(resolve));
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    clients.push(client);
    const received: string[] = [];
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    client.on('message', (data, isBinary) => {
      received.push(isBinary ? `<binary ${String(data)}>` : String(data));
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (received.length >= waiters[i].n) waiters.splice(i, 1)[0].resolve();
      }
    });
    await once(client, 'open');
    return {
      sub: await sub,
      client,
      received,
      until: (n) =>
        received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
      stopReading: () => (client as unknown as { _socket: Duplex })._socket.pause(),
    };
  }

  return {
    connect,
    async close() {
      for (const c of clients) c.terminate();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
