/**
 * `GET` / `POST /control/replay` on the hub (DESIGN.md "Replay processes"): each publisher's
 * state, speed, replay time and position, and pause, resume, seek and speed for every publisher
 * (or the one named by `"exchange"`). A publisher is a process behind a link or one in the hub's
 * own process: both answer through {@link PublisherHandle}. Bad input gets a 400 naming what was
 * wrong and what is accepted; nothing here can stop the hub.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { EXCHANGES, type Exchange } from '../core/types.js';
import { sendJson } from './http.js';
import type { ControlAction } from './link/link-wire.js';
import type { ReplayPublisher } from './publisher.js';

export const REPLAY_CONTROL_PATH = '/control/replay';
/** Control bodies are a few dozen bytes; anything near this is not one. */
const MAX_BODY_BYTES = 4096;

const speedSchema = z.union([z.literal('max'), z.number().positive().finite()]);
const exchange = z.enum(EXCHANGES).optional();
const actionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pause'), exchange }).strict(),
  z.object({ action: z.literal('resume'), exchange }).strict(),
  z.object({ action: z.literal('speed'), speed: speedSchema, exchange }).strict(),
  z.object({ action: z.literal('seek'), to: z.number().int().min(0), exchange }).strict(),
]);

/** One publisher as the control API sees it. */
export interface PublisherView {
  readonly state: 'playing' | 'paused' | 'finished' | 'restarting';
  readonly speed: number | 'max';
  /** Replay time of the last event published, ms; null before the first. */
  readonly replayTime: number | null;
  readonly published: number;
  readonly passes: number;
  readonly paused: boolean;
  readonly seeks: number;
  /** Per series (`endpoint/symbol`): its messages published or skipped so far. */
  readonly positions: Readonly<Record<string, number>>;
  readonly pid?: number;
  readonly restarts?: number;
}

export interface PublisherHandle {
  view(): PublisherView;
  apply(action: ControlAction): Promise<void>;
}

/** A publisher running in the hub's own process. */
export function localPublisher(publisher: ReplayPublisher): PublisherHandle {
  return {
    view: () => publisher.report(),
    async apply(action) {
      publisher.apply(action);
    },
  };
}

export interface ReplayControlState {
  readonly state: 'playing' | 'paused' | 'finished';
  readonly speed: number | 'max';
  /** Per exchange: replay time (ms, null before the first event), messages published, passes, paused. */
  readonly exchanges: Record<string, PublisherView>;
}

export class ReplayControl {
  constructor(private readonly publishers: ReadonlyMap<Exchange, PublisherHandle>) {}

  state(): ReplayControlState {
    const exchanges: ReplayControlState['exchanges'] = {};
    let running = false;
    let paused = true;
    let speed: number | 'max' = 1;
    for (const [exchange, p] of this.publishers) {
      const view = p.view();
      running ||= view.state !== 'finished';
      paused &&= view.paused;
      speed = view.speed;
      exchanges[exchange] = view;
    }
    return { state: !running ? 'finished' : paused ? 'paused' : 'playing', speed, exchanges };
  }

  /** Answers `req` when it is for the control API; false when the path is not its own. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path !== REPLAY_CONTROL_PATH) return false;
    if (req.method === 'GET' || req.method === 'HEAD') {
      sendJson(res, 200, this.state(), req.method === 'HEAD');
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      sendJson(res, 405, { error: `method ${req.method ?? '?'} is not allowed on ${path}; use GET or POST` });
      return true;
    }
    readBody(req).then(
      (text) => this.apply(text, res),
      (err: Error) => {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, { error: err.message });
      },
    );
    return true;
  }

  private apply(text: string, res: ServerResponse): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      sendJson(res, 400, { error: `body is not JSON: ${JSON.stringify(text.slice(0, 80))}; ${USAGE}` });
      return;
    }
    const action = actionSchema.safeParse(parsed);
    if (!action.success) {
      sendJson(res, 400, {
        error: `${JSON.stringify(parsed)?.slice(0, 120)} is not a control action; ${USAGE}`,
      });
      return;
    }
    const { exchange: only, ...a } = action.data;
    const targets = [...this.publishers].filter(([e]) => only === undefined || e === only);
    if (targets.length === 0) {
      sendJson(res, 404, {
        error: `no ${only} publisher in this replay; replaying ${[...this.publishers.keys()].join(', ')}`,
      });
      return;
    }
    Promise.all(targets.map(([, p]) => p.apply(a as ControlAction))).then(
      () => sendJson(res, 200, this.state()),
      (err: Error) => sendJson(res, 503, { error: err.message, state: this.state() }),
    );
  }
}

const USAGE =
  'send {"action":"pause"}, {"action":"resume"}, {"action":"seek","to":<unix ms>} or {"action":"speed","speed":N|"max"}, optionally with "exchange"';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Over the cap: answer now, and let the rest drain unread (the answer closes the connection).
      if (size > MAX_BODY_BYTES) reject(new Error(`control body over ${MAX_BODY_BYTES} bytes; ${USAGE}`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
