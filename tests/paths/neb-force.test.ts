/**
 * The NEB force, its defining properties checked in f64 on random pivots (P = 37, an odd SIMD tail;
 * the points carry 5 more floats, buffers the force must not read): with F = −(nudged gradient),
 * F·τ = k·(‖θ_{i+1} − θ_i‖ − ‖θ_i − θ_{i−1}‖) — no gradient component along the tangent, the spring
 * exactly along it — and F's component across the band is −∇L's, unchanged. Coinciding neighbours
 * leave the gradient untouched.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { nudgeGradient } from '../../ts/paths/neb-force.js';
import { Core } from '../../ts/wasm/kernel.js';
import { ResidentOps } from '../../ts/wasm/resident.js';
import { randomArray } from '../helpers/close.js';

let core: Core;
let ops: ResidentOps;
beforeAll(async () => {
  core = await Core.create();
  ops = new ResidentOps(core);
});

const P = 37;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < P; i++) s += a[i] * b[i];
  return s;
};
const minus = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from({ length: P }, (_, i) => a[i] - b[i]);
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** −F at the middle of (prev, here, next) for gradient `grad`, through nudgeGradient; null when it declines. */
function nudged(points: Float32Array[], grad: Float32Array, spring: number): Float64Array | null {
  const bufs = points.map((p) => {
    const b = core.allocF32(p.length);
    core.f32(b).set(p);
    return b;
  });
  const g = core.allocF32(P);
  const tangent = core.allocF32(P);
  try {
    core.f32(g).set(grad);
    const applied = nudgeGradient(ops, [bufs[0], bufs[1], bufs[2]], g, tangent, spring, P);
    return applied ? Float64Array.from(core.f32(g)) : null;
  } finally {
    for (const b of [...bufs, g, tangent]) core.free(b);
  }
}

describe('nudgeGradient', () => {
  // Unevenly spaced pivots (stretch ≠ 0) and a gradient with a large component along the band.
  const here = randomArray(P + 5, 1);
  const prev = here.map((x, i) => x - 0.8 + 0.3 * randomArray(P + 5, 2)[i]);
  const next = here.map((x, i) => x + 0.3 + 0.2 * randomArray(P + 5, 3)[i]);
  // Buffers past P far apart: a force that read them would get another τ and stretch.
  prev.fill(10, P);
  next.fill(-10, P);
  const tau = (() => {
    const d = minus(next, prev);
    const n = norm(d);
    return d.map((x) => x / n);
  })();
  const grad = Float32Array.from({ length: P }, (_, i) => randomArray(P, 4)[i] + 3 * tau[i]);
  const stretch = norm(minus(next, here)) - norm(minus(here, prev));
  const across = (v: ArrayLike<number>) => {
    const a = dot(v, tau);
    return Array.from({ length: P }, (_, i) => v[i] - a * tau[i]);
  };

  it('the set-up is not degenerate: the gradient has a component along τ, the spring is stretched', () => {
    expect(Math.abs(dot(grad, tau))).toBeGreaterThan(1);
    expect(Math.abs(stretch)).toBeGreaterThan(0.5);
  });

  for (const spring of [0, 0.7, 2.5]) {
    it(`k = ${spring}: F·τ = k·stretch and F across the band is −∇L across it`, () => {
      const g = nudged([prev, here, next], grad, spring)!;
      expect(g).not.toBeNull();
      const force = Array.from(g, (x) => -x);
      // f32 kernels on O(1) values: a few ulps of 37-term sums.
      expect(Math.abs(dot(force, tau) - spring * stretch)).toBeLessThan(1e-5 * (1 + spring * Math.abs(stretch)));
      const fAcross = across(force);
      const gAcross = across(grad);
      for (let i = 0; i < P; i++) expect(Math.abs(fAcross[i] + gAcross[i])).toBeLessThan(1e-5);
    });
  }

  it('neighbours that coincide (no tangent) leave the gradient as it was', () => {
    expect(nudged([prev, here, prev.slice()], grad, 1)).toBeNull();
  });
});
