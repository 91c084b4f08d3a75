/**
 * Activation matching (Ainsworth et al. 2022, §3.1): for each group, the correlation
 * C[i, j] = corr(a_i, b_j) of A's and B's post-ReLU features over a data sample (every sample and
 * spatial position is an observation; a group's buffers are pooled), then one assignment per
 * group maximising Σ_i C[i, π_i]. Activations are read with one WASM call per batch.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { Model } from '../model/model.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from './lsa.js';
import { type AlignOptions, type AlignmentResult, checkPair, finishAlignment } from './weight-matching.js';
import { permuteParams, specOf, validateSpec } from './spec.js';

export interface ActivationMatchingOptions extends AlignOptions {
  /** Samples used (the first `samples` of the data set; default 1000). */
  samples?: number;
  /** Samples per WASM call (default 250). */
  batchSize?: number;
  /** BatchNorm mode of the forward passes (default 'eval'). */
  mode?: 'eval' | 'batch-stats';
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

/** Aligns B to A by matching post-activation features on `data`; `objective` is [Σ_groups Σ_i C[i, π_i]]. */
export async function activationMatching(a: Model, b: Model, data: DataSet, options: ActivationMatchingOptions = {}): Promise<AlignmentResult & { correlation: Record<string, number> }> {
  const { samples = 1000, batchSize = 250, mode = 'eval', check = true } = options;
  const compiled = checkPair(a, b);
  const count = Math.min(samples, data.n);
  if (count === 0) throw new ModeconnError('EMPTY_DATA', `activation matching needs samples; data set ${data.name} has none`);
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
  const perms: Record<string, Uint32Array> = {};
  const correlation: Record<string, number> = {};
  let total = 0;
  spec.groups.forEach((g, k) => {
    const n = g.size;
    const { sa, sb, saa, sbb, sab, count: m } = stats[k];
    const corr = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ma = sa[i] / m;
      const da = Math.sqrt(Math.max(saa[i] / m - ma * ma, 0));
      for (let j = 0; j < n; j++) {
        const mb = sb[j] / m;
        const db = Math.sqrt(Math.max(sbb[j] / m - mb * mb, 0));
        // Dead units (no variance) correlate with nothing; the epsilon keeps them finite.
        corr[i * n + j] = (sab[i * n + j] / m - ma * mb) / (da * db + 1e-12);
      }
    }
    const best = solveAssignment(kernels, corr, n, n, { maximize: true });
    perms[g.name] = best.colForRow;
    correlation[g.name] = best.cost / n;
    total += best.cost;
  });
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  await finishAlignment(compiled, b, aligned, check, 'activation matching');
  return { permutations: perms, aligned: { arch: b.arch, params: aligned }, objective: [total], spec, correlation };
}
