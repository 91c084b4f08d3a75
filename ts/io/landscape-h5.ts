/**
 * tomgoldstein/loss-landscape's HDF5 files, through h5wasm (Node: `h5wasm/node` reads and writes the
 * real file system). A surface file holds `xcoordinates` [nx] (and `ycoordinates` [ny]), per data
 * set `<set>_loss` and `<set>_acc` (accuracy in percent, as its evaluation.py returns it) of shape
 * [nx] or [nx, ny], and `dir_file` (the direction file's name). As loss-landscape fills a surface
 * (`losses.ravel()[k]` for the k-th point of `np.meshgrid(x, y)`), the values run x fastest: entry k
 * is the point (x[k mod nx], y[⌊k / nx⌋]) — for the usual square grids, Z[i][j] = f(x_j, y_i), which is
 * what its plot_2D.py contours. A direction file holds groups `xdirection` (and `ydirection`) with one
 * dataset per trainable tensor, named '0', '1', … in parameter order, shaped like the tensor; PCA
 * directions add `explained_variance_ratio_`, `explained_variance_`, `singular_values_`, and a
 * projection file `proj_xcoord`, `proj_ycoord`.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';

type H5 = typeof import('h5wasm');
type H5File = InstanceType<H5['File']>;

let loaded: Promise<H5> | null = null;

/** h5wasm's Node build, loaded once (its WebAssembly instantiated on first use). */
async function h5(): Promise<H5> {
  loaded ??= (async () => {
    let mod: { default: H5 };
    try {
      mod = (await import('h5wasm/node')) as unknown as { default: H5 };
    } catch (cause) {
      // An optional peer dependency: only the HDF5 files need it.
      throw new ModeconnError('MISSING_DEPENDENCY', 'reading or writing HDF5 files needs the optional package h5wasm, which is not installed', { advice: 'npm install h5wasm', cause });
    }
    await mod.default.ready;
    return mod.default;
  })();
  return loaded;
}

async function open(path: string, mode: 'r' | 'w'): Promise<H5File> {
  const lib = await h5();
  try {
    return new lib.File(path, mode);
  } catch (cause) {
    throw new ModeconnError('BAD_FILE', `${path}: cannot open as HDF5 (${(cause as Error).message})`, { cause });
  }
}

/** A grid of loss and accuracy per data set, as a landscape report has it: row r is ys[r], column c is xs[c]. */
export interface H5Surface {
  xs: readonly number[];
  ys?: readonly number[];
  /** Per data set (e.g. 'train', 'test'): loss[r][c] and accuracy[r][c] as fractions. */
  sets: Record<string, { loss: ReadonlyArray<ReadonlyArray<number>>; accuracy: ReadonlyArray<ReadonlyArray<number>> }>;
}

/** Writes `surface` as a loss-landscape surface file (see the module header). */
export async function writeSurfaceH5(path: string, surface: H5Surface, dirFile = ''): Promise<void> {
  const f = await open(path, 'w');
  try {
    const nx = surface.xs.length;
    const ny = surface.ys?.length;
    f.create_dataset({ name: 'dir_file', data: dirFile });
    f.create_dataset({ name: 'xcoordinates', data: Float64Array.from(surface.xs) });
    if (surface.ys) f.create_dataset({ name: 'ycoordinates', data: Float64Array.from(surface.ys) });
    const shape = ny === undefined ? [nx] : [nx, ny];
    for (const [set, values] of Object.entries(surface.sets)) {
      const flat = (grid: ReadonlyArray<ReadonlyArray<number>>, scale: number) => Float64Array.from(grid.flat(), (v) => v * scale);
      f.create_dataset({ name: `${set}_loss`, data: flat(values.loss, 1), shape });
      f.create_dataset({ name: `${set}_acc`, data: flat(values.accuracy, 100), shape });
    }
  } finally {
    f.close();
  }
}

function numbers(f: H5File, name: string, path: string): Float64Array {
  const d = f.get(name) as { value?: unknown } | null;
  const v = d?.value;
  if (!(v instanceof Float64Array || v instanceof Float32Array)) throw new ModeconnError('BAD_FILE', `${path}: dataset ${name} is missing or not floating point`);
  return Float64Array.from(v);
}

/** Reads a loss-landscape surface file (written here or by plot_surface.py). */
export async function readSurfaceH5(path: string): Promise<H5Surface & { dirFile: string }> {
  const f = await open(path, 'r');
  try {
    const keys = f.keys();
    const xs = Array.from(numbers(f, 'xcoordinates', path));
    const ys = keys.includes('ycoordinates') ? Array.from(numbers(f, 'ycoordinates', path)) : undefined;
    const nx = xs.length;
    const rows = ys?.length ?? 1;
    const grid = (flat: Float64Array, scale: number) => Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * nx, (r + 1) * nx), (v) => v * scale));
    const sets: H5Surface['sets'] = {};
    for (const key of keys.filter((k) => k.endsWith('_loss'))) {
      const set = key.slice(0, -'_loss'.length);
      const loss = numbers(f, key, path);
      if (loss.length !== nx * rows) throw new ModeconnError('BAD_FILE', `${path}: ${key} has ${loss.length} values for a ${nx} × ${rows} grid`);
      const acc = keys.includes(`${set}_acc`) ? numbers(f, `${set}_acc`, path) : new Float64Array(loss.length).fill(NaN);
      sets[set] = { loss: grid(loss, 1), accuracy: grid(acc, 0.01) };
    }
    const dir = keys.includes('dir_file') ? (f.get('dir_file') as { value?: unknown }).value : '';
    return { xs, ...(ys ? { ys } : {}), sets, dirFile: typeof dir === 'string' ? dir : '' };
  } finally {
    f.close();
  }
}

/** Statistics of PCA directions stored beside them (loss-landscape's setup_PCA_directions). */
export interface PcaStatistics {
  explainedVarianceRatio: readonly number[];
  explainedVariance: readonly number[];
  singularValues: readonly number[];
}

/** Writes directions over θ as a loss-landscape direction file: one dataset per trainable tensor. */
export async function writeDirectionsH5(path: string, arch: Arch, directions: readonly Float32Array[], pca?: PcaStatistics): Promise<void> {
  const compiled = compiledOf(arch);
  if (directions.length < 1 || directions.length > 2) throw new ModeconnError('BAD_ARGUMENT', `a direction file holds one or two directions, got ${directions.length}`);
  const trainable = compiled.layout.filter((e) => e.offset >= 0 && e.offset < compiled.paramCount && e.length > 0);
  const f = await open(path, 'w');
  try {
    directions.forEach((d, k) => {
      if (d.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `direction ${k} has ${d.length} values; the architecture needs ${compiled.totalLength}`);
      const g = f.create_group(k === 0 ? 'xdirection' : 'ydirection');
      trainable.forEach((e, i) => g.create_dataset({ name: String(i), data: d.slice(e.offset, e.offset + e.length), shape: [...e.shape] }));
    });
    if (pca) {
      f.create_dataset({ name: 'explained_variance_ratio_', data: Float64Array.from(pca.explainedVarianceRatio) });
      f.create_dataset({ name: 'explained_variance_', data: Float64Array.from(pca.explainedVariance) });
      f.create_dataset({ name: 'singular_values_', data: Float64Array.from(pca.singularValues) });
    }
  } finally {
    f.close();
  }
}

/** Reads a direction file's directions as vectors over θ of `arch` (0 on running statistics). */
export async function readDirectionsH5(path: string, arch: Arch): Promise<Float32Array[]> {
  const compiled = compiledOf(arch);
  const trainable = compiled.layout.filter((e) => e.offset >= 0 && e.offset < compiled.paramCount && e.length > 0);
  const f = await open(path, 'r');
  try {
    return ['xdirection', 'ydirection'].filter((g) => f.keys().includes(g)).map((g) => {
      const d = new Float32Array(compiled.totalLength);
      trainable.forEach((e, i) => {
        const values = numbers(f, `${g}/${i}`, path);
        if (values.length !== e.length) throw new ModeconnError('BAD_FILE', `${path}: ${g}/${i} has ${values.length} values; ${e.name} has ${e.length}`);
        d.set(values, e.offset);
      });
      return d;
    });
  } finally {
    f.close();
  }
}

/** Writes a trajectory's coordinates as loss-landscape's projection file. */
export async function writeProjectionH5(path: string, xs: readonly number[], ys: readonly number[]): Promise<void> {
  const f = await open(path, 'w');
  try {
    f.create_dataset({ name: 'proj_xcoord', data: Float64Array.from(xs) });
    f.create_dataset({ name: 'proj_ycoord', data: Float64Array.from(ys) });
  } finally {
    f.close();
  }
}
