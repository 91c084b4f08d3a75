/**
 * A simplex of models on data: each vertex, the centroid, and `samples` seeded points drawn
 * uniformly from the simplex (flat Dirichlet), BatchNorm statistics recomputed at every point when
 * the arch has BatchNorm (and a train set is given); plus the ensemble of the sampled points (mean of
 * their softmax outputs) — Benton et al.'s "ESPRO" without the cost of training separate models.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { evaluatePoints } from '../model/evaluate-points.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { rngState } from '../kernels/xoshiro.js';
import { getCore } from '../wasm/kernel.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';
import { hasBatchNorm, namedSets, resolveBn, type BnMode, type PathData } from '../paths/evaluate.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { combinePredictions } from '../ensembles/predictions.js';
import { sampleWeights } from './fit.js';

export interface EvaluateSimplexOptions extends RunnerOption {
  /** Random points inside the simplex (default 16). */
  samples?: number;
  /** Seed of the points (default 0). */
  seed?: number;
  bn?: BnMode;
  bnData?: DataSet;
  batchSize?: number;
}

/** One evaluated point: its barycentric weights and, per data set, loss and accuracy. */
export interface SimplexPoint {
  kind: 'vertex' | 'centroid' | 'sample';
  weights: number[];
  sets: Record<string, { loss: number; accuracy: number }>;
}

export interface SimplexReport {
  points: SimplexPoint[];
  /** The ensemble of the sampled points, per data set: NLL of the mean softmax and its accuracy. */
  ensemble: Record<string, { loss: number; accuracy: number; members: number }>;
  bn: BnMode;
  manifest: RunManifest;
}

/** Evaluates the simplex of `vertices`; see the module header. */
export async function evaluateSimplex(arch: Arch, vertices: readonly Float32Array[], data: PathData, options: EvaluateSimplexOptions = {}): Promise<SimplexReport> {
  const { samples = 16, seed = 0, batchSize = 1000 } = options;
  const compiled = compiledOf(arch);
  if (vertices.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'evaluateSimplex needs at least one vertex');
  vertices.forEach((v, j) => {
    if (v.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `vertex ${j} has ${v.length} values; the architecture needs ${compiled.totalLength}`);
  });
  if (!Number.isInteger(samples) || samples < 0) throw new ModeconnError('BAD_ARGUMENT', `samples must be a non-negative integer, got ${samples}`);
  const sets = namedSets(data);
  if (sets.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'evaluateSimplex needs at least one data set');
  const { bn, bnData } = resolveBn(compiled, sets, options.bn, options.bnData);
  const recompute = bn === 'recompute' && hasBatchNorm(compiled);
  const mode = bn === 'batch-stats' ? 'batch-stats' : 'eval';
  const runner = await resolveRunner(options.runner);
  const kernels = wasmKernels(await getCore());
  const k = vertices.length;
  const state = rngState(seed, 0x60000);
  const chosen: Array<{ kind: SimplexPoint['kind']; weights: Float32Array }> = [
    ...vertices.map((_, j) => ({ kind: 'vertex' as const, weights: Float32Array.from({ length: k }, (__, i) => (i === j ? 1 : 0)) })),
    { kind: 'centroid', weights: new Float32Array(k).fill(1 / k) },
    ...Array.from({ length: samples }, () => ({ kind: 'sample' as const, weights: sampleWeights(state, k) })),
  ];
  const results = await evaluatePoints(runner, arch, chosen.length, (i) => {
    const theta = new Float32Array(compiled.totalLength);
    kernels.vecBlend(chosen[i].weights, vertices, theta);
    return theta;
  }, sets.map(([, set]) => set), { batchSize, mode, logits: samples > 0, bnData: recompute ? bnData : undefined });
  const points = chosen.map(({ kind, weights }, i): SimplexPoint => {
    const point: SimplexPoint = { kind, weights: Array.from(weights), sets: {} };
    sets.forEach(([role], s) => {
      const r = results[s][i];
      point.sets[role] = { loss: r.loss, accuracy: r.accuracy };
    });
    return point;
  });
  const ensemble: SimplexReport['ensemble'] = {};
  if (samples > 0) {
    const sampled = chosen.flatMap((c, i) => (c.kind === 'sample' ? [i] : []));
    sets.forEach(([role, set], s) => {
      const { loss, accuracy } = combinePredictions(sampled.map((i) => results[s][i]), set);
      ensemble[role] = { loss, accuracy, members: samples };
    });
  }
  const roles: Record<string, DataSet> = Object.fromEntries(sets);
  if (bnData) roles.bn = bnData;
  return {
    points,
    ensemble,
    bn,
    manifest: createManifest({
      operation: 'evaluateSimplex', arch, points: vertices, data: roles, seeds: { samples: seed },
      sampleOrder: `data set order; batches of ${batchSize}; points from (seed, stream 0x60000)`,
      options: { samples, seed, bn, batchSize },
    }),
  };
}
