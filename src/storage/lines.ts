import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Lines of a byte stream (LF or CRLF endings), decoded as UTF-8. Works on raw Buffers and
 * decodes each line once with `toString(start, end)`: cheaper than readline, which runs a
 * string decoder and a regular expression over every chunk. Only a line that straddles two
 * chunks is copied.
 */
export async function* splitLines(input: Readable): AsyncGenerator<string, void, undefined> {
  let carry: Buffer | undefined;
  // The caller owns the stream: stopping early must not destroy it under them.
  for await (const chunk of input.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    let buf = chunk;
    if (carry !== undefined) {
      buf = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(NEWLINE, start)) !== -1) {
      const end = nl > start && buf[nl - 1] === CARRIAGE_RETURN ? nl - 1 : nl;
      yield buf.toString('utf8', start, end);
      start = nl + 1;
    }
    if (start < buf.length) carry = buf.subarray(start);
  }
  if (carry !== undefined && carry.length > 0) {
    const end = carry[carry.length - 1] === CARRIAGE_RETURN ? carry.length - 1 : carry.length;
    yield carry.toString('utf8', 0, end);
  }
}
