/**
 * The piecewise-linear path of Kuditipudi et al.'s Theorem 1 from A to B through the dropout
 * networks, out of two kinds of segments: (a) only the output layer moves, so the logits move
 * linearly and the cross-entropy (convex in the logits) stays below the larger end; (b) only units
 * that no path reaches the output from move, so the function does not change at all. Going down one
 * level builds, in units that are dead at that moment, a copy of the live chain that reads the kept
 * half of the level below (b), then moves the output layer onto the copy (a). At the bottom A's
 * dropout net and B's live in disjoint halves: B's copy is written beside A's (b), the output layer
 * moves from A's to B's (a), the rest becomes B's dropout net (b), and B's construction runs
 * backwards. B enters as B' = B with its hidden units permuted so that its halves fall where A's are
 * not (the same function as B; Kuditipudi et al.'s "without loss of generality"): the path ends at B'.
 * Units are dense outputs or conv channels (ts/stability/units.ts); 2d + 2(2d − 1) + 1 segments.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { checkKept, complement, permuteUnits, unitStack, writeOutput, writeUnit, type KeptUnits, type UnitStack } from './units.js';

/** One segment kind per step: 'a' moves the output layer only, 'b' moves dead units only. */
export type SegmentKind = 'a' | 'b';

/** Where a chain's units sit: positions[l][i] holds kept unit i of hidden layer l + 1. */
type Positions = number[][];

/**
 * Writes into `net` the chain of `src` computing dropout at hidden layers `low`..d (1-based) at
 * `pos`: rows of levels low+1..d read the level below (2·W of the kept units). Level `low` is `src`'s own.
 */
function writeChain(stack: UnitStack, net: Float32Array, src: Float32Array, kept: KeptUnits, low: number, pos: Positions): void {
  for (let m = low + 1; m <= kept.length; m++) {
    const l = m - 1;
    kept[l].forEach((unit, i) => writeUnit(stack, net, src, m, unit, pos[l][i], { from: kept[l - 1], to: pos[l - 1], factor: 2 }));
  }
}

/** Points the output layer at the chain's top level (2·W of the kept units), with `src`'s bias. */
function writeTop(stack: UnitStack, net: Float32Array, src: Float32Array, kept: KeptUnits, pos: Positions): void {
  const d = kept.length;
  writeOutput(stack, net, src, kept[d - 1], pos[d - 1], 2);
}

/**
 * θ → its dropout net by the top-down construction. `slots[l]` = [kept positions, copy positions]
 * of hidden layer l + 1 (the kept positions are where `theta`'s kept units are). Returns the
 * waypoints after θ, their kinds, and the chain positions of the dropout net at the end.
 */
function towardsDropout(stack: UnitStack, theta: Float32Array, kept: KeptUnits, slots: Array<[number[], number[]]>): { points: Float32Array[]; kinds: SegmentKind[]; pos: Positions } {
  const d = kept.length;
  const net = theta.slice();
  const points: Float32Array[] = [];
  const kinds: SegmentKind[] = [];
  // slot[l]: 0 when level l + 1 of the live chain sits at the kept positions, 1 at the copies.
  const slot = new Array<number>(d).fill(0);
  const pos = (): Positions => slot.map((s, l) => slots[l][s]);
  writeTop(stack, net, theta, kept, pos());
  points.push(net.slice());
  kinds.push('a');
  for (let low = d - 1; low >= 1; low--) {
    // The new chain: level `low` at its own positions, levels above in the other slot.
    for (let l = low; l < d; l++) slot[l] = 1 - slot[l];
    slot[low - 1] = 0;
    writeChain(stack, net, theta, kept, low, pos());
    points.push(net.slice());
    kinds.push('b');
    writeTop(stack, net, theta, kept, pos());
    points.push(net.slice());
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

/** BAD_SHAPE unless both models have the arch's length. */
export function checkPair(arch: Arch, thetaA: Float32Array, thetaB: Float32Array): void {
  const total = compiledOf(arch).totalLength;
  for (const [label, t] of [['A', thetaA], ['B', thetaB]] as const) {
    if (t.length !== total) throw new ModeconnError('BAD_SHAPE', `model ${label} has ${t.length} values; the architecture needs ${total}`);
  }
}

/** The path of Kuditipudi et al.'s Theorem 1 from A to B' (see the module header). */
export function dropoutPath(arch: Arch, thetaA: Float32Array, thetaB: Float32Array, keptA: KeptUnits, keptB: KeptUnits): DropoutPath {
  const stack = unitStack(arch);
  checkKept(stack.widths, keptA);
  checkKept(stack.widths, keptB);
  checkPair(arch, thetaA, thetaB);
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
  const permutedB = permuteUnits(stack, thetaB, permutation);
  const keptPrime = slotsB.map(([k]) => Uint32Array.from(k));
  const keptAPositions = keptA.map((k) => Uint32Array.from(k));
  const toA = towardsDropout(stack, thetaA, keptAPositions, slotsA);
  const toB = towardsDropout(stack, permutedB, keptPrime, slotsB);
  const dropA = toA.points[toA.points.length - 1];
  const dropB = toB.points[toB.points.length - 1];
  // Mixing: B''s chain beside A's (b), output layer onto B''s (a), everything else to B''s (b).
  const mix = dropA.slice();
  // Level 1 of B''s chain: B''s own kept units, read straight from the input.
  for (const p of keptPrime[0]) writeUnit(stack, mix, permutedB, 1, p, p);
  writeChain(stack, mix, permutedB, keptPrime, 1, toB.pos);
  const mixed = mix.slice();
  writeTop(stack, mix, permutedB, keptPrime, toB.pos);
  const switched = mix.slice();
  const points = [thetaA, ...toA.points, mixed, switched, dropB, ...toB.points.slice(0, -1).reverse(), permutedB];
  const kinds: SegmentKind[] = [...toA.kinds, 'b', 'a', 'b', ...[...toB.kinds].reverse()];
  return { points, kinds, dropoutA: toA.points.length, dropoutB: toA.points.length + 3, permutation, permutedB };
}
