/**
 * The width sweep behind Nguyen et al.'s claim that connectivity appears at widths of order √N: for
 * each (N, w), two MLPs input-w-…-w-classes are trained from two seeds on N training samples, then
 * measured on those N samples: the line's loss barrier (Frankle et al.), the barrier after weight
 * matching (Ainsworth et al.), the constructed path's worst loss and the theorem's bound (probes of
 * both nets, experiment A), and the dropout-stability ε of both (Kuditipudi et al.). Configurations
 * run one after another; within one, the runner (a pool, say) shares the training and the probes.
 */
import { createDataSet, type DataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import { weightMatching } from '../align/weight-matching.js';
import { mlp } from '../model/builders.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { Schedule } from '../model/schedule.js';
import type { RunnerOption } from '../model/train.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { evaluatePath } from '../paths/evaluate.js';
import { linearPath } from '../paths/path.js';
import { dropoutStability } from '../stability/dropout.js';
import { checkPathBounds, referenceLosses } from './bound.js';
import { constructPath } from './constructed-path.js';
import { mapConcurrent, probeNetwork, type LossError, type ProbeOptions } from './probe.js';
import { widthRegime, type WidthRegime } from './widths.js';

/** One configuration: N training samples, hidden width w. */
export interface SweepConfig {
  n: number;
  width: number;
}

export interface WidthSweepOptions extends RunnerOption {
  configs: SweepConfig[];
  /** Hidden layers of width w (default 2, as the paper's width experiment). */
  depth?: number;
  /** The two training seeds (default [1, 2]). */
  seeds?: [number, number];
  /** Optimiser steps per network; epochs = ⌈steps·batch/N⌉, so small N are not under-trained (default 1500). */
  steps?: number;
  batchSize?: number;
  optimizer?: OptimizerConfig;
  schedule?: Schedule;
  /** Probe options (fraction, draws, epochs, …); the seed defaults to the sweep's first seed. */
  probe?: Omit<ProbeOptions, 'runner' | 'signal' | 'onProgress' | 'layers'>;
  /** Random halves per layer of the dropout search (default 8). */
  trials?: number;
  /** Evaluated t's on the line and the matched line (default 11). */
  linePoints?: number;
  /** Evaluated t's per segment of the constructed path (default 2). */
  pointsPerSegment?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { config: number; configs: number; stage: string }) => void;
  /** Called with every finished row (e.g. to save partial results of a long sweep). */
  onRow?: (row: SweepRow, index: number) => void;
}

/** The measurements of one configuration (losses on its N training samples unless said otherwise). */
export interface SweepRow extends SweepConfig {
  sqrtN: number;
  regime: WidthRegime;
  epochs: number;
  /** The two networks on train and on the test set. */
  networks: Array<{ seed: number; train: LossError; test: LossError }>;
  /** Loss barrier of the line A → B. */
  lineBarrier: number;
  /** Loss barrier of the line A → B after weight matching. */
  matchedBarrier: number;
  /** Constructed path: its worst loss, the theorem's bound, worst − max(L_A, L_B), every segment within its bound. */
  path: { worst: number; bound: number; excess: number; holds: boolean; segments: number };
  /** Probe training losses per hidden layer (layer 1 first) and whether every probe separates the data, per net. */
  probes: Array<{ losses: number[]; errors: number[]; separable: boolean[] }>;
  /** Dropout stability ε per net. */
  epsilon: number[];
  seconds: number;
}

/** `n` evenly spaced samples of `data` (deterministic). */
export function evenSubset(data: DataSet, n: number): DataSet {
  if (n >= data.n) return data;
  const size = data.x.length / data.n;
  const x = new Float32Array(n * size);
  const y = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const j = Math.floor((i * data.n) / n);
    x.set(data.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = data.y[j];
  }
  return createDataSet({ name: `${data.name}[${n} of ${data.n}]`, x, y, shape: data.shape, classes: data.classes });
}

/** The sweep's MLP for data of this shape. */
export function sweepArch(data: DataSet, width: number, depth: number): Arch {
  return mlp({ input: [...data.shape], hidden: new Array<number>(depth).fill(width), classes: data.classes });
}

/** Checks every configuration before any training (so a bad one fails at once). */
function checkConfigs(train: DataSet, test: DataSet, configs: SweepConfig[], depth: number): void {
  if (train.n === 0 || test.n === 0) throw new ModeconnError('EMPTY_DATA', `the width sweep needs training and test samples (got ${train.n} and ${test.n})`);
  if (configs.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'the width sweep needs at least one (N, width) configuration');
  if (!Number.isInteger(depth) || depth < 1) throw new ModeconnError('BAD_ARGUMENT', `depth must be a positive integer, got ${depth}`);
  for (const c of configs) {
    if (!Number.isInteger(c.n) || c.n < 1 || c.n > train.n) throw new ModeconnError('BAD_ARGUMENT', `N = ${c.n} is not between 1 and the ${train.n} training samples`);
    if (!Number.isInteger(c.width) || c.width < 2) {
      throw new ModeconnError('NOT_SUPPORTED', `width ${c.width} is too small to halve: the probes and the path keep ⌊w/2⌋ ≥ 1 units`);
    }
  }
}

/** Runs every configuration of the sweep on `train` (subsets of N samples) and `test`. */
export async function widthSweep(train: DataSet, test: DataSet, options: WidthSweepOptions): Promise<SweepRow[]> {
  const { configs, depth = 2, seeds = [1, 2], steps = 1500, batchSize = 64, trials = 8, linePoints = 11, pointsPerSegment = 2 } = options;
  checkConfigs(train, test, configs, depth);
  const optimizer = options.optimizer ?? { type: 'adam', lr: 0.001 };
  const runner = await resolveRunner(options.runner);
  const rows: SweepRow[] = [];
  for (const [index, config] of configs.entries()) {
    const started = performance.now();
    const stage = (s: string) => options.onProgress?.({ config: index, configs: configs.length, stage: s });
    const data = evenSubset(train, config.n);
    const arch = sweepArch(train, config.width, depth);
    const epochs = Math.max(1, Math.ceil((steps * batchSize) / config.n));
    stage('training');
    const nets = await mapConcurrent(seeds, runner.size, (seed) =>
      runner.train(arch, data, { seed, epochs, batchSize, optimizer, schedule: options.schedule, signal: options.signal }));
    const [a, b] = nets.map((m) => m.params);
    const own = await runner.evaluate(arch, [a, b], [data, test]);
    const le = (r: { loss: number; accuracy: number }): LossError => ({ loss: r.loss, error: 1 - r.accuracy });
    stage('line and weight matching');
    const lineOf = async (end: Float32Array) => (await evaluatePath(linearPath(a, end), arch, { train: data }, { points: linePoints, runner })).sets.train.metrics!.loss.barrier;
    const lineBarrier = await lineOf(b);
    const { aligned } = await weightMatching({ arch, params: a }, { arch, params: b }, { check: false });
    const matchedBarrier = await lineOf(aligned.params);
    stage('probes');
    const probeOptions = { seed: seeds[0], ...options.probe, runner, signal: options.signal };
    const probesA = await probeNetwork(arch, a, data, undefined, probeOptions);
    const probesB = await probeNetwork(arch, b, data, undefined, probeOptions);
    stage('constructed path');
    const path = constructPath(arch, a, b, probesA.layers, probesB.layers);
    const refs = referenceLosses(probesA, probesB, 'train');
    const check = (await checkPathBounds(arch, path, { train: data }, { train: refs }, { pointsPerSegment, runner })).sets.train.check;
    stage('dropout stability');
    const epsilon = [(await dropoutStability(arch, a, data, { trials, seed: seeds[0], runner })).epsilon, (await dropoutStability(arch, b, data, { trials, seed: seeds[1], runner })).epsilon];
    const endpoints = Math.max(refs.A[0], refs.B[0]);
    rows.push({
      ...config,
      sqrtN: Math.sqrt(config.n),
      regime: widthRegime(config.width, config.n),
      epochs,
      networks: seeds.map((seed, i) => ({ seed, train: le(own[0][i]), test: le(own[1][i]) })),
      lineBarrier,
      matchedBarrier,
      path: { worst: check.worst, bound: check.theoremBound, excess: check.worst - endpoints, holds: check.holds, segments: path.segments.length },
      probes: [probesA, probesB].map((p) => ({ losses: p.layers.map((l) => l.train.loss), errors: p.layers.map((l) => l.train.error), separable: p.layers.map((l) => l.separable) })),
      epsilon,
      seconds: (performance.now() - started) / 1000,
    });
    options.onRow?.(rows[rows.length - 1], index);
  }
  return rows;
}
