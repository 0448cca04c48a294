import { useEffect, useState } from 'react';
import type { ConnectionStatus, TickstreamClient } from '../client/index.js';

/** What the hooks report: the client's state, `closed` and the time before a client shown as `connecting`. */
export type StreamStatus = 'connecting' | 'connected' | 'degraded' | 'error';

export function hookStatus(s: ConnectionStatus | undefined): StreamStatus {
  return s === 'connected' || s === 'degraded' || s === 'error' ? s : 'connecting';
}

/** The client's status and its last error (cleared once connected again), as React state. */
export function useClientStatus(client: TickstreamClient | undefined): {
  status: StreamStatus;
  error: Error | undefined;
} {
  const [status, setStatus] = useState<StreamStatus>(hookStatus(client?.status));
  const [error, setError] = useState<Error>();
  useEffect(() => {
    if (client === undefined) return undefined;
    setStatus(hookStatus(client.status));
    const offStatus = client.on('status', (s) => {
      setStatus(hookStatus(s));
      if (s === 'connected') setError(undefined);
    });
    const offError = client.on('error', (e) => setError(e));
    return () => {
      offStatus();
      offError();
    };
  }, [client]);
  return { status, error };
}
