/**
 * The JS heap still in use right after the latest full (mark-sweep) collection: what the process
 * really holds. The heap in use at any other moment rises and falls with garbage not yet
 * collected, so its trend over minutes says little; this figure's trend is the leak indicator.
 * One GC observer per process, started by the first caller.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Gauge, type Registry } from 'prom-client';

let observer: PerformanceObserver | undefined;
let afterFullGc: number | undefined;

function watch(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Node's gc entries carry `{ kind, flags }` in `detail`; the DOM type of the entry does not say so.
      const detail: unknown = Reflect.get(entry, 'detail');
      const kind = typeof detail === 'object' && detail !== null ? Reflect.get(detail, 'kind') : undefined;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) afterFullGc = getHeapStatistics().used_heap_size;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** Bytes in use after the latest full collection since watching began; undefined before one. */
export function liveHeapBytes(): number | undefined {
  watch();
  return afterFullGc;
}

/** `tickstream_heap_live_bytes` on `registry`, watching collections from now on. */
export function registerLiveHeapGauge(registry: Registry): void {
  liveHeapBytes();
  new Gauge({
    name: 'tickstream_heap_live_bytes',
    help: 'JS heap in use right after the latest full collection (0 before the first): its trend shows a leak.',
    registers: [registry],
    collect() {
      const live = liveHeapBytes();
      if (live !== undefined) this.set(live);
    },
  });
}
