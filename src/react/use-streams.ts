import { useEffect, useRef } from 'react';
import type { StreamMessage, TickstreamClient } from '../client/index.js';

/**
 * Keep `streams` subscribed on `client` while mounted and hand their messages to `onMessage`.
 * A changed list re-subscribes only the difference on the same connection (the client counts
 * subscriptions and sends one request per turn), so pairs may change on every render.
 */
export function useStreams(
  client: TickstreamClient | undefined,
  streams: readonly string[],
  onMessage: (m: StreamMessage) => void,
): void {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const key = [...new Set(streams)].sort().join('\n');
  useEffect(() => {
    if (client === undefined || key === '') return undefined;
    const list = key.split('\n');
    const wanted = new Set(list);
    const off = client.on('message', (m) => {
      if (wanted.has(m.stream)) handler.current(m);
    });
    client.subscribe(list);
    return () => {
      off();
      client.unsubscribe(list);
    };
  }, [client, key]);
}
