// Which shard a process is (ts/cli/shard.ts): --shard k/N, --shard auto from SLURM array and
// Kubernetes Indexed Job variables, usage errors; the argv every shard shares; and the cell split
// (ts/model/grid-cells.ts): N shards cover every cell exactly once, in ascending order (fixed-seed property).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../ts/cli/args.js';
import { resolveShard, runHash, withoutShardFlags } from '../../ts/cli/shard.js';
import { allCells, cellsOfShard } from '../../ts/model/grid-cells.js';

describe('resolveShard', () => {
  it('k/N as given; nothing without --shard', () => {
    expect(resolveShard('2/5', undefined, {})).toEqual({ index: 2, count: 5 });
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '3' })).toBeUndefined();
  });

  it('auto: SLURM task id minus the array minimum, of the task count (or --shard-count)', () => {
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    expect(resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    expect(resolveShard('auto', 8, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 7, count: 8 });
  });

  it('auto: the Kubernetes completion index, with N from --shard-count or MODECONN_SHARD_COUNT', () => {
    expect(resolveShard('auto', 6, { JOB_COMPLETION_INDEX: '5' })).toEqual({ index: 5, count: 6 });
    expect(resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '0', MODECONN_SHARD_COUNT: '3' })).toEqual({ index: 0, count: 3 });
  });

  it('usage errors: malformed, out of range, no environment, no count, a count without auto', () => {
    const cases: Array<[string | undefined, number | undefined, NodeJS.ProcessEnv, RegExp]> = [
      ['1-4', undefined, {}, /k\/N/],
      ['4/4', undefined, {}, /out of range/],
      ['0/0', undefined, {}, /out of range/],
      ['auto', undefined, {}, /SLURM_ARRAY_TASK_ID/],
      ['auto', undefined, { JOB_COMPLETION_INDEX: '1' }, /--shard-count/],
      ['auto', 2, { JOB_COMPLETION_INDEX: '2' }, /out of range/],
      ['1/4', 4, {}, /--shard-count/],
      [undefined, 4, {}, /--shard-count/],
    ];
    for (const [flag, count, env, message] of cases) expect(() => resolveShard(flag, count, env)).toThrow(message);
    expect(() => resolveShard('x', undefined, {})).toThrow(UsageError);
  });
});

describe('the run every shard shares', () => {
  it('argv without --shard and --shard-count in both spellings; positionals after -- untouched', () => {
    expect(withoutShardFlags(['a', '--shard', '1/4', '--grid', '5', '--shard-count=4', '--shard=auto', '--', '--shard'])).toEqual(['a', '--grid', '5', '--', '--shard']);
  });

  it('the run hash ignores start times but nothing else', () => {
    const plan = { info: { startedAt: 'x', command: ['a'] }, manifest: { createdAt: 'y', params: ['00'] } };
    const same = { info: { startedAt: 'z', command: ['a'] }, manifest: { createdAt: 'w', params: ['00'] } };
    const other = { info: { startedAt: 'x', command: ['a'] }, manifest: { createdAt: 'y', params: ['01'] } };
    expect(runHash('landscape', 9, plan)).toBe(runHash('landscape', 9, same));
    expect(runHash('landscape', 9, plan)).not.toBe(runHash('landscape', 9, other));
    expect(runHash('landscape', 9, plan)).not.toBe(runHash('landscape', 10, plan));
    expect(runHash('landscape', 9, plan)).not.toBe(runHash('path', 9, plan));
  });
});

describe('cellsOfShard', () => {
  it('N shards partition the cells: each exactly once, ascending, sizes within one (fixed-seed property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 20 }), (total, count) => {
      const shards = Array.from({ length: count }, (_, index) => cellsOfShard(total, { index, count }));
      expect(shards.flat().sort((a, b) => a - b)).toEqual(allCells(total));
      for (const s of shards) expect([...s].sort((a, b) => a - b)).toEqual(s);
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }), { seed: 18, numRuns: 200 });
  });

  it('refuses a shard outside 0 ≤ k < N', () => {
    expect(() => cellsOfShard(10, { index: 3, count: 3 })).toThrow(/0 ≤ k < N/);
  });
});
