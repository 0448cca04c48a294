/**
 * A connection to the gateway the client drives: opened once, told which streams to carry, and
 * dead after `onClose` (the client opens a new one to reconnect).
 */
import type {
  GatewayError,
  RecoveryResult,
  StreamMessage,
  StreamPosition,
  TransportKind,
} from './protocol.js';

export interface TransportHandlers {
  onOpen(): void;
  onMessage(message: StreamMessage): void;
  /** Per-stream results of a resume (WS SUBSCRIBE with `since`, SSE `event: recovery`). */
  onRecovery(results: readonly RecoveryResult[]): void;
  /** The gateway refused a request (a bad stream name, a limit, the token's claim). */
  onRequestError(error: GatewayError): void;
  /** The connection is gone (or never opened); `opened` tells which. */
  onClose(reason: string, opened: boolean): void;
}

export interface StreamChange {
  /** Every stream wanted now, in a stable (sorted) order. */
  readonly all: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Positions to resume from, for the added streams that have one. */
  readonly since: ReadonlyMap<string, StreamPosition>;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Carry `change.all` from now on (called once the transport opened, and on every change). */
  update(change: StreamChange): void;
  /** Close without reporting `onClose`. */
  close(): void;
}

/** The constructors a transport needs; browsers and Node 22 have them, Node 20 users pass `ws` / `eventsource`. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: string; lastEventId: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  addEventListener(type: string, listener: (ev: { data: string; lastEventId: string }) => void): void;
  close(): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;
