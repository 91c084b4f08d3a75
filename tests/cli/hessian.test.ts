// The built CLI's hessian, trajectory, subspace and landscape --directions hessian --h5 commands at
// small scale on the bundled MNIST digits: two tiny MLPs trained for one epoch; a spectrum with the
// density and per-layer blocks and the line's midpoint (the trace near the eigenvalue sum, the first
// eigenvalue the largest); a trajectory with its PCA and HDF5 files; a subspace sweep; usage errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSurfaceH5 } from '../../ts/io/landscape-h5.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'modeconn-hessian-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const model = (name: string) => join(root, name, 'model.safetensors');

beforeAll(async () => {
  const train = (seed: string) => runCli(['train', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--epochs', '1', '--seed', seed, '-q', '--out', join(root, seed)]);
  const results = await Promise.all([train('1'), train('2')]);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}, 90_000);

describe('modeconn hessian', () => {
  it('spectrum, density, layers and the line with its midpoint', async () => {
    const out = join(root, 'h');
    const { code, stdout, stderr } = await runCli(['hessian', model('1'), model('2'), '--data', 'mnist', '--samples', '200', '--top-k', '2', '--steps', '12',
      '--probes', '6', '--density-runs', '1', '--density-steps', '10', '--layers', '--points', '3', '--path-steps', '6', '--path-probes', '3', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/λ1/);
    const r = readJson(join(out, 'report.json'));
    expect(r.status).toBe('completed');
    const [l1, l2] = r.spectrum.top.map((p: { value: number }) => p.value);
    expect(l1).toBeGreaterThan(0);
    expect(l1).toBeGreaterThanOrEqual(l2);
    expect(r.spectrum.layers.map((l: { name: string }) => l.name)).toEqual(['1', '3']);
    expect(r.spectrum.density.runs[0].weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 10);
    expect(r.along.map((p: { label: string }) => p.label)).toEqual(['t=0', 't=0.5', 't=1']);
    expect(r.along[1].topEigenvalue).toBeGreaterThan(0);
    for (const f of ['density.svg', 'path.svg']) expect(existsSync(join(out, f))).toBe(true);
  });

  it('usage errors', async () => {
    const r = await runCli(['hessian', '--data', 'mnist', '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    const at = await runCli(['hessian', model('1'), '--data', 'mnist', '--at', 'nofile', '--out', join(root, 'x')]);
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/name=file/);
  });
});

describe('modeconn trajectory', () => {
  it('PCA of snapshots, the plane, the path and loss-landscape files', async () => {
    const out = join(root, 't');
    const { code, stderr } = await runCli(['trajectory', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--epochs', '1', '--unit', 'step', '--every', '10',
      '--grid', '5', '--train-samples', '200', '--test-samples', '200', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    const r = readJson(join(out, 'report.json'));
    const [a, b] = r.pca.explainedVarianceRatio;
    expect(a).toBeGreaterThanOrEqual(b);
    expect(a + b).toBeLessThanOrEqual(1 + 1e-9);
    const snaps = r.pca.snapshots;
    expect(snaps[0].step).toBe(0);
    expect([snaps[snaps.length - 1].x, snaps[snaps.length - 1].y]).toEqual([0, 0]);
    const h5 = await readSurfaceH5(join(out, 'surface.h5'));
    expect(h5.xs).toEqual(r.surface.xs);
    expect(h5.sets.train.loss).toEqual(r.surface.sets.train.loss);
    for (const f of ['trajectory.svg', 'directions.h5', 'projection.h5', 'model.safetensors']) expect(existsSync(join(out, f))).toBe(true);
  });
});

describe('modeconn subspace', () => {
  it('sweeps d and reports d_int (data-parallel: 2 workers, 2 shards)', async () => {
    const out = join(root, 's');
    const { code, stdout, stderr } = await runCli(['subspace', '--arch', 'mlp:784-8-10', '--data', 'mnist', '--dims', '5,400', '--epochs', '1',
      '--train-samples', '1000', '--workers', '2', '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(readJson(join(out, 'report.json')).options).toMatchObject({ workers: 2, shards: 2 });
    expect(stdout).toMatch(/d_int90/);
    const r = readJson(join(out, 'report.json'));
    expect(r.result.rows.map((x: { d: number }) => x.d)).toEqual([5, 400]);
    expect(r.result.rows[1].testAccuracy).toBeGreaterThan(r.result.rows[0].testAccuracy);
  });
});

describe('modeconn landscape --directions hessian --h5', () => {
  it('the grid along the top eigenvectors, also as loss-landscape HDF5', async () => {
    const out = join(root, 'l');
    const { code, stderr } = await runCli(['landscape', model('1'), '--data', 'mnist', '--directions', 'hessian', '--hessian-samples', '200', '--grid', '3',
      '--range', '-0.2,0.2', '--train-samples', '200', '--h5', join(out, 'surface.h5'), '-q', '--out', out]);
    expect(code, stderr).toBe(0);
    const r = readJson(join(out, 'report.json'));
    expect(r.directions).toBe('hessian');
    expect(r.eigenvalues[0]).toBeGreaterThanOrEqual(r.eigenvalues[1]);
    const h5 = await readSurfaceH5(join(out, 'surface.h5'));
    expect(h5.sets.test.loss).toEqual(r.surface.sets.test.loss);
    expect(h5.dirFile).toBe('surface_directions.h5');
  });
});
