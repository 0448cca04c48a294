import type { Duplex } from 'node:stream';

/**
 * Batches the frames written to a socket within one turn of the event loop into a single
 * `writev`: the first write of a turn corks the socket, and every corked socket is uncorked
 * together on the next tick. A fan-out burst of N small frames then costs one syscall per
 * socket instead of N, and nothing waits longer than the current turn.
 *
 * While a socket is held, its buffered byte count includes this turn's frames, which have not
 * had a chance to leave yet: a backlog check (slow-consumer detection) belongs before the
 * first write of a turn, when `isHeld` is still false.
 */
export class WriteBatcher {
  private readonly corked = new Set<Duplex>();
  private scheduled = false;

  /** True once `socket` has been written to in this turn. */
  isHeld(socket: Duplex): boolean {
    return this.corked.has(socket);
  }

  /** Call before writing to `socket`. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket)) return;
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
