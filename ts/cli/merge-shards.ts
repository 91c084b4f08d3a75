/**
 * `modeconn merge-shards <dir>`: reads the parts a sharded run wrote into <dir>, checks that they make
 * one whole run, and hands the cells to the command's own report writer, so <dir>/report.json and
 * the figures are those of the single-machine run (docs/CLUSTER.md).
 */
import { ModeconnError } from '../errors.js';
import type { SweepRow } from '../conditions/width-sweep.js';
import type { SurfaceCell } from '../landscape/surface.js';
import type { PathCell } from '../paths/evaluate.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import type { HessianCell, HessianPlan } from './hessian.js';
import type { LandscapePlan } from './landscape.js';
import type { PathRunPlan } from './path-run.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { readShardParts, type MergedRun } from './shard-parts.js';
import type { WidthsPlan } from './widths.js';

export const spec = {
  name: 'merge-shards',
  summary: 'Assemble the report of a sharded run from the parts its shards wrote.',
  usage: 'modeconn merge-shards <dir>',
  description:
    'Reads <dir>/shard-k-of-N.json (written by `landscape`, `path`, `hessian` or `widths` with --shard k/N),\n' +
    'checks that every shard from 0 to N-1 is there exactly once and that all come from one run (the\n' +
    'same command, inputs and options: a manifest hash), then writes <dir>/report.json and the figures\n' +
    'exactly as the one-process run does. Missing, duplicate or foreign parts are errors\n' +
    '(SHARD_MISSING, SHARD_DUPLICATE, SHARD_MISMATCH). docs/CLUSTER.md has SLURM and Kubernetes recipes.',
  flags: {},
  examples: [
    'modeconn merge-shards runs/land-a',
  ],
} as const satisfies CommandSpec;

/** The report writer of each shardable command. */
const WRITERS: Record<string, (merged: MergedRun, out: string) => Promise<string>> = {
  hessian: async (merged, out) => (await import('./hessian.js')).writeHessianReport(merged.plan as HessianPlan, merged.cells as HessianCell[], merged.timings as number[], out),
  landscape: async (merged, out) => (await import('./landscape.js')).writeLandscapeReport(merged.plan as LandscapePlan, merged.cells as SurfaceCell[], merged.timings as number[], out),
  widths: async (merged, out) => (await import('./widths.js')).writeWidthsReport(merged.plan as WidthsPlan, merged.cells as SweepRow[], merged.timings as number[], out),
  path: async (merged, out) => {
    const { summary, report } = await (await import('./path-run.js')).writePathRunReport(merged.plan as PathRunPlan, merged.cells as PathCell[], merged.timings as number[][], out);
    const { formatPairs } = await import('./table.js');
    return `${summary}\n${formatPairs(Object.entries(report.files))}`;
  },
};

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  parseArgs(spec, flagArgs);
  const [dir] = expectPositionals(positionals, ['dir'], spec.usage);
  if (dir === '') throw new UsageError('give the directory the shards wrote to');
  const merged = readShardParts(dir);
  const write = WRITERS[merged.command];
  if (!write) throw new ModeconnError('BAD_FILE', `${dir}: the parts come from \`${merged.command}\`, which this version cannot merge`);
  process.stderr.write(`merging ${merged.count} shard${merged.count === 1 ? '' : 's'} of ${merged.command} (run ${merged.run.slice(0, 12)}, ${merged.cells.length} cells)\n`);
  process.stdout.write(await write(merged, dir));
  return 0;
}
