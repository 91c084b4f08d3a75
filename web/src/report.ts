/**
 * What the lab has computed, as plain data: the numbers tests read from `window.lab.results` and the
 * report a user downloads (the library's reports and manifests, per-sample arrays left out).
 */
import type { PathReport } from 'modeconn';
import type { PathsResult } from './analysis/paths.js';
import type { PlaneResult } from './analysis/plane.js';
import type { SymmetryResult } from './analysis/symmetry.js';
import type { Pair } from './pair.js';
import type { LabState, PathKey } from './state.js';

/** One path's numbers on the test set. */
export interface PathNumbers {
  ts: number[];
  loss: number[];
  accuracy: number[];
  lossBarrier: number;
  errorBarrier: number;
}

/** Everything the lab has computed for the current pair (fields appear as the stages finish). */
export interface LabResults {
  pair?: { label: string; arch: Pair['arch']; kind: Pair['kind']; seed: number; train: number; test: number };
  paths?: Partial<Record<PathKey, PathNumbers>>;
  plane?: { xs: number[]; ys: number[]; loss: number[][]; third: string; marks: PlaneResult['marks']; paths: PlaneResult['paths'] };
  symmetry?: {
    best: string;
    rows: Array<{ key: string; label: string; lossBarrier: number | null; accuracyBarrier: number | null; note?: string }>;
    layers: Array<{ group: string; size: number; diagonalBefore: number; diagonalAfter: number }>;
  };
}

/** A path report's test numbers. */
export function summarizePath(report: PathReport): PathNumbers {
  const curve = report.sets.test;
  return {
    ts: report.ts,
    loss: curve.points.map((p) => p.loss),
    accuracy: curve.points.map((p) => p.accuracy),
    lossBarrier: curve.metrics!.loss.barrier,
    errorBarrier: curve.metrics!.error.barrier,
  };
}

export function summarizePair(pair: Pair): LabResults['pair'] {
  return { label: pair.label, arch: pair.arch, kind: pair.kind, seed: pair.seed, train: pair.train.n, test: pair.test.n };
}

export function summarizePlane(plane: PlaneResult): LabResults['plane'] {
  return { xs: plane.report.xs, ys: plane.report.ys!, loss: plane.report.sets.test.loss, third: plane.third, marks: plane.marks, paths: plane.paths };
}

export function summarizeSymmetry(result: SymmetryResult): LabResults['symmetry'] {
  return {
    best: result.best,
    rows: result.rows.map((r) => ({ key: r.key, label: r.label, lossBarrier: r.lossBarrier, accuracyBarrier: r.accuracyBarrier, ...(r.note ? { note: r.note } : {}) })),
    layers: result.layers.map((l) => ({ group: l.group, size: l.size, diagonalBefore: l.diagonalBefore, diagonalAfter: l.diagonalAfter })),
  };
}

/** A path report without its per-sample arrays. */
function dropSamples(report: PathReport): PathReport {
  return { ...report, sets: Object.fromEntries(Object.entries(report.sets).map(([k, c]) => [k, { ...c, perSample: undefined }])) };
}

/** The downloadable report: the state and link, the results, the training logs and the libraries' full reports. */
export function buildReport(
  state: LabState, link: string, results: LabResults, made: { pair?: Pair; paths?: PathsResult; plane?: PlaneResult }, timings: Record<string, number>,
): object {
  const { pair, paths, plane } = made;
  return {
    tool: 'modeconn lab',
    created: new Date().toISOString(),
    link,
    state,
    timings,
    results,
    training: pair?.logs,
    reports: {
      paths: paths ? Object.fromEntries(Object.entries(paths.reports).map(([k, r]) => [k, dropSamples(r!)])) : undefined,
      fit: paths?.fit ? { log: paths.fit.log, manifest: paths.fit.manifest } : undefined,
      alignment: paths ? { objective: paths.alignment.objective, permutations: Object.fromEntries(Object.entries(paths.alignment.permutations).map(([g, p]) => [g, Array.from(p)])) } : undefined,
      plane: plane?.report,
    },
  };
}
