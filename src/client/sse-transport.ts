import { parseFrame, recoveryResults } from './protocol.js';
import type {
  EventSourceConstructor,
  EventSourceLike,
  StreamChange,
  Transport,
  TransportHandlers,
} from './transport.js';

/**
 * `/api/market-data/stream?streams=…`: one EventSource per set of streams. The client reconnects
 * itself (the browser's own retry stops on HTTP errors and cannot be told the backoff), passing the
 * last event id as `lastEventId`, so the gateway resumes every stream of an unchanged set.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse' as const;
  private source: EventSourceLike | undefined;
  private opened = false;
  private done = false;
  private streams: readonly string[] = [];

  constructor(
    private readonly streamUrl: (streams: readonly string[], lastEventId: string | undefined) => string,
    private readonly EventSourceImpl: EventSourceConstructor,
    private readonly handlers: TransportHandlers,
    /** The id of the last event of an earlier connection carrying the same streams. */
    private lastEventId: { streams: string; id: string } | undefined,
    initial: readonly string[],
  ) {
    this.streams = initial;
    this.connect();
  }

  /** The last event id seen and the set it belongs to, for the next connection's resume. */
  get resumeFrom(): { streams: string; id: string } | undefined {
    return this.lastEventId;
  }

  update(change: StreamChange): void {
    if (change.added.length === 0 && change.removed.length === 0) return;
    this.streams = change.all;
    this.source?.close();
    this.source = undefined;
    if (change.all.length > 0) this.connect();
  }

  close(): void {
    this.done = true;
    this.source?.close();
    this.source = undefined;
  }

  private connect(): void {
    if (this.streams.length === 0) {
      // Nothing to carry: an SSE request must name a stream; open when there is one.
      queueMicrotask(() => {
        if (!this.done && !this.opened) {
          this.opened = true;
          this.handlers.onOpen();
        }
      });
      return;
    }
    const key = this.streams.join(',');
    const resume = this.lastEventId?.streams === key ? this.lastEventId.id : undefined;
    const source = new this.EventSourceImpl(this.streamUrl(this.streams, resume));
    this.source = source;
    source.onopen = () => {
      if (this.opened) return;
      this.opened = true;
      this.handlers.onOpen();
    };
    source.onmessage = (ev) => {
      if (ev.lastEventId) this.lastEventId = { streams: key, id: ev.lastEventId };
      const frame = parseFrame(ev.data);
      if (frame.kind === 'data') this.handlers.onMessage(frame.message);
    };
    source.addEventListener('recovery', (ev) => {
      const frame = safeJson(ev.data);
      this.handlers.onRecovery(recoveryResults(frame));
    });
    source.onerror = () => {
      if (this.done || this.source !== source) return;
      this.done = true;
      source.close();
      this.handlers.onClose('event stream failed or ended', this.opened);
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
