import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import { ConfigError } from '../core/errors.js';
import type { AccessRefusal } from './access-refusal.js';
import { parseStream } from './streams.js';

export const AUTH_MODES = ['none', 'apiKey', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface AuthOptions {
  /** Unset: `jwt` when `jwtSecret` is set, `apiKey` when `apiKeys` are, else `none`. */
  readonly mode?: AuthMode;
  readonly apiKeys?: readonly string[];
  /** HS256 secret, at least 32 characters. */
  readonly jwtSecret?: string;
}

/** What a connection may subscribe to. */
export interface StreamGrant {
  /** Undefined when `stream` (canonical) is allowed, else why not. */
  refusal(stream: string): string | undefined;
}

export const ANY_STREAM: StreamGrant = Object.freeze({ refusal: () => undefined });

export type AuthResult =
  | { readonly ok: true; readonly grant: StreamGrant }
  | { readonly ok: false; readonly refusal: AccessRefusal };

export interface Authorizer {
  readonly mode: AuthMode;
  /** Check a request's credentials (WebSocket upgrade or SSE request). */
  authorize(req: IncomingMessage): Promise<AuthResult>;
}

const MIN_SECRET = 32;

/** The authorizer for `opts`; an incomplete or contradictory setup is a ConfigError. */
export function createAuthorizer(opts: AuthOptions = {}): Authorizer {
  const keys = opts.apiKeys ?? [];
  const mode = opts.mode ?? inferMode(keys, opts.jwtSecret);
  if (mode === 'none') return { mode, authorize: () => Promise.resolve({ ok: true, grant: ANY_STREAM }) };
  if (mode === 'apiKey') {
    if (keys.length === 0 || keys.some((k) => k.length === 0)) {
      throw new ConfigError(
        'authMode "apiKey" needs apiKeys: a list of non-empty keys (TICKSTREAM_API_KEYS=k1,k2)',
      );
    }
    return apiKeyAuthorizer(keys);
  }
  const secret = opts.jwtSecret;
  if (secret === undefined || secret.length < MIN_SECRET) {
    throw new ConfigError(
      `authMode "jwt" needs jwtSecret of at least ${MIN_SECRET} characters (HS256); set jwtSecret or TICKSTREAM_JWT_SECRET`,
    );
  }
  return jwtAuthorizer(new TextEncoder().encode(secret));
}

function inferMode(keys: readonly string[], secret: string | undefined): AuthMode {
  if (secret !== undefined && keys.length > 0) {
    throw new ConfigError('both apiKeys and jwtSecret are set: choose one with authMode "apiKey" or "jwt"');
  }
  if (secret !== undefined) return 'jwt';
  return keys.length > 0 ? 'apiKey' : 'none';
}

function unauthorized(code: string, msg: string): AuthResult {
  return { ok: false, refusal: { status: 401, code, msg } };
}

function queryParam(req: IncomingMessage, name: string): string | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  const v = new URLSearchParams(url.slice(q + 1)).get(name);
  return v === null || v === '' ? undefined : v;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function apiKeyAuthorizer(keys: readonly string[]): Authorizer {
  const digests = keys.map(digest);
  return {
    mode: 'apiKey',
    authorize(req) {
      const key = header(req, 'x-api-key') ?? queryParam(req, 'apiKey');
      if (key === undefined) {
        return Promise.resolve(
          unauthorized(
            'missing_api_key',
            'an API key is required: send the X-API-Key header or ?apiKey=<key>',
          ),
        );
      }
      const d = digest(key);
      let match = false;
      for (const k of digests) match = timingSafeEqual(k, d) || match;
      return Promise.resolve(
        match
          ? { ok: true, grant: ANY_STREAM }
          : unauthorized('invalid_api_key', 'the API key is not valid; check it'),
      );
    },
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const h = header(req, 'authorization');
  if (h !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (m !== null) return m[1];
  }
  return queryParam(req, 'token');
}

function jwtAuthorizer(secret: Uint8Array): Authorizer {
  return {
    mode: 'jwt',
    async authorize(req) {
      const token = bearer(req);
      if (token === undefined) {
        return unauthorized(
          'missing_token',
          'a token is required: send Authorization: Bearer <jwt> or ?token=<jwt>',
        );
      }
      let payload: Record<string, unknown>;
      try {
        payload = (await jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
      } catch (err) {
        return unauthorized('invalid_token', tokenProblem(err));
      }
      const claim = payload.streams;
      if (claim === undefined) return { ok: true, grant: ANY_STREAM };
      if (
        !Array.isArray(claim) ||
        claim.length === 0 ||
        !claim.every((p) => typeof p === 'string' && p !== '')
      ) {
        return unauthorized(
          'invalid_token',
          `token claim 'streams' must be a non-empty array of stream patterns such as "trade@*" or "*@BTC/USDT", got ${JSON.stringify(claim)}`,
        );
      }
      return { ok: true, grant: patternGrant(claim as string[]) };
    },
  };
}

function tokenProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token has expired (exp); get a new token';
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') {
    return 'token is not valid yet (nbf); retry later or fix the clock';
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return 'token signature does not verify; sign it with the gateway jwtSecret (HS256)';
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token must be signed with HS256';
  const detail = err instanceof Error ? err.message : String(err);
  return `token is not a valid JWT (${detail}); send a HS256 JWT`;
}

/**
 * Stream patterns of a `streams` claim: exact names (any accepted spelling, compared in canonical
 * form) or globs where `*` stands for any run of characters, compared without regard to case.
 */
export function patternGrant(patterns: readonly string[]): StreamGrant {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (p.includes('*')) {
      const re = p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
      globs.push(new RegExp('^' + re.join('.*') + '$', 'i'));
      continue;
    }
    const parsed = parseStream(p);
    exact.add(parsed.ok ? parsed.name : p);
  }
  const shown = JSON.stringify(patterns);
  return {
    refusal(stream) {
      if (exact.has(stream) || globs.some((g) => g.test(stream))) return undefined;
      return `stream '${stream}' is not allowed by this token's streams claim ${shown}; ask for a token that covers it`;
    },
  };
}
