/** The gateway's addresses derived from one base URL (`http://host:3000`, `wss://host`, …). */
export interface GatewayUrls {
  readonly http: string;
  readonly ws: string;
}

/** Normalize `base` (http, https, ws or wss; a path prefix is kept) to its HTTP and WS forms. */
export function gatewayUrls(base: string): GatewayUrls {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TypeError(
      `tickstream client: url '${base}' is not an absolute URL; pass e.g. http://localhost:3000`,
    );
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new TypeError(`tickstream client: url '${base}' must be http(s):// or ws(s)://`);
  }
  const rest = `//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { http: `${secure ? 'https' : 'http'}:${rest}`, ws: `${secure ? 'wss' : 'ws'}:${rest}` };
}

/** `?apiKey=` / `?token=` (browsers cannot set headers on WebSocket or EventSource). */
export function authQuery(auth: { apiKey?: string; token?: string }): string {
  const q = new URLSearchParams();
  if (auth.apiKey !== undefined) q.set('apiKey', auth.apiKey);
  if (auth.token !== undefined) q.set('token', auth.token);
  return q.toString();
}

export function withQuery(url: string, ...parts: string[]): string {
  const query = parts.filter((p) => p !== '').join('&');
  return query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`;
}
