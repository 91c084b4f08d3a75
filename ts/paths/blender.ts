/**
 * θ(t) = Σ_j c_j(t)·θ_j as ONE `vec_blend` call over points resident in WASM memory, and the arc
 * length Σ_i ‖θ(t_{i+1}) − θ(t_i)‖ on a grid of t's (one distance call per step).
 */
import type { BlendKernels } from '../kernels/blend.js';
import type { Buf } from '../wasm/kernel.js';
import type { ResidentOps } from '../wasm/resident.js';
import type { Path } from './path.js';

/** θ(t) through any BlendKernels (the WASM wrapper or the TS twin): one vecBlend call. */
export function pointAt(path: Path, t: number, kernels: BlendKernels): Float32Array {
  const out = new Float32Array(path.points[0].length);
  kernels.vecBlend(path.coefficients(t), path.points, out);
  return out;
}

/** A path's points uploaded once to a core; blends and distances on resident blocks. Call `free()` when done. */
export class PathBlender {
  readonly ops: ResidentOps;
  readonly path: Path;
  /** Floats per point. */
  readonly length: number;
  readonly #points: Buf[];

  constructor(ops: ResidentOps, path: Path) {
    this.ops = ops;
    this.path = path;
    this.length = path.points[0].length;
    this.#points = path.points.map((p) => {
      const buf = ops.core.allocF32(p.length);
      ops.core.f32(buf).set(p);
      return buf;
    });
  }

  /** The resident point j (read-only by convention; fitting writes the bends through it). */
  point(j: number): Buf {
    return this.#points[j];
  }

  /** Writes θ(t) into `out` (a Buf of `length` floats): one WASM call. Returns the coefficients c(t). */
  blendInto(t: number, out: Buf): Float32Array {
    const c = this.path.coefficients(t);
    this.ops.blend(this.#points, c, out, this.length);
    return c;
  }

  /** θ(t) copied out of WASM. */
  blend(t: number): Float32Array {
    const out = this.ops.core.allocF32(this.length);
    try {
      this.blendInto(t, out);
      return this.ops.core.f32(out).slice();
    } finally {
      this.ops.core.free(out);
    }
  }

  /** Copies the resident points back (after fitting). */
  readPoints(): Float32Array[] {
    return this.#points.map((b) => this.ops.core.f32(b).slice());
  }

  /** Releases the WASM copies. */
  free(): void {
    for (const b of this.#points) this.ops.core.free(b);
  }
}

/**
 * Cumulative arc length at each t of `ts` (ascending): d_0 = 0, d_{i+1} = d_i + ‖θ(t_{i+1}) − θ(t_i)‖,
 * over the first `prefix` floats of θ (default all; pass the trainable count to leave BatchNorm
 * buffers out, as Garipov's eval_curve measures parameters only).
 */
export function arcLength(ops: ResidentOps, path: Path, ts: readonly number[], prefix?: number): number[] {
  const core = ops.core;
  const blender = new PathBlender(ops, path);
  const a = core.allocF32(blender.length);
  const b = core.allocF32(blender.length);
  try {
    const out = [0];
    let [prev, cur] = [a, b];
    blender.blendInto(ts[0], prev);
    for (let i = 1; i < ts.length; i++) {
      blender.blendInto(ts[i], cur);
      out.push(out[i - 1] + ops.distance(prev, cur, prefix ?? blender.length));
      [prev, cur] = [cur, prev];
    }
    return out;
  } finally {
    core.free(a);
    core.free(b);
    blender.free();
  }
}
