/**
 * The path of Kuditipudi et al.'s Theorem 2 between two noise-stable nets: a constant number of
 * segments (5 or 7 here, at most the theorem's 10) whatever the depth. Noise stability lets every
 * hidden layer drop its half at once: the first segment is the straight line from A to its dropout
 * net (all layers), along which each layer's input changes by t·(2D − I)x, a perturbation the noise
 * stable layers above reject. Then B's dropout chain is written into A's free half (b: dead units
 * only), the output layer moves onto it (a: convex), B's kept units are copied to their own places
 * (b), every read moves from the temporary copies to them (c: between units that compute the same
 * values, so the function is constant), the dead units take B's weights, which gives exactly B's
 * dropout net (b), and the last segment is the line to B itself. The path ends at B, not a permutation.
 */
import type { Arch } from '../model/arch.js';
import { checkPair } from './dropout-path.js';
import { dropoutNetwork } from './dropout.js';
import { checkKept, complement, unitStack, writeOutput, writeUnit, type KeptUnits } from './units.js';

/**
 * 'noise': a net and its dropout net (bounded by noise stability); 'a': only the output layer moves;
 * 'b': only dead units move; 'c': reads move between two copies of the same units.
 */
export type NoiseSegmentKind = 'noise' | 'a' | 'b' | 'c';

export interface NoisePath {
  /** A, the waypoints, B. */
  points: Float32Array[];
  kinds: NoiseSegmentKind[];
  /** What each segment does, in words. */
  roles: string[];
  /** Indices in `points` of A's dropout net and of B's. */
  dropoutA: number;
  dropoutB: number;
}

/** The constant-length path of Theorem 2 from A to B through their dropout nets at every layer (see the module header). */
export function noisePath(arch: Arch, thetaA: Float32Array, thetaB: Float32Array, keptA: KeptUnits, keptB: KeptUnits): NoisePath {
  const stack = unitStack(arch);
  checkKept(stack.widths, keptA);
  checkKept(stack.widths, keptB);
  checkPair(arch, thetaA, thetaB);
  const d = stack.widths.length;
  const dropA = dropoutNetwork(arch, thetaA, keptA, 1);
  const dropB = dropoutNetwork(arch, thetaB, keptB, 1);
  // B's chain in A's free half: each kept unit of B at its own place when that place is free in A,
  // otherwise at a free place that B does not keep (there are at least as many of those as needed).
  const temp: number[][] = [];
  stack.widths.forEach((h, l) => {
    const freeA = new Set(complement(keptA[l], h));
    const inKB = new Set(keptB[l]);
    const spare = [...freeA].filter((p) => !inKB.has(p));
    let next = 0;
    temp.push(Array.from(keptB[l], (u) => (freeA.has(u) ? u : spare[next++])));
  });
  const own = keptB.map((k) => Array.from(k));
  const chain = (net: Float32Array, at: number[][], layers: Array<{ l: number; units: number[] }>) => {
    for (const { l, units } of layers) {
      for (const i of units) {
        const u = keptB[l][i];
        if (l === 0) writeUnit(stack, net, thetaB, 1, u, at === temp ? temp[0][i] : u);
        else writeUnit(stack, net, thetaB, l + 1, u, at === temp ? temp[l][i] : u, { from: keptB[l - 1], to: at === temp ? temp[l - 1] : own[l - 1], factor: 2 });
      }
    }
  };
  const every = (pick: (l: number, i: number) => boolean) =>
    stack.widths.map((_, l) => ({ l, units: Array.from(keptB[l], (_, i) => i).filter((i) => pick(l, i)) }));
  // (b) B's chain, reading itself at the temporary places.
  const written = dropA.slice();
  chain(written, temp, every(() => true));
  // (a) the output layer reads B's chain.
  const switched = written.slice();
  writeOutput(stack, switched, thetaB, keptB[d - 1], temp[d - 1], 2);
  // (b) copies of the units whose own place was A's kept (now dead), still reading the temporary places.
  const copied = switched.slice();
  for (const { l, units } of every((l, i) => temp[l][i] !== own[l][i])) {
    for (const i of units) {
      const u = keptB[l][i];
      if (l === 0) writeUnit(stack, copied, thetaB, 1, u, u);
      else writeUnit(stack, copied, thetaB, l + 1, u, u, { from: keptB[l - 1], to: temp[l - 1], factor: 2 });
    }
  }
  // (c) every read moves to the own places: the chain at B's own units, the output layer too.
  const relinked = copied.slice();
  chain(relinked, own, every(() => true));
  writeOutput(stack, relinked, thetaB, keptB[d - 1], own[d - 1], 2);
  // (b) the rest (now dead) takes B's weights: B's dropout net exactly.
  const points = [thetaA, dropA, written, switched, copied, relinked, dropB, thetaB];
  const kinds: NoiseSegmentKind[] = ['noise', 'b', 'a', 'b', 'c', 'b', 'noise'];
  const roles = [
    'A → its dropout net, every hidden layer at once (noise stability)',
    'B\'s dropout chain written into A\'s free half (dead units)',
    'output layer from A\'s chain to B\'s (convex in the logits)',
    'copies of B\'s units whose places A kept, now dead',
    'reads moved from the temporary copies to B\'s own units (same values)',
    'dead units take B\'s weights: B\'s dropout net',
    'B\'s dropout net → B (noise stability)',
  ];
  // Drop zero-length segments (when A's and B's halves are disjoint nothing needs copying).
  const keep = points.map((p, j) => j === 0 || !sameValues(p, points[j - 1]));
  const kept = points.filter((_, j) => keep[j]);
  const keptKinds = kinds.filter((_, s) => keep[s + 1]);
  const keptRoles = roles.filter((_, s) => keep[s + 1]);
  return { points: kept, kinds: keptKinds, roles: keptRoles, dropoutA: 1, dropoutB: kept.length - 2 };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
