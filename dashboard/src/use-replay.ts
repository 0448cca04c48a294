/**
 * The replay hub's state and controls through the gateway (`/api/replay`, `/api/faults`, which
 * forward to the hub's control API). `available` is false when no hub runs behind the gateway.
 */
import { useCallback, useEffect, useState } from 'react';

export type Speed = number | 'max';

export interface PublisherState {
  readonly state: string;
  readonly speed: Speed;
  readonly replayTime: number | null;
  readonly published: number;
  readonly paused: boolean;
  readonly restarts?: number;
}

export interface ReplayState {
  readonly state: 'playing' | 'paused' | 'finished';
  readonly speed: Speed;
  readonly exchanges: Readonly<Record<string, PublisherState>>;
}

export interface ArmedFault {
  readonly exchange: string;
  readonly symbol: string;
  readonly fault: string;
  readonly [key: string]: unknown;
}

export type ReplayAction =
  | { action: 'pause' }
  | { action: 'resume' }
  | { action: 'speed'; speed: Speed }
  | { action: 'seek'; to: number };

export interface FaultRequest {
  readonly exchange: string;
  readonly symbol: string;
  readonly fault: string;
  readonly count: number;
  readonly ms?: number;
}

export interface ReplayControls {
  readonly available: boolean;
  readonly replay: ReplayState | undefined;
  readonly faults: readonly ArmedFault[];
  /** The last control error, in the hub's words. */
  readonly error: string | undefined;
  send(action: ReplayAction): Promise<void>;
  injectFault(fault: FaultRequest): Promise<void>;
  clearFaults(): Promise<void>;
}

const POLL_MS = 1000;

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method,
    cache: 'no-store',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text is the message.
  }
  if (!res.ok) {
    const e = (parsed as { error?: unknown } | undefined)?.error;
    const msg =
      typeof e === 'string' ? e : typeof e === 'object' && e !== null ? (e as { msg?: string }).msg : text;
    throw new Error(`${method} ${path}: ${res.status} ${msg ?? ''}`.trim());
  }
  return parsed;
}

/** Most recent replay time over the publishers, ms; undefined before the first event. */
export function replayTimeOf(replay: ReplayState | undefined): number | undefined {
  let t: number | undefined;
  for (const p of Object.values(replay?.exchanges ?? {})) {
    if (p.replayTime !== null && (t === undefined || p.replayTime > t)) t = p.replayTime;
  }
  return t;
}

export function useReplay(): ReplayControls {
  const [replay, setReplay] = useState<ReplayState>();
  const [faults, setFaults] = useState<readonly ArmedFault[]>([]);
  const [available, setAvailable] = useState(false);
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const res = await fetch('/api/replay', { cache: 'no-store' });
        if (res.status === 404) {
          if (alive) setAvailable(false);
        } else if (res.ok) {
          const state = (await res.json()) as ReplayState;
          const armed = (await call('GET', '/api/faults')) as { faults?: ArmedFault[] } | ArmedFault[];
          if (alive) {
            setAvailable(true);
            setReplay(state);
            setFaults(Array.isArray(armed) ? armed : (armed.faults ?? []));
          }
        }
      } catch {
        // The gateway is away: the connection banner says so; keep the last state shown.
      }
      if (alive) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [tick]);

  const run = useCallback(async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
    setTick((t) => t + 1);
  }, []);

  return {
    available,
    replay,
    faults,
    error,
    send: (action) => run(() => call('POST', '/api/replay', action)),
    injectFault: (fault) => run(() => call('POST', '/api/faults', fault)),
    clearFaults: () => run(() => call('DELETE', '/api/faults')),
  };
}
