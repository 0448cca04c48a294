export interface BenchFigure {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  /** value / baseline: above 1 is better than plain ws for throughput; below 1 for latency and memory. */
  ratio: number;
  /** Which direction of `value` (and so of `ratio`) is better. */
  better: 'higher' | 'lower';
  details: Record<string, number | string>;
}

export function figure(
  name: string,
  unit: string,
  value: number,
  baseline: number,
  details: Record<string, number | string>,
  better: 'higher' | 'lower' = 'higher',
): BenchFigure {
  return { name, unit, value, baseline, ratio: baseline > 0 ? value / baseline : NaN, better, details };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** JSON lines first (machine-readable), then a short table. */
export function printReport(figures: readonly BenchFigure[], write: (s: string) => void): void {
  for (const f of figures) write(JSON.stringify(f) + '\n');
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    `${fmt(f.baseline)} ${f.unit}`,
    f.ratio.toFixed(2),
    `${f.better} is better`,
  ]);
  const header = ['benchmark', 'tickstream', 'baseline (same run)', 'ratio', 'ratio direction'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ') + '\n';
  write('\n' + line(header) + line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) write(line(r));
}
