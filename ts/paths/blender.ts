/**
 * θ(t) = Σ_j c_j(t)·θ_j as ONE `vec_blend` call over points resident in WASM memory, and the arc
 * length Σ_i ‖θ(t_{i+1}) − θ(t_i)‖ on a grid of t's (one `vec_dist2` call per step).
 */
import type { BlendKernels } from '../kernels/blend.js';
import type { Buf, Core } from '../wasm/kernel.js';
import type { Path } from './path.js';

/** θ(t) through any BlendKernels (the WASM wrapper or the TS twin): one vecBlend call. */
export function pointAt(path: Path, t: number, kernels: BlendKernels): Float32Array {
  const out = new Float32Array(path.points[0].length);
  kernels.vecBlend(path.coefficients(t), path.points, out);
  return out;
}

/** A path's points uploaded once to a core; blends and distances by pointer. Call `free()` when done. */
export class PathBlender {
  readonly core: Core;
  readonly path: Path;
  /** Floats per point. */
  readonly length: number;
  readonly #points: Buf[];
  readonly #ptrs: Buf;
  readonly #coeffs: Buf;
  readonly #dist: Buf;

  constructor(core: Core, path: Path) {
    this.core = core;
    this.path = path;
    this.length = path.points[0].length;
    this.#points = path.points.map((p) => {
      const buf = core.allocF32(p.length);
      core.f32(buf).set(p);
      return buf;
    });
    this.#ptrs = core.allocU32(path.points.length);
    this.#coeffs = core.allocF32(path.points.length);
    this.#dist = core.allocF32(2); // one f64
    core.u32(this.#ptrs).set(this.#points.map((b) => b.ptr));
  }

  /** The resident point j (read-only by convention; fitting writes the bends through it). */
  point(j: number): Buf {
    return this.#points[j];
  }

  /** Writes θ(t) into `out` (a Buf of `length` floats): one WASM call. */
  blendInto(t: number, out: Buf): Float32Array {
    const c = this.path.coefficients(t);
    this.core.f32(this.#coeffs).set(c);
    this.core.invokeChecked('vec_blend', this.#ptrs.ptr, this.#coeffs.ptr, c.length, out.ptr, this.length);
    return c;
  }

  /** θ(t) copied out of WASM. */
  blend(t: number): Float32Array {
    const out = this.core.allocF32(this.length);
    try {
      this.blendInto(t, out);
      return this.core.f32(out).slice();
    } finally {
      this.core.free(out);
    }
  }

  /** ‖x − y‖ over the first `len` floats of two resident vectors (f64 accumulation). */
  distance(x: Buf, y: Buf, len = this.length): number {
    this.core.invokeChecked('vec_dist2', x.ptr, y.ptr, len, this.#dist.ptr);
    return Math.sqrt(this.core.f64(this.#dist)[0]);
  }

  /** Copies the resident points back (after fitting). */
  readPoints(): Float32Array[] {
    return this.#points.map((b) => this.core.f32(b).slice());
  }

  /** Releases the WASM copies. */
  free(): void {
    for (const b of [...this.#points, this.#ptrs, this.#coeffs, this.#dist]) this.core.free(b);
  }
}

/**
 * Cumulative arc length at each t of `ts` (ascending): d_0 = 0, d_{i+1} = d_i + ‖θ(t_{i+1}) − θ(t_i)‖,
 * over the first `prefix` floats of θ (default all; pass the trainable count to leave BatchNorm
 * buffers out, as Garipov's eval_curve measures parameters only).
 */
export function arcLength(core: Core, path: Path, ts: readonly number[], prefix?: number): number[] {
  const blender = new PathBlender(core, path);
  const a = core.allocF32(blender.length);
  const b = core.allocF32(blender.length);
  try {
    const out = [0];
    let [prev, cur] = [a, b];
    blender.blendInto(ts[0], prev);
    for (let i = 1; i < ts.length; i++) {
      blender.blendInto(ts[i], cur);
      out.push(out[i - 1] + blender.distance(prev, cur, prefix ?? blender.length));
      [prev, cur] = [cur, prev];
    }
    return out;
  } finally {
    core.free(a);
    core.free(b);
    blender.free();
  }
}
