import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { VENUE_NAMES, venueFor } from '../exchanges/index.js';
import { benchIngestThroughput } from './ingest-throughput.js';

describe('benchIngestThroughput', () => {
  it.each(VENUE_NAMES)(
    '%s: normalized messages/s over frames captured from the hub, beside JSON.parse',
    async (name) => {
      const f = await benchIngestThroughput({
        venue: venueFor(name),
        minutes: 2,
        rounds: 1,
        logger: silentLogger(),
      });
      expect(f.unit).toBe('msg/s');
      expect(f.better).toBe('higher');
      for (const v of [f.value, f.baseline, f.ratio]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(f.details.frames).toBeGreaterThan(0);
      expect(f.details.messages).toBeGreaterThan(0);
      expect(f.details.framesPerSecond).toBeGreaterThan(0);
      expect(f.details.jsonParseFramesPerSecond).toBeGreaterThan(0);
      expect(f.details.avgFrameBytes).toBeGreaterThan(0);
      // A venue with a book rule is timed on synced books: updates were applied in the timed part.
      if (f.name.includes('book sync')) expect(f.details.bookUpdates).toBeGreaterThan(0);
      else expect(f.details.bookUpdates).toBe(0);
    },
    30_000,
  );
});
