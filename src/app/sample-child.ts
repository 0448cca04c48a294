/**
 * A worker process generating samples (forked by sample-data.ts): it takes one symbol of one
 * venue at a time over IPC, answers with the files written, and exits when the parent lets go.
 * The symbols' samples are independent, so a pool of these keeps every core busy on a first start.
 */
import type { Exchange } from '../core/types.js';
import { generateSample } from './sample-data.js';

interface Job {
  readonly root: string;
  readonly exchange: Exchange;
  readonly symbol: string;
}

process.on('message', (job: Job) => {
  generateSample(job.root, job.exchange, [job.symbol]).then(
    (summary) => process.send?.({ ok: true, files: summary.files.length }),
    (err: unknown) => process.send?.({ ok: false, error: (err as Error).message }),
  );
});
