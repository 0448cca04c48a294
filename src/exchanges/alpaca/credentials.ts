/**
 * An Alpaca API key pair that does not leak: the key and secret are private fields, and every
 * way a value gets printed (JSON, `util.inspect`, pino's serializers, template strings) shows
 * the key's last 4 characters at most and never the secret. Only `authMessage()` holds them in
 * the clear, for the stream's `{"action":"auth","key":…,"secret":…}` [doc].
 *
 * `demo`/`demo` is the config default: a local replay hub accepts any pair, Alpaca refuses it.
 */
import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import type { AlpacaAuthRequest } from './wire.js';

export class AlpacaCredentials {
  readonly #key: string;
  readonly #secret: string;

  constructor(key: string, secret: string) {
    if (key === '' || secret === '') {
      throw new TypeError(
        'alpaca credentials: key and secret must be non-empty; set alpacaKey and alpacaSecret ' +
          '(or APCA_API_KEY_ID and APCA_API_SECRET_KEY)',
      );
    }
    this.#key = key;
    this.#secret = secret;
  }

  /** The stream's auth message, the one place the pair is written out. */
  authMessage(): string {
    const request: AlpacaAuthRequest = { action: 'auth', key: this.#key, secret: this.#secret };
    return JSON.stringify(request);
  }

  /** True when `key` and `secret` are this pair (compared in constant time: the hub checks offers with it). */
  matches(key: string, secret: string): boolean {
    return sameText(key, this.#key) && sameText(secret, this.#secret);
  }

  /** `…WXYZ` for a key longer than 8 characters, else `***`: enough to tell two keys apart in a log. */
  get keyHint(): string {
    return this.#key.length > 8 ? `…${this.#key.slice(-4)}` : '***';
  }

  toJSON(): { key: string; secret: string } {
    return { key: this.keyHint, secret: '***' };
  }

  toString(): string {
    return `AlpacaCredentials(key ${this.keyHint})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
