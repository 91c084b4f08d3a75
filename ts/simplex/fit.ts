/**
 * Simplexes of low loss (Benton et al. 2021): starting from one or more trained models (the first
 * vertices), add vertices one at a time; each new vertex is trained, the others fixed, to minimise
 * E_{w ~ Uniform(simplex)} L(Σ_j w_j θ_j) − λ·log V, where V is the simplex's volume (Cayley–Menger
 * determinant of the vertices' pairwise distances over the trainable parameters). Per batch: draw w
 * (flat Dirichlet, seeded), θ(w) by one WASM blend, ∇L(θ(w)) in TRAIN mode by one WASM call, the new
 * vertex's gradient w_new·∇L − λ·∇ log V (vec_axpy), and an optimiser step on its trainable prefix.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { assertFinite } from '../model/engine.js';
import { checkEpochOptions, runEpochs } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import { VectorOptimizer } from '../model/optimizer.js';
import type { RunnerOption } from '../model/train.js';
import type { TrainingLoopOptions } from '../model/training-options.js';
import { randomDirection } from '../landscape/directions.js';
import { CurveGradients } from '../paths/fit.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';
import type { Path } from '../paths/path.js';
import type { Buf } from '../wasm/kernel.js';
import { rngState, uniform } from '../kernels/xoshiro.js';

export interface FitSimplexOptions extends TrainingLoopOptions, RunnerOption {
  /** u32 seed: shuffling, the w draws (stream 0x40000 + vertex), dropout, the new vertices' start. */
  seed: number;
  /** Vertices to add (default 2: a triangle from one model). */
  add?: number;
  /** λ, the weight of −log V (default 0.01; 0 trains each vertex for loss alone). */
  volume?: number;
  /** A new vertex starts at the centroid plus this × a filter-normalised random direction (default 0.1). */
  initScale?: number;
  onProgress?: (progress: { vertex: number; epoch: number; step: number; steps: number; loss: number; fraction: number }) => void;
  onEpoch?: (log: SimplexEpochLog) => void;
}

export interface SimplexEpochLog {
  /** Index of the vertex being trained. */
  vertex: number;
  epoch: number;
  lr: number;
  /** Mean over the epoch's batches of L(θ(w)) (train mode). */
  trainLoss: number;
  trainAccuracy: number;
  /** log V at the end of the epoch (up to the Cayley–Menger constant). */
  logVolume: number;
  seconds: number;
}

export interface SimplexResult {
  vertices: Float32Array[];
  log: SimplexEpochLog[];
  manifest: RunManifest;
}

const STREAM_W = 0x40000;

/** A flat Dirichlet draw over k vertices (normalised exponentials of seeded uniforms). */
export function sampleWeights(state: Uint32Array, k: number): Float32Array {
  const e = Array.from({ length: k }, () => -Math.log(1 - uniform(state)));
  const sum = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (x) => x / sum);
}

/**
 * log |det CM| / 2 of the Cayley–Menger matrix of squared distances `d2` (k × k, k ≥ 2) — log V up to
 * a constant — and ∂/∂d2[last][j] for j < k − 1 (the new vertex's distances to the others).
 */
export function logVolume(d2: number[][]): { logVolume: number; gradient: number[] } {
  const k = d2.length;
  const m = k + 1;
  const a = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 0 : i === 0 || j === 0 ? 1 : d2[i - 1][j - 1])));
  // LU with partial pivoting for the determinant, then the inverse's last row through the solves.
  const lu = a.map((r) => [...r]);
  const perm = Array.from({ length: m }, (_, i) => i);
  let logDet = 0;
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(lu[r][c]) > Math.abs(lu[p][c])) p = r;
    if (lu[p][c] === 0) return { logVolume: -Infinity, gradient: new Array(k - 1).fill(0) };
    [lu[c], lu[p]] = [lu[p], lu[c]];
    [perm[c], perm[p]] = [perm[p], perm[c]];
    logDet += Math.log(Math.abs(lu[c][c]));
    for (let r = c + 1; r < m; r++) {
      lu[r][c] /= lu[c][c];
      for (let j = c + 1; j < m; j++) lu[r][j] -= lu[r][c] * lu[c][j];
    }
  }
  // Column `last` of the inverse (= its row, CM is symmetric): solve CM x = e_last.
  const last = m - 1;
  const y = perm.map((p) => (p === last ? 1 : 0));
  for (let r = 0; r < m; r++) for (let j = 0; j < r; j++) y[r] -= lu[r][j] * y[j];
  for (let r = m - 1; r >= 0; r--) {
    for (let j = r + 1; j < m; j++) y[r] -= lu[r][j] * y[j];
    y[r] /= lu[r][r];
  }
  // d2[last][j] sits at CM[last][j + 1] and CM[j + 1][last]: ∂(½ log|det|) = inv[last][j + 1].
  return { logVolume: logDet / 2, gradient: Array.from({ length: k - 1 }, (_, j) => y[j + 1]) };
}

/** log V of the simplex through the points resident in `state` and its gradient (see `logVolume`), over the trainable prefix. */
export function simplexVolume(state: CurveGradients): { logVolume: number; gradient: number[] } {
  const { blender } = state;
  const { ops } = state.engine;
  const P = state.compiled.paramCount;
  const k = blender.path.points.length;
  const d2 = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (__, j) => (i === j ? 0 : ops.distance(blender.point(i), blender.point(j), P) ** 2)));
  return logVolume(d2);
}

/**
 * The last vertex's gradient of one batch's objective L(θ(w)) − λ·log V, where w = the simplex
 * path's coefficients and the batch is order[first, first + n) of `state`'s session:
 * w_last·∇L(θ(w)) − λ·Σ_j 2·g_j·(θ_last − θ_j), g_j = ∂ log V / ∂ d²(last, j), into
 * `state.bendGrad` (P floats, returned with the batch's mean loss and right count). λ = `volume` ≥ 0
 * (Benton et al.'s regulariser rewards volume; a negative or NaN λ is refused, as in `fitSimplex`).
 */
export async function simplexGradient(state: CurveGradients, volume: number, first: number, n: number): Promise<{ loss: number; right: number; grad: Buf }> {
  if (!(volume >= 0)) throw new ModeconnError('BAD_ARGUMENT', `volume must be ≥ 0, got ${volume}`);
  const { loss, right, coeffs } = await state.gradientAt(0, first, n);
  const last = coeffs.length - 1;
  const grad = state.scaleInto(coeffs[last]);
  if (volume > 0) {
    const { ops } = state.engine;
    const P = state.compiled.paramCount;
    const { gradient } = simplexVolume(state);
    gradient.forEach((g, j) => {
      const c = -volume * 2 * g;
      ops.axpy(state.blender.point(last), grad, c, P);
      ops.axpy(state.blender.point(j), grad, -c, P);
    });
  }
  return { loss, right, grad };
}

/** Fits `add` new vertices onto the simplex of `start` (trained models of `arch`); see the module header. */
export async function fitSimplex(arch: Arch, start: readonly Float32Array[], data: DataSet, options: FitSimplexOptions): Promise<SimplexResult> {
  const { seed, epochs, batchSize = 128, schedule = { type: 'constant' }, warmupEpochs = 0, signal, add = 2, volume = 0.01, initScale = 0.1 } = options;
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  checkEpochOptions(epochs, batchSize, schedule, data);
  if (!Number.isInteger(add) || add < 1) throw new ModeconnError('BAD_ARGUMENT', `add must be a positive integer, got ${add}`);
  if (!(volume >= 0) || !(initScale >= 0)) throw new ModeconnError('BAD_ARGUMENT', 'volume and initScale must be ≥ 0');
  if (start.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'fitSimplex needs at least one starting model');
  const compiled = compiledOf(arch);
  start.forEach((v, j) => {
    if (v.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `vertex ${j} has ${v.length} values; the architecture needs ${compiled.totalLength}`);
    assertFinite(v, `vertex ${j}`);
  });
  const runner = await resolveRunner(options.runner);
  const P = compiled.paramCount;
  const vertices: Float32Array[] = start.map((v) => Float32Array.from(v));
  const log: SimplexEpochLog[] = [];
  for (let added = 0; added < add; added++) {
    // The new vertex: the centroid, pushed off the current simplex along a random direction.
    const k = vertices.length;
    const centroid = new Float32Array(compiled.totalLength);
    for (const v of vertices) for (let i = 0; i < centroid.length; i++) centroid[i] += v[i] / k;
    const push = randomDirection(arch, centroid, { seed, stream: 0x50000 + k });
    for (let i = 0; i < P; i++) centroid[i] += initScale * push[i];
    vertices.push(centroid);
    const index = vertices.length - 1;
    let weights: Float32Array = new Float32Array(vertices.length);
    const simplex: Path = {
      kind: 'waypoints', points: vertices, degree: 1,
      coefficients: () => weights,
      derivative: () => new Float32Array(vertices.length),
    };
    const capacity = Math.min(batchSize, data.n);
    const state = await CurveGradients.open(runner, arch, simplex, data, { capacity, seed: seed + index, mode: 'train', shards: options.shards, bnStatistics: options.bnStatistics });
    const { ops } = state.engine;
    const vertexOptimizer = new VectorOptimizer(ops, optimizer, P, optimizer.weightDecay ?? 0);
    const wState = rngState(seed, STREAM_W + index);
    try {
      await runEpochs({
        data, seed: seed + index, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'simplex fitting',
        onOrder: (order) => state.session.setOrder(order),
        runBatch: async ({ epoch, step, steps, start: first, n, lr }) => {
          weights = sampleWeights(wState, vertices.length);
          const { loss, right, grad } = await simplexGradient(state, volume, first, n);
          if (!Number.isFinite(loss)) {
            throw new ModeconnError('DIVERGED', `simplex fitting diverged: loss ${loss} at vertex ${index}, epoch ${epoch}, step ${step}`, { advice: 'lower the learning rate' });
          }
          vertexOptimizer.step(state.blender.point(index), grad, lr, step);
          options.onProgress?.({ vertex: index, epoch, step, steps, loss, fraction: (added + step / steps) / add });
          return { loss, right };
        },
        onEpochEnd: ({ started, ...summary }) => {
          const entry: SimplexEpochLog = { vertex: index, ...summary, logVolume: simplexVolume(state).logVolume, seconds: (performance.now() - started) / 1000 };
          log.push(entry);
          options.onEpoch?.(entry);
        },
      });
      vertices[index] = state.blender.readPoints()[index];
    } finally {
      vertexOptimizer.free();
      await state.close();
    }
  }
  return {
    vertices,
    log,
    manifest: createManifest({
      operation: 'fitSimplex',
      arch,
      points: vertices,
      data: { train: data },
      seeds: { fit: seed },
      sampleOrder: 'shuffled per epoch: xoshiro128** permutation with (seed + vertex, stream 0x10000 + epoch); w per batch from (seed, stream 0x40000 + vertex)',
      options: { ...options, optimizer, schedule, batchSize, add, volume, initScale },
    }),
  };
}
