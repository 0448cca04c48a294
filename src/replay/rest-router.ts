/**
 * A venue's REST mirror as a table: method + path → a handler that returns the answer (status,
 * body, headers) instead of writing it, so every venue's handlers stay pure functions of the
 * request and the replay state. The router writes the answer (JSON unless told otherwise), HEAD
 * as GET without the body, and hands unknown paths and methods to the venue's own answers.
 * A path segment written `{name}` matches any one non-empty segment, handed to the handler in
 * `params` (exact paths win over patterns; patterns are tried in the order they were added).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JSON_CONTENT_TYPE } from './http.js';

export interface RestRequest {
  /** Upper case; HEAD is routed as GET. */
  readonly method: string;
  /** Below the venue prefix (`/0/public/Time`). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly req: IncomingMessage;
  /** Values of the route's `{name}` segments, URL-decoded (empty for an exact path). */
  readonly params: Readonly<Record<string, string>>;
}

interface PatternRoute {
  readonly segments: readonly string[];
  readonly byMethod: Map<string, RestHandler>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** The params of `path` under `segments`, or undefined when it does not match. */
function matchSegments(segments: readonly string[], path: string): Record<string, string> | undefined {
  const parts = path.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = segments[i];
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (parts[i] === '') return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
    } else if (seg !== parts[i]) return undefined;
  }
  return params;
}

export interface RestAnswer {
  readonly status: number;
  /** Serialized text as is, anything else as JSON. */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RestHandler = (request: RestRequest) => RestAnswer;

export interface RestRouterOptions {
  /** The venue's answer for a path it does not serve. */
  readonly notFound: (request: RestRequest) => RestAnswer;
  /** The venue's answer for a served path asked with another method (default: 405 + Allow). */
  readonly methodNotAllowed?: (request: RestRequest, allowed: readonly string[]) => RestAnswer;
}

export class RestRouter {
  private readonly routes = new Map<string, Map<string, RestHandler>>();
  private readonly patterns: PatternRoute[] = [];
  private readonly notFound: RestRouterOptions['notFound'];
  private readonly methodNotAllowed: NonNullable<RestRouterOptions['methodNotAllowed']>;

  constructor(opts: RestRouterOptions) {
    this.notFound = opts.notFound;
    this.methodNotAllowed =
      opts.methodNotAllowed ??
      ((request, allowed) => ({
        status: 405,
        body: { error: `method ${request.method} not allowed on ${request.path}`, allowed },
        headers: { Allow: allowed.join(', ') },
      }));
  }

  /** Serve `path` for `methods` (GET also answers HEAD). Returns the router, to chain. */
  on(methods: string | readonly string[], path: string, handler: RestHandler): this {
    let byMethod = this.routes.get(path);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(path, byMethod);
      if (path.includes('{')) this.patterns.push({ segments: path.split('/'), byMethod });
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) {
      const method = m.toUpperCase();
      if (byMethod.has(method)) throw new TypeError(`route ${method} ${path} is already defined`);
      byMethod.set(method, handler);
    }
    return this;
  }

  /** The answer for one request, without writing it. */
  answer(method: string, path: string, query: URLSearchParams, req: IncomingMessage): RestAnswer {
    const upper = method.toUpperCase();
    let byMethod = this.routes.get(path);
    let params: Readonly<Record<string, string>> = NO_PARAMS;
    if (byMethod === undefined || path.includes('{')) {
      byMethod = undefined;
      for (const p of this.patterns) {
        const found = matchSegments(p.segments, path);
        if (found === undefined) continue;
        byMethod = p.byMethod;
        params = found;
        break;
      }
    }
    const request: RestRequest = { method: upper === 'HEAD' ? 'GET' : upper, path, query, req, params };
    if (byMethod === undefined) return this.notFound(request);
    const handler = byMethod.get(request.method);
    if (handler === undefined) return this.methodNotAllowed(request, allowedMethods(byMethod));
    return handler(request);
  }

  /** Answer `req` on `res`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    const method = req.method ?? 'GET';
    writeAnswer(res, this.answer(method, path, query, req), method.toUpperCase() === 'HEAD');
  }
}

function allowedMethods(byMethod: ReadonlyMap<string, RestHandler>): string[] {
  const allowed = [...byMethod.keys()];
  if (byMethod.has('GET')) allowed.push('HEAD');
  return allowed;
}

/** Write a {@link RestAnswer}: JSON content type unless the answer names its own. */
export function writeAnswer(res: ServerResponse, answer: RestAnswer, headOnly = false): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': JSON_CONTENT_TYPE,
    ...answer.headers,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(headOnly ? undefined : text);
}
