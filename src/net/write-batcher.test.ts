import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

/** A real TCP connection on loopback: `client` writes, `peer` reads. */
async function socketPair(): Promise<{ server: Server; client: Socket; peer: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  return { server, client, peer };
}

describe('WriteBatcher', () => {
  it('sends the writes of one turn together, in order, and nothing is held past the turn', async () => {
    const { server, client, peer } = await socketPair();
    const chunks: string[] = [];
    peer.setEncoding('utf8').on('data', (d: string) => chunks.push(d));

    const batcher = new WriteBatcher();
    for (let i = 0; i < 100; i++) {
      batcher.hold(client);
      client.write(`${i},`);
    }
    expect(client.writableCorked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.writableCorked).toBe(0);

    const expected = Array.from({ length: 100 }, (_, i) => `${i},`).join('');
    while (chunks.join('').length < expected.length) await once(peer, 'data');
    expect(chunks.join('')).toBe(expected);
    // One turn's writes leave as one writev, so the peer sees far fewer reads than writes.
    expect(chunks.length).toBeLessThan(10);
    client.destroy();
    peer.destroy();
    server.close();
  });
});

describe('WriteBatcher in a long turn', () => {
  it('flushes a held socket each time flushBytes have piled up', async () => {
    const { server, client, peer } = await socketPair();
    peer.resume();

    const batcher = new WriteBatcher(1024);
    const chunk = 'x'.repeat(100);
    let maxQueued = 0;
    for (let i = 0; i < 1000; i++) {
      batcher.hold(client);
      client.write(chunk);
      maxQueued = Math.max(maxQueued, client.writableLength);
    }
    // Without the flush, all 100 kB would sit corked until the turn ends.
    expect(maxQueued).toBeLessThan(1024 + chunk.length + 1);
    batcher.release();
    client.destroy();
    peer.destroy();
    server.close();
  });
});
