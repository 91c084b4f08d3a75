// The built CLI's simplex command on the bundled MNIST digits at small scale: one MLP trained for an
// epoch, one vertex added; vertex files that load back as models, the report's points (vertex 0 is
// the input model: its loss equals `eval`'s), the ensemble, the figure; usage errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../ts/io/model-files.js';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-simplex-');
const model = join(root, 'a', 'model.safetensors');

beforeAll(async () => {
  const r = await runCli(['train', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '--seed', '1', '-q', '--out', join(root, 'a')]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('modeconn simplex', () => {
  it('adds a vertex, saves the vertices, evaluates points and the ensemble', async () => {
    const out = join(root, 'simplex');
    const { code, stdout, stderr } = await runCli(['simplex', model, '--data', 'mnist', '--add', '1', '--epochs', '1', '--samples', '4', '--train-samples', '500', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^test\s+ensemble of the 4/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.evaluation.points.map((p: { kind: string }) => p.kind)).toEqual(['vertex', 'vertex', 'centroid', 'sample', 'sample', 'sample', 'sample']);
    expect(r.fit.log).toHaveLength(1);
    expect(Number.isFinite(r.fit.log[0].logVolume)).toBe(true);
    const evalRun = await runCli(['eval', '--model', model, '--data', 'mnist', '--json']);
    expect(r.evaluation.points[0].sets.test.loss).toBeCloseTo(JSON.parse(evalRun.stdout).loss, 6);
    const v1 = await loadModel(join(out, 'vertex-1.safetensors'));
    const v0 = await loadModel(join(out, 'vertex-0.safetensors'));
    expect(v1.params.length).toBe(v0.params.length);
    expect(v1.params).not.toEqual(v0.params);
    expect(r.evaluation.ensemble.test.members).toBe(4);
    expect(readFileSync(join(out, 'simplex.svg'), 'utf8')).toContain('<svg');
  }, 60_000);

  it('usage error without a model', async () => {
    const r = await runCli(['simplex', '--data', 'mnist', '--out', join(root, 'x'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least one model/);
  });
});
