import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { DecodeError, TickstreamError } from '../core/errors.js';
import { recordingFilePath, streamDirectory } from './layout.js';
import type { RecordedResponse } from './record.js';

export interface RecordingWriterOptions {
  root: string;
  platform: string;
  /** Endpoint directory name, see `endpointName`. */
  endpoint: string;
  /** The exchange's own symbol spelling. */
  symbol: string;
  /** Start a new file before a line would take the current one past this size. Default 256 MiB. */
  maxFileBytes?: number;
  /** Start a new file once a record's `ts` is this far past the file's start time. Default 1 h. */
  maxFileAgeMs?: number;
  /** fsync each file as it is closed. Default true. */
  fsync?: boolean;
}

interface OpenFile {
  path: string;
  stream: WriteStream;
  startMs: number;
  bytes: number;
  error: Error | undefined;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_FILE_AGE_MS = 60 * 60 * 1000;
// Enough to step past any same-millisecond rotation; a longer run of taken names is a real problem.
const MAX_NAME_ATTEMPTS = 1000;

/**
 * Appends recorded responses, one JSON line each, to the stream's files in the storage layout.
 * A file is named by the `ts` of its first record (one millisecond later if that name is taken).
 * Calls are queued, so `write` may be called without awaiting; an I/O error fails that call and
 * every later one (`close` still closes the file, then rejects with it).
 */
export class RecordingWriter {
  private readonly options: Required<RecordingWriterOptions>;
  private readonly written: string[] = [];
  private current: OpenFile | undefined = undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private totalBytes = 0;

  constructor(options: RecordingWriterOptions) {
    this.options = {
      ...options,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      maxFileAgeMs: options.maxFileAgeMs ?? DEFAULT_MAX_FILE_AGE_MS,
      fsync: options.fsync ?? true,
    };
    if (!(this.options.maxFileBytes > 0) || !(this.options.maxFileAgeMs > 0)) {
      throw new RangeError('maxFileBytes and maxFileAgeMs must be positive');
    }
  }

  /** Files opened so far, in order. */
  get files(): readonly string[] {
    return this.written;
  }

  get bytesWritten(): number {
    return this.totalBytes;
  }

  write<T>(record: RecordedResponse<T>): Promise<void> {
    let line: string;
    try {
      line = JSON.stringify(record) + '\n';
    } catch (cause) {
      return Promise.reject(new DecodeError('record cannot be serialized as JSON', { cause }));
    }
    return this.enqueue(() => this.append(record.ts, line));
  }

  /**
   * Writes a record whose body is the exact response text, so the bytes on disk are the bytes
   * the exchange sent. The body must be JSON; one with line breaks is re-serialized onto one line.
   * A body that is not JSON is refused (the call rejects) without affecting later writes.
   */
  writeRaw(ts: number, request: RecordedResponse['request'], body: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (cause) {
      return Promise.reject(new DecodeError(`response body for ${request.path} is not JSON`, { cause }));
    }
    const data = /[\r\n]/.test(body) ? JSON.stringify(parsed) : body.trim();
    const head = JSON.stringify({ ts, request });
    return this.enqueue(() => this.append(ts, `${head.slice(0, -1)},"data":${data}}\n`));
  }

  /** Flushes and closes the current file. Later writes fail. Safe to call more than once. */
  close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    // Close the file even when an earlier write failed, then report that failure.
    this.queue = this.queue.then(
      () => this.closeCurrent(),
      (error: unknown) =>
        this.closeCurrent().then(() => {
          throw error;
        }),
    );
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    if (this.closed) {
      return Promise.reject(new TickstreamError('ERR_WRITER_CLOSED', 'RecordingWriter is closed'));
    }
    this.queue = this.queue.then(task);
    return this.queue;
  }

  private async append(ts: number, line: string): Promise<void> {
    const size = Buffer.byteLength(line);
    const file = this.current;
    if (
      file !== undefined &&
      (ts - file.startMs >= this.options.maxFileAgeMs ||
        (file.bytes > 0 && file.bytes + size > this.options.maxFileBytes))
    ) {
      await this.closeCurrent();
    }
    const target = this.current ?? (await this.openFile(ts));
    if (target.error !== undefined) throw target.error;
    target.bytes += size;
    this.totalBytes += size;
    if (!target.stream.write(line)) await once(target.stream, 'drain');
  }

  private async openFile(startMs: number): Promise<OpenFile> {
    const { root, platform, endpoint, symbol } = this.options;
    await mkdir(streamDirectory(root, platform, endpoint, symbol), { recursive: true });
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const path = recordingFilePath(root, platform, endpoint, symbol, startMs + attempt);
      // 'wx': never append to, or clobber, a recording that is already there.
      const stream = createWriteStream(path, {
        flags: 'wx',
        flush: this.options.fsync,
        highWaterMark: 1024 * 1024,
      });
      try {
        await once(stream, 'ready');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      const file: OpenFile = { path, stream, startMs: startMs + attempt, bytes: 0, error: undefined };
      // Without a listener a failed write would crash the process instead of failing the next call.
      stream.on('error', (error) => {
        file.error = error;
      });
      this.current = file;
      this.written.push(path);
      return file;
    }
    throw new TickstreamError('ERR_FILE_EXISTS', `no free recording file name near ${startMs} for ${symbol}`);
  }

  private async closeCurrent(): Promise<void> {
    const file = this.current;
    if (file === undefined) return;
    this.current = undefined;
    file.stream.end();
    // Resolves once the data is written (and fsynced) and the file closed.
    await finished(file.stream);
  }
}
