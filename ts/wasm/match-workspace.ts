/**
 * Weight matching's resident state: θ_A and θ_B copied into WASM once, f64 cost blocks, index maps,
 * and typed calls to the wmatch_* kernels (a term's cost update, the sum of a group's terms, the
 * permuted inner product ⟨θ_A, π(θ_B)⟩ of one tensor). It frees everything it allocated.
 */
import type { WmatchTermParams } from '../kernels/wmatch.js';
import type { Buf, Core } from './kernel.js';

/** Resident θs and scratch for weight matching on one core. Call `free()` when done. */
export class MatchWorkspace {
  readonly #core: Core;
  readonly #bufs: Buf[] = [];
  readonly #thetaA: Buf;
  readonly #thetaB: Buf;
  readonly #changed: Buf;
  readonly #map: Buf;
  readonly #basis: Buf;
  readonly #acc: Buf;
  readonly #ptrs: Buf;
  #offsets: Buf | null = null;

  /** `maxIndex`: the longest tensor axis; `maxTerms`: the most terms of a group. */
  constructor(core: Core, paramsA: Float32Array, paramsB: Float32Array, maxIndex: number, maxTerms: number) {
    this.#core = core;
    try {
      this.#thetaA = this.#allocF32(paramsA.length);
      this.#thetaB = this.#allocF32(paramsB.length);
      core.f32(this.#thetaA).set(paramsA);
      core.f32(this.#thetaB).set(paramsB);
      this.#changed = this.#allocU32(maxIndex);
      this.#map = this.#allocU32(maxIndex);
      this.#basis = this.#allocU32(maxIndex);
      this.#acc = this.allocCost(1);
      this.#ptrs = this.#allocU32(maxTerms);
    } catch (error) {
      this.free();
      throw error;
    }
  }

  #allocF32(length: number): Buf {
    const b = this.#core.allocF32(Math.max(1, length));
    this.#bufs.push(b);
    return b;
  }

  #allocU32(length: number): Buf {
    const b = this.#core.allocU32(Math.max(1, length));
    this.#bufs.push(b);
    return b;
  }

  #put(b: Buf, values: ArrayLike<number>): number {
    this.#core.u32(b).set(values);
    return b.ptr;
  }

  /** A zeroed block of `length` f64 costs. */
  allocCost(length: number): Buf {
    return this.#allocF32(2 * length);
  }

  /** The f64 view of a cost block (take a fresh one after any call: memory may grow). */
  costs(b: Buf): Float64Array {
    return this.#core.f64(b);
  }

  /**
   * cost += the term of the tensor at `offset` for the index map `map` of the other axis: over every
   * index when `changed` is null (cost must be zero), else over the `changed` indices relative to `basis`.
   */
  updateTerm(offset: number, view: WmatchTermParams, map: Uint32Array, cost: Buf, changed: Uint32Array | null, basis?: Uint32Array): void {
    const all = changed === null;
    const idx = all ? Uint32Array.from({ length: map.length }, (_, i) => i) : changed;
    if (idx.length === 0) return;
    this.#core.invokeChecked('wmatch_term_update', this.#thetaA.ptr + 4 * offset, this.#thetaB.ptr + 4 * offset,
      view.p, view.q, view.s, view.axis, this.#put(this.#changed, idx), idx.length, this.#put(this.#map, map),
      all || !basis ? 0 : this.#put(this.#basis, basis), all || !basis ? 0 : 1, cost.ptr);
  }

  /** out = Σ of the cost blocks `terms` (each `len` f64). */
  sumTerms(terms: readonly Buf[], len: number, out: Buf): void {
    this.#core.invokeChecked('wmatch_sum', this.#put(this.#ptrs, terms.map((t) => t.ptr)), terms.length, len, out.ptr);
  }

  /** Sets the running inner product of `addPermutedDot` to 0. */
  clearDot(): void {
    this.costs(this.#acc)[0] = 0;
  }

  /**
   * Adds Σ θ_A[o]·θ_B[gathered o] over the tensor at `offset`, seen as `[d0, d1, d2, d3]`, to the
   * running inner product (in f64, term by term) and returns it; `gather` holds d0+d1+d2+d3 element
   * offsets (the permuted index of each axis times its stride).
   */
  addPermutedDot(offset: number, dims: readonly [number, number, number, number], gather: Uint32Array): number {
    if (!this.#offsets || this.#offsets.length < gather.length) this.#offsets = this.#allocU32(gather.length);
    this.#core.invokeChecked('wmatch_dot', this.#thetaA.ptr + 4 * offset, this.#thetaB.ptr + 4 * offset,
      dims[0], dims[1], dims[2], dims[3], this.#put(this.#offsets, gather), this.#acc.ptr);
    return this.costs(this.#acc)[0];
  }

  /** Frees every block (safe to call twice). */
  free(): void {
    for (const b of this.#bufs) this.#core.free(b);
    this.#bufs.length = 0;
  }
}
