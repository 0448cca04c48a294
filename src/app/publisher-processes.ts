/**
 * The shipped replay layout: the hub in this process takes each exchange's publisher over a link
 * (LinkReceiver), and a supervisor forks and restarts the publisher processes.
 */
import { randomBytes } from 'node:crypto';
import { configSchema, type Config } from '../config/schema.js';
import type { Exchange } from '../core/types.js';
import type { ReplayHub } from '../replay/hub.js';
import type { HubObserver } from '../replay/hub-observer.js';
import { LinkReceiver } from '../replay/link/link-receiver.js';
import { LINK_PATH_PREFIX } from '../replay/link/link-wire.js';
import type { PublisherSettings } from '../replay/publisher-process.js';
import type { PublisherHandle, PublisherView } from '../replay/replay-control.js';
import { Supervisor } from '../replay/supervisor.js';
import type { ReplayStackOptions } from './replay-stack.js';

export interface ProcessLayout {
  readonly supervisor: Supervisor;
  readonly receiver: LinkReceiver;
  readonly handles: ReadonlyMap<Exchange, PublisherHandle>;
  /** Settles when every publisher finished cleanly (never with `--loop`). */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessLayoutOptions {
  readonly hub: ReplayHub;
  readonly port: number;
  readonly opts: ReplayStackOptions;
  readonly exchanges: readonly Exchange[];
  readonly observer?: HubObserver;
  /** Overrides of the child settings (tests: short backoffs, small buffers). */
  readonly tune?: Partial<Omit<PublisherSettings, 'exchange'>>;
}

/** The address a child reaches the hub at: loopback when the hub listens on every interface. */
function linkHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export function publisherSettings(
  exchange: Exchange,
  config: Config,
  opts: ReplayStackOptions,
  linkUrl: string,
): PublisherSettings {
  return {
    exchange,
    dataDir: opts.root,
    stateDir: opts.stateDir,
    linkUrl,
    speed: opts.speed,
    loop: opts.loop,
    paused: opts.paused === true,
    startFrom: opts.startFrom ?? config.startFrom,
    reset: opts.reset ?? config.reset,
    fallback: config.offsetFallback,
    checkpointEvery: config.checkpointEvery,
    checkpointMs: config.checkpointMs,
    policy: config.overflowPolicy,
    transformBuffer: { maxMessages: config.transformBufferMessages, maxBytes: config.transformBufferBytes },
    sendBuffer: { maxMessages: config.sendBufferMessages, maxBytes: config.sendBufferBytes },
    reconnectBuffer: { maxMessages: config.reconnectBufferMessages, maxBytes: config.reconnectBufferBytes },
    backoffMs: config.linkBackoffMs,
    maxBackoffMs: config.linkMaxBackoffMs,
    maxRetries: config.linkRetries,
    rateLimit: config.rateLimit,
    statusMs: 1000,
    logEveryMs: 10_000,
    logLevel: config.logLevel,
    logFormat: config.logFormat,
  };
}

export async function startPublisherProcesses(o: ProcessLayoutOptions): Promise<ProcessLayout> {
  const { hub, opts } = o;
  const logger = opts.logger;
  const config = opts.config ?? configSchema.parse({});
  const token = randomBytes(16).toString('hex');
  const base = `ws://${linkHost(opts.host)}:${o.port}${LINK_PATH_PREFIX}`;
  const supervisor = new Supervisor({
    logger: logger.child({ component: 'supervisor' }),
    restartDelayMs: config.publisherRestartMs,
    maxRestartDelayMs: config.publisherMaxRestartMs,
    publishers: o.exchanges.map((exchange) => ({
      ...publisherSettings(exchange, config, opts, `${base}${exchange}?token=${token}`),
      ...o.tune,
    })),
  });
  const receiver = new LinkReceiver({
    sink: hub,
    logger: logger.child({ component: 'links' }),
    observer: o.observer,
    token,
    restarts: (exchange) => supervisor.restartsOf(exchange),
    hasState: (exchange) =>
      (hub.venues.find((v) => v.exchange === exchange)?.stats().replayTime ?? null) !== null,
  });
  hub.setUpgradeHandler((req, socket, head, path, query) =>
    receiver.handleUpgrade(req, socket, head, path, query),
  );
  let settle: () => void = () => {};
  const finished = new Promise<void>((resolve) => (settle = resolve));
  let stopping = false;
  supervisor.onExit((exchange, code) => {
    if (code === 0 && !stopping) logger.info({ exchange }, 'replay finished');
    if (supervisor.allFinished) settle();
  });
  supervisor.start();
  // "Running" means replaying: wait for every publisher's link (a slow start is logged, not fatal).
  const late = await receiver.whenConnected(o.exchanges, 30_000);
  if (late.length > 0)
    logger.warn(
      { exchanges: late },
      'publishers not connected after 30 s; the replay goes on without them until they are',
    );
  const handles = new Map<Exchange, PublisherHandle>();
  for (const exchange of o.exchanges)
    handles.set(exchange, remoteHandle(exchange, receiver, supervisor, opts));
  return {
    supervisor,
    receiver,
    handles,
    finished,
    async stop() {
      stopping = true;
      await supervisor.stop();
      await receiver.close();
      settle();
    },
  };
}

function remoteHandle(
  exchange: Exchange,
  receiver: LinkReceiver,
  supervisor: Supervisor,
  opts: ReplayStackOptions,
): PublisherHandle {
  return {
    view(): PublisherView {
      const info = supervisor.info().find((i) => i.exchange === exchange);
      const s = receiver.states().get(exchange);
      const restarting = info !== undefined && !info.running && !info.finished;
      return {
        state:
          info?.finished === true
            ? 'finished'
            : restarting
              ? 'restarting'
              : s?.state === 'paused'
                ? 'paused'
                : s?.state === 'finished'
                  ? 'finished'
                  : 'playing',
        speed: s?.speed ?? opts.speed,
        replayTime: s?.replayTime ?? null,
        published: s?.published ?? 0,
        passes: s?.passes ?? 0,
        paused: s?.state === 'paused' || (s === undefined && opts.paused === true),
        seeks: s?.seeks ?? 0,
        positions: s?.positions ?? {},
        pid: info?.pid,
        restarts: info?.restarts ?? 0,
      };
    },
    async apply(action) {
      const info = supervisor.info().find((i) => i.exchange === exchange);
      // A publisher that finished has nothing to control; one restarting takes pause and speed
      // when it starts again (below), a seek only once it runs.
      if (info?.finished === true) return;
      if (info?.running === true || action.action === 'seek') await receiver.control(exchange, action);
      if (action.action === 'pause' || action.action === 'resume')
        supervisor.update(exchange, { paused: action.action === 'pause' });
      else if (action.action === 'speed') supervisor.update(exchange, { speed: action.speed });
    },
  };
}
