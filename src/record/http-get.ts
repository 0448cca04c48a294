/** One REST GET of the recorder: the URL from base, path and parameters; the body as text, untouched. */
import type { RecordRequest } from './plan.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** A Retry-After header, as ms from now; undefined when there is none or it cannot be read. */
  readonly retryAfterMs?: number;
}

/** `base` + `path` + the parameters in their order: `https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=100`. */
export function requestUrl(baseUrl: string, request: RecordRequest): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.params)) query.append(key, String(value));
  const text = query.toString();
  return `${baseUrl.replace(/\/+$/, '')}${request.path}${text === '' ? '' : `?${text}`}`;
}

/** Retry-After as seconds (`"2"`) or an HTTP date, in ms from `nowMs`. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * GET `url`. Fails (rejects) only when no answer came: network error, timeout, or `signal`
 * aborting; any HTTP status is an answer.
 */
export async function httpGet(
  url: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...headers },
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  const body = await response.text();
  return {
    status: response.status,
    body,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after'), Date.now()),
  };
}
