/**
 * Seeded synthetic sets for fast tests and 2-D pictures: two moons, K-arm spirals and Gaussian
 * blobs in any dimension. Samples are emitted class by class, then shuffled with the same seed.
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, seededUniform, shuffledOrder, subsetDataSet, type DataSet } from './dataset.js';

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
function seededNormal(seed: number): () => number {
  const uniform = seededUniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform(); // (0, 1], so the log is finite
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function checkCount(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ModeconnError('BAD_ARGUMENT', `${what} must be an integer >= ${min}, got ${value}`);
  }
}

function finish(name: string, x: Float32Array, y: Uint32Array, dims: number, classes: number, seed: number): DataSet {
  const ordered = createDataSet({ name, x, y, shape: [dims], classes });
  return subsetDataSet(ordered, shuffledOrder(y.length, seed ^ 0x2545f491), name);
}

/** Options shared by the 2-D generators. */
export interface SyntheticOptions {
  /** Number of samples. */
  n: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  noise?: number;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * Two interleaved half circles in 2-D: class 0 is (cos t, sin t), class 1 is
 * (1 − cos t, 0.5 − sin t), t evenly spaced in [0, π]; ceil(n/2) samples in class 0.
 */
export function twoMoons(options: SyntheticOptions): DataSet {
  const { n, noise = 0.1, seed = 0 } = options;
  checkCount('twoMoons n', n, 2);
  const gauss = seededNormal(seed);
  const x = new Float32Array(2 * n);
  const y = new Uint32Array(n);
  const outer = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const upper = i < outer;
    const j = upper ? i : i - outer;
    const m = upper ? outer : n - outer;
    const t = m > 1 ? (Math.PI * j) / (m - 1) : 0;
    const px = upper ? Math.cos(t) : 1 - Math.cos(t);
    const py = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    x[2 * i] = px + noise * gauss();
    x[2 * i + 1] = py + noise * gauss();
    y[i] = upper ? 0 : 1;
  }
  return finish('two-moons', x, y, 2, 2, seed);
}

/** Options of `spirals`. */
export interface SpiralOptions extends SyntheticOptions {
  /** Number of arms, one class each (default 2). */
  classes?: number;
  /** Turns of each arm (default 1). */
  turns?: number;
}

/**
 * K interleaved spiral arms in 2-D: sample j of arm c sits at radius r = j/m and angle
 * 2π(c/K + turns·r), plus noise. Arms get n/K samples each (the first n mod K one more).
 */
export function spirals(options: SpiralOptions): DataSet {
  const { n, noise = 0.1, seed = 0, classes = 2, turns = 1 } = options;
  checkCount('spirals classes', classes, 2);
  checkCount('spirals n', n, classes);
  const gauss = seededNormal(seed);
  const x = new Float32Array(2 * n);
  const y = new Uint32Array(n);
  let i = 0;
  for (let c = 0; c < classes; c++) {
    const m = Math.floor(n / classes) + (c < n % classes ? 1 : 0);
    for (let j = 0; j < m; j++, i++) {
      const r = m > 1 ? j / (m - 1) : 0;
      const angle = 2 * Math.PI * (c / classes + turns * r);
      x[2 * i] = r * Math.cos(angle) + noise * gauss();
      x[2 * i + 1] = r * Math.sin(angle) + noise * gauss();
      y[i] = c;
    }
  }
  return finish('spirals', x, y, 2, classes, seed);
}

/** Options of `gaussianBlobs`. */
export interface BlobOptions {
  /** Number of samples. */
  n: number;
  /** Number of blobs, one class each (default 3). */
  classes?: number;
  /** Dimension of each sample (default 2). */
  dims?: number;
  /** Standard deviation of each blob (default 1). */
  std?: number;
  /** Centres are drawn uniformly in [−spread, spread]^dims unless given (default 5). */
  spread?: number;
  /** Explicit centres, [classes][dims]. */
  centers?: number[][];
  /** Seed (default 0). */
  seed?: number;
}

/** Isotropic Gaussian blobs: class c ~ N(centre_c, std² I); n/classes samples each (first n mod K one more). */
export function gaussianBlobs(options: BlobOptions): DataSet {
  const { n, classes = options.centers?.length ?? 3, dims = options.centers?.[0]?.length ?? 2, std = 1, spread = 5, seed = 0 } = options;
  checkCount('gaussianBlobs classes', classes, 1);
  checkCount('gaussianBlobs dims', dims, 1);
  checkCount('gaussianBlobs n', n, classes);
  const uniform = seededUniform(seed ^ 0x68e31da4);
  const centers = options.centers ?? Array.from({ length: classes }, () => Array.from({ length: dims }, () => spread * (2 * uniform() - 1)));
  if (centers.length !== classes || centers.some((c) => c.length !== dims)) {
    throw new ModeconnError('BAD_ARGUMENT', `gaussianBlobs: centers must be [${classes}][${dims}]`);
  }
  const gauss = seededNormal(seed);
  const x = new Float32Array(dims * n);
  const y = new Uint32Array(n);
  let i = 0;
  for (let c = 0; c < classes; c++) {
    const m = Math.floor(n / classes) + (c < n % classes ? 1 : 0);
    for (let j = 0; j < m; j++, i++) {
      for (let k = 0; k < dims; k++) x[i * dims + k] = centers[c][k] + std * gauss();
      y[i] = c;
    }
  }
  return finish('gaussian-blobs', x, y, dims, classes, seed);
}
