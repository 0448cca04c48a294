/**
 * One client for a tree of components (`TickstreamProvider`), or one per hook when there is no
 * provider. The client is made in an effect and closed in its cleanup, so StrictMode's mount,
 * unmount, mount leaves exactly one open.
 */
import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { createClient, type ClientOptions, type TickstreamClient } from '../client/index.js';

interface Shared {
  readonly client: TickstreamClient | undefined;
}

const TickstreamContext = createContext<Shared | null>(null);

function optionsKey(o: ClientOptions | undefined): string {
  return JSON.stringify([o?.url, o?.transport, o?.apiKey, o?.token, o?.staleAfterMs]);
}

/** A client for `options` while the component is mounted (undefined until the first effect ran). */
function useOwnClient(options: ClientOptions | undefined, enabled: boolean): TickstreamClient | undefined {
  const [client, setClient] = useState<TickstreamClient>();
  const latest = useRef(options);
  latest.current = options;
  const key = optionsKey(options);
  useEffect(() => {
    if (!enabled) return undefined;
    const c = createClient(latest.current);
    setClient(c);
    return () => {
      c.close();
      setClient(undefined);
    };
  }, [key, enabled]);
  return client;
}

export interface TickstreamProviderProps {
  /** Options of the one client the tree shares (ignored when `client` is given). */
  readonly options?: ClientOptions;
  /** A client made by the app; it stays the app's to close. */
  readonly client?: TickstreamClient;
  readonly children?: ReactNode;
}

export function TickstreamProvider(props: TickstreamProviderProps): ReactNode {
  const own = useOwnClient(props.options, props.client === undefined);
  const client = props.client ?? own;
  const value = useRef<Shared>({ client });
  if (value.current.client !== client) value.current = { client };
  return createElement(TickstreamContext.Provider, { value: value.current }, props.children);
}

/** The provider's client, or one of the hook's own made from `options`. */
export function useTickstreamClient(options?: ClientOptions): TickstreamClient | undefined {
  const shared = useContext(TickstreamContext);
  const own = useOwnClient(options, shared === null);
  return shared === null ? own : shared.client;
}
