/**
 * Binance's stream servers parse control requests with Rust's serde_json and report its
 * errors verbatim, with a 1-based line and a column counted in bytes
 * (`Invalid JSON: expected value at line 1 column 1`). `JSON.parse` stays the fast path; this
 * scanner runs on the error path, to find what serde would have said and where, and to read
 * an integer `id` as the digits sent (a double cannot hold every 64-bit integer).
 */

/** A position in serde's terms: `line` 1-based, `column` = bytes since the line start. */
export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

export interface JsonSyntaxError extends JsonPosition {
  /** serde_json's wording: `expected value`, `EOF while parsing an object`, `trailing comma`, … */
  readonly message: string;
}

/** Byte offsets found while scanning one top-level object. */
export interface JsonLayout {
  /** Offset just past the top-level `"method"` value; -1 when absent. */
  readonly methodValueEnd: number;
  /** Offset just past the top-level object's closing `}`; -1 when not an object. */
  readonly objectEnd: number;
  /** Offsets of the top-level `"id"` value (the last one when repeated, as `JSON.parse` keeps); -1 when absent. */
  readonly idValueStart: number;
  readonly idValueEnd: number;
}

/** serde_json's recursion limit. */
const MAX_DEPTH = 128;
const METHOD_KEY = Buffer.from('method');
const ID_KEY = Buffer.from('id');

class ScanError {
  constructor(
    readonly message: string,
    /** serde's "index": one past the offending byte, or the input length at EOF. */
    readonly index: number,
  ) {}
}

class Scanner {
  i = 0;
  methodValueEnd = -1;
  objectEnd = -1;
  idValueStart = -1;
  idValueEnd = -1;
  constructor(private readonly b: Buffer) {}

  run(): void {
    this.value(0);
    this.ws();
    if (this.i < this.b.length) throw this.peekError('trailing characters');
  }

  private peekError(message: string): ScanError {
    return new ScanError(message, Math.min(this.b.length, this.i + 1));
  }

  private eof(message: string): ScanError {
    return new ScanError(message, this.b.length);
  }

  private ws(): void {
    const b = this.b;
    while (this.i < b.length) {
      const c = b[this.i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  private value(depth: number): void {
    this.ws();
    const b = this.b;
    if (this.i >= b.length) throw this.eof('EOF while parsing a value');
    const c = b[this.i];
    if (c === 0x7b /* { */) return this.object(depth + 1);
    if (c === 0x5b /* [ */) return this.array(depth + 1);
    if (c === 0x22 /* " */) {
      this.string();
      return;
    }
    if (c === 0x74) return this.ident('true');
    if (c === 0x66) return this.ident('false');
    if (c === 0x6e) return this.ident('null');
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    throw this.peekError('expected value');
  }

  private ident(word: string): void {
    const b = this.b;
    for (let k = 0; k < word.length; k++) {
      if (this.i >= b.length) throw this.eof('EOF while parsing a value');
      if (b[this.i++] !== word.charCodeAt(k)) throw new ScanError('expected ident', this.i);
    }
  }

  private digits(): number {
    const start = this.i;
    while (this.i < this.b.length && this.b[this.i] >= 0x30 && this.b[this.i] <= 0x39) this.i++;
    return this.i - start;
  }

  private number(): void {
    const b = this.b;
    if (b[this.i] === 0x2d) this.i++;
    if (this.i >= b.length) throw this.eof('EOF while parsing a value');
    if (b[this.i] === 0x30) {
      this.i++;
      if (this.i < b.length && b[this.i] >= 0x30 && b[this.i] <= 0x39) throw this.peekError('invalid number');
    } else if (this.digits() === 0) {
      throw this.peekError('invalid number');
    }
    if (this.i < b.length && b[this.i] === 0x2e /* . */) {
      this.i++;
      if (this.i >= b.length) throw this.eof('EOF while parsing a value');
      if (this.digits() === 0) throw this.peekError('invalid number');
    }
    if (this.i < b.length && (b[this.i] === 0x65 || b[this.i] === 0x45) /* e E */) {
      this.i++;
      if (this.i < b.length && (b[this.i] === 0x2b || b[this.i] === 0x2d)) this.i++;
      if (this.i >= b.length) throw this.eof('EOF while parsing a value');
      if (this.digits() === 0) throw this.peekError('invalid number');
    }
  }

  /** Scans a string starting at its opening quote; returns the offset of the first content byte. */
  private string(): number {
    const b = this.b;
    const start = ++this.i;
    while (true) {
      if (this.i >= b.length) throw this.eof('EOF while parsing a string');
      const c = b[this.i++];
      if (c === 0x22) return start;
      if (c < 0x20)
        throw new ScanError('control character (\\u0000-\\u001F) found while parsing a string', this.i);
      if (c !== 0x5c /* \ */) continue;
      if (this.i >= b.length) throw this.eof('EOF while parsing a string');
      const e = b[this.i++];
      if (e === 0x75 /* u */) {
        for (let k = 0; k < 4; k++) {
          if (this.i >= b.length) throw this.eof('EOF while parsing a string');
          const h = b[this.i++];
          const hex = (h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
          if (!hex) throw new ScanError('invalid escape', this.i);
        }
      } else if ('"\\/bfnrt'.indexOf(String.fromCharCode(e)) < 0) {
        throw new ScanError('invalid escape', this.i);
      }
    }
  }

  /** Whether the key just scanned (content from `keyStart` to the closing quote) is `key`. */
  private keyIs(keyStart: number, key: Buffer): boolean {
    const len = this.i - 1 - keyStart;
    return len === key.length && this.b.compare(key, 0, len, keyStart, keyStart + len) === 0;
  }

  private object(depth: number): void {
    if (depth > MAX_DEPTH) throw this.peekError('recursion limit exceeded');
    const b = this.b;
    this.i++;
    this.ws();
    if (this.i >= b.length) throw this.eof('EOF while parsing an object');
    if (b[this.i] === 0x7d /* } */) {
      this.i++;
      if (depth === 1) this.objectEnd = this.i;
      return;
    }
    while (true) {
      if (b[this.i] !== 0x22) throw this.peekError('key must be a string');
      const keyStart = this.string();
      const isMethod = depth === 1 && this.keyIs(keyStart, METHOD_KEY);
      const isId = depth === 1 && this.keyIs(keyStart, ID_KEY);
      this.ws();
      if (this.i >= b.length) throw this.eof('EOF while parsing an object');
      if (b[this.i] !== 0x3a /* : */) throw this.peekError('expected `:`');
      this.i++;
      this.ws();
      const valueStart = this.i;
      this.value(depth);
      if (isMethod) this.methodValueEnd = this.i;
      if (isId) {
        this.idValueStart = valueStart;
        this.idValueEnd = this.i;
      }
      this.ws();
      if (this.i >= b.length) throw this.eof('EOF while parsing an object');
      const c = b[this.i];
      if (c === 0x7d) {
        this.i++;
        if (depth === 1) this.objectEnd = this.i;
        return;
      }
      if (c !== 0x2c /* , */) throw this.peekError('expected `,` or `}`');
      this.i++;
      this.ws();
      if (this.i >= b.length) throw this.eof('EOF while parsing a value');
      if (b[this.i] === 0x7d) throw this.peekError('trailing comma');
    }
  }

  private array(depth: number): void {
    if (depth > MAX_DEPTH) throw this.peekError('recursion limit exceeded');
    const b = this.b;
    this.i++;
    this.ws();
    if (this.i >= b.length) throw this.eof('EOF while parsing a list');
    if (b[this.i] === 0x5d /* ] */) {
      this.i++;
      return;
    }
    while (true) {
      this.value(depth);
      this.ws();
      if (this.i >= b.length) throw this.eof('EOF while parsing a list');
      const c = b[this.i];
      if (c === 0x5d) {
        this.i++;
        return;
      }
      if (c !== 0x2c) throw this.peekError('expected `,` or `]`');
      this.i++;
      this.ws();
      if (this.i < b.length && b[this.i] === 0x5d) throw this.peekError('trailing comma');
    }
  }
}

/** serde_json's `position_of_index`: line and column of byte offset `index`. */
export function positionOf(b: Buffer, index: number): JsonPosition {
  let line = 1;
  let column = 0;
  const end = Math.min(index, b.length);
  for (let k = 0; k < end; k++) {
    if (b[k] === 0x0a) {
      line++;
      column = 0;
    } else {
      column++;
    }
  }
  return { line, column };
}

/**
 * Where serde_json rejects `b`, or undefined when it parses. Used after `JSON.parse` failed;
 * if the two disagree the caller falls back to the end of the input.
 */
export function findJsonError(b: Buffer): JsonSyntaxError | undefined {
  const s = new Scanner(b);
  try {
    s.run();
    return undefined;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    return { message: err.message, ...positionOf(b, err.index) };
  }
}

/** Byte offsets of the top-level `method` value end, `id` value and object end of valid JSON `b`. */
export function layoutOf(b: Buffer): JsonLayout {
  const s = new Scanner(b);
  try {
    s.run();
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
  }
  return {
    methodValueEnd: s.methodValueEnd,
    objectEnd: s.objectEnd,
    idValueStart: s.idValueStart,
    idValueEnd: s.idValueEnd,
  };
}

/** The top-level `id` value of valid JSON `b` as the text sent (`9007199254740993`, `1.0`); undefined when absent. */
export function rawIdOf(b: Buffer): string | undefined {
  const { idValueStart, idValueEnd } = layoutOf(b);
  return idValueStart < 0 ? undefined : b.toString('latin1', idValueStart, idValueEnd);
}
