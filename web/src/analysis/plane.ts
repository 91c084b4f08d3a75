/**
 * The plane through A, B and the curve's bend (or, without a curve, the matched B): θ(x, y) =
 * A + x·u + y·v with u along B − A (planeThrough), evaluated on a g × g grid that holds the three
 * models with a margin, on the runner, over the first PLANE_SAMPLES test samples. The line and the
 * curve lie in this plane; their coordinates are those of the Bezier basis:
 * c(t) = (1−t)²·c_A + 2t(1−t)·c_bend + t²·c_B.
 */
import { evaluateSurface, planeThrough, subsetDataSet, type Runner, type SurfaceReport } from 'modeconn';
import type { Pair } from '../pair.js';
import type { PathsResult } from './paths.js';

export interface PlaneResult {
  report: SurfaceReport;
  /** The third model's name: 'bend' or 'matched B'. */
  third: string;
  marks: Array<{ label: string; x: number; y: number }>;
  /** Polylines of the line and (with a bend) the curve in plane coordinates. */
  paths: Array<{ path: string; order: number; x: number; y: number }>;
}

/** Test samples the plane is evaluated on (a g² grid on all 1,996 test digits takes minutes on 2 cores). */
export const PLANE_SAMPLES = 1000;

/** Grid coordinates from lo to hi (g values). */
function spaceEvenly(lo: number, hi: number, g: number): number[] {
  return Array.from({ length: g }, (_, i) => lo + ((hi - lo) * i) / (g - 1));
}

/** Computes the plane (see the module header). */
export async function analysePlane(pair: Pair, paths: PathsResult, grid: number, runner: Runner, hooks: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {}): Promise<PlaneResult> {
  const curve = paths.paths.curve;
  const third = curve ? curve.points[1] : paths.alignment.aligned.params;
  const name = curve ? 'bend' : 'matched B';
  const plane = planeThrough(pair.arch, [pair.a.params, pair.b.params, third]);
  const [, [bx], [cx, cy]] = plane.coordinates;
  const margin = 0.2 * bx;
  const xs = spaceEvenly(Math.min(0, cx) - margin, Math.max(bx, cx) + margin, grid);
  const ys = spaceEvenly(Math.min(0, cy) - margin, Math.max(0, cy) + margin, grid);
  const test = pair.test.n > PLANE_SAMPLES ? subsetDataSet(pair.test, Array.from({ length: PLANE_SAMPLES }, (_, i) => i)) : pair.test;
  const report = await evaluateSurface(pair.arch, { origin: plane.origin, directions: [plane.u, plane.v] }, { test }, {
    xs, ys, runner, signal: hooks.signal, bnData: pair.train,
    onProgress: (p) => hooks.onProgress?.(p.done / p.total),
  });
  const steps = 40;
  const line = [0, 1].map((t, order) => ({ path: 'line', order, x: t * bx, y: 0 }));
  const bezier = curve
    ? Array.from({ length: steps + 1 }, (_, k) => {
      const t = k / steps;
      const [ca, cb, cc] = [(1 - t) ** 2, 2 * t * (1 - t), t * t];
      return { path: 'Bezier curve', order: k, x: cb * cx + cc * bx + ca * 0, y: cb * cy };
    })
    : [];
  return {
    report,
    third: name,
    marks: [{ label: 'A', x: 0, y: 0 }, { label: 'B', x: bx, y: 0 }, { label: name, x: cx, y: cy }],
    paths: [...line, ...bezier],
  };
}
