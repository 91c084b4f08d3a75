/**
 * The three paths of the lab between A and B: the line, a quadratic Bezier curve fitted by Garipov
 * et al.'s E_t L(φ(t)) (skipped when `fit` is 0) and the line to B after weight matching (Ainsworth
 * et al.), each evaluated on the test set at `points` evenly spaced t, with per-sample results for
 * image data (the digit gallery).
 */
import {
  ModeconnError, bezierCurve, evaluatePath, fitCurve, linearPath, weightMatching,
  type AlignmentResult, type FitResult, type Path, type PathReport, type Runner,
} from 'modeconn';
import type { Pair } from '../pair.js';
import type { LabState, PathKey } from '../state.js';
import { buildOptimizer } from '../experiment.js';

export interface PathsResult {
  /** In the order line, curve (when fitted), matched. */
  keys: PathKey[];
  paths: Partial<Record<PathKey, Path>>;
  reports: Partial<Record<PathKey, PathReport>>;
  alignment: AlignmentResult;
  fit?: FitResult;
}

export interface PathsHooks {
  runner: Runner;
  signal?: AbortSignal;
  onStage?: (text: string, fraction: number) => void;
  /** Called as each path's report arrives (draw it at once). */
  onPath?: (key: PathKey, path: Path, report: PathReport) => void | Promise<void>;
}

/** Fits, aligns and evaluates (see the module header). */
export async function analysePaths(pair: Pair, s: LabState, hooks: PathsHooks): Promise<PathsResult> {
  const { runner, signal } = hooks;
  const { arch, a, b, train, test } = pair;
  const perSample = pair.kind === 'image';
  const result: PathsResult = { keys: [], paths: {}, reports: {}, alignment: undefined as unknown as AlignmentResult };
  const evaluate = async (key: PathKey, path: Path, label: string) => {
    const report = await evaluatePath(path, arch, { test }, {
      points: s.points, perSample, runner, signal, bnData: train, seeds: { A: s.seed, B: s.seed + 1 },
      onProgress: (p) => hooks.onStage?.(`evaluating the ${label}: t = ${p.t.toFixed(2)}`, p.done / p.total),
    });
    result.keys.push(key);
    result.paths[key] = path;
    result.reports[key] = report;
    await hooks.onPath?.(key, path, report);
  };
  await evaluate('line', linearPath(a.params, b.params), 'line');
  if (s.fit > 0) {
    hooks.onStage?.('fitting a Bezier curve…', 0);
    result.fit = await fitCurve(bezierCurve(a.params, b.params), arch, train, {
      seed: pair.seed, epochs: s.fit, batchSize: s.batch, optimizer: buildOptimizer(s), runner, signal,
      onProgress: (p) => hooks.onStage?.(`fitting a Bezier curve: epoch ${p.epoch} of ${s.fit}, loss ${p.loss.toFixed(3)}`, p.fraction),
    });
    await evaluate('curve', result.fit.path, 'Bezier curve');
  }
  if (signal?.aborted) throw new ModeconnError('CANCELLED', 'the analysis was cancelled');
  hooks.onStage?.('aligning B to A by weight matching…', 0);
  result.alignment = await weightMatching(a, b, { seed: pair.seed, runner, check: test });
  await evaluate('matched', linearPath(a.params, result.alignment.aligned.params), 'matched line');
  return result;
}
