import { parseFrame, recoveryResults, type StreamPosition } from './protocol.js';
import type {
  StreamChange,
  Transport,
  TransportHandlers,
  WebSocketConstructor,
  WebSocketLike,
} from './transport.js';

const OPEN = 1;

function ignoreError(): void {
  // The socket is being discarded; its late errors mean nothing to the client.
}

/** `/ws`: one SUBSCRIBE (with `since` positions) per change, UNSUBSCRIBE for what was dropped. */
export class WsTransport implements Transport {
  readonly kind = 'websocket' as const;
  private readonly ws: WebSocketLike;
  private opened = false;
  private done = false;
  private nextId = 1;
  /** Request ids of SUBSCRIBEs that carried `since`: their replies hold recovery results. */
  private readonly resumes = new Set<number>();

  constructor(
    url: string,
    WebSocketImpl: WebSocketConstructor,
    private readonly handlers: TransportHandlers,
  ) {
    this.ws = new WebSocketImpl(url);
    this.ws.onopen = () => {
      this.opened = true;
      handlers.onOpen();
    };
    this.ws.onmessage = (ev) => this.receive(ev.data);
    this.ws.onerror = () => {
      // The close event follows with the code; nothing to do here.
    };
    this.ws.onclose = (ev) => this.finish(`closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`);
  }

  update(change: StreamChange): void {
    if (this.ws.readyState !== OPEN) return;
    if (change.removed.length > 0) this.send({ method: 'UNSUBSCRIBE', params: change.removed });
    if (change.added.length === 0) return;
    const since: Record<string, StreamPosition> = {};
    for (const s of change.added) {
      const p = change.since.get(s);
      if (p !== undefined) since[s] = p;
    }
    const resume = Object.keys(since).length > 0;
    const id = this.send({ method: 'SUBSCRIBE', params: change.added, ...(resume && { since }) });
    if (resume) this.resumes.add(id);
  }

  close(): void {
    this.done = true;
    this.detach();
    try {
      this.ws.close(1000, 'client closed');
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone either way.
    }
  }

  private send(request: Record<string, unknown>): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ ...request, id }));
    return id;
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    const frame = parseFrame(data);
    if (frame.kind === 'data') this.handlers.onMessage(frame.message);
    else if (frame.kind === 'reply') {
      if (frame.error !== undefined) this.handlers.onRequestError(frame.error);
      else if (typeof frame.id === 'number' && this.resumes.delete(frame.id)) {
        this.handlers.onRecovery(recoveryResults(frame.result));
      }
    }
  }

  private detach(): void {
    this.ws.onopen = null;
    this.ws.onmessage = null;
    this.ws.onclose = null;
    // Not null: closing a socket still connecting makes Node's `ws` emit an error after the
    // close call, and an error event without a listener would crash the process.
    this.ws.onerror = ignoreError;
  }

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    this.handlers.onClose(reason, this.opened);
  }
}
