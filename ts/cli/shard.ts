/**
 * Sharded runs of grid-shaped commands: `--shard k/N` (or `--shard auto` from SLURM array or
 * Kubernetes Indexed Job variables) evaluates cells k, k + N, … of the command's grid and writes
 * <out>/shard-k-of-N.json: the run's hash, k and N, the plan, and the cells' exact values
 * (ts/io/exact-json.ts). merge-shards puts the cells back in order and the command's own report
 * writer makes the report, so it is the single run's byte for byte (docs/CLUSTER.md).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stringifyExact } from '../io/exact-json.js';
import { allCells, cellsOfShard, type ShardIndex } from '../model/grid-cells.js';
import { UsageError, type FlagSpec } from './args.js';
import { ensureDir, writeTextAtomic } from './manifest.js';

/** The flags of every shardable command. */
export const SHARD_FLAGS = {
  shard: { kind: 'string', value: 'k/N|auto', help: 'evaluate only shard k of N (0-based) and write <out>/shard-k-of-N.json; `modeconn merge-shards <out>`\nmakes the report. auto: k and N from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX (docs/CLUSTER.md)' },
  shardCount: { kind: 'int', min: 1, value: 'N', help: 'with --shard auto: the number of shards N (else MODECONN_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT)' },
} as const satisfies Record<string, FlagSpec>;

/** What a part file holds (format 1). */
export interface ShardPart<Plan = unknown, Cell = unknown, Timing = unknown> {
  format: 'modeconn-shard';
  formatVersion: 1;
  /** The command that wrote it (merge-shards hands the cells to its report writer). */
  command: string;
  /** SHA-256 of the command, the cell count and the plan without its timestamps (see runHash). */
  run: string;
  shard: ShardIndex;
  /** Cells of the whole grid. */
  total: number;
  plan: Plan;
  /** What the command measured while evaluating this part (e.g. seconds). */
  timing: Timing;
  /** The cells this part holds, ascending, and their values in that order. */
  indices: number[];
  cells: Cell[];
}

/** A grid-shaped job: its plan (JSON-safe, the same in every shard), its cell count, and evaluation of any cells. */
export interface GridJob<Plan, Cell, Timing> {
  command: string;
  plan: Plan;
  count: number;
  evaluate(indices: readonly number[]): Promise<{ cells: Cell[]; timing: Timing }>;
}

const nonNegativeInt = (text: string | undefined): number | undefined => (text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

/**
 * The shard asked for: undefined without --shard; `k/N` as given; `auto` from the environment —
 * SLURM (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT) or a Kubernetes
 * Indexed Job (JOB_COMPLETION_INDEX), with N from --shard-count, MODECONN_SHARD_COUNT or SLURM.
 */
export function resolveShard(flag: string | undefined, shardCount: number | undefined, env: NodeJS.ProcessEnv = process.env): ShardIndex | undefined {
  if (flag === undefined) {
    if (shardCount !== undefined) throw new UsageError('--shard-count goes with --shard auto');
    return undefined;
  }
  let index: number | undefined;
  let count: number | undefined;
  if (flag === 'auto') {
    const slurm = nonNegativeInt(env.SLURM_ARRAY_TASK_ID);
    const k8s = nonNegativeInt(env.JOB_COMPLETION_INDEX);
    if (slurm !== undefined) index = slurm - (nonNegativeInt(env.SLURM_ARRAY_TASK_MIN) ?? 0);
    else if (k8s !== undefined) index = k8s;
    else throw new UsageError('--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; give --shard k/N');
    count = shardCount ?? nonNegativeInt(env.MODECONN_SHARD_COUNT) ?? (slurm !== undefined ? nonNegativeInt(env.SLURM_ARRAY_TASK_COUNT) : undefined);
    if (count === undefined) throw new UsageError('--shard auto: the number of shards is unknown; give --shard-count N or set MODECONN_SHARD_COUNT');
  } else {
    if (shardCount !== undefined) throw new UsageError('--shard-count goes with --shard auto (--shard k/N names N itself)');
    const match = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!match) throw new UsageError(`--shard needs k/N (0-based shard k of N) or auto, got ${JSON.stringify(flag)}`);
    [index, count] = [Number(match[1]), Number(match[2])];
  }
  if (count < 1 || index < 0 || index >= count) throw new UsageError(`--shard: shard ${index} of ${count} is out of range (0 ≤ k < N)`);
  return { index, count };
}

/** `argv` without --shard and --shard-count (and their values): what every shard of a run shares. */
export function withoutShardFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (token === '--shard' || token === '--shard-count') i++;
    else if (!token.startsWith('--shard=') && !token.startsWith('--shard-count=')) out.push(token);
  }
  return out;
}

/** The file name of shard k of N's part. */
export function partName(shard: ShardIndex): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/** Drops `startedAt` and `createdAt` keys at every depth: the only fields two shards of one run may differ in. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'startedAt' && k !== 'createdAt').map(([k, v]) => [k, withoutTimes(v)]));
}

/**
 * The run's identity: SHA-256 (hex) of the command, the cell count and the plan without timestamps.
 * The plan holds the command line without the shard flags, the library version and the manifest
 * (hashes of the models and data, the options), so a part of any other run hashes differently.
 */
export function runHash(command: string, total: number, plan: unknown): string {
  return createHash('sha256').update(stringifyExact({ command, total, plan: withoutTimes(plan) })).digest('hex');
}

/**
 * Runs `job`: without a shard, every cell (returned for the command's report writer); with one, its
 * cells only, written to <out>/shard-k-of-N.json (returns the file's path instead).
 */
export async function runGridJob<Plan, Cell, Timing>(job: GridJob<Plan, Cell, Timing>, shard: ShardIndex | undefined, out: string):
  Promise<{ cells: Cell[]; timing: Timing; part?: undefined } | { part: string }> {
  if (!shard) return job.evaluate(allCells(job.count));
  const indices = cellsOfShard(job.count, shard);
  const { cells, timing } = await job.evaluate(indices);
  const part: ShardPart<Plan, Cell, Timing> = {
    format: 'modeconn-shard', formatVersion: 1, command: job.command, run: runHash(job.command, job.count, job.plan),
    shard, total: job.count, plan: job.plan, timing, indices, cells,
  };
  ensureDir(out);
  const file = join(out, partName(shard));
  writeTextAtomic(file, `${stringifyExact(part)}\n`);
  return { part: file };
}

/** The line a shard prints instead of the report's summary. */
export function describePart(file: string, shard: ShardIndex, out: string): string {
  return `wrote shard ${shard.index} of ${shard.count}: ${file}\nwhen all ${shard.count} are done: modeconn merge-shards ${out}\n`;
}
