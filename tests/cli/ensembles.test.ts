// The built CLI's fge, swa and ensembles commands on the bundled MNIST digits at small scale: the
// reports' structure and budgets, snapshot and SWA files that load back as models (a snapshot's test
// loss is `eval`'s), the figures, and usage errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../ts/io/model-files.js';
import { readJson, runCli, tempRoot } from './run-cli.js';

const root = tempRoot('modeconn-ensembles-');
const scratch = ['--arch', 'mlp:784-16-10+bn', '--pretrain', '1', '--data', 'mnist', '-q'];

describe('modeconn fge, swa and ensembles', () => {
  it('fge: a snapshot per cycle at its minimum, the growth table, files that load', async () => {
    const out = join(root, 'fge');
    const { code, stdout, stderr } = await runCli(['fge', ...scratch, '--cycles', '2', '--cycle', '0.5', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^snapshot 2 /m);
    const r = readJson(join(out, 'report.json'));
    expect(r.snapshots).toHaveLength(2);
    for (const s of r.snapshots) expect(s.lr).toBeCloseTo(r.options.lrMin, 12);
    expect(r.growth.map((g: { members: number }) => g.members)).toEqual([1, 2]);
    expect(r.growth[0].accuracy).toBeCloseTo(r.snapshots[0].test.accuracy, 12);
    const evalRun = await runCli(['eval', '--model', join(out, 'snapshot-2.safetensors'), '--data', 'mnist', '--json']);
    expect(r.snapshots[1].test.loss).toBeCloseTo(JSON.parse(evalRun.stdout).loss, 6);
    expect(readFileSync(join(out, 'fge.svg'), 'utf8')).toContain('<svg');
  }, 60_000);

  it('swa: SWA against the SGD iterate, the geometry, swa.safetensors', async () => {
    const out = join(root, 'swa');
    const { code, stdout, stderr } = await runCli(['swa', ...scratch, '--epochs', '2', '--directions', '1', '--train-samples', '300', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^SWA \(update_bn\)/m);
    expect(stdout).toMatch(/width \(mean train loss/);
    const r = readJson(join(out, 'report.json'));
    expect(r.averaged).toBe(2);
    expect(r.geometry.line.ts[8]).toBe(0);
    expect(r.geometry.line.sets.test.loss[16]).toBeCloseTo(r.results.test.swa.loss, 5);
    expect(r.geometry.rays.swa.train.loss[0]).toHaveLength(11);
    const swa = await loadModel(join(out, 'swa.safetensors'));
    expect(swa.params.length).toBe((await loadModel(join(out, 'sgd.safetensors'))).params.length);
    expect(readFileSync(join(out, 'swa.svg'), 'utf8')).toContain('<svg');
  }, 60_000);

  it('ensembles: every method at each budget within k × epochs', async () => {
    const out = join(root, 'ens');
    const { code, stdout, stderr } = await runCli(['ensembles', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '--ks', '2,3', '--fge-cycle', '0.5', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^3\s+simplex\s+3\s+3/m);
    const r = readJson(join(out, 'report.json'));
    expect(r.comparison.rows).toHaveLength(10);
    for (const row of r.comparison.rows) expect(row.epochs).toBeLessThanOrEqual(row.k + 1e-9);
    expect(r.comparison.rows.find((x: { method: string; k: number }) => x.method === 'curve' && x.k === 2).skipped).toBeTruthy();
    expect(readFileSync(join(out, 'ensembles-budget.svg'), 'utf8')).toContain('<svg');
  }, 60_000);

  it('usage errors', async () => {
    expect((await runCli(['fge', '--data', 'mnist', '--out', join(root, 'x'), '-q'])).code).toBe(2);
    expect((await runCli(['swa', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--lr-min', '0.001', '--out', join(root, 'x'), '-q'])).code).toBe(2);
    expect((await runCli(['ensembles', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--ks', '3,2', '--out', join(root, 'x'), '-q'])).code).toBe(2);
  }, 60_000);
});
