/**
 * Weight matching (Ainsworth et al. 2022, Algorithm 1): find perms π maximising ⟨θ_A, π(θ_B)⟩ by
 * coordinate descent — for each group (seeded random order) solve one assignment on
 * C[i, j] = Σ_axes ⟨A's unit i, B's unit j with every other group permuted⟩ — until a full pass
 * improves no group. Returns the perms, the aligned B and ⟨θ_A, π(θ_B)⟩ after each pass.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { CompiledArch, LayoutEntry } from '../model/compile.js';
import { Engine } from '../model/engine.js';
import { compiledOf, type Model } from '../model/train.js';
import { permutation, seedState } from '../reference/rng.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from './lsa.js';
import { assertSameFunction, checkSample } from './check.js';
import type { Kernels } from '../kernels/types.js';
import {
  type PermAxis, type PermutationSpec, type Permutations,
  axisMap, gatherTensor, identityPermutations, permuteParams, specOf, validateSpec,
} from './spec.js';

export interface AlignOptions {
  /** Check on a sample that the aligned model computes B's function: `true` (default; seeded random
   * inputs), a data set (its first 64 samples) or `false`. Failure throws ALIGNMENT_BROKE_FUNCTION. */
  check?: boolean | DataSet;
  /** Engine to run on (default: one on this thread's core). */
  engine?: Engine;
}

export interface WeightMatchingOptions extends AlignOptions {
  /** Seed of the group order (default 0). */
  seed?: number;
  /** Passes over all groups at most (default 100). */
  maxIterations?: number;
  /** Also match BatchNorm running statistics (default false: trainable tensors only, as the paper). */
  includeBuffers?: boolean;
}

/** The result of an alignment of B to A. */
export interface AlignmentResult {
  /** One permutation per group: aligned unit i is B's unit perm[i]. */
  permutations: Permutations;
  /** B with the permutations applied (the same function as B). */
  aligned: Model;
  /** The matching objective after each pass (weight matching: ⟨θ_A, π(θ_B)⟩ over matched tensors). */
  objective: number[];
  spec: PermutationSpec;
}

/** `[n, rest]` rows of one tensor: row i holds every value of unit i along `axis`. */
export function unitRows(theta: Float32Array, e: LayoutEntry, a: PermAxis, n: number): Float32Array {
  const pre = e.shape.slice(0, a.axis).reduce((x, y) => x * y, 1);
  const inner = e.length / (pre * n);
  const out = new Float32Array(e.length);
  const rest = pre * inner;
  for (let p = 0; p < pre; p++) {
    for (let i = 0; i < n; i++) {
      const from = e.offset + (p * n + i) * inner;
      out.set(theta.subarray(from, from + inner), i * rest + p * inner);
    }
  }
  return out;
}

/** Checks that A and B share an architecture and θ length; returns the compiled arch. */
export function checkPair(a: Model, b: Model): CompiledArch {
  if (JSON.stringify(a.arch) !== JSON.stringify(b.arch)) {
    throw new ModeconnError('BAD_ARGUMENT', 'models A and B must have the same architecture');
  }
  const compiled = compiledOf(a.arch);
  for (const [label, m] of [['A', a], ['B', b]] as const) {
    if (m.params.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `model ${label} has ${m.params.length} parameters; the architecture needs ${compiled.totalLength}`);
    }
  }
  return compiled;
}

/** Runs the default function check of an alignment. */
export function finishAlignment(engine: Engine, compiled: CompiledArch, b: Model, aligned: Float32Array, check: boolean | DataSet, what: string): void {
  if (check === false) return;
  assertSameFunction(engine, compiled, b.params, aligned, checkSample(b.arch, check === true ? undefined : check), what);
}

/** One matched axis of a group and what its cost term depends on. */
interface Term {
  entry: LayoutEntry;
  axis: PermAxis;
  /** The entry viewed as [pre, n, inner] around the axis. */
  pre: number;
  inner: number;
  /** Other permuted axes of the same tensor: (group index, axis). */
  others: Array<{ group: number; axis: PermAxis }>;
  /** A's rows `[n, pre·inner]` when pre > 1 and inner > 1 (a copy), else A's tensor itself. */
  rowsA: Float32Array;
  cache: { key: string; cost: Float64Array } | null;
  /** For a 2-D tensor with one other permuted axis: the other perm the cached cost was made with. */
  basis: Uint32Array | null;
}

/**
 * Updates a cached 2-D term after the other axis's perm changed in a few places: each changed index
 * k adds A's slice k times (B's new slice − B's old slice), n² work instead of a whole GEMM.
 * Returns false when too much changed (the caller recomputes).
 */
function updateTerm(t: Term, n: number, tensorA: Float32Array, tensorB: Float32Array, perm: Uint32Array): boolean {
  const basis = t.basis!;
  const K = basis.length;
  const changed: number[] = [];
  for (let k = 0; k < K; k++) if (basis[k] !== perm[k]) changed.push(k);
  // Each changed index costs n² multiply-adds in JS; a GEMM of n²·K in WASM wins beyond ~K/16.
  if (changed.length * 16 > K) return false;
  const c = t.cache!.cost;
  const diff = new Float64Array(n);
  for (const k of changed) {
    const [kn, ko] = [perm[k], basis[k]];
    if (t.axis.axis === 0) {
      // [n, K]: C[i, j] = Σ_k A[i, k]·B[j, π(k)]
      for (let j = 0; j < n; j++) diff[j] = tensorB[j * K + kn] - tensorB[j * K + ko];
      for (let i = 0; i < n; i++) {
        const aik = tensorA[i * K + k];
        for (let j = 0; j < n; j++) c[i * n + j] += aik * diff[j];
      }
    } else {
      // [K, n]: C[i, j] = Σ_k A[k, i]·B[π(k), j]
      for (let j = 0; j < n; j++) diff[j] = tensorB[kn * n + j] - tensorB[ko * n + j];
      for (let i = 0; i < n; i++) {
        const aki = tensorA[k * n + i];
        for (let j = 0; j < n; j++) c[i * n + j] += aki * diff[j];
      }
    }
  }
  t.basis = perm.slice();
  return true;
}

/** C += (A's unit i)·(B's unit j) summed over the tensor, by one GEMM (no copy when pre or inner is 1). */
function addTerm(kernels: Kernels, t: Term, n: number, tensorB: Float32Array, part: Float32Array, cost: Float64Array): void {
  if (t.pre === 1) kernels.gemm({ m: n, n, k: t.inner, transB: true }, t.rowsA, tensorB, null, part);
  else if (t.inner === 1) kernels.gemm({ m: n, n, k: t.pre, transA: true }, t.rowsA, tensorB, null, part);
  else {
    const rowsB = unitRows(tensorB, { ...t.entry, offset: 0 }, t.axis, n);
    kernels.gemm({ m: n, n, k: t.pre * t.inner, transB: true }, t.rowsA, rowsB, null, part);
  }
  for (let i = 0; i < part.length; i++) cost[i] += part[i];
}

/** Aligns B to A by weight matching; see the module header. */
export async function weightMatching(a: Model, b: Model, options: WeightMatchingOptions = {}): Promise<AlignmentResult> {
  const { seed = 0, maxIterations = 100, includeBuffers = false, check = true } = options;
  const compiled = checkPair(a, b);
  const engine = options.engine ?? (await Engine.create());
  const kernels = wasmKernels(engine.core);
  const spec = specOf(a.arch);
  validateSpec(spec, compiled);
  const entries = new Map(compiled.layout.map((e) => [e.name, e]));
  const matched = (axis: PermAxis) => includeBuffers || !entries.get(axis.entry)!.kind.startsWith('running_');
  const axesByEntry = new Map<string, Array<{ group: number; axis: PermAxis }>>();
  spec.groups.forEach((g, k) => g.axes.forEach((axis) => axesByEntry.set(axis.entry, [...(axesByEntry.get(axis.entry) ?? []), { group: k, axis }])));
  const terms: Term[][] = spec.groups.map((g, k) => g.axes.filter(matched).map((axis) => {
    const entry = entries.get(axis.entry)!;
    const pre = entry.shape.slice(0, axis.axis).reduce((x, y) => x * y, 1);
    const inner = entry.length / (pre * g.size);
    const tensorA = a.params.subarray(entry.offset, entry.offset + entry.length);
    const rowsA = pre === 1 || inner === 1 ? tensorA : unitRows(a.params, entry, axis, g.size);
    const others = axesByEntry.get(axis.entry)!.filter((o) => !(o.group === k && o.axis.axis === axis.axis));
    return { entry, axis, pre, inner, others, rowsA, cache: null, basis: null };
  }));
  const perms = identityPermutations(spec);
  const version = new Array<number>(spec.groups.length).fill(0);
  const objective: number[] = [];
  const state = new Uint32Array(4);
  const order = new Uint32Array(spec.groups.length);
  const scratch = spec.groups.map((g) => ({ cost: new Float64Array(g.size * g.size), part: new Float32Array(g.size * g.size) }));
  for (let iter = 0; iter < maxIterations; iter++) {
    seedState(seed, iter, state);
    permutation(state, order);
    let progress = false;
    for (const k of order) {
      const g = spec.groups[k];
      const n = g.size;
      const { cost, part } = scratch[k];
      cost.fill(0);
      for (const t of terms[k]) {
        // A term changes only when a perm on another axis of its tensor changed.
        const key = t.others.map((o) => version[o.group]).join(',');
        const tensorB = b.params.subarray(t.entry.offset, t.entry.offset + t.entry.length);
        const lowRank = t.entry.shape.length === 2 && t.others.length === 1 && t.others[0].axis.block === 1 && t.axis.block === 1;
        const otherPerm = lowRank ? perms[spec.groups[t.others[0].group].name] : null;
        if (t.cache && t.cache.key !== key && lowRank && t.basis && updateTerm(t, n, a.params.subarray(t.entry.offset, t.entry.offset + t.entry.length), tensorB, otherPerm!)) {
          t.cache.key = key;
        }
        if (!t.cache || t.cache.key !== key) {
          const maps = t.entry.shape.map(() => null as Uint32Array | null);
          for (const o of t.others) maps[o.axis.axis] = axisMap(perms[spec.groups[o.group].name], o.axis.block);
          const permuted = t.others.length ? new Float32Array(t.entry.length) : tensorB;
          if (t.others.length) gatherTensor(tensorB, t.entry.shape, maps, permuted);
          const c = t.cache?.cost.fill(0) ?? new Float64Array(n * n);
          addTerm(kernels, t, n, permuted, part, c);
          t.cache = { key, cost: c };
          t.basis = otherPerm ? otherPerm.slice() : null;
        }
        for (let i = 0; i < cost.length; i++) cost[i] += t.cache.cost[i];
      }
      const p = perms[g.name];
      let before = 0;
      for (let i = 0; i < n; i++) before += cost[i * n + p[i]];
      const best = solveAssignment(kernels, cost, n, n, { maximize: true });
      if (best.cost > before + 1e-12 * Math.max(1, Math.abs(before))) {
        perms[g.name] = best.colForRow;
        version[k] += 1;
        progress = true;
      }
    }
    objective.push(matchObjective(compiled, spec, a.params, permuteParams(spec, compiled.layout, b.params, perms), matched));
    if (!progress) break;
  }
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  finishAlignment(engine, compiled, b, aligned, check, 'weight matching');
  return { permutations: perms, aligned: { arch: b.arch, params: aligned }, objective, spec };
}

/** ⟨θ_A, θ_B'⟩ over the tensors that have a matched axis (f64). */
function matchObjective(compiled: CompiledArch, spec: PermutationSpec, pa: Float32Array, pb: Float32Array, matched: (a: PermAxis) => boolean): number {
  const names = new Set(spec.groups.flatMap((g) => g.axes.filter(matched).map((ax) => ax.entry)));
  let sum = 0;
  for (const e of compiled.layout) {
    if (!names.has(e.name)) continue;
    for (let i = e.offset; i < e.offset + e.length; i++) sum += pa[i] * pb[i];
  }
  return sum;
}
