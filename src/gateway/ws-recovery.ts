/**
 * Recovery on `/ws`: a SUBSCRIBE may carry the client's last position per stream,
 * `{"method":"SUBSCRIBE","params":["trade@BTC/USDT"],"id":1,"since":{"trade@BTC/USDT":{"offset":12,"epoch":"ab12cd34"}}}`.
 * The reply comes first and says per stream how it went,
 * `{"result":{"streams":{"trade@BTC/USDT":{"recovered":true,"replayed":28,"offset":40,"epoch":"ab12cd34"}}},"id":1}`,
 * then the missed messages (as ordinary data frames, in order), then live data. When the gap
 * cannot be filled the stream says `"recovered":false` with a `reason`, and the client gets the
 * latest state instead (the latest value of a stateful stream). Streams of the request without a
 * position join the same way with no entry in `streams`; a stream the connection already holds
 * is left as it is.
 */
import type { Bus, StreamPosition } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import type { FanoutClient, TopicFanout, TopicView } from './fanout.js';
import { HeldStream, prepareCatchUp, type CatchUp, type RecoveryOutcome } from './recovery.js';
import { parseStream } from './streams.js';

/** `since` keyed by canonical stream (alias kept), as subscriptions are. */
export function sinceByKey(since: Readonly<Record<string, StreamPosition>>): Map<string, StreamPosition> {
  const out = new Map<string, StreamPosition>();
  for (const name of Object.keys(since)) {
    const r = parseStream(name);
    if (r.ok) out.set(r.requested, since[name]);
  }
  return out;
}

export interface RecoveringStream<V extends TopicView> {
  readonly view: V;
  readonly topic: string;
  readonly since: StreamPosition | undefined;
  readonly stateful: boolean;
}

export interface RecoveryRun<C extends FanoutClient, V extends TopicView> {
  readonly bus: Bus;
  readonly fanout: TopicFanout<C>;
  readonly client: C;
  readonly streams: readonly RecoveringStream<V>[];
  readonly maxMessages: number;
  readonly logger: Logger;
  /** Whether the client still holds this subscription (it may have left or unsubscribed meanwhile). */
  readonly stillWanted: (view: V) => boolean;
  /** Send the SUBSCRIBE reply. */
  readonly reply: (result: { streams: Record<string, RecoveryOutcome> }) => void;
}

/**
 * Hold each stream's live messages, read what the client missed, then in one synchronous step:
 * reply, send each stream's catch-up and join it live. A history that cannot be read is
 * answered `recovered: false` (the latest state follows), never left hanging.
 */
export function startRecovery<C extends FanoutClient, V extends TopicView>(run: RecoveryRun<C, V>): void {
  const holds = run.streams.map((s) => {
    const held = new HeldStream(run.maxMessages);
    return { held, unwatch: run.fanout.watch(s.topic, held.handler) };
  });
  const preparing = run.streams.map((s, i) =>
    prepareCatchUp({
      bus: run.bus,
      topic: s.topic,
      since: s.since,
      maxMessages: run.maxMessages,
      stateful: s.stateful,
      held: holds[i].held,
    }).catch((err: unknown): CatchUp => {
      run.logger.warn(
        { err, topic: s.topic },
        'stream history unavailable; subscribing from the latest state',
      );
      return unavailable(run, s, holds[i].held, err);
    }),
  );
  void Promise.all(preparing).then((catchUps) => {
    try {
      finishRecovery(run, catchUps);
    } finally {
      for (let i = 0; i < holds.length; i++) holds[i].unwatch();
    }
  });
}

function finishRecovery<C extends FanoutClient, V extends TopicView>(
  run: RecoveryRun<C, V>,
  catchUps: readonly CatchUp[],
): void {
  const { fanout, client } = run;
  const streams: Record<string, RecoveryOutcome> = {};
  for (let i = 0; i < run.streams.length; i++) {
    const outcome = catchUps[i].outcome;
    if (outcome !== undefined) streams[run.streams[i].view.name] = outcome;
    fanout.flushTopic(run.streams[i].topic);
  }
  run.reply({ streams });
  for (let i = 0; i < run.streams.length; i++) {
    const s = run.streams[i];
    if (!run.stillWanted(s.view)) continue;
    const { messages } = catchUps[i].finish();
    fanout.sendBatch(client, s.view, messages);
    // Joined even when the catch-up was refused for the budget: the slow-consumer path closes it.
    if (run.stillWanted(s.view)) fanout.add(s.topic, client, s.view);
  }
}

/** The catch-up of a stream whose history could not be read: latest state, reason given. */
function unavailable<C extends FanoutClient, V extends TopicView>(
  run: RecoveryRun<C, V>,
  s: RecoveringStream<V>,
  held: HeldStream,
  err: unknown,
): CatchUp {
  const latest = s.stateful ? run.bus.getLatest(s.topic) : undefined;
  const at = latest?.position ?? s.since ?? { offset: 0, epoch: '' };
  const detail = err instanceof Error ? err.message : String(err);
  return {
    outcome:
      s.since === undefined
        ? undefined
        : {
            recovered: false,
            replayed: 0,
            offset: at.offset,
            epoch: at.epoch,
            reason: `history unavailable (${detail}); start from the latest state`,
          },
    finish() {
      const messages = latest === undefined ? [] : [latest];
      const after = latest?.position.offset ?? 0;
      for (const m of held.messages) {
        if (latest === undefined || m.position.epoch !== latest.position.epoch || m.position.offset > after) {
          messages.push(m);
        }
      }
      const last = messages.length === 0 ? at : messages[messages.length - 1].position;
      return { messages, position: last };
    },
  };
}
