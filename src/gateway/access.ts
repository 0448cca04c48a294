import type { IncomingMessage } from 'node:http';
import { createAuthorizer, type AuthOptions, type AuthResult, type Authorizer } from './auth.js';
import { OriginPolicy } from './origin.js';

export { refuseHttp, refuseUpgrade, type AccessRefusal } from './access-refusal.js';
export type { StreamGrant } from './auth.js';

export interface AccessOptions extends AuthOptions {
  /** Origins browser pages may connect from; empty or unset: any (see {@link OriginPolicy}). */
  readonly allowedOrigins?: readonly string[];
}

/** Who may connect (origin allow-list, then credentials), for `/ws` upgrades and the SSE endpoint alike. */
export class GatewayAccess {
  private readonly origins: OriginPolicy;
  private readonly auth: Authorizer;

  constructor(opts: AccessOptions = {}) {
    this.origins = new OriginPolicy(opts.allowedOrigins ?? []);
    this.auth = createAuthorizer(opts);
  }

  /** Whether a page of `origin` may use the gateway (the allow-list; a request without one may). */
  allowsOrigin(origin: string | undefined): boolean {
    return this.origins.allows(origin);
  }

  get authMode(): Authorizer['mode'] {
    return this.auth.mode;
  }

  /** 403 for a foreign origin, 401 for missing or bad credentials, else what the client may subscribe to. */
  authorize(req: IncomingMessage): Promise<AuthResult> {
    const refusal = this.origins.check(req);
    if (refusal !== undefined) return Promise.resolve({ ok: false, refusal });
    return this.auth.authorize(req);
  }
}
