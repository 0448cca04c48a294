/**
 * A client whose unsent backlog passes `maxBufferedBytes` is sent this notice (queued behind
 * the backlog) and closed with 4008; it is terminated if the close does not complete in time,
 * so a client that never reads costs at most its budget plus one flush.
 */
export const SLOW_CONSUMER_CLOSE = 4008;

/** Error code of the notice, beside the control protocol's 1–7. */
export const SLOW_CONSUMER_CODE = 4008;

export function slowConsumerNotice(maxBufferedBytes: number): string {
  return JSON.stringify({
    error: {
      code: SLOW_CONSUMER_CODE,
      msg: `slow consumer: more than ${maxBufferedBytes} bytes were waiting to be sent; read faster or subscribe to fewer streams, then reconnect`,
    },
  });
}
