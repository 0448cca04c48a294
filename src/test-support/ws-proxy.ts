/**
 * A WebSocket relay on loopback between a client and a real server (the replay hub), passing
 * every frame both ways unchanged except those a test's filter drops: how a test loses one
 * message on the wire (a sequence gap) without touching either end. It can also stop reading from
 * the server, so the server sees a consumer that does not keep up (a slow client). Test support only (excluded
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
  /** Stop reading what the server sends (its send buffer then grows), or read again. */
  pauseServer(): void;
  resumeServer(): void;
  close(): Promise<void>;
}

/** Relay connections to `target` (`ws://127.0.0.1:3100`), dropping downstream frames `keep` refuses. */
export async function startWsProxy(target: string, keep: DownstreamFilter): Promise<WsProxy> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  const sockets = new Set<WebSocket>();
  const dropped: string[] = [];
  const upstreams = new Set<WebSocket>();
  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(target + (req.url ?? '/'));
    sockets.add(client).add(upstream);
    upstreams.add(upstream);
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
    pauseServer: () => upstreams.forEach((u) => u.pause()),
    resumeServer: () => upstreams.forEach((u) => u.resume()),
    close: () => closeWsServer(http, wss, sockets),
  };
}
