/**
 * Ensembles along a curve (Garipov et al. 2018): the softmax outputs of k points θ(t_i) averaged,
 * p(y|x) = (1/k)·Σ_i softmax(f(x; θ(t_i))) (combinePredictions, ts/ensembles); reported with each
 * member's and each endpoint's accuracy and loss, and the two-endpoint ensemble for comparison.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { Engine } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { combinePredictions } from '../ensembles/predictions.js';
import { PathBlender } from './blender.js';
import { type BnMode, checkPath, hasBatchNorm } from './evaluate.js';
import { createManifest, type RunManifest } from './manifest.js';
import { type Path, uniformTs } from './path.js';

export interface EnsembleOptions extends RunnerOption {
  /** Members evenly spaced from 0 to 1 (default 5); ignored when `ts` is given. */
  k?: number;
  ts?: number[];
  /** 'blend' or 'recompute' (default 'recompute' when the arch has BatchNorm and bnData is given). */
  bn?: Exclude<BnMode, 'batch-stats'>;
  bnData?: DataSet;
  batchSize?: number;
}

/** Accuracy and mean negative log-likelihood of a predictor. */
export interface Scored {
  accuracy: number;
  /** Mean −log p(label). */
  loss: number;
}

export interface EnsembleReport {
  members: (Scored & { t: number })[];
  /** The average of the members' softmax outputs. */
  ensemble: Scored;
  endpoints: { a: Scored; b: Scored; /** Two-model ensemble of θ(0) and θ(1). */ pair: Scored };
  manifest: RunManifest;
}

/** Accuracy (argmax, first on ties) and mean −log p(label) of probabilities [n, classes]. */
export function scoreProbabilities(probs: Float64Array, data: DataSet): Scored {
  const classes = data.classes;
  let right = 0;
  let nll = 0;
  for (let i = 0; i < data.n; i++) {
    const row = i * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[row + c] > probs[row + best]) best = c;
    if (best === data.y[i]) right += 1;
    nll -= Math.log(Math.max(probs[row + data.y[i]], 1e-300));
  }
  return { accuracy: right / data.n, loss: nll / data.n };
}

/** Prediction averaging of k points on `path`, evaluated on `data`, against the endpoints. */
export async function ensembleAlongPath(path: Path, arch: Arch, data: DataSet, options: EnsembleOptions = {}): Promise<EnsembleReport> {
  const compiled = compiledOf(arch);
  checkPath(path, compiled);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
  const ts = options.ts ? [...options.ts] : uniformTs(options.k ?? 5);
  if (ts.length === 0 || ts.some((t) => !(t >= 0 && t <= 1))) throw new ModeconnError('BAD_ARGUMENT', 'ensemble ts must be values in [0, 1]');
  const bn = options.bn ?? (hasBatchNorm(compiled) && options.bnData ? 'recompute' : 'blend');
  if (bn === 'recompute' && !options.bnData) throw new ModeconnError('BAD_ARGUMENT', "bn: 'recompute' needs bnData");
  const recompute = bn === 'recompute' && hasBatchNorm(compiled);
  const batchSize = options.batchSize ?? 1000;
  const runner = await resolveRunner(options.runner);
  const blender = new PathBlender((await Engine.local()).ops, path);
  try {
    const thetas = [...ts, 0, 1].map((t) => blender.blend(t));
    const [results] = await runner.evaluate(arch, thetas, [data], { batchSize, logits: true, bnData: recompute ? options.bnData : undefined });
    const scored = (r: Scored): Scored => ({ accuracy: r.accuracy, loss: r.loss });
    const [ra, rb] = results.slice(ts.length);
    return {
      members: ts.map((t, m) => ({ t, ...scored(results[m]) })),
      ensemble: scored(combinePredictions(results.slice(0, ts.length), data)),
      endpoints: { a: scored(ra), b: scored(rb), pair: scored(combinePredictions([ra, rb], data)) },
      manifest: createManifest({
        operation: 'ensembleAlongPath',
        arch,
        points: path.points,
        data: { test: data, ...(recompute ? { bn: options.bnData! } : {}) },
        sampleOrder: `data set order; batches of ${batchSize}`,
        options: { ...options, ts, bn, batchSize, pathKind: path.kind },
      }),
    };
  } finally {
    blender.free();
  }
}
