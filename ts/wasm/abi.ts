/**
 * The exports of the core module, typed by hand with the same names and argument order as
 * crate/src/abi.rs. Pointers are byte offsets into the module's memory; every function returns a
 * status (0 = OK) unless noted.
 */

/** Status codes returned by every ABI function (crate/src/abi.rs). */
export const Status = {
  OK: 0,
  ERR_SHAPE: 1,
  ERR_ARG: 2,
  ERR_BOUNDS: 3,
  ERR_ALLOC: 4,
} as const;

/** Human-readable meaning of a status code. */
export function describeStatus(code: number): string {
  switch (code) {
    case Status.ERR_SHAPE: return 'dimensions inconsistent with each other or with a buffer length';
    case Status.ERR_ARG: return 'an argument out of its range';
    case Status.ERR_BOUNDS: return 'a pointer range null, misaligned or outside WASM memory';
    case Status.ERR_ALLOC: return 'allocation failed';
    default: return `unknown status ${code}`;
  }
}

type Ptr = number;

export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Returns a 16-byte aligned zeroed block, or 0 on failure. */
  mem_alloc(bytes: number): Ptr;
  mem_free(ptr: Ptr, bytes: number): number;
  /** Executes `unreachable` (test hook for trap recovery). */
  debug_trap(): number;

  // ---- rng, dropout, optim, blend ----
  rng_seed(state: Ptr, seed: number, stream: number): number;
  rng_u32(state: Ptr, out: Ptr, len: number): number;
  rng_uniform(state: Ptr, out: Ptr, len: number): number;
  rng_normal(state: Ptr, out: Ptr, len: number): number;
  rng_below(state: Ptr, n: number, out: Ptr, len: number): number;
  rng_permutation(state: Ptr, out: Ptr, n: number): number;
  dropout_forward(state: Ptr, x: Ptr, y: Ptr, mask: Ptr, len: number, p: number): number;
  dropout_backward(dy: Ptr, mask: Ptr, dx: Ptr, len: number): number;
  sgd_step(params: Ptr, grads: Ptr, buf: Ptr, len: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: number, first: number): number;
  adam_step(params: Ptr, grads: Ptr, m: Ptr, v: Ptr, len: number, step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number): number;
  vec_axpy(x: Ptr, y: Ptr, len: number, a: number): number;
  vec_scale(x: Ptr, len: number, a: number): number;
  /** `ptrs` is a u32 array of k pointers to vectors of `len` f32. */
  vec_blend(ptrs: Ptr, coeffs: Ptr, k: number, out: Ptr, len: number): number;
  /** Scalar results are written to an f64 at `out`. */
  vec_dot(x: Ptr, y: Ptr, len: number, out: Ptr): number;
  vec_norm2(x: Ptr, len: number, out: Ptr): number;
  vec_maxabs(x: Ptr, len: number, out: Ptr): number;
  vec_dist2(x: Ptr, y: Ptr, len: number, out: Ptr): number;
}
