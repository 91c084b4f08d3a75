/**
 * Dropout stability of Kuditipudi et al. 2019. A net is ε-dropout stable when, for some half K_m of
 * the units of each hidden layer m, dropping the other half of the layers m..d (outgoing weights of
 * dropped units set to 0, of kept units × 2) raises the loss by at most ε, for every m. Units are the
 * outputs of dense layers and the channels of conv layers (channel-wise dropout; ts/stability/units.ts).
 * `dropoutStability` searches for such halves top layer first (the best of seeded random halves and
 * a largest-outgoing-norm candidate per layer, optionally refined by ts/stability/dropout-search.ts)
 * and reports each level's loss and ε. The paths built on the halves are in dropout-path.ts
 * (Theorem 1) and noise-path.ts (Theorem 2); their exports are re-exported here.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { LayoutEntry } from '../model/compile.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { compiledOf } from '../model/model.js';
import { xoshiroKernels, seedState } from '../kernels/xoshiro.js';
import { checkKept, outgoingNorms, scaleOutgoing, unitStack, type KeptUnits, type UnitStack } from './units.js';
import { rankByLoss, swapSearch } from './dropout-search.js';

/** The dense layers of a plain ReLU MLP (the noise-stability measures and the squared-loss runner need one). */
export interface DenseStack {
  weights: LayoutEntry[];
  biases: Array<LayoutEntry | undefined>;
  /** Units of hidden layer m (index m − 1). */
  widths: number[];
}

/** The dense layers of `arch`, which must be dense/relu/dropout/flatten only (NOT_SUPPORTED otherwise). */
export function denseStack(arch: Arch): DenseStack {
  const compiled = compiledOf(arch);
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const weights: LayoutEntry[] = [];
  const biases: Array<LayoutEntry | undefined> = [];
  arch.layers.forEach((layer, j) => {
    if (layer.type === 'dense') {
      weights.push(byName.get(`${j}.weight`)!);
      biases.push(byName.get(`${j}.bias`));
    } else if (!['relu', 'dropout', 'flatten'].includes(layer.type)) {
      throw new ModeconnError('NOT_SUPPORTED', `noise stability is measured on plain ReLU MLPs (dense, relu, dropout, flatten); layer ${j} is ${layer.type}`, {
        advice: 'dropout stability and both paths of Kuditipudi et al. cover convnets and BatchNorm nets (unitStack); the per-layer noise measures do not',
      });
    }
  });
  if (weights.length < 2) throw new ModeconnError('NOT_SUPPORTED', 'dropout stability needs at least one hidden layer');
  const widths = weights.slice(0, -1).map((w) => w.shape[0]);
  if (widths.some((h) => h < 2)) throw new ModeconnError('NOT_SUPPORTED', 'every hidden layer needs at least 2 units to drop half of them');
  return { weights, biases, widths };
}

/**
 * θ with dropout at hidden layers `from`..d (1-based): outgoing weights of each such layer's dropped
 * units (dense outputs or conv channels) set to 0 and of its kept units × 2.
 */
export function dropoutNetwork(arch: Arch, theta: Float32Array, kept: KeptUnits, from = 1): Float32Array {
  const stack = unitStack(arch);
  checkKept(stack.widths, kept);
  const total = compiledOf(arch).totalLength;
  if (theta.length !== total) throw new ModeconnError('BAD_SHAPE', `θ has ${theta.length} values; the architecture needs ${total}`);
  const out = theta.slice();
  for (let m = from; m <= stack.widths.length; m++) out.set(dropoutLevel(stack, out, kept, m));
  return out;
}

function dropoutLevel(stack: UnitStack, theta: Float32Array, kept: KeptUnits, m: number): Float32Array {
  const scale = new Float32Array(stack.widths[m - 1]);
  for (const u of kept[m - 1]) scale[u] = 2;
  const out = theta.slice();
  scaleOutgoing(stack, out, m, scale);
  return out;
}

export interface StabilityOptions extends RunnerOption {
  /** Random halves tried per layer, besides the largest-outgoing-norm half (default 16). */
  trials?: number;
  seed?: number;
  batchSize?: number;
  /**
   * 'random' (default): the best of the norm half and `trials` random halves. 'greedy': also the half
   * whose units raise the loss most when dropped alone, then local swaps (`swaps` proposals per layer).
   */
  search?: 'random' | 'greedy';
  /** Swap proposals per layer for search 'greedy' (default 64). */
  swaps?: number;
  /** Called with every half tried: its level `from`, kept units and dropout loss (progress, audits). */
  onCandidate?: (candidate: { from: number; units: Uint32Array; loss: number }) => void;
}

export interface StabilityResult {
  kept: KeptUnits;
  /** Loss of the net itself on the data. */
  loss: number;
  /** levels[i]: dropout at hidden layers (d − i)..d, i = 0..d − 1 (top layer first). */
  levels: Array<{ from: number; loss: number; accuracy: number }>;
  /** max over levels of (level loss − loss), ≥ 0. */
  epsilon: number;
  /** Nets evaluated by the search (the cost of the result). */
  evaluations: number;
}

/** Searches, top layer first, for halves that keep the dropout losses low; see the module header. */
export async function dropoutStability(arch: Arch, theta: Float32Array, data: DataSet, options: StabilityOptions = {}): Promise<StabilityResult> {
  const { trials = 16, seed = 0, batchSize = 1000, search = 'random', swaps = 64 } = options;
  const stack = unitStack(arch);
  const total = compiledOf(arch).totalLength;
  if (theta.length !== total) throw new ModeconnError('BAD_SHAPE', `θ has ${theta.length} values; the architecture needs ${total}`);
  const runner = await resolveRunner(options.runner);
  let evaluations = 0;
  const evaluate = async (params: Float32Array[]) => {
    evaluations += params.length;
    return (await runner.evaluate(arch, params, [data], { batchSize }))[0];
  };
  const [base] = await evaluate([theta]);
  const d = stack.widths.length;
  const kept: KeptUnits = stack.widths.map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => i));
  const levels: StabilityResult['levels'] = [];
  const state = new Uint32Array(4);
  // above: θ with dropout at the layers above m already chosen.
  let above = theta;
  for (let m = d; m >= 1; m--) {
    const h = stack.widths[m - 1];
    const k = Math.floor(h / 2);
    const norms = outgoingNorms(stack, theta, m);
    const candidates = [topUnits(norms, k)];
    seedState(seed, m, state);
    const order = new Uint32Array(h);
    for (let t = 0; t < trials; t++) {
      xoshiroKernels.rngPermutation(state, order);
      candidates.push(order.slice(0, k).sort());
    }
    const withHalf = (units: Uint32Array) => {
      kept[m - 1] = units;
      return dropoutLevel(stack, above, kept, m);
    };
    if (search === 'greedy') candidates.push(await rankByLoss(stack, above, m, k, evaluate));
    const results = await evaluate(candidates.map(withHalf));
    let best = { loss: Infinity, accuracy: 0, units: candidates[0] };
    results.forEach((r, c) => {
      options.onCandidate?.({ from: m, units: candidates[c], loss: r.loss });
      if (r.loss < best.loss) best = { loss: r.loss, accuracy: r.accuracy, units: candidates[c] };
    });
    if (search === 'greedy') {
      seedState(seed, 0x100 + m, state);
      best = await swapSearch(best, h, swaps, state, async (halves) => evaluate(halves.map(withHalf)));
    }
    kept[m - 1] = best.units;
    above = dropoutLevel(stack, above, kept, m);
    levels.push({ from: m, loss: best.loss, accuracy: best.accuracy });
  }
  return { kept, loss: base.loss, levels, epsilon: Math.max(0, ...levels.map((l) => l.loss - base.loss)), evaluations };
}

/** The k units with the largest values, ties to the lower index, increasing. */
function topUnits(values: number[], k: number): Uint32Array {
  return Uint32Array.from(values.map((v, u) => [v, u]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map((x) => x[1])).sort();
}

export { type KeptUnits } from './units.js';
export { dropoutPath, type DropoutPath, type SegmentKind } from './dropout-path.js';
