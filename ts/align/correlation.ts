/**
 * Unit correlations between two networks (Ainsworth et al. 2022, §3.1; Li et al. 2016): for each
 * permutation group, C[i, j] = corr(a_i, b_j) of A's and B's post-activation features over a data
 * sample — every sample and spatial position is one observation, a group's buffers are pooled.
 * Returns one `[size, size]` matrix per group (row i: A's unit i; column j: B's unit j).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { Model } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { checkPair } from './weight-matching.js';
import { specOf, validateSpec } from './spec.js';

export interface UnitCorrelationOptions extends RunnerOption {
  /** Samples used (the first `samples` of the data set; default 1000). */
  samples?: number;
  /** Samples per WASM call (default 250). */
  batchSize?: number;
  /** BatchNorm mode of the forward passes (default 'eval'). */
  mode?: 'eval' | 'batch-stats';
}

/** The correlation matrix of one permutation group. */
export interface UnitCorrelation {
  /** The group's name in the permutation spec (e.g. 'P_0'). */
  group: string;
  /** Units in the group. */
  size: number;
  /** Row-major `[size, size]`: C[i·size + j] = corr(A's unit i, B's unit j); dead units give 0. */
  matrix: Float64Array;
  /** Observations per unit (samples × spatial positions × pooled buffers). */
  observations: number;
}

/** Channel-major copy `[n, b·s]` of a `[b, n, s]` activation block (s = positions per unit). */
function channelRows(x: Float32Array, batch: number, n: number, s: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let q = 0; q < batch; q++) {
    for (let i = 0; i < n; i++) {
      const from = (q * n + i) * s;
      const to = i * batch * s + q * s;
      // A plain loop: a subarray per unit costs more than the copy when s is small (s = 1: dense).
      for (let t = 0; t < s; t++) out[to + t] = x[from + t];
    }
  }
  return out;
}

/** corr(a_i, b_j) for every group of A's arch on the first `samples` of `data` (see the module header). */
export async function unitCorrelation(a: Model, b: Model, data: DataSet, options: UnitCorrelationOptions = {}): Promise<UnitCorrelation[]> {
  const { samples = 1000, batchSize = 250, mode = 'eval' } = options;
  const compiled = checkPair(a, b);
  const count = Math.min(samples, data.n);
  if (count === 0) throw new ModeconnError('EMPTY_DATA', `unit correlations need samples; data set ${data.name} has none`);
  const runner = await resolveRunner(options.runner);
  const kernels = wasmKernels(await getCore());
  const spec = specOf(a.arch);
  validateSpec(spec, compiled);
  const bufs = spec.groups.map((g) => (g.activations.length ? g.activations : g.buffers));
  const wanted = [...new Set(bufs.flat())];
  // Per group: Σa, Σb, Σa², Σb² (per unit), Σ a_i b_j, and the observation count — in f64.
  const stats = spec.groups.map((g) => ({
    sa: new Float64Array(g.size), sb: new Float64Array(g.size), saa: new Float64Array(g.size), sbb: new Float64Array(g.size),
    sab: new Float64Array(g.size * g.size), count: 0,
  }));
  const cap = Math.min(batchSize, count);
  for (let start = 0; start < count; start += cap) {
    const nb = Math.min(cap, count - start);
    const indices = Uint32Array.from({ length: nb }, (_, i) => start + i);
    const [actA, actB] = await Promise.all([a, b].map((m) => runner.activations(m.arch, m.params, data, indices, wanted, { mode })));
    spec.groups.forEach((g, k) => {
      const n = g.size;
      const st = stats[k];
      const part = new Float32Array(n * n);
      for (const buf of bufs[k]) {
        const at = wanted.indexOf(buf);
        const s = compiled.bufferSizes[buf] / n;
        const xa = channelRows(actA[at], nb, n, s);
        const xb = channelRows(actB[at], nb, n, s);
        const obs = nb * s;
        kernels.gemm({ m: n, n, k: obs, transB: true }, xa, xb, null, part);
        for (let i = 0; i < part.length; i++) st.sab[i] += part[i];
        for (let i = 0; i < n; i++) {
          let [sa, sb, saa, sbb] = [st.sa[i], st.sb[i], st.saa[i], st.sbb[i]];
          for (let o = i * obs; o < (i + 1) * obs; o++) {
            sa += xa[o];
            sb += xb[o];
            saa += xa[o] * xa[o];
            sbb += xb[o] * xb[o];
          }
          [st.sa[i], st.sb[i], st.saa[i], st.sbb[i]] = [sa, sb, saa, sbb];
        }
        st.count += obs;
      }
    });
  }
  return spec.groups.map((g, k) => {
    const n = g.size;
    const { sa, sb, saa, sbb, sab, count: m } = stats[k];
    const matrix = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ma = sa[i] / m;
      const da = Math.sqrt(Math.max(saa[i] / m - ma * ma, 0));
      for (let j = 0; j < n; j++) {
        const mb = sb[j] / m;
        const db = Math.sqrt(Math.max(sbb[j] / m - mb * mb, 0));
        // Dead units (no variance) correlate with nothing; the epsilon keeps them finite.
        matrix[i * n + j] = (sab[i * n + j] / m - ma * mb) / (da * db + 1e-12);
      }
    }
    return { group: g.name, size: n, matrix, observations: m };
  });
}
