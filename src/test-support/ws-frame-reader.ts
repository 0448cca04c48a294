/**
 * A WebSocket test client that keeps every text frame in arrival order and reads them with a
 * cursor, waiting for the next one with a deadline. Venue test clients extend it with their own
 * barrier (a ping whose answer marks "everything before this has arrived"). Test support only
 * (excluded from the build).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';

export type Frame = Record<string, unknown>;

export class WsFrameReader {
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  protected constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(String(data));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  /** A socket to `url` (no compression), and `make`'s reader on it once open. */
  protected static async open<R extends WsFrameReader>(url: string, make: (ws: WebSocket) => R): Promise<R> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const reader = make(ws);
    await once(ws, 'open');
    return reader;
  }

  send(request: unknown): void {
    this.ws.send(typeof request === 'string' ? request : JSON.stringify(request));
  }

  /** The next unread frame (text); rejects after `timeoutMs` or once the connection is closed. */
  async nextText(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.frames.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no frame within ${timeoutMs} ms; read so far: ${this.frames.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.cursor++];
  }

  async next(timeoutMs?: number): Promise<Frame> {
    return JSON.parse(await this.nextText(timeoutMs)) as Frame;
  }

  close(): void {
    this.ws.terminate();
  }
}
