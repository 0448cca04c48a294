/**
 * The Socket.IO side's publisher, in the bench process: a Socket.IO server with the Redis
 * adapter that serves no clients, so each `emit` to the room goes out as one Redis PUBLISH and
 * reaches both instances the same way (what `@socket.io/redis-emitter` does). Loaded with a
 * dynamic `import()`: Socket.IO is a dev dependency, never loaded by the other commands.
 */
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

export interface RoomPublisher {
  emit(payload: object): void;
  close(): Promise<void>;
}

export async function socketIoPublisher(redisUrl: string, room: string): Promise<RoomPublisher> {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const io = new Server({ serveClient: false });
  io.adapter(createAdapter(pub, sub));
  await Promise.all([pub.ping(), sub.ping()]);
  return {
    emit(payload) {
      io.to(room).emit('message', payload);
    },
    async close() {
      // No engine to close (it never listened): end the adapter, then its Redis clients.
      await io.of('/').adapter.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}
