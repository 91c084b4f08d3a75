/**
 * Directions for loss-landscape pictures over the flat parameter vector.
 *
 * - `randomDirection`: a seeded Gaussian direction, normalised per filter (Li et al. 2018): each
 *   filter of a weight tensor (a dense layer's row, a conv layer's output channel) gets the norm of
 *   the same filter in θ, so the picture does not depend on the scale of each unit, which BatchNorm
 *   and ReLU leave free. 1-D tensors (biases, BatchNorm γ and β) get a zero direction by default,
 *   or θ's own values with `ignore: 'none'` (the reference code's choice); running statistics always
 *   get zero.
 * - `planeThrough`: the plane through three models (Garipov et al. 2018): an orthonormal basis
 *   (u, v) of the trainable parameters with u along θ1 − θ0, and each model's coordinates in it.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch } from '../model/compile.js';
import { compiledOf } from '../model/model.js';
import { xoshiroKernels, seedState } from '../kernels/xoshiro.js';

/** How a random direction is scaled to θ. */
export type Normalization = 'filter' | 'layer' | 'none';

export interface DirectionOptions {
  /** Seed of the Gaussian draws (default 0). */
  seed?: number;
  /** Stream of the seed: directions 0 and 1 of one picture use streams 0 and 1 (default 0). */
  stream?: number;
  /** 'filter' (default): each filter's norm equals θ's filter norm; 'layer': each tensor's; 'none': raw N(0, 1). */
  normalization?: Normalization;
  /** 'biasbn' (default): zero direction on 1-D tensors; 'none': 1-D tensors move along θ's own values. */
  ignore?: 'biasbn' | 'none';
}

/** L2 norm of `x[from, to)` in f64. */
function norm(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** Scales d[from, to) to have θ[from, to)'s norm (zero when either norm is zero). */
function matchNorm(d: Float32Array, theta: Float32Array, from: number, to: number): void {
  const nd = norm(d, from, to);
  const nt = norm(theta, from, to);
  const scale = nd > 0 ? nt / nd : 0;
  for (let i = from; i < to; i++) d[i] = Math.fround(d[i] * scale);
}

function checkTheta(compiled: CompiledArch, theta: Float32Array, what: string): void {
  if (!(theta instanceof Float32Array) || theta.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `${what} has ${theta?.length} values; the architecture needs ${compiled.totalLength}`);
  }
}

/** A seeded random direction scaled to `theta` (see the module header); length = θ's. */
export function randomDirection(arch: Arch, theta: Float32Array, options: DirectionOptions = {}): Float32Array {
  const { seed = 0, stream = 0, normalization = 'filter', ignore = 'biasbn' } = options;
  if (!['filter', 'layer', 'none'].includes(normalization)) {
    throw new ModeconnError('BAD_ARGUMENT', `normalization must be 'filter', 'layer' or 'none', got ${String(normalization)}`);
  }
  const compiled = compiledOf(arch);
  checkTheta(compiled, theta, 'theta');
  const d = new Float32Array(compiled.totalLength);
  const state = new Uint32Array(4);
  seedState(seed, stream, state);
  xoshiroKernels.rngNormal(state, d.subarray(0, compiled.paramCount));
  for (const e of compiled.layout) {
    if (e.length === 0) continue;
    const end = e.offset + e.length;
    if (e.offset >= compiled.paramCount) {
      d.fill(0, e.offset, end); // running statistics stay where θ has them
    } else if (e.shape.length <= 1) {
      if (ignore === 'biasbn') d.fill(0, e.offset, end);
      else if (normalization !== 'none') d.set(theta.subarray(e.offset, end), e.offset);
    } else if (normalization === 'layer') {
      matchNorm(d, theta, e.offset, end);
    } else if (normalization === 'filter') {
      const filters = e.shape[0];
      const per = e.length / filters;
      for (let f = 0; f < filters; f++) matchNorm(d, theta, e.offset + f * per, e.offset + (f + 1) * per);
    }
  }
  return d;
}

/** The plane through three models: θ(x, y) = origin + x·u + y·v. */
export interface Plane {
  /** θ0 (running statistics included). */
  origin: Float32Array;
  /** Unit vector along θ1 − θ0 over the trainable parameters (zero on running statistics). */
  u: Float32Array;
  /** Unit vector orthogonal to u in the plane of the three models. */
  v: Float32Array;
  /** (x, y) of θ0, θ1, θ2: (0, 0), (|θ1 − θ0|, 0), (⟨θ2 − θ0, u⟩, |θ2 − θ0 − ⟨θ2 − θ0, u⟩u|). */
  coordinates: [number, number][];
}

/** The plane through three models of one architecture (see the module header). */
export function planeThrough(arch: Arch, models: readonly [Float32Array, Float32Array, Float32Array]): Plane {
  const compiled = compiledOf(arch);
  models.forEach((m, j) => checkTheta(compiled, m, `model ${j}`));
  const P = compiled.paramCount;
  const [w0, w1, w2] = models;
  const a = new Float64Array(P);
  const b = new Float64Array(P);
  let aa = 0;
  for (let i = 0; i < P; i++) {
    a[i] = w1[i] - w0[i];
    b[i] = w2[i] - w0[i];
    aa += a[i] * a[i];
  }
  const la = Math.sqrt(aa);
  if (!(la > 0)) throw new ModeconnError('BAD_ARGUMENT', 'models 0 and 1 are the same point: no plane through them');
  let ab = 0;
  for (let i = 0; i < P; i++) ab += (a[i] / la) * b[i];
  let rr = 0;
  for (let i = 0; i < P; i++) {
    b[i] -= ab * (a[i] / la);
    rr += b[i] * b[i];
  }
  const lr = Math.sqrt(rr);
  // f32 models on one line leave a residual of rounding size (~1e-7 relative).
  if (!(lr > 1e-6 * la)) throw new ModeconnError('BAD_ARGUMENT', 'the three models lie on one line: no plane through them');
  const u = new Float32Array(compiled.totalLength);
  const v = new Float32Array(compiled.totalLength);
  for (let i = 0; i < P; i++) {
    u[i] = a[i] / la;
    v[i] = b[i] / lr;
  }
  return { origin: w0.slice(), u, v, coordinates: [[0, 0], [la, 0], [ab, lr]] };
}

