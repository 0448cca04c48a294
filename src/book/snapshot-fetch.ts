import { ConnectionError } from '../core/errors.js';

/** A snapshot request answered with an HTTP error; `retryAfterMs` from `Retry-After` (0 when absent). */
export class SnapshotHttpError extends ConnectionError {
  readonly status: number;
  readonly retryAfterMs: number;

  constructor(url: string, status: number, retryAfterMs: number) {
    super(`book snapshot ${url}: HTTP ${status}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * GET `url` and parse its JSON body. Aborted through `abort` (the caller's cancel) or after
 * `timeoutMs`. Rejects with `SnapshotHttpError` on a non-2xx answer, the body discarded.
 */
export async function fetchSnapshotJson(
  fetchFn: typeof fetch,
  url: string,
  abort: AbortController,
  timeoutMs: number,
): Promise<unknown> {
  const timer = setTimeout(
    () => abort.abort(new ConnectionError(`book snapshot ${url}: no answer within ${timeoutMs}ms`)),
    timeoutMs,
  );
  try {
    const res = await fetchFn(url, { signal: abort.signal });
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      await res.body?.cancel();
      throw new SnapshotHttpError(url, res.status, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
    }
    return (await res.json()) as unknown;
  } finally {
    clearTimeout(timer);
  }
}
