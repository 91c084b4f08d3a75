/**
 * Dropout stability and the explicit paths of Kuditipudi et al. 2019, for ReLU MLPs.
 *
 * A net is ε-dropout stable when, for some half K_m of the units of each hidden layer m, dropping
 * the other half of the layers m..d (outgoing weights of dropped units set to 0, of kept units × 2)
 * raises the loss by at most ε, for every m. `dropoutStability` searches for such halves (top layer
 * first, the best of seeded random halves and a largest-outgoing-norm candidate per layer) and
 * reports each level's loss and ε.
 *
 * `dropoutPath` builds the piecewise-linear path of their Theorem 1 from A to B through the dropout
 * networks, out of two kinds of segments: (a) only the output layer moves, so the logits move
 * linearly and the cross-entropy (convex in the logits) stays below the larger end; (b) only units
 * that no path reaches the output from move, so the function does not change at all. Going down one
 * level builds, in units that are dead at that moment, a copy of the live chain that reads the kept
 * half of the level below (b), then moves the output layer onto the copy (a). At the bottom A's
 * dropout net and B's live in disjoint halves: B's copy is written beside A's (b), the output layer
 * moves from A's to B's (a), the rest becomes B's dropout net (b), and B's construction runs
 * backwards. B enters as B' = B with its hidden units permuted so that its halves fall where A's are
 * not (the same function as B; Kuditipudi et al.'s "without loss of generality"): the path ends at B'.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { LayoutEntry } from '../model/compile.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { compiledOf } from '../model/model.js';
import { xoshiroKernels, seedState } from '../kernels/xoshiro.js';

/** The dense layers of a ReLU MLP: d hidden layers then the output layer. */
export interface DenseStack {
  weights: LayoutEntry[];
  biases: Array<LayoutEntry | undefined>;
  /** Units of hidden layer m (index m − 1). */
  widths: number[];
}

/** The dense layers of `arch`, which must be dense/relu/dropout/flatten only (NOT_SUPPORTED otherwise). */
export function denseStack(arch: Arch): DenseStack {
  const compiled = compiledOf(arch);
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const weights: LayoutEntry[] = [];
  const biases: Array<LayoutEntry | undefined> = [];
  arch.layers.forEach((layer, j) => {
    if (layer.type === 'dense') {
      weights.push(byName.get(`${j}.weight`)!);
      biases.push(byName.get(`${j}.bias`));
    } else if (!['relu', 'dropout', 'flatten'].includes(layer.type)) {
      throw new ModeconnError('NOT_SUPPORTED', `dropout stability and its paths are built for ReLU MLPs (dense, relu, dropout, flatten); layer ${j} is ${layer.type}`, {
        advice: 'BatchNorm, convolutions and residual blocks are not covered by this construction',
      });
    }
  });
  if (weights.length < 2) throw new ModeconnError('NOT_SUPPORTED', 'dropout stability needs at least one hidden layer');
  const widths = weights.slice(0, -1).map((w) => w.shape[0]);
  if (widths.some((h) => h < 2)) throw new ModeconnError('NOT_SUPPORTED', 'every hidden layer needs at least 2 units to drop half of them');
  return { weights, biases, widths };
}

/** Kept units of each hidden layer (index m − 1 for layer m), ⌊h/2⌋ each. */
export type KeptUnits = Uint32Array[];

function checkKept(stack: DenseStack, kept: KeptUnits): void {
  if (kept.length !== stack.widths.length) throw new ModeconnError('BAD_ARGUMENT', `kept units for ${kept.length} layers; the net has ${stack.widths.length} hidden layers`);
  kept.forEach((k, m) => {
    const h = stack.widths[m];
    if (k.length !== Math.floor(h / 2) || new Set(k).size !== k.length || k.some((u) => u >= h)) {
      throw new ModeconnError('BAD_ARGUMENT', `hidden layer ${m + 1}: kept units must be ${Math.floor(h / 2)} distinct indices below ${h}`);
    }
  });
}

/** Units of `h` not in `kept`, increasing. */
function complement(kept: ArrayLike<number>, h: number): number[] {
  const inK = new Uint8Array(h);
  for (let i = 0; i < kept.length; i++) inK[kept[i]] = 1;
  return Array.from({ length: h }, (_, u) => u).filter((u) => !inK[u]);
}

/**
 * θ with dropout at hidden layers `from`..d (1-based): outgoing weights of each such layer's dropped
 * units set to 0 and of its kept units × 2.
 */
export function dropoutNetwork(arch: Arch, theta: Float32Array, kept: KeptUnits, from = 1): Float32Array {
  const stack = denseStack(arch);
  checkKept(stack, kept);
  const out = theta.slice();
  for (let m = from; m <= stack.widths.length; m++) {
    const next = stack.weights[m]; // consumer of hidden layer m: [rows, h_m]
    const h = stack.widths[m - 1];
    const scale = new Float32Array(h);
    for (const u of kept[m - 1]) scale[u] = 2;
    const rows = next.shape[0];
    for (let r = 0; r < rows; r++) for (let c = 0; c < h; c++) out[next.offset + r * h + c] *= scale[c];
  }
  return out;
}

export interface StabilityOptions extends RunnerOption {
  /** Random halves tried per layer, besides the largest-outgoing-norm half (default 16). */
  trials?: number;
  seed?: number;
  batchSize?: number;
  /** Called with every half tried: its level `from`, kept units and dropout loss (progress, audits). */
  onCandidate?: (candidate: { from: number; units: Uint32Array; loss: number }) => void;
}

export interface StabilityResult {
  kept: KeptUnits;
  /** Loss of the net itself on the data. */
  loss: number;
  /** levels[i]: dropout at hidden layers (d − i)..d, i = 0..d − 1 (top layer first). */
  levels: Array<{ from: number; loss: number; accuracy: number }>;
  /** max over levels of (level loss − loss), ≥ 0. */
  epsilon: number;
}

/** Searches, top layer first, for halves that keep the dropout losses low; see the module header. */
export async function dropoutStability(arch: Arch, theta: Float32Array, data: DataSet, options: StabilityOptions = {}): Promise<StabilityResult> {
  const { trials = 16, seed = 0, batchSize = 1000 } = options;
  const stack = denseStack(arch);
  const runner = await resolveRunner(options.runner);
  const evaluate = async (params: Float32Array[]) => (await runner.evaluate(arch, params, [data], { batchSize }))[0];
  const [base] = await evaluate([theta]);
  const d = stack.widths.length;
  const kept: KeptUnits = stack.widths.map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => i));
  const levels: StabilityResult['levels'] = [];
  const state = new Uint32Array(4);
  for (let m = d; m >= 1; m--) {
    const h = stack.widths[m - 1];
    const k = Math.floor(h / 2);
    // Candidates: the units with the largest outgoing weight norms, then seeded random halves.
    const next = stack.weights[m];
    const norms = Array.from({ length: h }, (_, c) => {
      let s = 0;
      for (let r = 0; r < next.shape[0]; r++) s += theta[next.offset + r * h + c] ** 2;
      return s;
    });
    const candidates = [Uint32Array.from(norms.map((n, u) => [n, u]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map((x) => x[1]))];
    seedState(seed, m, state);
    const order = new Uint32Array(h);
    for (let t = 0; t < trials; t++) {
      xoshiroKernels.rngPermutation(state, order);
      candidates.push(order.slice(0, k).sort());
    }
    let best: { loss: number; accuracy: number; units: Uint32Array } | undefined;
    const results = await evaluate(candidates.map((units) => {
      kept[m - 1] = units;
      return dropoutNetwork(arch, theta, kept, m);
    }));
    results.forEach((r, c) => {
      options.onCandidate?.({ from: m, units: candidates[c], loss: r.loss });
      if (!best || r.loss < best.loss) best = { loss: r.loss, accuracy: r.accuracy, units: candidates[c] };
    });
    kept[m - 1] = best!.units;
    levels.push({ from: m, loss: best!.loss, accuracy: best!.accuracy });
  }
  return { kept, loss: base.loss, levels, epsilon: Math.max(0, ...levels.map((l) => l.loss - base.loss)) };
}

/** Mutable dense weights of one network, per layer. */
class Net {
  constructor(readonly stack: DenseStack, readonly theta: Float32Array) {}
  /** Row `r` of layer `l` (0-based: hidden layer m is l = m − 1, the output layer is l = d). */
  setRow(l: number, r: number, values: ArrayLike<number> | null, bias: number): void {
    const w = this.stack.weights[l];
    const cols = w.shape[1];
    const at = w.offset + r * cols;
    if (values) this.theta.set(values, at);
    else this.theta.fill(0, at, at + cols);
    const b = this.stack.biases[l];
    if (b) this.theta[b.offset + r] = bias;
  }
  get(l: number, r: number, c: number): number {
    const w = this.stack.weights[l];
    return this.theta[w.offset + r * w.shape[1] + c];
  }
  bias(l: number, r: number): number {
    const b = this.stack.biases[l];
    return b ? this.theta[b.offset + r] : 0;
  }
}

/** Where a chain's units sit: positions[l][i] holds kept unit i of hidden layer l + 1. */
type Positions = number[][];

/**
 * Writes into `net` the chain of `src` computing dropout at hidden layers `low`..d (1-based) at
 * `pos` (levels low..d; level `low` must be the kept units' own positions) — rows of levels
 * low+1..d, reading the chain below with 2·W. Level `low`'s units are `src`'s own.
 */
function writeChain(net: Net, src: Net, kept: KeptUnits, low: number, pos: Positions): void {
  for (let m = low + 1; m <= kept.length; m++) {
    const l = m - 1;
    const cols = net.stack.weights[l].shape[1];
    kept[l].forEach((unit, i) => {
      const row = new Float32Array(cols);
      kept[l - 1].forEach((below, j) => {
        row[pos[l - 1][j]] = 2 * src.get(l, unit, below);
      });
      net.setRow(l, pos[l][i], row, src.bias(l, unit));
    });
  }
}

/** Points the output layer at the chain's top level (2·W of the kept units), with `src`'s bias. */
function writeTop(net: Net, src: Net, kept: KeptUnits, pos: Positions): void {
  const d = kept.length;
  const top = net.stack.weights[d];
  for (let r = 0; r < top.shape[0]; r++) {
    const row = new Float32Array(top.shape[1]);
    kept[d - 1].forEach((unit, i) => {
      row[pos[d - 1][i]] = 2 * src.get(d, r, unit);
    });
    net.setRow(d, r, row, src.bias(d, r));
  }
}

/** One segment kind per step: 'a' moves the output layer only, 'b' moves dead units only. */
export type SegmentKind = 'a' | 'b';

/**
 * θ → its dropout net by the top-down construction. `slots[l]` = [kept positions, copy positions]
 * of hidden layer l + 1 (the kept positions are where `theta`'s kept units are). Returns the
 * waypoints after θ, their kinds, and the chain positions of the dropout net at the end.
 */
function towardsDropout(stack: DenseStack, theta: Float32Array, kept: KeptUnits, slots: Array<[number[], number[]]>): { points: Float32Array[]; kinds: SegmentKind[]; pos: Positions } {
  const d = kept.length;
  const src = new Net(stack, theta);
  const net = new Net(stack, theta.slice());
  const points: Float32Array[] = [];
  const kinds: SegmentKind[] = [];
  // slot[l]: 0 when level l + 1 of the live chain sits at the kept positions, 1 at the copies.
  const slot = new Array<number>(d).fill(0);
  const pos = (): Positions => slot.map((s, l) => slots[l][s]);
  writeTop(net, src, kept, pos());
  points.push(net.theta.slice());
  kinds.push('a');
  for (let low = d - 1; low >= 1; low--) {
    // The new chain: level `low` at its own positions, levels above in the other slot.
    for (let l = low; l < d; l++) slot[l] = 1 - slot[l];
    slot[low - 1] = 0;
    writeChain(net, src, kept, low, pos());
    points.push(net.theta.slice());
    kinds.push('b');
    writeTop(net, src, kept, pos());
    points.push(net.theta.slice());
    kinds.push('a');
  }
  return { points, kinds, pos: pos() };
}

export interface DropoutPath {
  /** A, then the waypoints, ending at B' (B with `permutation` applied to its hidden units). */
  points: Float32Array[];
  /** Kind of each segment (points.length − 1 of them). */
  kinds: SegmentKind[];
  /** Index in `points` of A's dropout net, and of B''s. */
  dropoutA: number;
  dropoutB: number;
  /** permutation[l][p] = B's unit at position p of hidden layer l + 1 in B'. */
  permutation: Uint32Array[];
  /** B', the path's end: the same function as B. */
  permutedB: Float32Array;
}

/** Applies a permutation of hidden units to an MLP's θ: unit at position p becomes θ's unit perm[l][p]. */
function permuteHidden(stack: DenseStack, theta: Float32Array, perm: Uint32Array[]): Float32Array {
  const out = theta.slice();
  perm.forEach((p, l) => {
    // Rows (and biases) of hidden layer l + 1, from the current state (its columns may already be permuted).
    const w = stack.weights[l];
    const cols = w.shape[1];
    const rows = out.slice(w.offset, w.offset + w.length);
    p.forEach((from, to) => out.set(rows.subarray(from * cols, (from + 1) * cols), w.offset + to * cols));
    const b = stack.biases[l];
    if (b) {
      const bias = out.slice(b.offset, b.offset + b.length);
      p.forEach((from, to) => (out[b.offset + to] = bias[from]));
    }
    // Columns of the layer that reads it.
    const next = stack.weights[l + 1];
    const h = next.shape[1];
    const copy = out.slice(next.offset, next.offset + next.length);
    for (let r = 0; r < next.shape[0]; r++) p.forEach((from, to) => (out[next.offset + r * h + to] = copy[r * h + from]));
  });
  return out;
}

/** The path of Kuditipudi et al.'s Theorem 1 from A to B' (see the module header). */
export function dropoutPath(arch: Arch, thetaA: Float32Array, thetaB: Float32Array, keptA: KeptUnits, keptB: KeptUnits): DropoutPath {
  const stack = denseStack(arch);
  checkKept(stack, keptA);
  checkKept(stack, keptB);
  const total = compiledOf(arch).totalLength;
  for (const [label, t] of [['A', thetaA], ['B', thetaB]] as const) {
    if (t.length !== total) throw new ModeconnError('BAD_SHAPE', `model ${label} has ${t.length} values; the architecture needs ${total}`);
  }
  // Positions per hidden layer: A keeps K^A, copies into C^A (the first ⌊h/2⌋ of its dropped units);
  // B' keeps its kept units at C^A and copies into K^A, so the two dropout nets never share a unit.
  const slotsA: Array<[number[], number[]]> = [];
  const slotsB: Array<[number[], number[]]> = [];
  const permutation: Uint32Array[] = [];
  stack.widths.forEach((h, l) => {
    const kA = [...keptA[l]];
    const dA = complement(keptA[l], h);
    const cA = dA.slice(0, kA.length);
    const rest = dA.slice(kA.length);
    slotsA.push([kA, cA]);
    slotsB.push([cA, kA]);
    const kB = [...keptB[l]];
    const dB = complement(keptB[l], h);
    const perm = new Uint32Array(h);
    cA.forEach((p, i) => (perm[p] = kB[i]));
    kA.forEach((p, i) => (perm[p] = dB[i]));
    rest.forEach((p, i) => (perm[p] = dB[kA.length + i]));
    permutation.push(perm);
  });
  const permutedB = permuteHidden(stack, thetaB, permutation);
  const keptPrime = slotsB.map(([k]) => Uint32Array.from(k));
  const keptAPositions = keptA.map((k) => Uint32Array.from(k));
  const toA = towardsDropout(stack, thetaA, keptAPositions, slotsA);
  const toB = towardsDropout(stack, permutedB, keptPrime, slotsB);
  const dropA = toA.points[toA.points.length - 1];
  const dropB = toB.points[toB.points.length - 1];
  // Mixing: B''s chain beside A's (b), output layer onto B''s (a), everything else to B''s (b).
  const mix = new Net(stack, dropA.slice());
  const srcB = new Net(stack, permutedB);
  // Level 1 of B''s chain: B''s own kept units, read straight from the input.
  const first = stack.weights[0];
  const cols = first.shape[1];
  for (const p of keptPrime[0]) mix.setRow(0, p, permutedB.subarray(first.offset + p * cols, first.offset + (p + 1) * cols), srcB.bias(0, p));
  writeChain(mix, srcB, keptPrime, 1, toB.pos);
  const mixed = mix.theta.slice();
  writeTop(mix, srcB, keptPrime, toB.pos);
  const switched = mix.theta.slice();
  const points = [thetaA, ...toA.points, mixed, switched, dropB, ...toB.points.slice(0, -1).reverse(), permutedB];
  const kinds: SegmentKind[] = [...toA.kinds, 'b', 'a', 'b', ...[...toB.kinds].reverse()];
  return { points, kinds, dropoutA: toA.points.length, dropoutB: toA.points.length + 3, permutation, permutedB };
}
