// The built CLI's sharded runs: a 2-D landscape and a path evaluation run as one process and as 4
// shard processes (the Hessian along a line as 2, a width sweep as 3) plus `merge-shards` into the same directory; report.json, the SVG and the PNG must
// be the same bytes (report.json up to its timestamps and timings, which differ between any two runs).
// Then the typed errors: a missing part, a duplicate part, a part of another run or of another split.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempRoot, trainTwoModels } from './run-cli.js';

const root = tempRoot('modeconn-shards-');
const model = trainTwoModels(root, 'mlp:784-16-10');
const SHARDS = 4;

/** report.json with the fields that differ between any two identical runs masked (start times, seconds). */
const masked = (text: string) => text
  .replace(/"(startedAt|createdAt)": "[^"]*"/g, '"$1": "…"')
  .replace(/"seconds": [-+0-9.e]+/g, '"seconds": 0');

const FILES = ['report.json', 'svg', 'png'];

/** The single run's files in `out` (moved to `out`-single), then the 4 shards and the merge into `out`. */
async function singleAndSharded(args: string[], out: string, figure: string): Promise<{ single: Record<string, Buffer>; merged: Record<string, Buffer>; mergeOut: string }> {
  const single = await runCli([...args, '--out', out]);
  expect(single.code, single.stderr).toBe(0);
  const aside = `${out}-single`;
  renameSync(out, aside);
  const shards = await Promise.all(Array.from({ length: SHARDS }, (_, k) => runCli([...args, '--out', out, '--shard', `${k}/${SHARDS}`])));
  for (const r of shards) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('merge-shards');
  }
  expect(readdirSync(out).sort()).toEqual(Array.from({ length: SHARDS }, (_, k) => `shard-${k}-of-${SHARDS}.json`));
  const merge = await runCli(['merge-shards', out]);
  expect(merge.code, merge.stderr).toBe(0);
  const read = (dir: string) => Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f === 'report.json' ? f : `${figure}.${f}`))]));
  return { single: read(aside), merged: read(out), mergeOut: merge.stdout };
}

describe('sharded runs', () => {
  const landscapeShards = join(root, 'land');
  const LANDSCAPE = () => ['landscape', model('a'), '--data', 'mnist', '--train-samples', '300', '--grid', '5', '--seed', '3', '-q'];

  it('a 2-D landscape in 4 processes plus merge-shards is the one-process run, byte for byte', async () => {
    const { single, merged, mergeOut } = await singleAndSharded(LANDSCAPE(), landscapeShards, 'landscape');
    expect(masked(merged['report.json'].toString())).toBe(masked(single['report.json'].toString()));
    expect(merged.svg.equals(single.svg)).toBe(true);
    expect(merged.png.equals(single.png)).toBe(true);
    const report = JSON.parse(merged['report.json'].toString());
    expect(report.surface.sets.test.loss.flat()).toHaveLength(25);
    // The recorded command is the run's, without the shard flag.
    expect(report.command).not.toContain('--shard');
    expect(mergeOut).toMatch(/set\s+where\s+loss\s+error/);
  }, 120_000);

  it('a path evaluation (with per-sample results and bootstrap) in 4 processes plus merge-shards is the one-process run', async () => {
    const args = ['path', model('a'), model('b'), '--data', 'mnist', '--points', '7', '--train-samples', '300', '--bootstrap', '20', '--per-sample', '-q'];
    const { single, merged } = await singleAndSharded(args, join(root, 'path'), 'paths');
    expect(masked(merged['report.json'].toString())).toBe(masked(single['report.json'].toString()));
    expect(merged.svg.equals(single.svg)).toBe(true);
    expect(merged.png.equals(single.png)).toBe(true);
    expect(JSON.parse(merged['report.json'].toString()).paths.line.sets.test.perSample.losses).toHaveLength(7);
  }, 120_000);

  it('the Hessian spectrum and the Hessian along the line in 2 processes plus merge-shards is the one-process run', async () => {
    const args = ['hessian', model('a'), model('b'), '--data', 'mnist', '--samples', '200', '--top-k', '2', '--steps', '8', '--probes', '4',
      '--density-runs', '1', '--density-steps', '8', '--points', '3', '--path-steps', '6', '--path-probes', '3', '-q'];
    const out = join(root, 'hessian');
    const single = await runCli([...args, '--out', out]);
    expect(single.code, single.stderr).toBe(0);
    renameSync(out, `${out}-single`);
    const shards = await Promise.all([0, 1].map((k) => runCli([...args, '--out', out, '--shard', `${k}/2`])));
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    const merge = await runCli(['merge-shards', out]);
    expect(merge.code, merge.stderr).toBe(0);
    const read = (dir: string, f: string) => readFileSync(join(dir, f));
    expect(masked(read(out, 'report.json').toString())).toBe(masked(read(`${out}-single`, 'report.json').toString()));
    for (const f of ['density.svg', 'path.svg', 'path.png']) expect(read(out, f).equals(read(`${out}-single`, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).along).toHaveLength(3);
  }, 120_000);

  it('a width sweep in 3 processes plus merge-shards is the one-process run', async () => {
    const args = ['widths', '--data', 'blobs:n=300,classes=3,dims=8', '--n', '100', '--widths', '4,16', '--sizes', '60', '--fixed-width', '8',
      '--steps', '30', '--draws', '1', '--probe-steps', '10', '--trials', '1', '--test-samples', '40', '-q'];
    const out = join(root, 'widths');
    const single = await runCli([...args, '--out', out]);
    expect(single.code, single.stderr).toBe(0);
    renameSync(out, `${out}-single`);
    const shards = await Promise.all([0, 1, 2].map((k) => runCli([...args, '--out', out, '--shard', `${k}/3`])));
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    const merge = await runCli(['merge-shards', out]);
    expect(merge.code, merge.stderr).toBe(0);
    const read = (dir: string, f: string) => readFileSync(join(dir, f));
    expect(masked(read(out, 'report.json').toString())).toBe(masked(read(`${out}-single`, 'report.json').toString()));
    for (const f of ['widths.svg', 'widths.png']) expect(read(out, f).equals(read(`${out}-single`, f)), f).toBe(true);
    expect(JSON.parse(read(out, 'report.json').toString()).rows).toHaveLength(3);
  }, 120_000);

  it('a missing part, a duplicate part, a part of another run or another split: typed errors', async () => {
    // Keep the landscape's parts aside, and copy them into a scratch directory for each case.
    const parts = Array.from({ length: SHARDS }, (_, k) => `shard-${k}-of-${SHARDS}.json`);
    const pristine = join(root, 'pristine');
    mkdirSync(pristine);
    for (const f of parts) copyFileSync(join(landscapeShards, f), join(pristine, f));
    const scratch = (name: string, files: string[]) => {
      const dir = join(root, name);
      mkdirSync(dir);
      for (const f of files) copyFileSync(join(pristine, f), join(dir, f));
      return dir;
    };
    /** Runs a shard of the landscape (same --out as the run, so only `changes` differ) and moves its part into `dir`. */
    const strayShard = async (dir: string, shard: string, changes: (args: string[]) => string[] = (a) => a) => {
      const r = await runCli([...changes(LANDSCAPE()), '--out', landscapeShards, '--shard', shard]);
      expect(r.code, r.stderr).toBe(0);
      const name = `shard-${shard.replace('/', '-of-')}.json`;
      renameSync(join(landscapeShards, name), join(dir, name));
    };
    const expectError = async (dir: string, code: string, ...mentions: string[]) => {
      const r = await runCli(['merge-shards', dir]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`[${code}]`);
      for (const m of mentions) expect(r.stderr).toContain(m);
    };

    await expectError(scratch('missing', parts.filter((_, k) => k !== 2)), 'SHARD_MISSING', 'shard 2 of 4');
    await expectError(scratch('empty', []), 'SHARD_MISSING');

    const duplicate = scratch('duplicate', parts);
    copyFileSync(join(duplicate, parts[1]), join(duplicate, parts[2]));
    await expectError(duplicate, 'SHARD_DUPLICATE', parts[1], parts[2]);

    // Shard 3 of a run with another seed (other directions): another run.
    const foreign = scratch('foreign', parts.slice(0, 3));
    await strayShard(foreign, `3/${SHARDS}`, (args) => args.map((a, i) => (args[i - 1] === '--seed' ? '4' : a)));
    await expectError(foreign, 'SHARD_MISMATCH', 'another run');

    // Shard 1 of 2 of the same run beside shards of 4: another split.
    const split = scratch('split', parts);
    await strayShard(split, '1/2');
    await expectError(split, 'SHARD_MISMATCH', 'of 2', 'of 4');

    // An edited part (a value changed without its run hash): refused as a damaged file.
    const edited = scratch('edited', parts);
    const file = join(edited, parts[0]);
    writeEdited(file);
    await expectError(edited, 'BAD_FILE', parts[0]);
  }, 120_000);

  it('--shard usage errors: malformed, out of range, auto without the environment', async () => {
    for (const [flag, env] of [['5/4', {}], ['1-4', {}], ['auto', {}]] as const) {
      const r = await runCli([...LANDSCAPE(), '--out', join(root, 'bad'), '--shard', flag], { ...env, SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--shard');
    }
  });
});

/** Changes the run's seed recorded in a part's plan, leaving its hash as it was. */
function writeEdited(file: string): void {
  const text = readFileSync(file, 'utf8');
  const edited = text.replace('"seed":3', '"seed":5');
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
}
