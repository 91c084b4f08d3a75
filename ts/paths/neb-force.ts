/**
 * The nudged elastic band's force at one pivot (Draxler et al. 2018), over the first P floats:
 *   F = −(∇L − (∇L·τ)τ) + k·(‖θ_{i+1} − θ_i‖ − ‖θ_i − θ_{i−1}‖)·τ,  τ = (θ_{i+1} − θ_{i−1}) / ‖θ_{i+1} − θ_{i−1}‖.
 * `NebForce.nudge` turns a gradient buffer into −F in place with vector kernels (vec_blend, vec_dot,
 * vec_axpy), so SGD on it follows F: no gradient component along the band, a spring along it.
 */
import type { Buf, Core } from '../wasm/kernel.js';
import type { PathBlender } from './blender.js';

/** Scratch for the force at one pivot, allocated once per band (call `free()`). */
export class NebForce {
  readonly #core: Core;
  readonly #P: number;
  readonly #tangent: Buf;
  readonly #ptrs: Buf;
  readonly #coeffs: Buf;
  readonly #dot: Buf;

  /** Scratch for forces over the first `P` floats of the points of a band resident in `core`. */
  constructor(core: Core, P: number) {
    this.#core = core;
    this.#P = P;
    this.#tangent = core.allocF32(P);
    this.#ptrs = core.allocU32(2);
    this.#coeffs = core.allocF32(2);
    this.#dot = core.allocF32(2); // one f64
  }

  /**
   * grad ← ∇L − (∇L·τ)τ − k·stretch·τ = −F at interior point `i` of `blender` (grad: P floats holding
   * ∇L at point i). Returns false, grad untouched, when points i − 1 and i + 1 coincide (no tangent).
   */
  nudge(blender: PathBlender, i: number, grad: Buf, spring: number): boolean {
    const core = this.#core;
    const P = this.#P;
    const [prev, here, next] = [blender.point(i - 1), blender.point(i), blender.point(i + 1)];
    core.u32(this.#ptrs).set([next.ptr, prev.ptr]);
    core.f32(this.#coeffs).set([1, -1]);
    core.invokeChecked('vec_blend', this.#ptrs.ptr, this.#coeffs.ptr, 2, this.#tangent.ptr, P);
    const width = blender.distance(next, prev, P);
    if (!(width > 0)) return false;
    core.invokeChecked('vec_scale', this.#tangent.ptr, P, 1 / width);
    core.invokeChecked('vec_dot', grad.ptr, this.#tangent.ptr, P, this.#dot.ptr);
    const along = core.f64(this.#dot)[0];
    const stretch = blender.distance(next, here, P) - blender.distance(here, prev, P);
    core.invokeChecked('vec_axpy', this.#tangent.ptr, grad.ptr, P, -along - spring * stretch);
    return true;
  }

  /** Releases the scratch. */
  free(): void {
    for (const b of [this.#tangent, this.#ptrs, this.#coeffs, this.#dot]) this.#core.free(b);
  }
}
