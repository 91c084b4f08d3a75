/**
 * Timing helpers of the benchmark: medians of repeated runs, round-robin over competitors so a
 * shared machine's noise falls on all of them alike, and GFLOP/s = FLOPs / median seconds.
 */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Seconds `fn` takes (one call). */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/**
 * Runs every competitor once as a warm-up, then `reps` rounds of each in turn; returns the median
 * seconds per competitor (by key).
 */
export async function timeRounds(competitors: Record<string, () => unknown>, reps: number, onRound?: (round: number) => void): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const [key, fn] of Object.entries(competitors)) {
    await fn();
    samples[key] = [];
  }
  for (let r = 0; r < reps; r++) {
    for (const [key, fn] of Object.entries(competitors)) samples[key].push(await timeOnce(fn));
    onRound?.(r + 1);
  }
  return Object.fromEntries(Object.entries(samples).map(([key, s]) => [key, median(s)]));
}

/** A value or the reason it is missing, for table cells. */
export type Measured<T> = { value: T } | { reason: string };
