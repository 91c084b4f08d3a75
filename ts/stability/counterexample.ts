/**
 * Mode connectivity need not hold for overparametrised 2-layer nets (Kuditipudi et al. 2019): for
 * every h > 1 a data set that a 2-unit ReLU net fits exactly, on which the global minimisers of the
 * squared loss with h hidden units are not connected. Inputs are 2-D; the target is |x₁| =
 * relu(x₁) + relu(−x₁). The *staircase* minimiser has unit k = relu(x₂ − k + ½) with output weight
 * (−1)^{k+1} and output bias 1: on the band x₂ ∈ [j − 0.3, j + 0.3] units 1..j are on and the net is
 * the affine g_j = e_j + A_j(x₂ − j) (e_j = 1 + j/2, A_j = j mod 2). Each band holds six points where
 * g_j = |x₁|, on both sides of x₁ = 0, so they pin g_j, hence unit j, up to the rescaling a/λ, λw. Near the staircase
 * every zero-loss net is a rescaling of it, so its component is its rescaling orbit, which never
 * reaches the ground truth (2 units carrying everything, the others 0): every path between them
 * leaves the zero-loss set. With h + 2 units or more both fit side by side and a 3-segment path joins
 * them at loss 0 (write, move the output layer, clear), the contrast.
 */
import { createDataSet, type DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { mlp } from '../model/builders.js';
import { compiledOf } from '../model/model.js';
import { ModeconnError } from '../errors.js';

/** The counterexample for one h: data, targets and the arch of the h-unit net (one output). */
export interface Counterexample {
  h: number;
  data: DataSet;
  /** Regression targets |x₁|, one per sample. */
  targets: Float64Array;
  arch: Arch;
  /** The h-unit minimiser whose component is its rescaling orbit. */
  staircase: Float32Array;
  /** The ground truth's two units (relu(x₁), relu(−x₁)) in units 0 and 1, the rest 0. */
  groundTruth: Float32Array;
}

/** Height of band j, the offset of unit k's line, and the band's affine value at x₁ = 0. */
const band = (j: number) => ({ e: 1 + j / 2, slope: j % 2 === 1 ? 1 : 0 });

/** The paper's data set and two global minimisers for `h` ≥ 2 hidden units (see the module header). */
export function counterexample(h: number): Counterexample {
  if (!Number.isInteger(h) || h < 2) throw new ModeconnError('BAD_ARGUMENT', `the counterexample needs h ≥ 2 hidden units, got ${h}`);
  const xs: number[] = [];
  const ys: number[] = [];
  const add = (x1: number, x2: number) => {
    xs.push(x1, x2);
    ys.push(Math.abs(Math.fround(x1))); // the target of the f32 sample
  };
  // Band j spans x₂ ∈ [j − 0.3, j + 0.3], between the lines of units j and j + 1; on it the staircase
  // is g_j, equal to |x₁| along one line on each side of x₁ = 0. Three heights on both sides.
  for (let j = 0; j <= h; j++) {
    const { e, slope } = band(j);
    for (const dy of [-0.3, 0, 0.3]) {
      const x1 = e + slope * dy;
      add(x1, j + dy);
      add(-x1, j + dy);
    }
  }
  const data = createDataSet({ name: `counterexample-h${h}`, shape: [2], classes: 1, x: Float32Array.from(xs), y: new Uint32Array(ys.length) });
  const arch = mlp({ input: 2, hidden: [h], classes: 1 });
  return { h, data, targets: Float64Array.from(ys), arch, staircase: staircaseParams(arch, h, 0), groundTruth: groundTruthParams(arch, h, 0) };
}

function entries(arch: Arch) {
  const layout = compiledOf(arch).layout;
  const get = (name: string) => layout.find((e) => e.name === name)!;
  return { w1: get('0.weight'), b1: get('0.bias'), w2: get('2.weight'), b2: get('2.bias'), total: compiledOf(arch).totalLength };
}

/** The staircase in units first..first + h − 1 of `arch`'s hidden layer (output bias 1). */
function staircaseParams(arch: Arch, h: number, first: number): Float32Array {
  const { w1, b1, w2, b2, total } = entries(arch);
  const theta = new Float32Array(total);
  for (let k = 1; k <= h; k++) {
    const u = first + k - 1;
    theta[w1.offset + 2 * u + 1] = 1;
    theta[b1.offset + u] = -(k - 0.5);
    theta[w2.offset + u] = k % 2 === 1 ? 1 : -1;
  }
  theta[b2.offset] = 1;
  return theta;
}

/** relu(x₁) + relu(−x₁) in units first, first + 1 (output bias 0). */
function groundTruthParams(arch: Arch, h: number, first: number): Float32Array {
  const { w1, w2, total } = entries(arch);
  const theta = new Float32Array(total);
  theta[w1.offset + 2 * first] = 1;
  theta[w1.offset + 2 * (first + 1)] = -1;
  theta[w2.offset + first] = 1;
  theta[w2.offset + first + 1] = 1;
  return theta;
}

/** The 2-unit ground truth as a net of its own (mlp 2-2-1). */
export function groundTruthNet(): { arch: Arch; params: Float32Array } {
  const arch = mlp({ input: 2, hidden: [2], classes: 1 });
  return { arch, params: groundTruthParams(arch, 2, 0) };
}

/** The same two minimisers in a net of `width` ≥ h + 2 units, where they sit in disjoint units. */
export interface WideCounterexample {
  arch: Arch;
  /** The staircase in units 0..h − 1, the other units zero. */
  staircase: Float32Array;
  /** The ground truth in units h, h + 1, units 0..h − 1 zero. */
  groundTruth: Float32Array;
  /** The explicit path between them: write the ground truth (b), move the output layer (a), clear (b). */
  path: Float32Array[];
}

/** The wider net (default 2h + 2 units) that connects the two minimisers (see the module header). */
export function wideCounterexample(h: number, width = 2 * h + 2): WideCounterexample {
  if (!Number.isInteger(width) || width < h + 2) throw new ModeconnError('BAD_ARGUMENT', `the wider net needs at least h + 2 = ${h + 2} units, got ${width}`);
  const arch = mlp({ input: 2, hidden: [width], classes: 1 });
  const { w1, b1, w2, b2 } = entries(arch);
  const staircase = staircaseParams(arch, h, 0);
  const groundTruth = groundTruthParams(arch, width, h);
  // (b) the ground truth's hidden units written where the staircase has none (their output weights stay 0).
  const written = staircase.slice();
  written.set(groundTruth.subarray(w1.offset + 2 * h, w1.offset + 2 * (h + 2)), w1.offset + 2 * h);
  // (a) the output layer moves from the staircase's to the ground truth's: both fit every sample, so
  // (1 − t)·g + t·f* fits them all and the squared loss is 0 all along.
  const moved = written.slice();
  moved.set(groundTruth.subarray(w2.offset, w2.offset + w2.length), w2.offset);
  moved[b2.offset] = groundTruth[b2.offset];
  // (b) the staircase's units, no longer read, cleared.
  const cleared = moved.slice();
  cleared.fill(0, w1.offset, w1.offset + 2 * h);
  cleared.fill(0, b1.offset, b1.offset + h);
  return { arch, staircase, groundTruth, path: [staircase, written, moved, cleared] };
}
