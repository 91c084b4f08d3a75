/**
 * The four noise-stability properties of Arora et al. 2018 that Kuditipudi et al.'s Theorem 2
 * assumes, measured per layer of a ReLU MLP on data. Dense layer l = 1..L (L = d + 1, the output):
 * z_l = W_l x_{l−1} + b_l, x_l = relu(z_l), x_0 the input; J^{i,j} = ∂z_j/∂z_i = W_j D_{j−1} ⋯ W_{i+1} D_i.
 * Layer cushion μ_l = min ‖W_l x_{l−1}‖ / (‖W_l‖_F ‖x_{l−1}‖); interlayer cushion μ_{i,j} = min ‖J z_i‖ /
 * (‖J‖_F ‖z_i‖), μ_{i→} = min_{j>i} μ_{i,j}; activation contraction c = max ‖z_l‖ / ‖relu(z_l)‖;
 * interlayer smoothness ρ = min ‖η‖‖z_j‖ / (‖z_i‖ ‖M^{i,j}(z_i + η) − M^{i,j}(z_i) − J η‖) over Gaussian η.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { xoshiroKernels, seedState } from '../kernels/xoshiro.js';
import { denseStack } from './dropout.js';

/** The dense layers of an MLP as f64 matrices: w[l] is [rows, cols] row-major (0-based: l = layer − 1). */
export interface DenseMatrices {
  w: Float64Array[];
  b: Float64Array[];
  rows: number[];
  cols: number[];
}

/** θ's dense layers as f64 matrices (NOT_SUPPORTED unless the arch is a ReLU MLP). */
export function denseMatrices(arch: Arch, theta: Float32Array): DenseMatrices {
  const stack = denseStack(arch);
  const total = compiledOf(arch).totalLength;
  if (theta.length !== total) throw new ModeconnError('BAD_SHAPE', `θ has ${theta.length} values; the architecture needs ${total}`);
  const w = stack.weights.map((e) => Float64Array.from(theta.subarray(e.offset, e.offset + e.length)));
  const b = stack.weights.map((e, l) => {
    const be = stack.biases[l];
    return be ? Float64Array.from(theta.subarray(be.offset, be.offset + be.length)) : new Float64Array(e.shape[0]);
  });
  return { w, b, rows: stack.weights.map((e) => e.shape[0]), cols: stack.weights.map((e) => e.shape[1]) };
}

function matVec(m: DenseMatrices, l: number, x: Float64Array, bias: boolean): Float64Array {
  const { w, rows, cols } = m;
  const out = new Float64Array(rows[l]);
  const W = w[l];
  const n = cols[l];
  for (let r = 0; r < rows[l]; r++) {
    let s = bias ? m.b[l][r] : 0;
    for (let c = 0; c < n; c++) s += W[r * n + c] * x[c];
    out[r] = s;
  }
  return out;
}

const norm = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};
const relu = (z: Float64Array) => z.map((v) => (v > 0 ? v : 0));

/** Pre-activations z_1..z_L of one input (z[l − 1] for layer l). */
export function preActivations(m: DenseMatrices, x0: ArrayLike<number>): Float64Array[] {
  const z: Float64Array[] = [];
  let x = Float64Array.from(x0);
  for (let l = 0; l < m.w.length; l++) {
    const zl = matVec(m, l, x, true);
    z.push(zl);
    x = relu(zl);
  }
  return z;
}

/** M^{i,j}: the net from pre-activation z_i of layer i to z_j (1-based layers, i < j). */
export function forwardFrom(m: DenseMatrices, i: number, j: number, zi: Float64Array): Float64Array {
  let z = zi;
  for (let l = i; l < j; l++) z = matVec(m, l, relu(z), true);
  return z;
}

/** J^{i,j} = ∂z_j/∂z_i at pre-activations `z` (one input), [h_j, h_i] row-major. */
export function interlayerJacobian(m: DenseMatrices, z: Float64Array[], i: number, j: number): Float64Array {
  // Start from W_j and multiply down: (W_j D_{j−1} W_{j−1} ⋯) D_i.
  const rows = m.rows[j - 1];
  let cur = m.w[j - 1].slice();
  let width = m.cols[j - 1];
  for (let l = j - 1; l > i; l--) {
    const mask = z[l - 1];
    const W = m.w[l - 1];
    const next = new Float64Array(rows * m.cols[l - 1]);
    const nc = m.cols[l - 1];
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < width; k++) {
        const v = cur[r * width + k];
        if (v === 0 || !(mask[k] > 0)) continue;
        for (let c = 0; c < nc; c++) next[r * nc + c] += v * W[k * nc + c];
      }
    }
    cur = next;
    width = nc;
  }
  const mask = z[i - 1];
  for (let r = 0; r < rows; r++) for (let k = 0; k < width; k++) if (!(mask[k] > 0)) cur[r * width + k] = 0;
  return cur;
}

/** The first-order remainder M^{i,j}(z_i + η) − M^{i,j}(z_i) − J^{i,j}η and the ratio ‖η‖‖z_j‖/(‖z_i‖‖R‖) that bounds ρ. */
export function smoothnessRatio(m: DenseMatrices, z: Float64Array[], i: number, j: number, eta: Float64Array): { remainder: Float64Array; ratio: number } {
  const zi = z[i - 1];
  const shifted = forwardFrom(m, i, j, zi.map((v, k) => v + eta[k]));
  const base = z[j - 1];
  // J η by the masked chain (no explicit Jacobian).
  let v: Float64Array = eta.map((e, k) => (zi[k] > 0 ? e : 0));
  for (let l = i + 1; l <= j; l++) {
    v = matVec(m, l - 1, v, false);
    if (l < j) v = v.map((e, k) => (z[l - 1][k] > 0 ? e : 0));
  }
  const remainder = shifted.map((s, k) => s - base[k] - v[k]);
  const r = norm(remainder);
  return { remainder, ratio: r === 0 ? Infinity : (norm(eta) * norm(base)) / (norm(zi) * r) };
}

export interface CushionOptions {
  /** Samples used (the first of `data`; default 200). */
  samples?: number;
  /** Relative size σ of the smoothness noise: ‖η‖ ≈ σ‖z_i‖ (default 1, the size of dropout's change). */
  scale?: number;
  /** Noise draws per sample and layer pair for the smoothness (default 2). */
  draws?: number;
  seed?: number;
}

/** One dense layer's numbers (1-based `layer`; the last is the output layer). */
export interface CushionLayer {
  layer: number;
  /** Units (rows of W_l). */
  units: number;
  /** μ_l: min over samples; `layerCushionMean` the mean. */
  layerCushion: number;
  layerCushionMean: number;
  /** μ_{l→} = min over j > l and samples of μ_{l,j} (1 for the output layer, where no layer follows). */
  interlayerCushion: number;
  /** μ_{l,j} for each j > l (min over samples), keyed by j. */
  interlayerCushions: Record<number, number>;
  /** ‖z_l‖ / ‖relu(z_l)‖ at its worst (hidden layers; Infinity when a sample leaves the layer all off). */
  activationContraction?: number;
  /** ρ from this layer's pre-activation to every later one (hidden layers). */
  interlayerSmoothness?: number;
}

export interface CushionResult {
  samples: number;
  scale: number;
  layers: CushionLayer[];
  /** c = max over hidden layers. */
  activationContraction: number;
  /** ρ = min over hidden layers. */
  interlayerSmoothness: number;
  /** max over samples of ‖f(x)‖ (the logits). */
  maxOutputNorm: number;
  /** Depth d (hidden layers) and smallest hidden width. */
  depth: number;
  minWidth: number;
  /** Kuditipudi et al.'s ε of noise stability (see `noiseStabilityEpsilon`). */
  epsilon: number;
  /** Whether ρ ≥ 3d, the smoothness the theorem assumes. */
  smoothEnough: boolean;
}

/** √2 bounds ‖∇_z CE(z, y)‖ = ‖softmax(z) − e_y‖: cross-entropy is √2-Lipschitz in the logits. */
export const CROSS_ENTROPY_LIPSCHITZ = Math.SQRT2;

/**
 * ε = β c^{3/2} d^{3/2} max‖f(x)‖ / (√h_min · min_{l≥2} μ_l μ_{l→}): the loss change that dropping
 * a random half of every hidden layer causes in a noise-stable net (β = √2 for cross-entropy; the
 * logarithmic factors of the Õ are left out). Layers l ≥ 2 are the ones whose inputs dropout changes.
 */
export function noiseStabilityEpsilon(r: Pick<CushionResult, 'layers' | 'activationContraction' | 'depth' | 'minWidth' | 'maxOutputNorm'>, beta = CROSS_ENTROPY_LIPSCHITZ): number {
  const worst = Math.min(...r.layers.slice(1).map((l) => l.layerCushion * l.interlayerCushion));
  return (beta * r.activationContraction ** 1.5 * r.depth ** 1.5 * r.maxOutputNorm) / (Math.sqrt(r.minWidth) * worst);
}

/** The four properties per layer of a ReLU MLP on the first `samples` of `data`, and the ε they give. */
export function measureCushions(arch: Arch, theta: Float32Array, data: DataSet, options: CushionOptions = {}): CushionResult {
  const { samples = 200, scale = 1, draws = 2, seed = 0 } = options;
  const m = denseMatrices(arch, theta);
  const L = m.w.length;
  const d = L - 1;
  const size = data.x.length / data.n;
  if (size !== m.cols[0]) throw new ModeconnError('BAD_SHAPE', `samples have ${size} values; the first dense layer reads ${m.cols[0]}`);
  const n = Math.min(samples, data.n);
  if (n === 0) throw new ModeconnError('EMPTY_DATA', 'measuring cushions needs at least one sample');
  const layerMin = new Array<number>(L).fill(Infinity);
  const layerSum = new Array<number>(L).fill(0);
  const inter: Array<Record<number, number>> = Array.from({ length: L }, () => ({}));
  const contraction = new Array<number>(d).fill(1);
  const smooth = new Array<number>(d).fill(Infinity);
  const wFro = m.w.map((w) => norm(w));
  let maxOut = 0;
  const state = new Uint32Array(4);
  seedState(seed, 0x4e53, state);
  for (let s = 0; s < n; s++) {
    const x0 = data.x.subarray(s * size, (s + 1) * size);
    const z = preActivations(m, x0);
    maxOut = Math.max(maxOut, norm(z[L - 1]));
    for (let l = 1; l <= L; l++) {
      const input = l === 1 ? Float64Array.from(x0) : relu(z[l - 2]);
      const den = wFro[l - 1] * norm(input);
      const mu = den > 0 ? norm(matVec(m, l - 1, input, false)) / den : 0;
      layerMin[l - 1] = Math.min(layerMin[l - 1], mu);
      layerSum[l - 1] += mu;
    }
    for (let i = 1; i <= d; i++) {
      const zi = z[i - 1];
      const on = norm(relu(zi));
      contraction[i - 1] = Math.max(contraction[i - 1], on > 0 ? norm(zi) / on : Infinity);
      for (let j = i + 1; j <= L; j++) {
        const J = interlayerJacobian(m, z, i, j);
        const hi = m.rows[i - 1];
        const Jz = new Float64Array(m.rows[j - 1]);
        for (let r = 0; r < Jz.length; r++) {
          let acc = 0;
          for (let k = 0; k < hi; k++) acc += J[r * hi + k] * zi[k];
          Jz[r] = acc;
        }
        const den = norm(J) * norm(zi);
        const mu = den > 0 ? norm(Jz) / den : 0;
        inter[i - 1][j] = Math.min(inter[i - 1][j] ?? Infinity, mu);
        const eta = new Float32Array(hi);
        for (let t = 0; t < draws; t++) {
          xoshiroKernels.rngNormal(state, eta);
          const sd = (scale * norm(zi)) / Math.sqrt(hi);
          const { ratio } = smoothnessRatio(m, z, i, j, Float64Array.from(eta, (e) => sd * e));
          smooth[i - 1] = Math.min(smooth[i - 1], ratio);
        }
      }
    }
  }
  const layers: CushionLayer[] = m.rows.map((units, k) => {
    const cushions = inter[k];
    const values = Object.values(cushions);
    return {
      layer: k + 1,
      units,
      layerCushion: layerMin[k],
      layerCushionMean: layerSum[k] / n,
      interlayerCushion: values.length > 0 ? Math.min(...values) : 1,
      interlayerCushions: cushions,
      ...(k < d ? { activationContraction: contraction[k], interlayerSmoothness: smooth[k] } : {}),
    };
  });
  const partial = {
    layers,
    activationContraction: Math.max(...contraction),
    depth: d,
    minWidth: Math.min(...m.rows.slice(0, d)),
    maxOutputNorm: maxOut,
  };
  const rho = Math.min(...smooth);
  return { samples: n, scale, ...partial, interlayerSmoothness: rho, epsilon: noiseStabilityEpsilon(partial), smoothEnough: rho >= 3 * d };
}
