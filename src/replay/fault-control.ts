/**
 * `/control/faults` on the hub (DESIGN.md "Replay processes"): `POST` arms a fault
 * (`{"exchange","symbol","fault","count"|"ratePerMin"}`, plus `ms` / `retryAfter` where they
 * apply), `GET` lists the armed ones with what is left and what was injected, `DELETE` clears
 * them (all, or those matching `?exchange=&symbol=&fault=`). Bad input gets a 400 naming the
 * field and what is accepted; nothing here can stop the hub.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAULT_BODY_USAGE, specFromBody } from './fault-spec.js';
import type { FaultFilter, FaultStore } from './faults.js';
import { readSmallBody, sendJson, splitTarget } from './http.js';
import { FAULT_KINDS } from './hub-observer.js';

export const FAULT_CONTROL_PATH = '/control/faults';
/** Fault bodies are a few dozen bytes; anything near this is not one. */
const MAX_BODY_BYTES = 4096;
const FILTER_KEYS = ['exchange', 'symbol', 'fault'] as const;

export class FaultControl {
  constructor(private readonly store: FaultStore) {}

  /** Answers `req` when it is for the fault API; false when the path is not its own. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path !== FAULT_CONTROL_PATH && path !== `${FAULT_CONTROL_PATH}/`) return false;
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        sendJson(res, 200, { faults: this.store.list() }, req.method === 'HEAD');
        return true;
      case 'DELETE':
        this.clear(req, res);
        return true;
      case 'POST':
        readSmallBody(req, MAX_BODY_BYTES).then(
          (text) => this.add(text, res),
          (err: Error) => {
            res.setHeader('Connection', 'close');
            sendJson(res, 413, { error: `${err.message}; ${FAULT_BODY_USAGE}` });
          },
        );
        return true;
      default:
        res.setHeader('Allow', 'GET, HEAD, POST, DELETE');
        sendJson(res, 405, {
          error: `method ${req.method ?? '?'} is not allowed on ${path}; use GET, POST or DELETE`,
        });
        return true;
    }
  }

  private add(text: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, {
        error: `body is not JSON: ${JSON.stringify(text.slice(0, 80))}; ${FAULT_BODY_USAGE}`,
      });
      return;
    }
    const spec = specFromBody(body);
    if (!spec.ok) {
      sendJson(res, 400, { error: spec.error });
      return;
    }
    const added = this.store.add(spec.spec);
    if (!added.ok) sendJson(res, 400, { error: added.error });
    else sendJson(res, 201, { fault: added.rule });
  }

  private clear(req: IncomingMessage, res: ServerResponse): void {
    const { query } = splitTarget(req.url);
    const filter: { -readonly [K in keyof FaultFilter]: FaultFilter[K] } = {};
    for (const [key, value] of query) {
      if (!(FILTER_KEYS as readonly string[]).includes(key)) {
        sendJson(res, 400, {
          error: `unknown filter ${JSON.stringify(key)}; filter with ${FILTER_KEYS.join(', ')} or none to clear all`,
        });
        return;
      }
      filter[key as (typeof FILTER_KEYS)[number]] = value;
    }
    if (filter.fault !== undefined && !(FAULT_KINDS as readonly string[]).includes(filter.fault)) {
      sendJson(res, 400, {
        error: `fault must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(filter.fault)}`,
      });
      return;
    }
    const cleared = this.store.clear(filter);
    sendJson(res, 200, { cleared, faults: this.store.list() });
  }
}
