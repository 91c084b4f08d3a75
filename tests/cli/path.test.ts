// The built CLI's path and curve commands on the bundled MNIST digits at small scale: two MLPs
// trained for one epoch with `modeconn train`, the line (`path`), a fitted curve (`curve`), and the
// saved curve read back by `path --curve`; report fields, files and usage errors; the curve fitted
// in a pool's workers.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCurve } from '../../ts/paths/curve-files.js';
import { readJson, runCli, tempRoot, trainTwoModels } from './run-cli.js';

const root = tempRoot('modeconn-path-');
const model = trainTwoModels(root, 'mlp:784-16-10');
const PNG = [137, 80, 78, 71, 13, 10, 26, 10];
const SMALL = ['--data', 'mnist', '--points', '5', '--train-samples', '400', '--bootstrap', '20', '-q'];

describe('modeconn path', () => {
  it('evaluates the line: report.json with metrics, bootstrap, per-sample results and manifest; plots', async () => {
    const out = join(root, 'line');
    const { code, stdout, stderr } = await runCli(['path', model('a'), model('b'), ...SMALL, '--per-sample', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/path\s+set\s+value\s+t=0\s+t=1\s+barrier/);
    expect(stdout).toMatch(/^line\s+test\s+loss/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.status).toBe('completed');
    expect(r.command.slice(0, 2)).toEqual(['modeconn', 'path']);
    expect(r.options).toMatchObject({ points: 5, bn: 'blend', bootstrap: 20, perSample: true, trainSamples: 400 });
    expect(r.data.trainEvaluated).toMatchObject({ n: 400 });
    expect(r.data.test).toMatchObject({ name: 'mnist-test', n: 1996 });
    const line = r.paths.line;
    expect(line).toMatchObject({ kind: 'line', degree: 1, bn: 'blend', ts: [0, 0.25, 0.5, 0.75, 1] });
    expect(line.manifest.params).toHaveLength(2);
    expect(line.manifest.data.test.hash).toBe(r.data.test.hash);
    for (const role of ['train', 'test']) {
      const set = line.sets[role];
      expect(set.points).toHaveLength(5);
      const m = set.metrics.loss;
      for (const key of ['barrier', 'barrierT', 'barrierMaxMinusMean', 'midpointDeficit', 'min', 'max', 'mean', 'lengthWeightedMean']) expect(Number.isFinite(m[key])).toBe(true);
      expect(m.endpoints[0]).toBeCloseTo(set.points[0].loss, 6);
      expect(set.metrics.error.max).toBeCloseTo(Math.max(...set.points.map((p: { error: number }) => p.error)), 6);
      expect(set.bootstrap.loss.lower).toBeLessThanOrEqual(set.bootstrap.loss.upper);
      expect(set.bootstrap.loss.estimate).toBeCloseTo(m.barrier, 4);
      expect(set.perSample.losses).toHaveLength(5);
      expect(set.perSample.losses[0]).toHaveLength(role === 'train' ? 400 : 1996);
      // per-sample correctness agrees with the accuracy at each t
      const acc = set.perSample.correct[2].reduce((a: number, b: number) => a + b, 0) / set.perSample.correct[2].length;
      expect(acc).toBeCloseTo(set.points[2].accuracy, 6);
    }
    // the line between two separately trained nets rises in the middle
    expect(line.sets.test.metrics.loss.barrier).toBeGreaterThan(0);
    const svg = readFileSync(join(out, 'paths.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('barrier');
    expect(Array.from(readFileSync(join(out, 'paths.png')).subarray(0, 8))).toEqual(PNG);
  }, 60_000);

  it('gives the same bits on a pool of 2 workers (--workers 2) as on this thread', async () => {
    const inline = join(root, 'line');
    const pooled = join(root, 'line-pool');
    const { code, stderr } = await runCli(['path', model('a'), model('b'), ...SMALL, '--per-sample', '--workers', '2', '--out', pooled]);
    expect(code, stderr).toBe(0);
    const [a, b] = [readJson(join(inline, 'report.json')), readJson(join(pooled, 'report.json'))];
    expect(b.options.workers).toBe(2);
    expect(b.paths.line.sets).toEqual(a.paths.line.sets);
    const evalInline = await runCli(['eval', '--model', model('a'), '--data', 'mnist', '--json', '-q']);
    const evalPooled = await runCli(['eval', '--model', model('a'), '--data', 'mnist', '--json', '-q', '--workers', '2']);
    expect(evalPooled.code, evalPooled.stderr).toBe(0);
    const [x, y] = [JSON.parse(evalInline.stdout), JSON.parse(evalPooled.stdout)];
    expect([y.loss, y.accuracy, y.perClass]).toEqual([x.loss, x.accuracy, x.perClass]);
  }, 90_000);

  it('without the font still writes the report and the SVG, and warns that the PNG is missing', async () => {
    const out = join(root, 'nofont');
    const { code, stderr } = await runCli(['path', model('a'), model('b'), '--data', 'mnist', '--points', '3', '--train-samples', '100', '--bootstrap', '0', '-q', '--out', out], { MODECONN_FONT: '/nonexistent/font.ttf' });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/warning: paths.png not written: cannot read the font \/nonexistent\/font.ttf/);
    expect(existsSync(join(out, 'paths.svg'))).toBe(true);
    expect(existsSync(join(out, 'paths.png'))).toBe(false);
    expect(readJson(join(out, 'report.json')).warnings).toHaveLength(1);
  }, 30_000);

  it('exits 2 on a missing model argument and 1 on models of different architectures', async () => {
    const missing = await runCli(['path', model('a'), '--data', 'mnist', '--out', join(root, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing B.safetensors');
    const other = join(root, 'c');
    expect((await runCli(['train', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--epochs', '1', '-q', '--out', other])).code).toBe(0);
    const mixed = await runCli(['path', model('a'), model('c'), '--data', 'mnist', '--out', join(root, 'x')]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('different architectures');
  }, 60_000);
});

describe('modeconn curve', () => {
  const out = join(root, 'curve');

  it('fits a one-bend Bezier curve, saves it and evaluates line and curve', async () => {
    const { code, stdout, stderr } = await runCli(['curve', model('a'), model('b'), ...SMALL, '--epochs', '1', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^bezier \(1 bend\)\s+test\s+loss/m);
    const r = readJson(join(out, 'report.json'));
    expect(Object.keys(r.paths)).toEqual(['line', 'curve']);
    expect(r.paths.curve).toMatchObject({ kind: 'bezier', degree: 2, label: 'bezier (1 bend)' });
    expect(r.fit).toMatchObject({ kind: 'bezier', bends: 1, epochs: 1, seed: 1 });
    expect(r.fit.log).toHaveLength(1);
    // the fitted curve beats the line in the middle on the test split
    expect(r.paths.curve.sets.test.metrics.loss.max).toBeLessThan(r.paths.line.sets.test.metrics.loss.max);
    // endpoints are the models: same loss at t = 0 and 1 on both paths
    expect(r.paths.curve.sets.test.points[0].loss).toBe(r.paths.line.sets.test.points[0].loss);
    expect(r.paths.curve.sets.test.points[4].loss).toBe(r.paths.line.sets.test.points[4].loss);
    for (const f of ['curve.json', 'curve.safetensors', 'paths.svg', 'paths.png']) expect(existsSync(join(out, f))).toBe(true);
    const { path, description } = await loadCurve(join(out, 'curve.json'));
    expect(description).toMatchObject({ kind: 'bezier', degree: 2, points: 3, tensors: 'state_dict' });
    expect(path.points).toHaveLength(3);
  }, 90_000);

  it('--workers 2 --shards 2 fits the bits --shards 2 fits on this thread (curve fitting in the workers)', async () => {
    const fits = [];
    for (const extra of [['--shards', '2'], ['--workers', '2', '--shards', '2']]) {
      const dir = join(root, `curve-${extra.join('')}`);
      const { code, stderr } = await runCli(['curve', model('a'), model('b'), ...SMALL, '--epochs', '1', ...extra, '--out', dir]);
      expect(code, stderr).toBe(0);
      expect(readJson(join(dir, 'report.json')).fit).toMatchObject({ shards: 2 });
      fits.push(readFileSync(join(dir, 'curve.safetensors')));
    }
    expect(fits[1].equals(fits[0])).toBe(true);
    // Sharding changes the result (the blend of two half-batch gradients is not the whole batch's in f32).
    expect(fits[0].equals(readFileSync(join(out, 'curve.safetensors')))).toBe(false);
  }, 120_000);

  it('path --curve evaluates the saved curve exactly as curve did', async () => {
    const again = join(root, 'curve-again');
    const { code, stderr } = await runCli(['path', '--curve', join(out, 'curve.json'), ...SMALL, '--out', again]);
    expect(code, stderr).toBe(0);
    const before = readJson(join(out, 'report.json'));
    const after = readJson(join(again, 'report.json'));
    expect(after.inputs).toMatchObject({ kind: 'bezier', points: 3 });
    expect(after.paths.curve.sets.test.points).toEqual(before.paths.curve.sets.test.points);
    expect(after.paths.line.sets.train.metrics).toEqual(before.paths.line.sets.train.metrics);
    expect(after.paths.curve.manifest.params).toEqual(before.paths.curve.manifest.params);
  }, 60_000);
});
