/**
 * A test-only stand-in for the outside world: one node:http server on 127.0.0.1 (port 0)
 * serving `GET /api/v3/depth` and a `ws` WebSocketServer at `/stream`, as Binance does.
 * It records what clients send (with server-side receipt times) and can drop sockets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeWsServer } from '../../../test-support/ws-server.js';

export interface DepthResponse {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

export interface ReceivedMessage {
  /** Server clock (Date.now()) at receipt. */
  readonly at: number;
  /** Which accepted connection (1, 2, …). */
  readonly conn: number;
  readonly text: string;
}

export class FakeBinance {
  readonly restRequests: URL[] = [];
  readonly received: ReceivedMessage[] = [];
  readonly sockets = new Set<WebSocket>();
  connections = 0;
  /** Answer for each depth request (`n` counts from 1). */
  depth: (symbol: string, n: number) => DepthResponse = () => ({ status: 404, body: '{}' });
  /** Reply `{"result":null,"id":…}` to control requests. */
  ackControl = true;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeBinance> {
    const wss = new WebSocketServer({ noServer: true });
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const self = new FakeBinance(http, wss, (http.address() as AddressInfo).port);
    http.on('request', (req, res) => self.onRequest(req, res));
    http.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/stream')) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => self.onSocket(ws));
    });
    return self;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Parsed control requests received, in order. */
  controlRequests(): Array<{ conn: number; method: string; params: string[]; id: number }> {
    return this.received.map((m) => ({
      conn: m.conn,
      ...(JSON.parse(m.text) as { method: string; params: string[]; id: number }),
    }));
  }

  send(frame: string): void {
    for (const ws of this.sockets) ws.send(frame);
  }

  /** Cut every socket without a close handshake (as a network failure). */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  close(): Promise<void> {
    return closeWsServer(this.http, this.wss, this.sockets);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.restBaseUrl);
    this.restRequests.push(url);
    if (url.pathname !== '/api/v3/depth') {
      res.writeHead(404).end();
      return;
    }
    const symbol = url.searchParams.get('symbol') ?? '';
    const n = this.restRequests.filter((u) => u.pathname === '/api/v3/depth').length;
    const answer = this.depth(symbol, n);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
  }

  private onSocket(ws: WebSocket): void {
    const conn = ++this.connections;
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const text = String(data);
      this.received.push({ at: Date.now(), conn, text });
      if (!this.ackControl) return;
      try {
        const id = (JSON.parse(text) as { id?: unknown }).id;
        ws.send(JSON.stringify({ result: null, id: id ?? null }));
      } catch {
        ws.send('{"error":{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}}');
      }
    });
  }
}
