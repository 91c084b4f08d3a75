/**
 * Soft permutations acting on θ's tensors: a group's matrix S (n×n, row k = universe unit, column l
 * = the model's unit; a permutation p is S[k, p[k]] = 1) applied along every axis of the group,
 * x'[…, k, …] = Σ_l S[k, l]·x[…, l, …] (units in blocks across a flatten), by GEMMs on the WASM core;
 * and the cost C[k, l] = ⟨R's unit k, U's unit l⟩ that is the gradient of ⟨R, S·U⟩ with respect to S.
 */
import type { LayoutEntry } from '../model/compile.js';
import type { GemmKernels } from '../kernels/gemm.js';
import type { PermAxis, PermutationSpec, Permutations } from './spec.js';
import { unitRows } from './weight-matching.js';

/** One matched tensor and its permuted axes (with their group indices). */
export interface SoftTensor {
  entry: LayoutEntry;
  axes: Array<{ group: number; axis: PermAxis }>;
}

/** The trainable tensors that have a permuted axis, each with its axes (running statistics left out, as weight matching does). */
export function softTensors(spec: PermutationSpec, layout: readonly LayoutEntry[]): SoftTensor[] {
  const byName = new Map<string, SoftTensor>();
  for (const e of layout) if (!e.kind.startsWith('running_') && e.length > 0) byName.set(e.name, { entry: e, axes: [] });
  spec.groups.forEach((g, k) => g.axes.forEach((axis) => byName.get(axis.entry)?.axes.push({ group: k, axis })));
  return [...byName.values()].filter((t) => t.axes.length > 0);
}

/** The [pre, n, r] view of a tensor around a permuted axis (pre and r; n is the group's size). */
function viewOf(shape: readonly number[], axis: PermAxis): { pre: number; r: number } {
  const pre = shape.slice(0, axis.axis).reduce((a, b) => a * b, 1);
  const after = shape.slice(axis.axis + 1).reduce((a, b) => a * b, 1);
  return { pre, r: axis.block * after };
}

/** x' = S applied along `axis` (x has `shape`); a new array. */
export function applyAlong(kernels: GemmKernels, x: Float32Array, shape: readonly number[], axis: PermAxis, s: Float32Array, n: number): Float32Array {
  const { pre, r } = viewOf(shape, axis);
  const out = new Float32Array(x.length);
  if (pre === 1) kernels.gemm({ m: n, n: r, k: n }, s, x, null, out);
  else if (r === 1) kernels.gemm({ m: pre, n, k: n, transB: true }, x, s, null, out);
  else {
    const part = new Float32Array(n * r);
    for (let p = 0; p < pre; p++) {
      kernels.gemm({ m: n, n: r, k: n }, s, x.subarray(p * n * r, (p + 1) * n * r), null, part);
      out.set(part, p * n * r);
    }
  }
  return out;
}

/** The tensor with every permuted axis except `skip` (index into t.axes; −1: none) transformed by its group's matrix. */
export function transformTensor(kernels: GemmKernels, params: Float32Array, t: SoftTensor, mats: readonly Float32Array[], sizes: readonly number[], skip = -1): Float32Array {
  let x = params.subarray(t.entry.offset, t.entry.offset + t.entry.length);
  t.axes.forEach(({ group, axis }, i) => {
    if (i !== skip) x = applyAlong(kernels, x, t.entry.shape, axis, mats[group], sizes[group]);
  });
  return x === params.subarray(t.entry.offset, t.entry.offset + t.entry.length) ? x.slice() : x;
}

/** C[k, l] = Σ ⟨R's unit k along `axis`, U's unit l⟩ (f32 n×n), added to `cost`. */
export function addUnitCost(kernels: GemmKernels, rTensor: Float32Array, uTensor: Float32Array, t: SoftTensor, axis: PermAxis, n: number, cost: Float64Array): void {
  const e = { ...t.entry, offset: 0 };
  const { pre, r } = viewOf(t.entry.shape, axis);
  const rest = pre * r;
  const a = pre === 1 ? rTensor : unitRows(rTensor, e, axis, n);
  const b = pre === 1 ? uTensor : unitRows(uTensor, e, axis, n);
  const part = new Float32Array(n * n);
  kernels.gemm({ m: n, n, k: rest, transB: true }, a, b, null, part);
  for (let i = 0; i < part.length; i++) cost[i] += part[i];
}

/** The 0/1 matrix of a permutation: S[k, p[k]] = 1. */
export function permutationMatrix(p: Uint32Array): Float32Array {
  const n = p.length;
  const s = new Float32Array(n * n);
  for (let k = 0; k < n; k++) s[k * n + p[k]] = 1;
  return s;
}

/** Every group's permutation matrix, in spec order. */
export function permutationMatrices(spec: PermutationSpec, perms: Permutations): Float32Array[] {
  return spec.groups.map((g) => permutationMatrix(perms[g.name]));
}
