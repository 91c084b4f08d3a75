/**
 * Experiment B of Nguyen et al. 2021 beside experiment A: for each hidden layer ℓ, "drop half and
 * rescale" — the dropout network of Kuditipudi et al. at layers ℓ..d (half of each layer's units
 * dropped, the outgoing weights of the rest × 2, halves searched by `dropoutStability`) — against
 * "keep half and refit above" — the probe of layer ℓ. The gap between the two is the paper's central
 * comparison: features can be good (the probe fits) where the net is not dropout stable.
 */
import type { DataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { dropoutNetwork, dropoutStability, type KeptUnits } from '../stability/dropout.js';
import type { LossError, ProbeReport } from './probe.js';

export interface PruningOptions extends RunnerOption {
  /** Random halves tried per layer by the dropout search (default 16). */
  trials?: number;
  seed?: number;
  /** Samples per evaluation call (default 1000). */
  batchSize?: number;
}

/** One hidden layer ℓ: the pruned network and the probe, on train (and test). */
export interface PruningRow {
  layer: number;
  /** Dropout at layers ℓ..d with the rest × 2 (no retraining). */
  pruned: { train: LossError; test?: LossError };
  /** The probe of layer ℓ (kept units, retrained above), when ℓ was probed. */
  probe?: { train: LossError; test?: LossError };
  /** pruned − probe training loss. */
  gap?: number;
}

export interface PruningComparison {
  /** The network's own losses. */
  network: { train: LossError; test?: LossError };
  /** Kuditipudi et al.'s ε on the training set: the largest rise of the dropout networks' loss. */
  epsilon: number;
  /** The dropout halves found, per hidden layer. */
  kept: KeptUnits;
  rows: PruningRow[];
}

/**
 * Experiment B for a ReLU MLP beside a probe report of the same network (NOT_SUPPORTED for
 * convolutional or BatchNorm networks: the dropout construction in ts/stability is for dense layers).
 */
export async function comparePruning(arch: Arch, params: Float32Array, probes: ProbeReport, train: DataSet, test: DataSet | undefined, options: PruningOptions = {}): Promise<PruningComparison> {
  if (arch.layers.some((l) => l.type === 'conv2d' || l.type === 'batchnorm')) {
    throw new ModeconnError('NOT_SUPPORTED', 'pruning without retraining is measured for ReLU MLPs only', {
      advice: 'ts/stability builds dropout networks of dense layers; dropping channels of convolutions (and BatchNorm) is missing',
    });
  }
  const { trials = 16, seed = 0, batchSize = 1000 } = options;
  const runner = await resolveRunner(options.runner);
  const stability = await dropoutStability(arch, params, train, { trials, seed, batchSize, runner });
  const d = stability.kept.length;
  const levels = Array.from({ length: d }, (_, i) => i + 1);
  const pruned = levels.map((from) => dropoutNetwork(arch, params, stability.kept, from));
  const sets = test ? [train, test] : [train];
  const results = await runner.evaluate(arch, [params, ...pruned], sets, { batchSize });
  const at = (i: number) => {
    const le = (s: number): LossError => ({ loss: results[s][i].loss, error: 1 - results[s][i].accuracy });
    return { train: le(0), ...(test ? { test: le(1) } : {}) };
  };
  const rows = levels.map((layer): PruningRow => {
    const probe = probes.layers.find((p) => p.layer === layer);
    const p = at(layer);
    return {
      layer,
      pruned: p,
      ...(probe ? { probe: { train: probe.train, ...(probe.test ? { test: probe.test } : {}) }, gap: p.train.loss - probe.train.loss } : {}),
    };
  });
  return { network: at(0), epsilon: stability.epsilon, kept: stability.kept, rows };
}
