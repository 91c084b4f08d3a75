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
import { compiledOf, type Model } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { permutation, seedState } from '../kernels/xoshiro.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from './lsa.js';
import { assertSameFunction, checkSample } from './check.js';
import type { Kernels } from '../kernels/types.js';
import type { WmatchTermParams } from '../kernels/wmatch.js';
import type { Buf } from '../wasm/kernel.js';
import { MatchWorkspace } from '../wasm/match-workspace.js';
import {
  type PermAxis, type PermutationSpec, type Permutations,
  axisMap, gatherTensor, identityPermutations, permuteParams, specOf, validateSpec,
} from './spec.js';

export interface AlignOptions extends RunnerOption {
  /** Check on a sample that the aligned model computes B's function: `true` (default; seeded random
   * inputs), a data set (its first 64 samples) or `false`. Failure throws ALIGNMENT_BROKE_FUNCTION. */
  check?: boolean | DataSet;
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
export async function finishAlignment(compiled: CompiledArch, b: Model, aligned: Float32Array, check: boolean | DataSet, what: string): Promise<void> {
  if (check === false) return;
  assertSameFunction(await Engine.local(), compiled, b.params, aligned, checkSample(b.arch, check === true ? undefined : check), what);
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
  /** A's rows `[n, pre·inner]` (a copy when pre > 1 and inner > 1, else A's tensor). */
  rowsA: Float32Array;
  /** The term's n×n f64 matrix, in WASM memory. */
  cost: Buf;
  /** Whether `cost` holds the term for the `others` versions in `key`. */
  ready: boolean;
  key: string;
  /**
   * Set when the tensor's axes 0 and 1 are this axis and the one other permuted axis: the
   * `[p, q, s]` view of the `wmatch_term_update` kernel, which makes the term and updates it by a
   * low-rank GEMM when few entries of the other axis's index map changed. `basis` is the map the
   * cost was made with.
   */
  view: WmatchTermParams | null;
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
  for (let i = 0; i < part.length; i++) cost[i] += part[i];
}

/** The `[p, q, s]` view of a term whose tensor's axes 0 and 1 are its axis and the one other, or null. */
function termView(entry: LayoutEntry, axis: PermAxis, n: number, others: Term['others']): WmatchTermParams | null {
  if (others.length !== 1 || entry.shape.length < 2) return null;
  const o = others[0].axis;
  const rest = entry.shape.slice(2).reduce((x, y) => x * y, 1);
  if (axis.axis === 0 && o.axis === 1 && axis.block === 1) return { p: entry.shape[0], q: entry.shape[1], s: rest, axis: 0 };
  if (axis.axis === 1 && o.axis === 0) return { p: entry.shape[0], q: n, s: axis.block * rest, axis: 1 };
  return null;
}

/** Makes or updates a term with a `[p, q, s]` view in WASM; `map` is the other axis's index map now. */
function refreshViewTerm(ws: MatchWorkspace, t: Term, map: Uint32Array): void {
  const K = map.length;
  if (t.ready && t.basis) {
    const basis = t.basis;
    let m = 0;
    const changed = new Uint32Array(K);
    for (let c = 0; c < K; c++) if (basis[c] !== map[c]) changed[m++] = c;
    // Past half the indices, a fresh term costs about the same and sheds the updates' rounding.
    if (2 * m <= K) {
      ws.updateTerm(t.entry.offset, t.view!, map, t.cost, changed.subarray(0, m), basis);
      t.basis = map.slice();
      return;
    }
  }
  ws.costs(t.cost).fill(0);
  ws.updateTerm(t.entry.offset, t.view!, map, t.cost, null);
  t.basis = map.slice();
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
  const engine = await Engine.local();
  const kernels = wasmKernels(engine.core);
  const spec = specOf(a.arch);
  validateSpec(spec, compiled);
  const entries = new Map(compiled.layout.map((e) => [e.name, e]));
  const matched = (axis: PermAxis) => includeBuffers || !entries.get(axis.entry)!.kind.startsWith('running_');
  const axesByEntry = new Map<string, Array<{ group: number; axis: PermAxis }>>();
  spec.groups.forEach((g, k) => g.axes.forEach((axis) => axesByEntry.set(axis.entry, [...(axesByEntry.get(axis.entry) ?? []), { group: k, axis }])));
  const maxIndex = Math.max(1, ...compiled.layout.map((e) => Math.max(0, ...e.shape)));
  const ws = new MatchWorkspace(engine.core, a.params, b.params, maxIndex, Math.max(1, ...spec.groups.map((g) => g.axes.length)));
  try {
    const terms: Term[][] = spec.groups.map((g, k) => g.axes.filter(matched).map((axis) => {
      const entry = entries.get(axis.entry)!;
      const pre = entry.shape.slice(0, axis.axis).reduce((x, y) => x * y, 1);
      const inner = entry.length / (pre * g.size);
      const others = axesByEntry.get(axis.entry)!.filter((o) => !(o.group === k && o.axis.axis === axis.axis));
      const view = termView(entry, axis, g.size, others);
      const tensorA = a.params.subarray(entry.offset, entry.offset + entry.length);
      const rowsA = view || pre === 1 || inner === 1 ? tensorA : unitRows(a.params, entry, axis, g.size);
      return { entry, axis, pre, inner, others, rowsA, cost: ws.allocCost(g.size * g.size), ready: false, key: '', view, basis: null };
    }));
    const perms = identityPermutations(spec);
    const version = new Array<number>(spec.groups.length).fill(0);
    // The term keys each group's last assignment was solved with: the same keys give the same cost
    // matrix, hence the same assignment, which cannot improve on the perm it left.
    const solvedWith = new Array<string | null>(spec.groups.length).fill(null);
    const objective: number[] = [];
    const state = new Uint32Array(4);
    const order = new Uint32Array(spec.groups.length);
    const sums = spec.groups.map((g) => ws.allocCost(g.size * g.size));
    const costs = spec.groups.map((g) => new Float64Array(g.size * g.size));
    const objectiveOf = objectiveFunction(compiled, spec, ws, matched);
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
        for (const t of terms[k]) {
          // A term changes only when a perm on another axis of its tensor changed.
          const key = t.others.map((o) => version[o.group]).join(',');
          if (t.ready && t.key === key) continue;
          if (t.view) {
            refreshViewTerm(ws, t, axisMap(perms[spec.groups[t.others[0].group].name], t.others[0].axis.block));
          } else {
            const tensorB = b.params.subarray(t.entry.offset, t.entry.offset + t.entry.length);
            const maps = t.entry.shape.map(() => null as Uint32Array | null);
            for (const o of t.others) maps[o.axis.axis] = axisMap(perms[spec.groups[o.group].name], o.axis.block);
            const permuted = t.others.length ? new Float32Array(t.entry.length) : tensorB;
            if (t.others.length) gatherTensor(tensorB, t.entry.shape, maps, permuted);
            const c = new Float64Array(n * n);
            addTerm(kernels, t, n, permuted, new Float32Array(n * n), c);
            ws.costs(t.cost).set(c);
          }
          t.ready = true;
          t.key = key;
        }
        ws.sumTerms(terms[k].map((t) => t.cost), n * n, sums[k]);
        const cost = costs[k];
        cost.set(ws.costs(sums[k]));
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
    ws.free();
    const aligned = permuteParams(spec, compiled.layout, b.params, perms);
    lap('permute');
    await finishAlignment(compiled, b, aligned, check, 'weight matching');
    lap('check');
    return { permutations: perms, aligned: { arch: b.arch, params: aligned }, objective, spec };
  } finally {
    ws.free();
  }
}

/**
 * ⟨θ_A, π(θ_B)⟩ over the tensors that have a matched axis (f64), by `wmatch_dot` on the resident θs
 * through the perms' index maps: the same products summed in the same order as over a permuted copy.
 */
function objectiveFunction(compiled: CompiledArch, spec: PermutationSpec, ws: MatchWorkspace, matched: (a: PermAxis) => boolean) {
  const names = new Set(spec.groups.flatMap((g) => g.axes.filter(matched).map((ax) => ax.entry)));
  const tensors = compiled.layout.filter((e) => names.has(e.name) && e.length > 0).map((e) => {
    if (e.shape.length > 4) throw new ModeconnError('BAD_SHAPE', `tensors of rank ${e.shape.length} cannot be permuted (at most 4)`);
    const pad = 4 - e.shape.length;
    const axes = spec.groups.flatMap((g) => g.axes.filter((ax) => ax.entry === e.name).map((ax) => ({ group: g.name, axis: ax })));
    return { e, pad, dims: [...new Array<number>(pad).fill(1), ...e.shape], axes };
  });
  return (perms: Permutations): number => {
    let total = 0;
    ws.clearDot();
    for (const { e, pad, dims, axes } of tensors) {
      const all = new Uint32Array(dims.reduce((x, y) => x + y, 0));
      let stride = 1;
      let at = all.length;
      for (let d = 3; d >= 0; d--) {
        const ax = d >= pad ? axes.find((x) => x.axis.axis === d - pad) : undefined;
        const map = ax ? axisMap(perms[ax.group], ax.axis.block) : null;
        at -= dims[d];
        for (let i = 0; i < dims[d]; i++) all[at + i] = (map ? map[i] : i) * stride;
        stride *= dims[d];
      }
      total = ws.addPermutedDot(e.offset, dims as [number, number, number, number], all);
    }
    return total;
  };
}
