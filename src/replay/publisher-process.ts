/**
 * One exchange's publisher as its own process (forked by the supervisor, see supervisor.ts): reads
 * that exchange's recordings, paces them and sends them to the hub over the link, keeping
 * offsets. Settings come as JSON in the `TICKSTREAM_PUBLISHER` environment variable.
 *
 * Exit codes: 0 after a graceful stop or when the recordings ended (no `--loop`); 3 when the link
 * gave up on the hub (retry limit); 1 on a failure. The supervisor restarts it on anything but 0.
 */
import { z } from 'zod';
import { speedSchema } from '../config/schema.js';
import { LOG_FORMATS, createLogger, type Logger } from '../core/logger.js';
import { liveHeapBytes } from '../core/live-heap.js';
import { EXCHANGES } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { OverflowPolicy } from './link/bounded-buffer.js';
import { OVERFLOW_POLICIES } from './link/bounded-buffer.js';
import { LinkSender } from './link/link-sender.js';
import type { PublisherState } from './link/link-wire.js';
import { ReadAheadSource } from './link/read-ahead.js';
import { ReplayPublisher } from './publisher.js';
import { SeriesPositions } from './series-positions.js';
import { openCachedSource } from './timeline-cache.js';

export const PUBLISHER_ENV = 'TICKSTREAM_PUBLISHER';
export const EXIT_GAVE_UP = 3;

const limits = z.object({ maxMessages: z.number().int().min(1), maxBytes: z.number().int().min(1) });
const startFrom = z.union([z.literal('beginning'), z.literal('latest'), z.number().int()]);

export const publisherSettingsSchema = z.object({
  exchange: z.enum(EXCHANGES),
  dataDir: z.string(),
  /** Offsets directory; absent keeps none. */
  stateDir: z.string().optional(),
  /** `ws://host:port/_link/<exchange>?token=…` */
  linkUrl: z.string(),
  speed: speedSchema,
  loop: z.boolean(),
  paused: z.boolean(),
  startFrom,
  reset: z.boolean(),
  fallback: startFrom.optional(),
  checkpointEvery: z.number().int().min(1),
  checkpointMs: z.number().int().min(1),
  policy: z.enum(OVERFLOW_POLICIES),
  transformBuffer: limits,
  sendBuffer: limits,
  reconnectBuffer: limits,
  backoffMs: z.number().int().min(1),
  maxBackoffMs: z.number().int().min(1),
  maxRetries: z.number().int().min(0).optional(),
  rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().int().min(1) }).optional(),
  /** How often the publisher reports to the hub, and logs its figures, ms. */
  statusMs: z.number().int().min(100),
  logEveryMs: z.number().int().min(100),
  /** Serve the first pass from the compiled timeline cache (timeline-cache.ts); default true. */
  timelineCache: z.boolean().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  logFormat: z.enum(LOG_FORMATS).optional(),
});
export type PublisherSettings = z.infer<typeof publisherSettingsSchema>;

/** Runs the publisher until stopped; resolves with the exit code. */
export async function runPublisherProcess(settings: PublisherSettings, logger: Logger): Promise<number> {
  const venue = venueFor(settings.exchange);
  const log = logger.child({ component: 'publisher', exchange: settings.exchange, pid: process.pid });
  const venueSource = () => venue.openSource(settings.dataDir, log);
  const open = async () =>
    new ReadAheadSource(
      settings.timelineCache === false
        ? await venueSource()
        : await openCachedSource({
            root: settings.dataDir,
            exchange: settings.exchange,
            open: venueSource,
            logger: log,
            compile: settings.speed === 'max',
          }),
      settings.transformBuffer,
    );
  const source = await open();
  if (source.symbols.length === 0) {
    log.error(
      { dataDir: settings.dataDir },
      `no ${venue.title} recordings under ${settings.dataDir}/${settings.exchange}`,
    );
    return 1;
  }
  const abort = new AbortController();
  let code = 0;
  const publisher = new ReplayPublisher({
    source,
    exchange: settings.exchange,
    reopen: open,
    speed: settings.speed,
    loop: settings.loop,
    paused: settings.paused,
    logger: log,
    checkpointEvery: settings.checkpointEvery,
    checkpointMs: settings.checkpointMs,
    rateLimit: settings.rateLimit,
    positions: (from, reset) =>
      new SeriesPositions({
        platform: settings.exchange,
        stateDir: settings.stateDir,
        startFrom: from ?? settings.startFrom,
        reset: reset || settings.reset,
        fallback: settings.fallback,
        everyMs: settings.checkpointMs,
        logger: log,
      }),
  });
  const link = new LinkSender({
    url: settings.linkUrl,
    exchange: settings.exchange,
    symbols: source.symbols,
    logger: log,
    policy: settings.policy as OverflowPolicy,
    sendBuffer: settings.sendBuffer,
    reconnectBuffer: settings.reconnectBuffer,
    backoffMs: settings.backoffMs,
    maxBackoffMs: settings.maxBackoffMs,
    maxRetries: settings.maxRetries,
    onControl: async (action) => {
      publisher.apply(action);
      report();
    },
    onGiveUp: () => {
      code = EXIT_GAVE_UP;
      abort.abort();
    },
  });
  liveHeapBytes(); // watch full collections from the start, for the status reports
  const figures = new ProcessFigures();
  let lastLog = Date.now();
  const report = (): void => {
    const state = stateOf(settings, publisher, link, source, figures.sample(publisher.stats().published));
    link.status(state);
    if (Date.now() - lastLog >= settings.logEveryMs) {
      lastLog = Date.now();
      log.info(
        {
          rssMb: Math.round(state.rssBytes / 1e5) / 10,
          cpuPercent: state.cpuPercent,
          messagesPerSecond: state.messagesPerSecond,
          published: state.published,
        },
        'publisher figures',
      );
    }
  };
  const statusTimer = setInterval(report, settings.statusMs);
  const stop = (): void => {
    abort.abort();
    // The run saves its offsets once the hub acked what it sent; a hub that never does cannot hold the stop.
    setTimeout(() => void link.close(), 5000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('message', (m) => {
    if (m === 'stop') stop();
  });
  link.start();
  // Know whether the hub holds this exchange's books before the first event goes.
  await Promise.race([
    link.welcomed,
    new Promise((resolve) => abort.signal.addEventListener('abort', resolve)),
  ]);
  try {
    await publisher.run(link, abort.signal);
  } catch (err) {
    log.error({ err }, 'publisher failed');
    code = 1;
  } finally {
    clearInterval(statusTimer);
    report();
    await link.close();
  }
  log.info({ code, ...publisher.stats() }, abort.signal.aborted ? 'publisher stopped' : 'publisher finished');
  return code;
}

function stateOf(
  settings: PublisherSettings,
  publisher: ReplayPublisher,
  link: LinkSender,
  source: ReadAheadSource,
  figures: Figures,
): PublisherState {
  const { paused: _paused, ...run } = publisher.report();
  return {
    exchange: settings.exchange,
    pid: process.pid,
    ...run,
    skipped: publisher.stats().skipped,
    ...figures,
    drops: link.drops(),
    buffers: { ...link.buffers(), transform: source.fill() },
  };
}

type Figures = Pick<PublisherState, 'rssBytes' | 'heapLiveBytes' | 'cpuPercent' | 'messagesPerSecond'>;

/** Memory, CPU and message rate since the previous sample. */
class ProcessFigures {
  private cpu = process.cpuUsage();
  private at = performance.now();
  private published = 0;

  sample(published: number): Figures {
    const now = performance.now();
    const wall = Math.max(1, now - this.at);
    const cpu = process.cpuUsage(this.cpu);
    const out = {
      rssBytes: process.memoryUsage.rss(),
      heapLiveBytes: liveHeapBytes(),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      messagesPerSecond: Math.round(((published - this.published) * 1000) / wall),
    };
    this.cpu = process.cpuUsage();
    this.at = now;
    this.published = published;
    return out;
  }
}

/** The child's entry: settings from the environment, exit with the run's code. */
export async function publisherMain(): Promise<void> {
  const raw = process.env[PUBLISHER_ENV];
  const parsed = publisherSettingsSchema.safeParse(raw === undefined ? undefined : JSON.parse(raw));
  if (!parsed.success) {
    process.stderr.write(`publisher: bad ${PUBLISHER_ENV}: ${parsed.error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(parsed.data.logLevel, parsed.data.logFormat);
  const code = await runPublisherProcess(parsed.data, logger);
  logger.flush();
  process.exit(code);
}
