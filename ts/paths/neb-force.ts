/**
 * The nudged elastic band's force at one pivot (Draxler et al. 2018), over the first P floats:
 *   F = −(∇L − (∇L·τ)τ) + k·(‖θ_{i+1} − θ_i‖ − ‖θ_i − θ_{i−1}‖)·τ,  τ = (θ_{i+1} − θ_{i−1}) / ‖θ_{i+1} − θ_{i−1}‖.
 * `nudgeGradient` turns a resident gradient into −F in place with vector kernels (blend, scale,
 * dot, axpy), so SGD on it follows F: no gradient component along the band, a spring along it.
 */
import type { Buf } from '../wasm/kernel.js';
import type { ResidentOps } from '../wasm/resident.js';

/**
 * grad ← ∇L − (∇L·τ)τ − k·stretch·τ = −F at `here` (grad: ∇L there, P floats; `tangent`: P floats
 * of scratch). Returns false, grad untouched, when `prev` and `next` coincide (no tangent).
 */
export function nudgeGradient(ops: ResidentOps, [prev, here, next]: readonly [Buf, Buf, Buf], grad: Buf, tangent: Buf, spring: number, P: number): boolean {
  ops.blend([next, prev], Float32Array.of(1, -1), tangent, P);
  const width = ops.distance(next, prev, P);
  if (!(width > 0)) return false;
  ops.scale(tangent, 1 / width, P);
  const along = ops.dot(grad, tangent, P);
  const stretch = ops.distance(next, here, P) - ops.distance(here, prev, P);
  ops.axpy(tangent, grad, -along - spring * stretch, P);
  return true;
}
