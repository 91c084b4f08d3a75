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
  /** When given, seconds spent per phase are added to it: `cost` (cost matrices), `solve`
   * (assignments), `objective` (⟨θ_A, π(θ_B)⟩ after each pass), `permute` (the aligned θ) and
   * `check` (the function check); `solves` counts the assignments solved. For benchmarks. */
  timings?: Partial<Record<'cost' | 'solve' | 'objective' | 'permute' | 'check' | 'solves', number>>;
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
  /** A's tensor, and A's rows `[n, pre·inner]` (a copy when pre > 1 and inner > 1, else the tensor). */
  tensorA: Float32Array;
  rowsA: Float32Array;
  /** The term's matrix and the versions of the `others` groups it was made with. */
  cost: Float64Array | null;
  key: string;
  /**
   * Set when the tensor's axes 0 and 1 are this axis (block 1) and the one other permuted axis, in
   * either order: the tensor is [P, Q, S] and the term can be updated by a low-rank GEMM. `basis`
   * is the other axis's index map the cached cost was made with.
   */
  lowRank: { P: number; Q: number; S: number } | null;
  basis: Uint32Array | null;
}

/** C += (A's unit i)·(B's unit j) summed over the tensor, by one GEMM (no copy when pre or inner is 1). */
function addTerm(kernels: Kernels, t: Term, n: number, tensorB: Float32Array, part: Float32Array, cost: Float64Array): void {
  if (t.pre === 1) kernels.gemm({ m: n, n, k: t.inner, transB: true }, t.rowsA, tensorB, null, part);
  else if (t.inner === 1) kernels.gemm({ m: n, n, k: t.pre, transA: true }, t.rowsA, tensorB, null, part);
  else {
    const rowsB = unitRows(tensorB, { ...t.entry, offset: 0 }, t.axis, n);
    kernels.gemm({ m: n, n, k: t.pre * t.inner, transB: true }, t.rowsA, rowsB, null, part);
  }
  addInto(cost, part);
}

/**
 * Updates a low-rank term after the other axis's index map changed at a few indices c (of the
 * other axis): each adds A's slice at c times (B's slice at map(c) − B's slice at basis(c)). The
 * slices are gathered as `[n, m·S]` and the update is one GEMM of k = m·S (m changed indices)
 * instead of k = K·S. Returns false when more than half changed (the caller recomputes).
 */
function updateTerm(kernels: Kernels, t: Term, n: number, tensorB: Float32Array, map: Uint32Array, part: Float32Array): boolean {
  const { P, Q, S } = t.lowRank!;
  const basis = t.basis!;
  const K = basis.length;
  let m = 0;
  for (let c = 0; c < K; c++) if (basis[c] !== map[c]) m += 1;
  if (2 * m > K) return false;
  if (m > 0) {
    const changed = new Uint32Array(m);
    for (let c = 0, at = 0; c < K; c++) if (basis[c] !== map[c]) changed[at++] = c;
    const w = m * S;
    const xa = new Float32Array(n * w);
    const xd = new Float32Array(n * w);
    const a = t.tensorA;
    if (t.axis.axis === 0) {
      // [n, Q, S]: C[i, j] = Σ_{q,s} A[i, q, s]·B[j, map(q), s]
      for (let i = 0; i < n; i++) {
        for (let h = 0; h < m; h++) {
          const q = changed[h];
          const src = (i * Q + q) * S;
          const from = (i * Q + map[q]) * S;
          const was = (i * Q + basis[q]) * S;
          const to = i * w + h * S;
          for (let s = 0; s < S; s++) {
            xa[to + s] = a[src + s];
            xd[to + s] = tensorB[from + s] - tensorB[was + s];
          }
        }
      }
    } else {
      // [P, n, S]: C[i, j] = Σ_{p,s} A[p, i, s]·B[map(p), j, s]
      for (let h = 0; h < m; h++) {
        const p = changed[h];
        for (let i = 0; i < n; i++) {
          const src = (p * n + i) * S;
          const from = (map[p] * n + i) * S;
          const was = (basis[p] * n + i) * S;
          const to = i * w + h * S;
          for (let s = 0; s < S; s++) {
            xa[to + s] = a[src + s];
            xd[to + s] = tensorB[from + s] - tensorB[was + s];
          }
        }
      }
    }
    kernels.gemm({ m: n, n, k: w, transB: true }, xa, xd, null, part);
    addInto(t.cost!, part);
  }
  t.basis = map.slice();
  return true;
}

/** The view of a term as [P, Q, S] (axes 0 and 1 = this axis and the other), or null. */
function lowRankView(entry: LayoutEntry, axis: PermAxis, others: Term['others']): Term['lowRank'] {
  if (others.length !== 1 || axis.block !== 1 || entry.shape.length < 2) return null;
  const o = others[0].axis;
  if (axis.axis + o.axis !== 1 || axis.axis === o.axis) return null;
  return { P: entry.shape[0], Q: entry.shape[1], S: entry.shape.slice(2).reduce((x, y) => x * y, 1) };
}

/** out = Σ terms, summed in order from 0 (as `out.fill(0)` then `+=` each), in one pass. */
function sumTerms(out: Float64Array, terms: Float64Array[]): void {
  const len = out.length;
  if (terms.length === 0) out.fill(0);
  else if (terms.length === 1) out.set(terms[0]);
  else if (terms.length === 2) {
    const [x, y] = terms;
    for (let i = 0; i < len; i++) out[i] = x[i] + y[i];
  } else if (terms.length === 3) {
    const [x, y, z] = terms;
    for (let i = 0; i < len; i++) out[i] = x[i] + y[i] + z[i];
  } else {
    out.set(terms[0]);
    for (let j = 1; j < terms.length; j++) {
      const x = terms[j];
      for (let i = 0; i < len; i++) out[i] += x[i];
    }
  }
}

/** out += x. */
function addInto(out: Float64Array, x: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] += x[i];
}

type Phase = 'cost' | 'solve' | 'objective' | 'permute' | 'check';

/** Aligns B to A by weight matching; see the module header. */
export async function weightMatching(a: Model, b: Model, options: WeightMatchingOptions = {}): Promise<AlignmentResult> {
  const { seed = 0, maxIterations = 100, includeBuffers = false, check = true, timings } = options;
  let clock = performance.now();
  const lap = (phase: Phase) => {
    if (!timings) return;
    const now = performance.now();
    timings[phase] = (timings[phase] ?? 0) + (now - clock) / 1000;
    clock = now;
  };
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
    return { entry, axis, pre, inner, others, tensorA, rowsA, cost: null, key: '', lowRank: lowRankView(entry, axis, others), basis: null };
  }));
  const perms = identityPermutations(spec);
  const version = new Array<number>(spec.groups.length).fill(0);
  // The term keys each group's last assignment was solved with: the same keys give the same cost
  // matrix, hence the same assignment, which cannot improve on the perm it left.
  const solvedWith = new Array<string | null>(spec.groups.length).fill(null);
  const objective: number[] = [];
  const state = new Uint32Array(4);
  const order = new Uint32Array(spec.groups.length);
  const scratch = spec.groups.map((g) => ({ cost: new Float64Array(g.size * g.size), part: new Float32Array(g.size * g.size) }));
  const objectiveOf = objectiveFunction(compiled, spec, a.params, b.params, matched);
  let changedSinceObjective = true;
  for (let iter = 0; iter < maxIterations; iter++) {
    seedState(seed, iter, state);
    permutation(state, order);
    let progress = false;
    for (const k of order) {
      const g = spec.groups[k];
      const n = g.size;
      const keys = terms[k].map((t) => t.others.map((o) => version[o.group]).join(',')).join(';');
      if (keys === solvedWith[k]) continue;
      const { cost, part } = scratch[k];
      for (const t of terms[k]) {
        // A term changes only when a perm on another axis of its tensor changed.
        const key = t.others.map((o) => version[o.group]).join(',');
        if (t.cost && t.key === key) continue;
        const tensorB = b.params.subarray(t.entry.offset, t.entry.offset + t.entry.length);
        const otherMap = t.lowRank ? axisMap(perms[spec.groups[t.others[0].group].name], t.others[0].axis.block) : null;
        if (t.cost && t.basis && updateTerm(kernels, t, n, tensorB, otherMap!, part)) {
          t.key = key;
          continue;
        }
        const maps = t.entry.shape.map(() => null as Uint32Array | null);
        for (const o of t.others) maps[o.axis.axis] = axisMap(perms[spec.groups[o.group].name], o.axis.block);
        const permuted = t.others.length ? new Float32Array(t.entry.length) : tensorB;
        if (t.others.length) gatherTensor(tensorB, t.entry.shape, maps, permuted);
        t.cost = t.cost?.fill(0) ?? new Float64Array(n * n);
        addTerm(kernels, t, n, permuted, part, t.cost);
        t.key = key;
        t.basis = otherMap ? otherMap.slice() : null;
      }
      sumTerms(cost, terms[k].map((t) => t.cost!));
      lap('cost');
      const p = perms[g.name];
      let before = 0;
      for (let i = 0; i < n; i++) before += cost[i * n + p[i]];
      const best = solveAssignment(kernels, cost, n, n, { maximize: true });
      solvedWith[k] = keys;
      if (timings) timings.solves = (timings.solves ?? 0) + 1;
      if (best.cost > before + 1e-12 * Math.max(1, Math.abs(before))) {
        perms[g.name] = best.colForRow;
        version[k] += 1;
        progress = true;
        changedSinceObjective = true;
      }
      lap('solve');
    }
    // Unchanged perms give the objective of the previous pass.
    objective.push(changedSinceObjective ? objectiveOf(perms) : objective[objective.length - 1]);
    changedSinceObjective = false;
    lap('objective');
    if (!progress) break;
  }
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  lap('permute');
  finishAlignment(engine, compiled, b, aligned, check, 'weight matching');
  lap('check');
  return { permutations: perms, aligned: { arch: b.arch, params: aligned }, objective, spec };
}

/**
 * ⟨θ_A, π(θ_B)⟩ over the tensors that have a matched axis (f64), read through the perms' index maps
 * without building π(θ_B): the same products summed in the same order as over the permuted copy.
 */
function objectiveFunction(compiled: CompiledArch, spec: PermutationSpec, pa: Float32Array, pb: Float32Array, matched: (a: PermAxis) => boolean) {
  const names = new Set(spec.groups.flatMap((g) => g.axes.filter(matched).map((ax) => ax.entry)));
  const tensors = compiled.layout.filter((e) => names.has(e.name) && e.length > 0).map((e) => {
    if (e.shape.length > 4) throw new ModeconnError('BAD_SHAPE', `tensors of rank ${e.shape.length} cannot be permuted (at most 4)`);
    const pad = 4 - e.shape.length;
    const axes = spec.groups.flatMap((g) => g.axes.filter((ax) => ax.entry === e.name).map((ax) => ({ group: g.name, axis: ax })));
    return { e, pad, dims: [...new Array<number>(pad).fill(1), ...e.shape], axes };
  });
  return (perms: Permutations): number => {
    let sum = 0;
    for (const { e, pad, dims, axes } of tensors) {
      const offs: Int32Array[] = [];
      let stride = 1;
      for (let d = 3; d >= 0; d--) {
        const ax = d >= pad ? axes.find((x) => x.axis.axis === d - pad) : undefined;
        const map = ax ? axisMap(perms[ax.group], ax.axis.block) : null;
        offs[d] = Int32Array.from({ length: dims[d] }, (_, i) => (map ? map[i] : i) * stride);
        stride *= dims[d];
      }
      sum = dotGathered(sum, pa, pb, e.offset, dims, offs[0], offs[1], offs[2], offs[3]);
    }
    return sum;
  };
}

/** sum + Σ_o pa[base + o]·pb[base + gathered(o)] over a padded 4-D tensor, in `gatherTensor`'s order. */
function dotGathered(sum: number, pa: Float32Array, pb: Float32Array, base: number, dims: number[], o0: Int32Array, o1: Int32Array, o2: Int32Array, o3: Int32Array): number {
  const [d0, d1, d2, d3] = dims;
  let o = base;
  for (let x = 0; x < d0; x++) {
    for (let y = 0; y < d1; y++) {
      const xy = base + o0[x] + o1[y];
      for (let z = 0; z < d2; z++) {
        const xyz = xy + o2[z];
        for (let w = 0; w < d3; w++) sum += pa[o + w] * pb[xyz + o3[w]];
        o += d3;
      }
    }
  }
  return sum;
}
