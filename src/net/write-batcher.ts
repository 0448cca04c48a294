import type { Duplex } from 'node:stream';

/** A held socket with this much queued is flushed at once rather than at the end of the turn. */
export const DEFAULT_FLUSH_BYTES = 64 * 1024;

/**
 * Batches the frames written to a socket within one turn of the event loop into a single
 * `writev`: the first write of a turn corks the socket, and every corked socket is uncorked
 * together on the next tick. A fan-out burst of N small frames then costs one syscall per
 * socket instead of N, and nothing waits longer than the current turn. A long turn (a
 * max-speed replay batch, a queue drained in one go) flushes a socket each time `flushBytes`
 * have piled up, so batching never holds more than that per socket.
 *
 * While a socket is held, its buffered byte count includes up to `flushBytes` of this turn's
 * frames that have not had a chance to leave: a backlog check (slow-consumer detection) should
 * allow that much on top of its limit for a held socket.
 */
export class WriteBatcher {
  readonly flushBytes: number;
  private readonly corked = new Set<Duplex>();
  private scheduled = false;

  constructor(flushBytes = DEFAULT_FLUSH_BYTES) {
    this.flushBytes = flushBytes;
  }

  /** True once `socket` has been written to in this turn. */
  isHeld(socket: Duplex): boolean {
    return this.corked.has(socket);
  }

  /** Call before writing to `socket`. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket)) {
      if (socket.writableLength >= this.flushBytes) {
        socket.uncork();
        socket.cork();
      }
      return;
    }
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.release);
    }
  }

  /** Uncork everything now (also runs by itself on the next tick). */
  readonly release = (): void => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
