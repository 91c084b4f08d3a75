/**
 * The piecewise-linear path of Nguyen, Bréchet and Mondelli 2021 between two ReLU MLPs A and B with
 * d hidden layers, built from their probes (the sparse subnetworks with refitted tops, one per hidden
 * layer ℓ: kept units K_ℓ of ℓ and a trained network of ⌊f·h_m⌋ units at each layer m > ℓ).
 *
 * Every segment is one of two kinds: 'output' moves only the output layer, so the logits move
 * linearly and the cross-entropy (convex in them) stays ≤ the larger end; 'unchanged' moves only
 * weights that do not change the function (units no path reaches the output from, or a reroute
 * between two units that compute the same values). From A: the output layer moves onto the probe of
 * layer d (output); then for ℓ = d−1..1 the probe of layer ℓ is written into units that are dead at
 * that moment (unchanged) and the output layer moves onto it (output). Each layer m uses two slots of
 * ⌊f·h_m⌋ units, K_m and a copy slot, in turn, so f ≤ 1/2. The same runs on B. In the middle A's
 * sparse net (probe 1 of A) and B's must sit in disjoint units: where they overlap, A's units are
 * copied into free units and everything reading them is rerouted to the copies (unchanged, twice);
 * B's sparse net is written beside A's (unchanged), the output layer moves (output), the rest
 * becomes B's (unchanged), and B's construction runs backwards. The path starts at A and ends at B
 * exactly (no permutation of B), with 2(2d − 1) + 3 segments, plus 2 when a relocation is needed.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import type { LayoutEntry } from '../model/compile.js';
import { compiledOf } from '../model/model.js';
import { denseStack, type DenseStack } from '../stability/dropout.js';
import { hiddenLayers } from './units.js';

/** What a probe contributes to the path (a LayerProbe is one). */
export interface PathProbe {
  layer: number;
  /** Kept units of layer ℓ; the probe's input i is unit kept[i]. */
  kept: Uint32Array;
  arch: Arch;
  params: Float32Array;
}

/** The function a waypoint computes: a network itself (probe 0) or the probe of layer ℓ of it. */
export interface PathFunction {
  net: 'A' | 'B';
  probe: number;
}

export type ConstructedSegmentKind = 'output' | 'unchanged';

export interface ConstructedSegment {
  kind: ConstructedSegmentKind;
  /** The functions at its start and end (equal for 'unchanged'). */
  from: PathFunction;
  to: PathFunction;
  /** What the step does, e.g. 'A: write probe 2', 'relocate: reroute'. */
  step: string;
}

export interface ConstructedPath {
  /** A (the given array), the waypoints, B (the given array). */
  points: Float32Array[];
  segments: ConstructedSegment[];
}

/** A probe's dense layers: weights [out, in] and biases, in order (the last one is the classifier). */
function probeLayers(p: PathProbe, label: string): Array<{ w: Float32Array; b: Float32Array | null; rows: number; cols: number }> {
  const compiled = compiledOf(p.arch);
  if (p.params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `${label}: probe of layer ${p.layer} has ${p.params.length} values; its architecture needs ${compiled.totalLength}`);
  }
  if (p.arch.layers.some((l) => l.type !== 'dense' && l.type !== 'relu')) {
    throw new ModeconnError('BAD_ARGUMENT', `${label}: the probe of layer ${p.layer} must be dense and relu layers only`);
  }
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const view = (e: LayoutEntry | undefined) => (e ? p.params.subarray(e.offset, e.offset + e.length) : null);
  return p.arch.layers.flatMap((l, j) => {
    if (l.type !== 'dense') return [];
    const w = byName.get(`${j}.weight`)!;
    return [{ w: view(w)!, b: view(byName.get(`${j}.bias`)), rows: w.shape[0], cols: w.shape[1] }];
  });
}

/** Units 0..h−1 not in `taken`, those not in `avoid` first (each group increasing). */
function freeUnits(h: number, taken: Iterable<number>, avoid: Iterable<number> = []): number[] {
  const t = new Set(taken);
  const a = new Set(avoid);
  const free = Array.from({ length: h }, (_, u) => u).filter((u) => !t.has(u));
  return [...free.filter((u) => !a.has(u)), ...free.filter((u) => a.has(u))];
}

/** Row access to the dense layers of one θ (l = 0..d−1 hidden, d the output layer). */
class Rows {
  constructor(readonly stack: DenseStack, readonly theta: Float32Array) {}
  cols(l: number): number {
    return this.stack.weights[l].shape[1];
  }
  row(l: number, r: number): Float32Array {
    const w = this.stack.weights[l];
    return this.theta.subarray(w.offset + r * w.shape[1], w.offset + (r + 1) * w.shape[1]);
  }
  bias(l: number, r: number): number {
    const b = this.stack.biases[l];
    return b ? this.theta[b.offset + r] : 0;
  }
  setRow(l: number, r: number, values: ArrayLike<number>, bias: number): void {
    this.row(l, r).set(values);
    const b = this.stack.biases[l];
    if (b) this.theta[b.offset + r] = bias;
  }
  /** Row r of layer l ← `w` (rows × src.length) row i scattered to columns `at`, zeros elsewhere. */
  scatterRow(l: number, r: number, w: Float32Array, i: number, at: readonly number[], bias: number): void {
    const row = new Float32Array(this.cols(l));
    at.forEach((c, j) => (row[c] = w[i * at.length + j]));
    this.setRow(l, r, row, bias);
  }
}

/** 'A: output from probe 3 onto probe 2' (probe 0 is the network itself). */
function outputStep(net: 'A' | 'B', from: number, to: number): string {
  const name = (p: number) => (p === 0 ? 'the network' : `probe ${p}`);
  return `${net}: output from ${name(from)} onto ${name(to)}`;
}

/** One net's way from itself down to its probe of layer 1: waypoints, segments and final unit positions. */
function towardsSparse(stack: DenseStack, theta: Float32Array, probes: PathProbe[], net: 'A' | 'B', avoid: number[][]): { points: Float32Array[]; segments: ConstructedSegment[]; live: number[][] } {
  const d = stack.widths.length;
  const layersOf = probes.map((p) => probeLayers(p, net));
  const own = probes.map((p) => Array.from(p.kept));
  const copy = own.map((k, l) => freeUnits(stack.widths[l], k, avoid[l]).slice(0, k.length));
  const cur = new Rows(stack, theta.slice());
  const points: Float32Array[] = [];
  const segments: ConstructedSegment[] = [];
  const writeTop = (l: number, at: number[]) => {
    const top = layersOf[l][layersOf[l].length - 1];
    for (let r = 0; r < top.rows; r++) cur.scatterRow(d, r, top.w, r, at, top.b ? top.b[r] : 0);
  };
  writeTop(d - 1, own[d - 1]);
  points.push(cur.theta.slice());
  segments.push({ kind: 'output', from: { net, probe: 0 }, to: { net, probe: d }, step: outputStep(net, 0, d) });
  let pos: number[][] = own.map((k) => k);
  for (let layer = d - 1; layer >= 1; layer--) {
    // Probe `layer` reads K_layer; its layer m sits in the copy slot when m − layer is odd, else in K_m.
    pos = own.map((k, l) => (l + 1 <= layer ? k : (l + 1 - layer) % 2 === 1 ? copy[l] : k));
    const hidden = layersOf[layer - 1];
    for (let m = layer + 1; m <= d; m++) {
      const p = hidden[m - layer - 1];
      for (let i = 0; i < p.rows; i++) cur.scatterRow(m - 1, pos[m - 1][i], p.w, i, pos[m - 2], p.b ? p.b[i] : 0);
    }
    points.push(cur.theta.slice());
    segments.push({ kind: 'unchanged', from: { net, probe: layer + 1 }, to: { net, probe: layer + 1 }, step: `${net}: write probe ${layer} into dead units` });
    writeTop(layer - 1, pos[d - 1]);
    points.push(cur.theta.slice());
    segments.push({ kind: 'output', from: { net, probe: layer + 1 }, to: { net, probe: layer }, step: outputStep(net, layer + 1, layer) });
  }
  return { points, segments, live: pos };
}

/** Checks the architecture, the two θ and the probes; returns the dense stack. */
function checkInputs(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, probesA: PathProbe[], probesB: PathProbe[]): DenseStack {
  if (arch.layers.some((l) => l.type === 'conv2d' || l.type === 'batchnorm' || l.type === 'residual' || l.type === 'maxpool' || l.type === 'avgpool')) {
    throw new ModeconnError('NOT_SUPPORTED', 'the constructed path is built for ReLU MLPs (dense, relu, dropout, flatten layers)', {
      advice: 'Nguyen et al. construct it for fully connected networks; moving channels of convolutions and BatchNorm statistics along it is missing',
    });
  }
  hiddenLayers(arch);
  const stack = denseStack(arch);
  const total = compiledOf(arch).totalLength;
  for (const [label, t] of [['A', paramsA], ['B', paramsB]] as const) {
    if (t.length !== total) throw new ModeconnError('BAD_SHAPE', `model ${label} has ${t.length} values; the architecture needs ${total}`);
  }
  const d = stack.widths.length;
  for (const [label, probes] of [['A', probesA], ['B', probesB]] as const) {
    const layers = probes.map((p) => p.layer).join(',');
    if (probes.length !== d || probes.some((p, i) => p.layer !== i + 1)) {
      throw new ModeconnError('BAD_ARGUMENT', `${label}: the path needs one probe per hidden layer 1..${d} in order, got layers [${layers}]`);
    }
    probes.forEach((p) => {
      const h = stack.widths[p.layer - 1];
      const k = p.kept.length;
      if (k < 1 || 2 * k > h || new Set(p.kept).size !== k || p.kept.some((u) => u >= h)) {
        throw new ModeconnError('BAD_ARGUMENT', `${label}: probe of layer ${p.layer} keeps ${k} units of ${h}; the path needs 1..${Math.floor(h / 2)} distinct units below ${h} (two disjoint slots per layer)`);
      }
      const widths = probeLayers(p, label).map((x) => [x.rows, x.cols]);
      const expected = probes.slice(p.layer).map((q) => q.kept.length).concat(arch.classes);
      const inputs = [k, ...expected.slice(0, -1)];
      if (widths.length !== expected.length || widths.some(([r, c], i) => r !== expected[i] || c !== inputs[i])) {
        throw new ModeconnError('BAD_ARGUMENT', `${label}: probe of layer ${p.layer} has layers ${JSON.stringify(widths)}; expected [out, in] = ${JSON.stringify(expected.map((e, i) => [e, inputs[i]]))} (the kept counts of the layers above)`);
      }
    });
  }
  probesA.forEach((p, i) => {
    if (p.kept.length !== probesB[i].kept.length) throw new ModeconnError('BAD_ARGUMENT', `the probes of A and B keep different numbers of units at layer ${i + 1}`);
  });
  return stack;
}

/** The path of the module header from A to B. */
export function constructPath(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, probesA: PathProbe[], probesB: PathProbe[]): ConstructedPath {
  const stack = checkInputs(arch, paramsA, paramsB, probesA, probesB);
  const d = stack.widths.length;
  const none = stack.widths.map(() => [] as number[]);
  const a = towardsSparse(stack, paramsA, probesA, 'A', none);
  // B's copy slots avoid A's final units where they can, so fewer units need relocating.
  const b = towardsSparse(stack, paramsB, probesB, 'B', a.live);
  const points: Float32Array[] = [paramsA, ...a.points];
  const segments = [...a.segments];
  const atA = { net: 'A' as const, probe: 1 };
  const atB = { net: 'B' as const, probe: 1 };
  const cur = new Rows(stack, a.points[a.points.length - 1].slice());
  const endB = new Rows(stack, b.points[b.points.length - 1]);
  // Relocation: A's units that B's sparse net also uses move to units neither uses.
  const moves = a.live.map((units, l) => {
    const inB = new Set(b.live[l]);
    const overlap = units.filter((u) => inB.has(u));
    const free = freeUnits(stack.widths[l], [...units, ...b.live[l]]);
    return overlap.map((u, i) => [u, free[i]] as const);
  });
  if (moves.some((m) => m.length > 0)) {
    moves.forEach((pairs, l) => pairs.forEach(([u, f]) => cur.setRow(l, f, cur.row(l, u).slice(), cur.bias(l, u))));
    points.push(cur.theta.slice());
    segments.push({ kind: 'unchanged', from: atA, to: atA, step: 'relocate: copy A\'s shared units' });
    moves.forEach((pairs, l) => {
      for (let r = 0; r < (l + 1 < d ? stack.widths[l + 1] : arch.classes); r++) {
        const row = cur.row(l + 1, r);
        for (const [u, f] of pairs) {
          row[f] = row[u];
          row[u] = 0;
        }
      }
    });
    points.push(cur.theta.slice());
    segments.push({ kind: 'unchanged', from: atA, to: atA, step: 'relocate: reroute to the copies' });
  }
  for (let l = 0; l < d; l++) for (const p of b.live[l]) cur.setRow(l, p, endB.row(l, p), endB.bias(l, p));
  points.push(cur.theta.slice());
  segments.push({ kind: 'unchanged', from: atA, to: atA, step: 'write B\'s sparse net beside A\'s' });
  for (let r = 0; r < arch.classes; r++) cur.setRow(d, r, endB.row(d, r), endB.bias(d, r));
  points.push(cur.theta.slice());
  segments.push({ kind: 'output', from: atA, to: atB, step: 'output onto B\'s sparse net' });
  points.push(...[...b.points].reverse(), paramsB);
  segments.push({ kind: 'unchanged', from: atB, to: atB, step: 'the rest becomes B\'s' });
  // B's construction backwards: the same segments from end to start.
  for (const s of [...b.segments].reverse()) {
    const step = s.kind === 'output' ? outputStep('B', s.to.probe, s.from.probe) : s.step.replace(/write probe (\d+) into dead units/, 'dead units back from probe $1');
    segments.push({ ...s, from: s.to, to: s.from, step });
  }
  return { points, segments };
}
