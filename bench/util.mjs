// Timing helpers shared by the benchmark files: medians over repetitions, after warm-up.
import { performance } from 'node:perf_hooks';

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median seconds of `fn()` over `reps` runs after `warmup` runs; stops early past `budget` s. */
export async function time(fn, { reps = 7, warmup = 1, budget = Infinity } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
    if ((performance.now() - start) / 1000 > budget && samples.length >= 3) break;
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), n: samples.length };
}

/** Formats a number with `digits` significant digits for tables. */
export function fmt(x, digits = 3) {
  if (x == null || Number.isNaN(x)) return '—';
  return Number(x).toPrecision(digits);
}

/** A markdown table from a header row and data rows. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
