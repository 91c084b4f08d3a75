// loss-landscape's HDF5 files: a surface and a direction file written here read back the same
// through h5wasm; h5py (Debian's python3-h5py) reads them with the names, dtypes, shapes and values
// of tests/fixtures/h5/check-h5.expected.txt (made by tests/fixtures/h5/check-h5.py, run here where
// Python with h5py exists); a surface written by h5py as plot_surface.py writes it reads back right.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDirectionsH5, readSurfaceH5, writeDirectionsH5, writeProjectionH5, writeSurfaceH5 } from '../../ts/io/landscape-h5.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';

const fixtures = fileURLToPath(new URL('../fixtures/h5/', import.meta.url));
const arch = mlp({ input: 3, hidden: [2], classes: 2, batchNorm: true });
const compiled = compileArch(arch);

// A 3 × 2 grid (non-square, so a transposition would show): loss = x + 10·y, accuracy = loss / 100.
const xs = [-1, 0, 1];
const ys = [0.5, 1.5];
const grid = (f: (x: number, y: number) => number) => ys.map((y) => xs.map((x) => f(x, y)));
const surface = {
  xs, ys,
  sets: {
    train: { loss: grid((x, y) => x + 10 * y), accuracy: grid((x, y) => (x + 10 * y) / 100) },
    test: { loss: grid((x, y) => 2 * x + 10 * y), accuracy: grid(() => 0.5) },
  },
};
const directions = [0, 1].map((k) => Float32Array.from({ length: compiled.totalLength }, (_, i) => (i < compiled.paramCount ? (k + 1) * (i + 1) / 8 : 0)));

function hasH5py(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('loss-landscape HDF5 files', () => {
  const dir = process.env.H5GEN ?? mkdtempSync(join(tmpdir(), 'modeconn-h5-'));
  const surfaceFile = join(dir, 'surface.h5');
  const directionFile = join(dir, 'directions.h5');

  it('a surface and its directions read back as written', async () => {
    await writeSurfaceH5(surfaceFile, surface, 'directions.h5');
    await writeDirectionsH5(directionFile, arch, directions, { explainedVarianceRatio: [0.75, 0.25], explainedVariance: [3, 1], singularValues: [2, 1] });
    const back = await readSurfaceH5(surfaceFile);
    expect(back.xs).toEqual(xs);
    expect(back.ys).toEqual(ys);
    expect(back.dirFile).toBe('directions.h5');
    expect(back.sets.train.loss).toEqual(surface.sets.train.loss);
    back.sets.train.accuracy.flat().forEach((a, i) => expect(a).toBeCloseTo(surface.sets.train.accuracy.flat()[i], 12));
    expect(back.sets.test.loss).toEqual(surface.sets.test.loss);
    const dirs = await readDirectionsH5(directionFile, arch);
    expect(dirs).toEqual(directions);
  });

  it('h5py reads the names, shapes and values loss-landscape expects', async () => {
    await writeSurfaceH5(surfaceFile, surface, 'directions.h5');
    await writeDirectionsH5(directionFile, arch, directions, { explainedVarianceRatio: [0.75, 0.25], explainedVariance: [3, 1], singularValues: [2, 1] });
    const expected = readFileSync(join(fixtures, 'check-h5.expected.txt'), 'utf8');
    // The committed output names every dataset loss-landscape reads, in its layout.
    for (const name of ['xcoordinates float64 (3,)', 'ycoordinates float64 (2,)', 'train_loss float64 (3, 2)', 'train_acc float64 (3, 2)', 'xdirection/0 float32 (2, 3)', 'explained_variance_ratio_']) {
      expect(expected).toContain(name);
    }
    if (hasH5py()) {
      const out = execFileSync('/usr/bin/python3', [join(fixtures, 'check-h5.py'), surfaceFile, directionFile], { encoding: 'utf8' });
      expect(out).toBe(expected);
    }
  });

  it('reads a surface written by h5py as plot_surface.py writes it (x fastest in the raveled grid)', async () => {
    const s = await readSurfaceH5(join(fixtures, 'made-by-h5py.h5'));
    expect(s.xs).toEqual([-1, 0, 1]);
    expect(s.ys).toEqual([-0.5, 0, 0.5]);
    s.ys!.forEach((y, r) => s.xs.forEach((x, c) => {
      expect(s.sets.train.loss[r][c]).toBeCloseTo(x * x + 2 * y * y + 0.1, 12);
      expect(s.sets.train.accuracy[r][c]).toBeCloseTo((100 - 10 * (x * x + 2 * y * y + 0.1)) / 100, 12);
    }));
  });

  it('a projection file holds proj_xcoord and proj_ycoord', async () => {
    const file = join(dir, 'proj.h5');
    await writeProjectionH5(file, [1, 2], [3, 4]);
    const h5 = (await import('h5wasm/node')).default;
    await h5.ready;
    const f = new h5.File(file, 'r');
    expect(Array.from((f.get('proj_xcoord') as InstanceType<typeof h5.Dataset>).value as Float64Array)).toEqual([1, 2]);
    expect(Array.from((f.get('proj_ycoord') as InstanceType<typeof h5.Dataset>).value as Float64Array)).toEqual([3, 4]);
    f.close();
  });
});
