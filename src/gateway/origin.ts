import type { IncomingMessage } from 'node:http';
import type { AccessRefusal } from './access-refusal.js';

/**
 * The origin allow-list. Entries are origins as browsers send them (`https://app.example.com`,
 * `http://localhost:5173`), `https://*.example.com` for any subdomain, or `*` for any origin.
 * An empty list allows any origin. A request without an `Origin` header (a bot, curl) is not
 * a browser page and is allowed: the list guards against other sites' pages, not against
 * clients that could send any header they like.
 */
export class OriginPolicy {
  private readonly exact = new Set<string>();
  private readonly suffixes: { scheme: string; suffix: string }[] = [];
  private readonly any: boolean;

  constructor(allowed: readonly string[]) {
    let any = allowed.length === 0;
    for (const entry of allowed) {
      const e = entry.trim().toLowerCase().replace(/\/+$/, '');
      if (e === '*') any = true;
      const wild = /^([a-z][a-z0-9+.-]*):\/\/\*\.(.+)$/.exec(e);
      if (wild !== null) this.suffixes.push({ scheme: wild[1], suffix: '.' + wild[2] });
      else this.exact.add(e);
    }
    this.any = any;
  }

  allows(origin: string | undefined): boolean {
    if (this.any || origin === undefined) return true;
    const o = origin.trim().toLowerCase();
    if (this.exact.has(o)) return true;
    const m = /^([a-z][a-z0-9+.-]*):\/\/(.+)$/.exec(o);
    if (m === null) return false;
    return this.suffixes.some((s) => s.scheme === m[1] && m[2].endsWith(s.suffix));
  }

  /** 403 for a browser page of an origin not on the list, else undefined. */
  check(req: IncomingMessage): AccessRefusal | undefined {
    const origin = req.headers.origin;
    if (this.allows(origin)) return undefined;
    return {
      status: 403,
      code: 'origin_not_allowed',
      msg: `origin ${JSON.stringify(origin)} is not allowed; add it to allowedOrigins or connect from an allowed page`,
    };
  }
}
