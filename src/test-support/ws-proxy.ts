/**
 * A WebSocket relay on loopback between a client and a real server (the replay hub), passing
 * every frame both ways unchanged except those a test's filter drops: how a test loses one
 * message on the wire (a sequence gap) without touching either end. Test support only (excluded
 * from the build).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { closeWsServer } from './ws-server.js';

/** Return false to drop a frame the server sent towards the client. */
export type DownstreamFilter = (frame: string) => boolean;

export interface WsProxy {
  /** `ws://127.0.0.1:<port>`: replace the server's origin with it; paths and queries pass through. */
  readonly url: string;
  /** Frames dropped so far. */
  readonly dropped: string[];
  close(): Promise<void>;
}

/** Relay connections to `target` (`ws://127.0.0.1:3100`), dropping downstream frames `keep` refuses. */
export async function startWsProxy(target: string, keep: DownstreamFilter): Promise<WsProxy> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  const sockets = new Set<WebSocket>();
  const dropped: string[] = [];
  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(target + (req.url ?? '/'));
    sockets.add(client).add(upstream);
    const early: Array<{ data: RawData; isBinary: boolean }> = [];
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else early.push({ data, isBinary });
    });
    upstream.on('open', () => {
      for (const m of early.splice(0)) upstream.send(m.data, { binary: m.isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      const frame = String(data);
      if (!isBinary && !keep(frame)) {
        dropped.push(frame);
        return;
      }
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const closeBoth = (): void => {
      if (client.readyState === WebSocket.OPEN) client.close();
      if (upstream.readyState === WebSocket.OPEN) upstream.close();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    dropped,
    close: () => closeWsServer(http, wss, sockets),
  };
}
