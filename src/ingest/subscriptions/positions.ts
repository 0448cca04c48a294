/**
 * Position-driven subscriptions: the user's own positions service, polled every `intervalMs`
 * (after the previous poll ends, so polls never overlap). The symbols at `path` in its JSON are
 * wanted on every exchange that lists them: a new one is subscribed, a closed one released.
 *
 * A bad poll (network error, timeout, HTTP error, a body that is not JSON, a missing field, a
 * value that is not a symbol) is logged with what was wrong and changes nothing: the symbols of
 * the last good poll stay. An empty list from a good poll is real (every position closed).
 * The auth header's value is sent, never logged; the URL is logged without its query string.
 */
import { parseSymbol } from '../../core/symbol.js';
import type { Logger } from '../../core/logger.js';
import { evaluateJsonPath, type JsonPath } from './json-path.js';
import { systemSchedule, type Cancel, type Schedule } from './timers.js';
import type { SymbolWant } from './wants.js';

export interface PositionsOptions {
  readonly url: string;
  readonly intervalMs: number;
  /** Where the symbols are in the response (see json-path.ts). */
  readonly path: JsonPath;
  /** Sent on every request, e.g. `Authorization: Bearer …`. */
  readonly authHeader?: { readonly name: string; readonly value: string };
  /** A request that takes longer is a failed poll. */
  readonly timeoutMs: number;
  /** Receives the symbols of each good poll. */
  readonly onChange: (wants: readonly SymbolWant[]) => void;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly schedule?: Schedule;
}

export type PollResult =
  { readonly ok: true; readonly symbols: readonly string[] } | { readonly ok: false; readonly error: string };

export class PositionsPoller {
  private readonly opts: PositionsOptions;
  private readonly log: Logger;
  private readonly fetch: typeof fetch;
  private readonly schedule: Schedule;
  private readonly shownUrl: string;
  private current: readonly string[] | undefined = undefined;
  private cancelNext: Cancel | undefined = undefined;
  private inFlight: AbortController | undefined = undefined;
  private running: Promise<PollResult> | undefined = undefined;
  private closed = false;
  private goodPolls = 0;
  private badPolls = 0;

  constructor(opts: PositionsOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.fetch = opts.fetch ?? fetch;
    this.schedule = opts.schedule ?? systemSchedule;
    const u = new URL(opts.url);
    this.shownUrl = u.origin + u.pathname;
  }

  /** Poll now, then every `intervalMs` after each poll. */
  start(): void {
    if (this.closed || this.running !== undefined || this.cancelNext !== undefined) return;
    void this.cycle();
  }

  /** One poll (also what each cycle runs); the result is applied when good. */
  async poll(): Promise<PollResult> {
    const result = await this.request();
    if (this.closed) return result;
    if (result.ok) {
      this.goodPolls++;
      this.current = result.symbols;
      try {
        this.opts.onChange(result.symbols.map((symbol) => ({ symbol })));
      } catch (err) {
        this.log.error({ err }, 'applying the positions failed');
      }
    } else {
      this.badPolls++;
      const kept =
        this.current === undefined
          ? 'nothing subscribed from positions yet'
          : `keeping the ${this.current.length} symbols of the last good poll`;
      this.log.warn(
        { url: this.shownUrl, error: result.error },
        `positions poll failed: ${result.error}; ${kept}`,
      );
    }
    return result;
  }

  /** The symbols of the last good poll (undefined before one). */
  symbols(): readonly string[] | undefined {
    return this.current;
  }

  stats(): { readonly goodPolls: number; readonly badPolls: number } {
    return { goodPolls: this.goodPolls, badPolls: this.badPolls };
  }

  /** Stop polling: the pending timer is cleared and a request in flight aborted. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelNext?.();
    this.cancelNext = undefined;
    this.inFlight?.abort();
    await this.running;
  }

  private async cycle(): Promise<void> {
    this.cancelNext = undefined;
    if (this.closed) return;
    this.running = this.poll();
    await this.running;
    this.running = undefined;
    if (this.closed) return;
    this.cancelNext = this.schedule(() => void this.cycle(), this.opts.intervalMs);
  }

  private async request(): Promise<PollResult> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = this.opts.authHeader;
    if (auth !== undefined) headers[auth.name] = auth.value;
    try {
      const res = await this.fetch(this.opts.url, { headers, signal: controller.signal });
      const text = await res.text();
      if (!res.ok) return { ok: false, error: `HTTP ${res.status} ${res.statusText} (${snippet(text)})` };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { ok: false, error: `the response is not JSON (${snippet(text)})` };
      }
      return symbolsAt(body, this.opts.path);
    } catch (err) {
      if (controller.signal.aborted) {
        return { ok: false, error: this.closed ? 'closed' : `no answer within ${this.opts.timeoutMs} ms` };
      }
      return {
        ok: false,
        error: `request failed: ${err instanceof Error ? (causeOf(err) ?? err.message) : String(err)}`,
      };
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }
}

/** The canonical symbols at `path`, deduplicated; any value that is not a symbol fails the poll. */
export function symbolsAt(body: unknown, path: JsonPath): PollResult {
  const found = evaluateJsonPath(body, path);
  if (!found.ok) return found;
  const symbols = new Set<string>();
  for (const raw of found.values) {
    const r = parseSymbol(raw);
    if (!r.ok) return { ok: false, error: r.error };
    symbols.add(r.symbol);
  }
  return { ok: true, symbols: [...symbols] };
}

function snippet(text: string): string {
  const t = text.trim();
  if (t === '') return 'empty body';
  return `body starts '${t.length > 80 ? t.slice(0, 80) + '…' : t}'`;
}

/** fetch's `TypeError: fetch failed` hides the reason (ECONNREFUSED …) in its cause. */
function causeOf(err: Error): string | undefined {
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : undefined;
}
