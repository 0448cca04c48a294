/**
 * A plain TCP relay on loopback in front of a real server, so a test can cut a client's link at
 * a moment of its choosing (both sides see the connection drop) and hold its reconnection until
 * the test has done what should happen while it was away. Test support only (excluded from the build).
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroy every relayed connection, both legs; with `hold`, new ones wait for `release()`. */
  cutAll(opts?: { readonly hold?: boolean }): void;
  /** Connect the held connections to the server, and every later one at once. */
  release(): void;
  /** Stop listening and cut every connection: new ones are refused (as by a stopped server). */
  refuse(): Promise<void>;
  /** Listen again on the same port after `refuse()`. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const open = new Set<Socket>();
  let held: Socket[] | undefined;
  let connections = 0;
  const relay = (inbound: Socket): void => {
    if (inbound.destroyed) return;
    const outbound = connect(targetPort, '127.0.0.1');
    open.add(outbound);
    const drop = (): void => {
      open.delete(inbound);
      open.delete(outbound);
      inbound.destroy();
      outbound.destroy();
    };
    outbound.on('error', drop).on('close', drop);
    inbound.on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  };
  const server = createServer((inbound) => {
    connections++;
    open.add(inbound);
    inbound.on('error', () => inbound.destroy());
    if (held === undefined) relay(inbound);
    else held.push(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cutAll = (opts: { readonly hold?: boolean } = {}): void => {
    if (opts.hold === true) held ??= [];
    for (const socket of [...open]) socket.destroy();
    open.clear();
  };
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    cutAll,
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const inbound of waiting) relay(inbound);
    },
    async refuse() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async accept() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      held = undefined;
      cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
