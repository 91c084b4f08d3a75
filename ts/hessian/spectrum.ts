/**
 * The Hessian's spectrum at one θ, as PyHessian reports it (Yao et al. 2020): the top-k eigenvalues
 * and eigenvectors (Lanczos with full reorthogonalisation), the trace (Hutchinson, Rademacher
 * probes), the eigenvalue density (stochastic Lanczos quadrature, weights fixed as in PyHessian's
 * PR #23), and per layer the top eigenvalue of the diagonal block H_ll and its trace (from the same
 * Hutchinson probes). Every product is H·v of the mean loss over the whole data set, on the runner.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { hutchinsonTrace, type TraceEstimate } from './hutchinson.js';
import { topEigenpairs } from './lanczos.js';
import { hessianBlocks, hessianOperator } from './operator.js';
import { densityGrid, slq, slqTrace, type Quadrature } from './slq.js';

export interface SpectrumOptions extends RunnerOption {
  /** Samples per WASM call (default 1000). */
  batchSize?: number;
  /** 'eval' (default, running statistics) or 'batch-stats'. */
  mode?: 'eval' | 'batch-stats';
  /** Top eigenvalues wanted (default 3; 0 skips). */
  topK?: number;
  /** Lanczos steps for the top eigenvalues (default max(2k + 20, 40)). */
  steps?: number;
  /** Hutchinson probes (default 30; 0 skips the trace). */
  traceProbes?: number;
  /** SLQ runs and steps (default none). */
  density?: { runs?: number; steps?: number; points?: number };
  /** Per-layer top eigenvalue (Lanczos on each block, `layerSteps` steps) and trace. */
  layers?: boolean;
  layerSteps?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after each stage ('top', 'trace', 'density', 'layer <name>'). */
  onStage?: (stage: string, products: number) => void;
}

/** One layer's diagonal block. */
export interface LayerSpectrum {
  name: string;
  size: number;
  topEigenvalue?: number;
  trace?: number;
  traceStderr?: number;
}

export interface SpectrumReport {
  /** The k largest eigenvalues, descending, with residual bounds ‖H·y − λ·y‖. */
  top: { value: number; residual: number }[];
  /** Their unit eigenvectors over θ (0 on running statistics). */
  eigenvectors: Float32Array[];
  trace?: Omit<TraceEstimate, 'samples'> & { probes: number };
  density?: { runs: Quadrature[]; grid: number[]; density: number[]; sigma: number; trace: number };
  layers?: LayerSpectrum[];
  /** H·v products over the whole data set. */
  products: number;
  seconds: number;
}

/** The spectrum of the Hessian of `arch` at `params` over `data` (see the module header). */
export async function hessianSpectrum(arch: Arch, params: Float32Array, data: DataSet, options: SpectrumOptions = {}): Promise<SpectrumReport> {
  const started = performance.now();
  const { topK = 3, traceProbes = 30, seed = 0 } = options;
  const compiled = compiledOf(arch);
  const base = { runner: options.runner, batchSize: options.batchSize, mode: options.mode, signal: options.signal };
  const blocks = hessianBlocks(arch);
  const op = hessianOperator(arch, params, data, { ...base, block: blocks[0] });
  let products = 0;
  const stage = (name: string, used: number) => {
    products += used;
    options.onStage?.(name, products);
  };

  const report: SpectrumReport = { top: [], eigenvectors: [], products: 0, seconds: 0 };
  if (topK > 0) {
    const { pairs } = await topEigenpairs(op, Math.min(topK, op.dim), { steps: options.steps, seed });
    report.top = pairs.map((p) => ({ value: p.value, residual: p.residual }));
    report.eigenvectors = pairs.map((p) => {
      const v = new Float32Array(compiled.totalLength);
      p.vector.forEach((x, i) => (v[i] = x));
      return v;
    });
    stage('top', op.products);
  }
  let layerTraces: TraceEstimate[] = [];
  if (traceProbes > 0) {
    const before = op.products;
    const est = await hutchinsonTrace(op, { probes: traceProbes, seed, groups: options.layers ? blocks.slice(1).map((b) => b.offsets) : [] });
    report.trace = { trace: est.trace, stderr: est.stderr, probes: traceProbes };
    layerTraces = est.groups;
    stage('trace', op.products - before);
  }
  if (options.density) {
    const before = op.products;
    const runs = await slq(op, { runs: options.density.runs, steps: options.density.steps, seed });
    report.density = { runs, ...densityGrid(runs, { points: options.density.points }), trace: slqTrace(runs, op.dim) };
    stage('density', op.products - before);
  }
  if (options.layers) {
    report.layers = [];
    for (const [k, block] of blocks.slice(1).entries()) {
      const layer: LayerSpectrum = { name: block.name, size: block.offsets.length };
      if (topK > 0) {
        const sub = hessianOperator(arch, params, data, { ...base, block });
        const { pairs } = await topEigenpairs(sub, 1, { steps: options.layerSteps ?? 20, seed });
        layer.topEigenvalue = pairs[0].value;
        stage(`layer ${block.name}`, sub.products);
      }
      if (layerTraces[k]) Object.assign(layer, { trace: layerTraces[k].trace, traceStderr: layerTraces[k].stderr });
      report.layers.push(layer);
    }
  }
  report.products = products;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
