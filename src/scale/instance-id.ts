import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `host:pid:random`: unique even for two processes of one host that reuse a pid. */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
