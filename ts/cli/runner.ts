/** The runner a command's `--workers n` flag asks for: a pool of n worker threads, or this thread when n is 0. */
import type { Runner } from '../model/runner.js';
import { createPool } from '../workers/pool.js';

/** Runs `body` with the runner for `workers` (undefined = this thread) and closes a pool afterwards, whatever happens. */
export async function withRunner<T>(workers: number, body: (runner: Runner | undefined) => Promise<T>): Promise<T> {
  const pool = workers > 0 ? await createPool({ workers }) : undefined;
  try {
    return await body(pool);
  } finally {
    await pool?.close();
  }
}
