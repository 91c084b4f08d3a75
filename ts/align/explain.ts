/**
 * Barrier decomposition: how much of the linear barrier between two networks each symmetry
 * explains. One linear path per row, evaluated on the same grid and data:
 *   naive          θ_A → θ_B
 *   scale          normalizeScale(θ_A) → normalizeScale(θ_B)
 *   weight         θ_A → weight-matched θ_B
 *   activation     θ_A → activation-matched θ_B
 *   matched+scale  normalizeScale(θ_A) → normalizeScale(best matched θ_B)
 *   +bn-reset      (m+s) the same, BatchNorm statistics recomputed at every t (networks with BatchNorm)
 *   +repair        (m+s) the same, REPAIR at every t
 *   curve          a fitted quadratic Bezier curve from θ_A to the best matched θ_B (optional)
 * "Best matched" is whichever matching has the lower test-loss barrier. Barriers are
 * sup_t v(t) − ((1−t)v(0) + t·v(1)) on loss and on error (= the accuracy barrier).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf, type Model } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { evaluatePath, hasBatchNorm, type BnMode, type PathReport } from '../paths/evaluate.js';
import { fitCurve } from '../paths/fit.js';
import { bezierCurve, linearPath, type Path } from '../paths/path.js';
import { activationMatching } from './activation-matching.js';
import { Repair } from './repair.js';
import { normalizeScale } from './scale.js';
import { weightMatching, type AlignmentResult } from './weight-matching.js';

export type ExplainKey = 'naive' | 'scale' | 'weight' | 'activation' | 'matched+scale' | '+bn-reset' | '+repair' | 'curve';

/** One row of the decomposition. */
export interface ExplainRow {
  key: ExplainKey;
  label: string;
  /** BatchNorm mode of the evaluation. */
  bn: BnMode;
  /** Test-set barriers (loss; error = accuracy barrier), or null when the row was skipped. */
  lossBarrier: number | null;
  accuracyBarrier: number | null;
  /** 1 − lossBarrier / naive lossBarrier. */
  lossBarrierRemoved: number | null;
  /** Why a row was skipped or how it was made. */
  note?: string;
  report?: PathReport;
  seconds: number;
}

export interface ExplainOptions extends RunnerOption {
  /** Grid points (default 11). */
  points?: number;
  /** Samples (first ones of train) for activation matching and REPAIR statistics (default 1000). */
  samples?: number;
  /** Training samples for BatchNorm recomputation (default: all of `train`). */
  bnData?: DataSet;
  /** Epochs of curve fitting (default 0: no curve row). */
  fitEpochs?: number;
  /** Seed of weight matching's order and curve fitting (default 0). */
  seed?: number;
  batchSize?: number;
  onStage?: (stage: string, done: number, total: number) => void;
}

export interface ExplainResult {
  rows: ExplainRow[];
  weight: AlignmentResult;
  activation: AlignmentResult;
  /** Which matching the matched+scale rows use. */
  best: 'weight' | 'activation';
  curve?: Path;
}

const LABELS: Record<ExplainKey, string> = {
  naive: 'naive line',
  scale: 'scale-normalised',
  weight: 'weight matching',
  activation: 'activation matching',
  'matched+scale': 'matched + scale',
  '+bn-reset': 'm+s + BN reset',
  '+repair': 'm+s + REPAIR',
  curve: 'fitted curve',
};

/** The barrier decomposition of A → B on `data.test` (see the module header). */
export async function explainBarrier(a: Model, b: Model, data: { train: DataSet; test: DataSet }, options: ExplainOptions = {}): Promise<ExplainResult> {
  const { points = 11, samples = 1000, fitEpochs = 0, seed = 0, batchSize = 1000 } = options;
  const arch = a.arch;
  const compiled = compiledOf(arch);
  if (JSON.stringify(a.arch) !== JSON.stringify(b.arch)) throw new ModeconnError('BAD_ARGUMENT', 'explain needs A and B of the same architecture');
  const runner = await resolveRunner(options.runner);
  const bnNet = hasBatchNorm(compiled);
  const total = 8 + (fitEpochs > 0 ? 1 : 0);
  let stage = 0;
  const note = (s: string) => options.onStage?.(s, stage++, total);
  const rows: ExplainRow[] = [];
  const evaluate = async (key: ExplainKey, path: Path, bn: BnMode, extra: { transform?: (t: Float32Array, x: number) => Float32Array; note?: string } = {}) => {
    note(LABELS[key]);
    const started = performance.now();
    const report = await evaluatePath(path, arch, { test: data.test }, {
      runner, points, bn, batchSize, bnData: bn === 'recompute' ? options.bnData ?? data.train : undefined, transform: extra.transform,
    });
    const m = report.sets.test.metrics!;
    const naive = rows.length > 0 ? rows[0].lossBarrier! : m.loss.barrier;
    const row: ExplainRow = {
      key, label: LABELS[key], bn, lossBarrier: m.loss.barrier, accuracyBarrier: m.error.barrier,
      lossBarrierRemoved: naive > 0 ? 1 - m.loss.barrier / naive : null,
      ...(extra.note ? { note: extra.note } : {}), report, seconds: (performance.now() - started) / 1000,
    };
    rows.push(row);
    return row;
  };

  await evaluate('naive', linearPath(a.params, b.params), 'blend');
  const normA = normalizeScale(arch, a.params).params;
  await evaluate('scale', linearPath(normA, normalizeScale(arch, b.params).params), 'blend');
  note('aligning (weight matching)');
  const weight = await weightMatching(a, b, { seed, runner, check: data.test });
  const wRow = await evaluate('weight', linearPath(a.params, weight.aligned.params), 'blend', { note: `${weight.objective.length} passes` });
  note('aligning (activation matching)');
  const activation = await activationMatching(a, b, data.train, { samples, runner, check: data.test });
  const aRow = await evaluate('activation', linearPath(a.params, activation.aligned.params), 'blend', { note: `${Math.min(samples, data.train.n)} training samples` });
  const best = aRow.lossBarrier! < wRow.lossBarrier! ? 'activation' : 'weight';
  const matched = (best === 'weight' ? weight : activation).aligned.params;
  const normB = normalizeScale(arch, matched).params;
  const matchedLine = linearPath(normA, normB);
  await evaluate('matched+scale', matchedLine, 'blend', { note: `${best} matching` });
  if (bnNet) {
    await evaluate('+bn-reset', matchedLine, 'recompute');
  } else {
    rows.push({ key: '+bn-reset', label: LABELS['+bn-reset'], bn: 'blend', lossBarrier: null, accuracyBarrier: null, lossBarrierRemoved: null, note: 'no BatchNorm layers', seconds: 0 });
  }
  try {
    const repair = await Repair.create(arch, normA, normB, data.train, { samples });
    await evaluate('+repair', matchedLine, 'blend', { transform: repair.transform, note: `statistics over ${Math.min(samples, data.train.n)} training samples` });
  } catch (error) {
    if (!(error instanceof ModeconnError && error.code === 'NOT_SUPPORTED')) throw error;
    rows.push({ key: '+repair', label: LABELS['+repair'], bn: 'blend', lossBarrier: null, accuracyBarrier: null, lossBarrierRemoved: null, note: error.message, seconds: 0 });
  }
  let curve: Path | undefined;
  if (fitEpochs > 0) {
    note(`fitting a curve (${fitEpochs} epochs)`);
    const started = performance.now();
    const fit = await fitCurve(bezierCurve(a.params, matched), arch, data.train, { seed, epochs: fitEpochs, runner, batchSize: 128 });
    curve = fit.path;
    const row = await evaluate('curve', curve, bnNet ? 'recompute' : 'blend', { note: `quadratic Bezier, ${fitEpochs} epochs of fitting` });
    row.seconds = (performance.now() - started) / 1000;
  }
  return { rows, weight, activation, best, curve };
}
