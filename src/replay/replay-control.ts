/**
 * `GET` / `POST /control/replay` on the hub (DESIGN.md "Replay processes"): the replay's state,
 * and pause, resume and speed for every publisher at once. Bad input gets a 400 naming what was
 * wrong and what is accepted; nothing here can stop the hub.
 *
 * `{"action":"seek"}` is refused with 501 for now: a seek needs the publishers to restart their
 * sources from a time and send consumers fresh snapshots, which comes with the publisher
 * processes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Exchange } from '../core/types.js';
import { sendJson } from './http.js';
import type { ReplayPublisher } from './publisher.js';

export const REPLAY_CONTROL_PATH = '/control/replay';
/** Control bodies are a few dozen bytes; anything near this is not one. */
const MAX_BODY_BYTES = 4096;

const speedSchema = z.union([z.literal('max'), z.number().positive().finite()]);
const actionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pause') }).strict(),
  z.object({ action: z.literal('resume') }).strict(),
  z.object({ action: z.literal('speed'), speed: speedSchema }).strict(),
  z.object({ action: z.literal('seek'), to: z.number() }).strict(),
]);

export interface ReplayControlState {
  readonly state: 'playing' | 'paused' | 'finished';
  readonly speed: number | 'max';
  /** Per exchange: replay time (ms, null before the first event), messages published, passes, paused. */
  readonly exchanges: Record<
    string,
    { replayTime: number | null; published: number; passes: number; paused: boolean }
  >;
}

export class ReplayControl {
  constructor(private readonly publishers: ReadonlyMap<Exchange, ReplayPublisher>) {}

  state(): ReplayControlState {
    const exchanges: ReplayControlState['exchanges'] = {};
    let running = false;
    let paused = true;
    let speed: number | 'max' = 1;
    for (const [exchange, p] of this.publishers) {
      const s = p.stats();
      running ||= s.running;
      paused &&= s.paused;
      speed = p.speed;
      exchanges[exchange] = {
        replayTime: Number.isNaN(s.replayTime) ? null : s.replayTime,
        published: s.published,
        passes: s.passes,
        paused: s.paused,
      };
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
    const a = action.data;
    if (a.action === 'seek') {
      sendJson(res, 501, {
        error: 'seek is not available yet in this build; use pause, resume or speed',
      });
      return;
    }
    for (const p of this.publishers.values()) {
      if (a.action === 'pause') p.pause();
      else if (a.action === 'resume') p.resume();
      else p.setSpeed(a.speed);
    }
    sendJson(res, 200, this.state());
  }
}

const USAGE = 'send {"action":"pause"}, {"action":"resume"} or {"action":"speed","speed":N|"max"}';

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
