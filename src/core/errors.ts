/**
 * One error class per kind, each with a stable `code` and `temporary` (true when a retry may succeed).
 */
export class TickstreamError extends Error {
  readonly code: string;
  readonly temporary: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; temporary?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.temporary = options.temporary ?? false;
  }
}

/** A configuration value is missing or invalid. The message names the key and the fix. */
export class ConfigError extends TickstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_CONFIG', message, options);
  }
}

/** Data on the wire or on disk does not have the expected shape. */
export class DecodeError extends TickstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_DECODE', message, options);
  }
}

/** A book sequence gap or checksum mismatch: the local book must resync. */
export class BookSyncError extends TickstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_BOOK_SYNC', message, { ...options, temporary: true });
  }
}

/** A network operation failed or timed out. */
export class ConnectionError extends TickstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ERR_CONNECTION', message, { ...options, temporary: true });
  }
}

/** A command or feature that this build does not provide yet. */
export class NotAvailableError extends TickstreamError {
  constructor(message: string) {
    super('ERR_NOT_AVAILABLE', message);
  }
}
