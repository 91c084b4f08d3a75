// Positionals beside flags: a valued flag takes the next token, booleans do not, `--` ends flags.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../ts/cli/args.js';
import { spec as pathSpec } from '../../ts/cli/path.js';
import { expectPositionals, splitPositionals } from '../../ts/cli/positionals.js';
import { describeArch, summaryTable, trainSubset } from '../../ts/cli/path-run.js';
import { createDataSet } from '../../ts/data/dataset.js';

describe('splitPositionals', () => {
  it('separates model files from flags and their values', () => {
    const { positionals, flags } = splitPositionals(pathSpec, ['a.st', '--data', 'mnist', 'b.st', '--per-sample', '--points=5', '-q', '--', '-odd']);
    expect(positionals).toEqual(['a.st', 'b.st', '-odd']);
    expect(flags).toEqual(['--data', 'mnist', '--per-sample', '--points=5', '-q']);
  });

  it('names the missing positionals', () => {
    expect(() => expectPositionals(['a'], ['A', 'B'], 'u')).toThrow(new UsageError('missing B; usage: u'));
    expect(() => expectPositionals(['a', 'b', 'c'], ['A', 'B'], 'u')).toThrow(/unexpected argument "c"/);
  });
});

describe('path-run helpers', () => {
  it('takes evenly spaced training samples', () => {
    const data = createDataSet({ name: 'd', x: Float32Array.from({ length: 10 }, (_, i) => i), y: new Uint32Array(10), shape: [1], classes: 1 });
    const sub = trainSubset(data, 4);
    expect(Array.from(sub.x)).toEqual([0, 2, 5, 7]);
    expect(sub.name).toBe('d[4 of 10]');
    expect(trainSubset(data, 20)).toBe(data);
  });

  it('labels archs and tabulates metrics', () => {
    expect(describeArch({ input: [784], classes: 10, layers: [{ type: 'dense', out: 64 }, { type: 'relu' }, { type: 'dense', out: 10 }] })).toBe('784-64-10');
    const m = { endpoints: [0.2, 0.3], barrier: 0.5, barrierT: 0.5, barrierMaxMinusMean: 0.45, midpointDeficit: 0.5, min: 0.2, max: 0.75, mean: 0.4, lengthWeightedMean: 0.41 };
    const table = summaryTable({ paths: { line: { label: 'line', sets: { test: { metrics: { loss: m, error: m } } } } } } as never);
    expect(table).toMatch(/^line\s+test\s+loss\s+0.2000\s+0.3000\s+0.5000\s+-\s+0.4500/m);
    expect(table).toMatch(/^line\s+test\s+error\s+20.00%\s+30.00%\s+50.00%/m);
  });
});
