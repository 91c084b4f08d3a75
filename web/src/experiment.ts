/**
 * What a state means as an experiment, for the playground and the digits: the data sets, the
 * architecture and the options of every library call. Seeds: data and split 0; A = seed, B = seed + 1;
 * curve fitting and weight matching = seed. Node reproduces a run by making the same calls
 * (tests/browser/lab.test.ts does, bit for bit).
 */
import {
  gaussianBlobs, mlp, spirals, splitDataSet, subsetDataSet, twoMoons,
  type Arch, type DataSet, type OptimizerConfig, type TrainJob,
} from 'modeconn';
import { listHidden, type LabState } from './state.js';

/** The playground's train and test sets: `n` samples, a quarter of them (seeded) for test. */
export function makePlayData(s: LabState): { train: DataSet; test: DataSet } {
  const all = s.data === 'moons'
    ? twoMoons({ n: s.n, noise: s.noise, seed: 0 })
    : s.data === 'blobs'
      ? gaussianBlobs({ n: s.n, classes: s.classes, std: s.noise, seed: 0 })
      : spirals({ n: s.n, classes: s.classes, noise: s.noise, turns: 1, seed: 0 });
  return splitDataSet(all, { test: Math.round(s.n / 4), seed: 0 });
}

/** The first `samples` training digits (the digits are interleaved by class, so a prefix is balanced). */
export function takeDigitsTrain(train: DataSet, s: LabState): DataSet {
  return s.samples >= train.n ? train : subsetDataSet(train, Array.from({ length: s.samples }, (_, i) => i), `${train.name}[:${s.samples}]`);
}

/** The MLP both networks share. */
export function buildArch(s: LabState, input: number[], classes: number): Arch {
  return mlp({ input, hidden: listHidden(s), classes });
}

/** The optimiser of training and of curve fitting (SGD with momentum 0.9). */
export function buildOptimizer(s: LabState): OptimizerConfig {
  return s.opt === 'adam' ? { type: 'adam', lr: s.lr } : { type: 'sgd', lr: s.lr, momentum: 0.9 };
}

/** The training job of network A (`which` 0) or B (1). */
export function buildTrainJob(s: LabState, which: 0 | 1, evalData?: DataSet): TrainJob {
  return { seed: s.seed + which, epochs: s.epochs, batchSize: s.batch, optimizer: buildOptimizer(s), ...(evalData ? { evalData } : {}) };
}
