/**
 * The runner a command's `--workers n` flag asks for (a pool of n worker threads, or this thread when n
 * is 0), and the data-parallel flags of the commands that optimise (--workers, --shards, --bn-statistics).
 */
import type { Runner } from '../model/runner.js';
import { createPool } from '../workers/pool.js';
import type { FlagSpec } from './args.js';

/**
 * --workers, --shards and --bn-statistics for a command that runs `job` data-parallel; `shardsDefault`
 * says what --shards defaults to (see `shardCount`).
 */
export function parallelFlags(job: string, shardsDefault: 'workers' | 'one') {
  return {
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: `${job} data-parallel on a pool of n worker threads (0 = this thread)` },
    shards: {
      kind: 'int', min: 1, value: 's',
      help: `shards per batch: each a gradient over its own samples and dropout stream, blended in order (default: ${shardsDefault === 'workers' ? '--workers, or 1' : '1'}). ` +
        'The result depends on --shards, never on --workers',
    },
    bnStatistics: {
      kind: 'string', default: 'batch', choices: ['batch', 'shard'], value: 'batch|shard',
      help: 'BatchNorm with --shards > 1: shard = each shard normalised by its own statistics (ghost BatchNorm); batch refuses',
    },
  } as const satisfies Record<string, FlagSpec>;
}

/** The shards a command runs: --shards, else --workers (at least 1) or 1, as `parallelFlags` documented. */
export function shardCount(flags: { shards?: number; workers: number }, shardsDefault: 'workers' | 'one'): number {
  return flags.shards ?? (shardsDefault === 'workers' ? Math.max(1, flags.workers) : 1);
}

/** Runs `body` with the runner for `workers` (undefined = this thread) and closes a pool afterwards, whatever happens. */
export async function withRunner<T>(workers: number, body: (runner: Runner | undefined) => Promise<T>): Promise<T> {
  const pool = workers > 0 ? await createPool({ workers }) : undefined;
  try {
    return await body(pool);
  } finally {
    await pool?.close();
  }
}
