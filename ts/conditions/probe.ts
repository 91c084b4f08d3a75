/**
 * The feature-quality probe (experiment A of Nguyen, Bréchet and Mondelli 2021): for each hidden
 * layer ℓ of a trained network, freeze layers 1..ℓ, keep a random subset of ⌊f·h_ℓ⌋ of ℓ's units
 * and train from scratch the narrower network above them (⌊f·h_m⌋ units at every hidden layer m > ℓ;
 * above the last hidden layer a linear softmax classifier). Of `draws` random subsets the best is
 * kept (lowest train error, then loss). The kept units are linearly separable on the training set
 * when the linear probe reaches zero train error; its margin is min_i min_{j≠y_i} (z_{y_i} − z_j) /
 * ‖w_{y_i} − w_j‖. The frozen features are read once per layer ([n, h_ℓ] or [n, h_ℓ, H, W]) and the
 * probe is an ordinary plan, trained with trainModel on the runner (draws in parallel on a pool).
 */
import { createDataSet, type DataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import { seedState, xoshiroKernels } from '../kernels/xoshiro.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import { checkParams, compiledOf } from '../model/model.js';
import type { Runner } from '../model/runner.js';
import type { Schedule } from '../model/schedule.js';
import type { RunnerOption } from '../model/train.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { hiddenLayers, keptCount, probeArch, type HiddenLayer } from './units.js';

/** Loss and error (1 − accuracy) of a network on one set. */
export interface LossError {
  loss: number;
  error: number;
}

export interface ProbeOptions extends RunnerOption {
  /** Fraction f of each hidden layer's units that is kept (default 0.5). */
  fraction?: number;
  /** Random subsets tried per layer; the best is kept (default 4). */
  draws?: number;
  /** Hidden layers to probe, 1-based (default all). */
  layers?: number[];
  /** Seed of the subsets and of the probes' initialisation and shuffling (default 0). */
  seed?: number;
  /**
   * Probe training: `steps` optimiser steps (epochs = ⌈steps·batch/n⌉; default 3000) or, when given,
   * `epochs`; batch 64, Adam lr 0.002 with a cosine schedule by default.
   */
  steps?: number;
  epochs?: number;
  batchSize?: number;
  optimizer?: OptimizerConfig;
  schedule?: Schedule;
  /** Samples per activation and evaluation call (default 1000). */
  evalBatchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; layer: number; draw: number }) => void;
}

/** The probe of one hidden layer (its best draw). */
export interface LayerProbe {
  layer: number;
  kind: 'dense' | 'conv2d';
  units: number;
  /** The kept units of layer ℓ, increasing: the probe's input feature i is unit kept[i]. */
  kept: Uint32Array;
  /** The probe network and its trained θ. */
  arch: Arch;
  params: Float32Array;
  /** Index of the best draw. */
  draw: number;
  train: LossError;
  test?: LossError;
  /** Zero training error. */
  separable: boolean;
  /** min_i (z_{y_i} − max_{j≠y_i} z_j) over the training set: > 0 exactly when separable. */
  logitMargin: number;
  /** Linear probes only: the geometric multiclass margin (see the module header). */
  margin?: number;
  /** Every draw's result, in draw order. */
  draws: Array<{ kept: Uint32Array; train: LossError; test?: LossError }>;
}

export interface ProbeReport {
  fraction: number;
  /** Epochs each probe was trained for. */
  epochs: number;
  /** The network itself. */
  network: { train: LossError; test?: LossError };
  layers: LayerProbe[];
}

/** `data`'s labels with features read from layer `h` of θ, restricted to the `kept` units. */
function featureSet(all: Float32Array, h: HiddenLayer, kept: Uint32Array, data: DataSet, name: string): DataSet {
  const spatial = h.shape.slice(1).reduce((a, b) => a * b, 1);
  const size = h.units * spatial;
  const k = kept.length;
  const x = new Float32Array(data.n * k * spatial);
  for (let s = 0; s < data.n; s++) {
    for (let i = 0; i < k; i++) {
      const from = s * size + kept[i] * spatial;
      x.set(all.subarray(from, from + spatial), (s * k + i) * spatial);
    }
  }
  return createDataSet({ name, x, y: data.y, shape: [k, ...h.shape.slice(1)], classes: data.classes });
}

/** The post-ReLU output of hidden layer `h` of θ on every sample of `data`, `[n, size]`. */
export async function readLayerOutput(arch: Arch, params: Float32Array, h: HiddenLayer, data: DataSet, runner: Runner, batchSize = 1000): Promise<Float32Array> {
  const size = h.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(data.n * size);
  for (let start = 0; start < data.n; start += batchSize) {
    const n = Math.min(batchSize, data.n - start);
    const indices = Uint32Array.from({ length: n }, (_, i) => start + i);
    const [part] = await runner.activations(arch, params, data, indices, [h.buffer]);
    out.set(part, start * size);
  }
  return out;
}

/** Smallest z_y − max_{j≠y} z_j, and for a linear probe with weights `w` [C, k] the geometric margin. */
function margins(logits: Float32Array, y: Uint32Array, classes: number, w?: Float32Array): { logit: number; geometric?: number } {
  let logit = Infinity;
  let geometric = Infinity;
  const k = w ? w.length / classes : 0;
  const norm = new Float64Array(classes * classes);
  if (w) {
    for (let a = 0; a < classes; a++) {
      for (let b = 0; b < classes; b++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += (w[a * k + i] - w[b * k + i]) ** 2;
        norm[a * classes + b] = Math.sqrt(s);
      }
    }
  }
  for (let s = 0; s < y.length; s++) {
    const z = logits.subarray(s * classes, (s + 1) * classes);
    const c = y[s];
    for (let j = 0; j < classes; j++) {
      if (j === c) continue;
      const gap = z[c] - z[j];
      logit = Math.min(logit, gap);
      if (w) geometric = Math.min(geometric, norm[c * classes + j] > 0 ? gap / norm[c * classes + j] : gap > 0 ? Infinity : -Infinity);
    }
  }
  return { logit, ...(w ? { geometric } : {}) };
}

/** fn over every item, at most `concurrency` at once (a pool runs them side by side; one thread, in turn). */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return out;
}

/** A u32 seed per (seed, layer, draw). */
function drawSeed(seed: number, layer: number, draw: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(layer, 0x85ebca6b) + draw) >>> 0;
}

/** Experiment A on every (or each chosen) hidden layer of θ; see the module header. */
export async function probeNetwork(arch: Arch, params: Float32Array, train: DataSet, test: DataSet | undefined, options: ProbeOptions = {}): Promise<ProbeReport> {
  const { fraction = 0.5, draws = 4, seed = 0, steps = 3000, batchSize = 64, evalBatchSize = 1000 } = options;
  const optimizer = options.optimizer ?? { type: 'adam', lr: 0.002 };
  const schedule = options.schedule ?? { type: 'cosine' };
  const epochs = options.epochs ?? Math.max(1, Math.ceil((steps * batchSize) / Math.max(1, train.n)));
  const hidden = hiddenLayers(arch);
  checkParams(compiledOf(arch), [params], 'the network\'s parameters');
  if (!Number.isInteger(draws) || draws < 1) throw new ModeconnError('BAD_ARGUMENT', `draws must be a positive integer, got ${draws}`);
  for (const set of [train, test]) if (set && set.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${set.name} has no samples`);
  const chosen = options.layers ?? hidden.map((h) => h.layer);
  for (const l of chosen) if (!hidden[l - 1]) throw new ModeconnError('BAD_ARGUMENT', `hidden layer ${l} does not exist (the network has ${hidden.length})`);
  // Every width is checked before any training, so a too-narrow layer fails at once.
  const arches = new Map(chosen.map((l) => [l, probeArch(arch, l, fraction)]));
  hidden.forEach((h) => keptCount(h.units, fraction, h.layer));
  const runner = await resolveRunner(options.runner);
  const sets = test ? [train, test] : [train];
  const own = (await runner.evaluate(arch, [params], sets, { batchSize: evalBatchSize })).map((r) => r[0]);
  const lossError = (r: { loss: number; accuracy: number }): LossError => ({ loss: r.loss, error: 1 - r.accuracy });
  const report: ProbeReport = { fraction, epochs, network: { train: lossError(own[0]), ...(test ? { test: lossError(own[1]) } : {}) }, layers: [] };
  const total = chosen.length * draws;
  let done = 0;
  const state = new Uint32Array(4);
  for (const l of chosen) {
    const h = hidden[l - 1];
    const pArch = arches.get(l)!;
    const k = keptCount(h.units, fraction, l);
    const outputs: Float32Array[] = [];
    for (const s of sets) outputs.push(await readLayerOutput(arch, params, h, s, runner, evalBatchSize));
    seedState(seed, 0x100 + l, state);
    const order = new Uint32Array(h.units);
    const subsets = Array.from({ length: draws }, () => {
      xoshiroKernels.rngPermutation(state, order);
      return order.slice(0, k).sort();
    });
    const results = await mapConcurrent(subsets, runner.size, async (kept, d) => {
      const feats = sets.map((s, i) => featureSet(outputs[i], h, kept, s, `${s.name}:layer${l}`));
      const trained = await runner.train(pArch, feats[0], {
        seed: drawSeed(seed, l, d), epochs, batchSize, optimizer, schedule, signal: options.signal,
      });
      const evals = (await runner.evaluate(pArch, [trained.params], feats, { batchSize: evalBatchSize, logits: true })).map((r) => r[0]);
      options.onProgress?.({ done: ++done, total, layer: l, draw: d });
      return { kept, params: trained.params, evals };
    });
    let best = 0;
    results.forEach((r, d) => {
      const [a, b] = [r.evals[0], results[best].evals[0]];
      if (a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.loss < b.loss)) best = d;
    });
    const chosenDraw = results[best];
    const linear = pArch.layers.every((x) => x.type === 'dense' || x.type === 'flatten') && pArch.layers.filter((x) => x.type === 'dense').length === 1;
    const w = linear ? chosenDraw.params.subarray(0, arch.classes * k) : undefined;
    const m = margins(chosenDraw.evals[0].logits!, train.y, arch.classes, w);
    report.layers.push({
      layer: l,
      kind: h.kind,
      units: h.units,
      kept: chosenDraw.kept,
      arch: pArch,
      params: chosenDraw.params,
      draw: best,
      train: lossError(chosenDraw.evals[0]),
      ...(test ? { test: lossError(chosenDraw.evals[1]) } : {}),
      separable: chosenDraw.evals[0].accuracy === 1,
      logitMargin: m.logit,
      ...(m.geometric !== undefined ? { margin: m.geometric } : {}),
      draws: results.map((r) => ({ kept: r.kept, train: lossError(r.evals[0]), ...(test ? { test: lossError(r.evals[1]) } : {}) })),
    });
  }
  return report;
}
