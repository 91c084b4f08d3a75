/**
 * Sharpness along a path (how curvature changes across a barrier): at points θ(t) of a line or
 * curve, and at extra named points (SWA's average, FGE's snapshots), the loss, the top eigenvalue
 * (Lanczos) and the trace (Hutchinson) of the Hessian. BatchNorm statistics are recomputed at every
 * point first (exact average over `bnData`, as paths are evaluated), so each point is a real network.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { allCells, type CellPlan } from '../model/grid-cells.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { pointAt } from '../paths/blender.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import type { Path } from '../paths/path.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { hessianSpectrum } from './spectrum.js';

export interface PathSpectrumOptions extends RunnerOption {
  /** Values of t on the path (default 0, 0.25, 0.5, 0.75, 1). */
  ts?: readonly number[];
  /** Named points off the path (SWA, FGE snapshots). */
  extra?: ReadonlyArray<{ label: string; params: Float32Array }>;
  /** Data for BatchNorm recomputation (default: `data`); none recomputes without BatchNorm layers. */
  bnData?: DataSet;
  batchSize?: number;
  mode?: 'eval' | 'batch-stats';
  /** Lanczos steps for the top eigenvalue (default 20). */
  steps?: number;
  /** Hutchinson probes per point (default 20). */
  traceProbes?: number;
  seed?: number;
  signal?: AbortSignal;
  onPoint?: (done: number, total: number) => void;
}

/** One point's curvature. */
export interface PathSpectrumPoint {
  label: string;
  /** Its t, for points on the path. */
  t?: number;
  loss: number;
  topEigenvalue: number;
  trace: number;
  traceStderr: number;
}

/**
 * The points of hessianAlongPath as cells (path points in t order, then the extra points): evaluate
 * any subset, each point alone, so the cells of any split are the whole run's bit for bit.
 */
export async function planHessianPathCells(arch: Arch, path: Path | null, data: DataSet, options: PathSpectrumOptions = {}): Promise<CellPlan<{ labels: string[] }, PathSpectrumPoint>> {
  const compiled = compiledOf(arch);
  const ts = path ? [...(options.ts ?? [0, 0.25, 0.5, 0.75, 1])] : [];
  const extra = options.extra ?? [];
  if (ts.length + extra.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'hessianAlongPath needs a path with points or extra points');
  const kernels = wasmKernels(await getCore());
  const runner = await resolveRunner(options.runner);
  const targets = [
    ...ts.map((t) => ({ label: `t=${t}`, t, params: () => pointAt(path!, t, kernels) })),
    ...extra.map((e) => ({ label: e.label, t: undefined, params: () => e.params })),
  ];
  const evaluate = async (indices: readonly number[]): Promise<PathSpectrumPoint[]> => {
    const out: PathSpectrumPoint[] = [];
    for (const index of indices) {
      const target = targets[index];
      let params = target.params();
      if (hasBatchNorm(compiled)) {
        [params] = await runner.recomputeBatchNorm(arch, [params], options.bnData ?? data, { batchSize: options.batchSize, signal: options.signal });
      }
      const s = await hessianSpectrum(arch, params, data, {
        runner, batchSize: options.batchSize, mode: options.mode, topK: 1, steps: options.steps ?? 20,
        traceProbes: options.traceProbes ?? 20, seed: options.seed, signal: options.signal,
      });
      const [evald] = await runner.evaluate(arch, [params], [data], { batchSize: options.batchSize, mode: options.mode ?? 'eval' });
      out.push({
        label: target.label, ...(target.t === undefined ? {} : { t: target.t }), loss: evald[0].loss,
        topEigenvalue: s.top[0].value, trace: s.trace!.trace, traceStderr: s.trace!.stderr,
      });
      options.onPoint?.(out.length, indices.length);
    }
    return out;
  };
  return { plan: { labels: targets.map((t) => t.label) }, count: targets.length, evaluate };
}

/** Loss, top eigenvalue and trace at points of `path` and at `extra` points (see the module header). */
export async function hessianAlongPath(arch: Arch, path: Path | null, data: DataSet, options: PathSpectrumOptions = {}): Promise<PathSpectrumPoint[]> {
  const cells = await planHessianPathCells(arch, path, data, options);
  return cells.evaluate(allCells(cells.count));
}

/** The top two eigenvectors of the Hessian at θ as landscape directions (unit vectors over θ, 0 on running statistics). */
export async function hessianDirections(arch: Arch, params: Float32Array, data: DataSet, options: RunnerOption & { batchSize?: number; mode?: 'eval' | 'batch-stats'; steps?: number; seed?: number } = {}) {
  const s = await hessianSpectrum(arch, params, data, { ...options, topK: 2, traceProbes: 0 });
  return { directions: [s.eigenvectors[0], s.eigenvectors[1]] as [Float32Array, Float32Array], eigenvalues: s.top.map((p) => p.value), products: s.products };
}
