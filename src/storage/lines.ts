import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Lines of a byte stream (LF or CRLF endings), decoded as UTF-8. Works on raw Buffers and
 * decodes each line once with `toString(start, end)`: cheaper than readline, which runs a
 * string decoder and a regular expression over every chunk. Only a line that straddles two
 * chunks is copied. The first `skip` lines are only counted: never decoded nor copied.
 * Returns how many lines the input held, skipped ones included.
 */
export async function* splitLines(input: Readable, skip = 0): AsyncGenerator<string, number, undefined> {
  let carry: Buffer | undefined;
  let lines = 0;
  /** Bytes of a skipped line are pending (its newline not seen yet). */
  let inSkippedLine = false;
  // The caller owns the stream: stopping early must not destroy it under them.
  for await (const chunk of input.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    let buf = chunk;
    let start = 0;
    while (lines < skip && start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) {
        start = buf.length;
        inSkippedLine = true;
      } else {
        start = nl + 1;
        lines++;
        inSkippedLine = false;
      }
    }
    if (carry !== undefined) {
      buf = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let nl: number;
    while ((nl = buf.indexOf(NEWLINE, start)) !== -1) {
      const end = nl > start && buf[nl - 1] === CARRIAGE_RETURN ? nl - 1 : nl;
      lines++;
      yield buf.toString('utf8', start, end);
      start = nl + 1;
    }
    if (start < buf.length) carry = buf.subarray(start);
  }
  if (inSkippedLine) return lines + 1;
  if (carry !== undefined && carry.length > 0) {
    const end = carry[carry.length - 1] === CARRIAGE_RETURN ? carry.length - 1 : carry.length;
    lines++;
    yield carry.toString('utf8', 0, end);
  }
  return lines;
}
